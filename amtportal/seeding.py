"""The composer's roles: who reads the record of the nightly runs (data migration and test fixtures)."""

from members.seeding import role_grant

# Administrators, and billing staff: the renewal notices and the mail batch are their nights too.
NIGHTLY_RUN_READERS = ["Administrator", "Billing staff"]


def seed_all(apps):
    for role in NIGHTLY_RUN_READERS:
        role_grant(apps, role=role, app_labels=["amtportal"], permissions=["amtportal.view_nightlyrun"])
    role_grant(apps, role="Administrator", app_labels=["amtportal"])
