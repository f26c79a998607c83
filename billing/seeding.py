"""Default billing configuration (DOMAIN.md "Annual renewal"), seeded by a data migration and test fixtures.

Functions take the app registry so migrations can pass their historical models.
"""

from members.seeding import role_grant

# code, name, position, anchor, offset days, by e-mail, by letter
RENEWAL_NOTICE_STEPS = [
    ("at-issue", "Renewal notice (at issue)", 1, "issue", 0, True, True),
    ("before-due", "Reminder 30 days before the due date", 2, "due", -30, True, False),
    ("due-date", "Final reminder on the due date", 3, "due", 0, True, False),
    ("lapse", "Lapse notice", 4, "lapse", 0, True, True),
]

# Billing staff (DOMAIN.md "People and rights"): invoices, offline payments, waivers, voids, refunds, reports.
BILLING_STAFF = [
    "billing.view_invoice",
    "billing.record_payment",
    "billing.settle_invoice",
    "billing.view_payment",
    "members.view_mailbatch",
    "members.download_mailbatch",
]


def seed_policy(apps):
    apps.get_model("billing", "BillingPolicy").objects.get_or_create(
        pk=1, defaults={"issue_days_before_due": 60}
    )


def seed_notice_steps(apps):
    Step = apps.get_model("billing", "RenewalNoticeStep")
    for code, name, position, anchor, offset, email, letter in RENEWAL_NOTICE_STEPS:
        Step.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "position": position,
                "anchor": anchor,
                "offset_days": offset,
                "by_email": email,
                "by_letter": letter,
            },
        )


def grant_roles(apps):
    role_grant(apps, role="Billing staff", app_labels=["members", "billing"], permissions=BILLING_STAFF)
    role_grant(apps, role="Administrator", app_labels=["billing", "members"])


def seed_all(apps):
    seed_policy(apps)
    seed_notice_steps(apps)
    grant_roles(apps)
