from django.db import migrations, models

from amtportal import seeding


def forwards(apps, schema_editor):
    seeding.grant_reports(apps)


class Migration(migrations.Migration):
    dependencies = [("amtportal", "0002_grant_nightly_runs")]

    operations = [
        migrations.CreateModel(
            name="BoardReports",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                )
            ],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [("view_reports", "Can read the board's reports")],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
