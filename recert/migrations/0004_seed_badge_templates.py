from django.db import migrations

from recert import seeding


def forwards(apps, schema_editor):
    seeding.seed_badge_templates(apps)
    seeding.grant_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("recert", "0003_badges"), ("members", "0002_seed_configuration")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
