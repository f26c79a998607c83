from django.db import migrations

from recert import seeding


def forwards(apps, schema_editor):
    seeding.seed_rules(apps)  # the badge templates come with their table (0004)
    seeding.grant_roles(apps, processor=seeding.PROCESSOR_APPLICATIONS)


class Migration(migrations.Migration):
    dependencies = [("recert", "0001_initial"), ("members", "0002_seed_configuration")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
