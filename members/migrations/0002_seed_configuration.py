from django.db import migrations

from members import seeding


def forwards(apps, schema_editor):
    seeding.seed_credentials(apps)
    seeding.seed_policy(apps)
    seeding.seed_roles(apps)  # later permissions are granted by the migrations that add them


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
