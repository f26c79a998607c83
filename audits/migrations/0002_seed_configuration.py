from django.db import migrations

from audits import seeding


def forwards(apps, schema_editor):
    seeding.seed_all(apps)


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial"), ("members", "0002_seed_configuration")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
