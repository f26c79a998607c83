"""Default configuration data (DOMAIN.md), seeded by a data migration and re-seeded by test fixtures.

Functions take the app registry so migrations can pass their historical models.
"""

CREDENTIALS = [
    # code, name, CCP points per cycle, annual fee in cents
    ("RMA", "Registered Medical Assistant", 30, 5000),
    ("RDA", "Registered Dental Assistant", 30, 5000),
    ("CMAS", "Certified Medical Administrative Specialist", 30, 5000),
    ("CMLA", "Certified Medical Laboratory Assistant", 30, 5000),
    ("RPT", "Registered Phlebotomy Technician", 24, 5000),
    ("AHI", "Allied Health Instructor", 30, 3000),
    ("MDT", "Molecular Diagnostics Technologist", 36, 9000),
    ("MT", "Medical Technologist", 45, 9000),
    ("MLT", "Medical Laboratory Technician", 45, 9000),
    ("CLC", "Certified Laboratory Consultant", 45, 9000),
]

# Staff roles (DOMAIN.md "People and rights"): group name -> permission codenames ("app_label.codename").
# Later apps add their own permissions to these groups in their migrations.
ROLES = {
    "Billing staff": ["members.search_members", "members.view_member", "members.view_certification"],
    "Audit reviewer": ["members.search_members", "members.view_member", "members.view_certification"],
    "Recertification processor": [
        "members.search_members",
        "members.view_member",
        "members.view_certification",
    ],
    "Administrator": "__all__",
}


def seed_credentials(apps):
    Credential = apps.get_model("members", "Credential")
    for code, name, points, fee_cents in CREDENTIALS:
        Credential.objects.get_or_create(
            code=code, defaults={"name": name, "ccp_points_required": points, "annual_fee_cents": fee_cents}
        )


def seed_policy(apps):
    apps.get_model("members", "CertificationPolicy").objects.get_or_create(pk=1, defaults={"grace_days": 0})


def _create_permissions(apps, app_labels) -> None:
    """The permission rows of these apps, which Django otherwise writes only after all migrations ran."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for label in app_labels:
        create_permissions(global_apps.get_app_config(label), apps=apps, verbosity=0)


def role_grant(apps, *, role: str, app_labels: list[str], permissions: list[str] | None = None) -> None:
    """Give a role group ("app_label.codename") `permissions` of these apps, or all of their permissions
    when None. Each app's data migration grants its own permissions this way."""
    _create_permissions(apps, app_labels)
    Permission = apps.get_model("auth", "Permission")
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=role)
    if permissions is None:
        group.permissions.add(*Permission.objects.filter(content_type__app_label__in=app_labels))
        return
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def seed_roles(apps):
    from django.apps import apps as global_apps

    labels = [app_config.label for app_config in global_apps.get_app_configs()]
    _create_permissions(apps, labels)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        if codenames == "__all__":
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(Permission.objects.all())
            continue
        role_grant(apps, role=name, app_labels=[], permissions=list(codenames))


# DOMAIN.md "People and rights": billing staff fix members' mailing addresses (mail-batch exceptions).
ADDRESS_FIXERS = ["Billing staff", "Administrator"]


def grant_address_fixing(apps):
    for role in ADDRESS_FIXERS:
        role_grant(apps, role=role, app_labels=["members"], permissions=["members.fix_mailing_address"])


def seed_all(apps):
    seed_credentials(apps)
    seed_policy(apps)
    seed_roles(apps)
    grant_address_fixing(apps)
