from django.db import migrations

# Audit reviewers and recertification processors read members' CE history; billing staff do not
# (DOMAIN.md "People and rights"). Administrators already hold every CCP permission.
ROLES = ["Audit reviewer", "Recertification processor"]
CODENAMES = ["view_cycle", "view_activity", "view_activitydocument", "view_attestation"]


def forwards(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    create_permissions(global_apps.get_app_config("ccp"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="ccp", codename__in=CODENAMES)
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("ccp", "0003_notice_days_validated")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
