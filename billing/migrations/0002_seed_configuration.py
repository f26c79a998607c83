from django.db import migrations

from billing import seeding


def forwards(apps, schema_editor):
    seeding.seed_all(apps)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("members", "0003_mail_batches")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
