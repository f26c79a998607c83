"""Default audit configuration (DOMAIN.md "Annual CCP audit"), seeded by a data migration and test fixtures.

Functions take the app registry so migrations can pass their historical models.
"""

from members.seeding import role_grant

# Audit reviewers (DOMAIN.md "People and rights"): campaigns, the review queue, the documents under audit.
AUDIT_REVIEWER = ["audits.review_audit", "audits.start_campaign", "audits.view_auditcampaign"]


def seed_policy(apps):
    apps.get_model("audits", "AuditPolicy").objects.get_or_create(pk=1)


def grant_roles(apps):
    role_grant(apps, role="Audit reviewer", app_labels=["audits"], permissions=AUDIT_REVIEWER)
    role_grant(apps, role="Administrator", app_labels=["audits"])


def seed_all(apps):
    seed_policy(apps)
    grant_roles(apps)
