"""The composer's roles: who reads the record of the nightly runs and the board's reports (data migrations and
test fixtures)."""

from members.seeding import role_grant

# Administrators, and billing staff: the renewal notices and the mail batch are their nights too.
NIGHTLY_RUN_READERS = ["Administrator", "Billing staff"]


def seed_all(apps):
    """Every grant of the composer (the test fixtures re-seed a flushed database through this)."""
    grant_nightly_runs(apps)
    grant_reports(apps)


def grant_nightly_runs(apps):
    for role in NIGHTLY_RUN_READERS:
        role_grant(apps, role=role, app_labels=["amtportal"], permissions=["amtportal.view_nightlyrun"])
    role_grant(apps, role="Administrator", app_labels=["amtportal"])


# The board's reports (issue 13): administrators only.
REPORT_READERS = ["Administrator"]


def grant_reports(apps):
    for role in REPORT_READERS:
        role_grant(apps, role=role, app_labels=["amtportal"], permissions=["amtportal.view_reports"])
