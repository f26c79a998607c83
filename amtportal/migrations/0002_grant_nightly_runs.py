from django.db import migrations

from amtportal import seeding


def forwards(apps, schema_editor):
    seeding.grant_nightly_runs(apps)


class Migration(migrations.Migration):
    dependencies = [("amtportal", "0001_nightly_runs"), ("members", "0002_seed_configuration")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
