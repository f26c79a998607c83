"""Default recertification rules (DOMAIN.md "Recertification"), seeded by a data migration and test fixtures:
one rules row per credential (required points as its CCP points, the fee by CCP the annual fee + $25, by exam
$125, valid 6 months, authorization 90 days), the RMA routes' numbers, a Credly badge template per
credential, and the processors' role.

Functions take the app registry so migrations can pass their historical models.
"""

import datetime

from members.seeding import role_grant

EFFECTIVE_FROM = datetime.date(2000, 1, 1)
CCP_FEE_EXTRA_CENTS = 2500
EXAM_FEE_CENTS = 12500
EXAM_ROUTE_QUESTION = (
    "Do you meet the current eligibility requirements to sit the {code} exam (the education or work "
    "experience the body's candidate handbook lists for it)?"
)
PROCESSOR_APPLICATIONS = ["recert.process_application", "recert.view_application", "recert.view_recertrule"]
PROCESSOR = [*PROCESSOR_APPLICATIONS, "recert.view_badge"]


def seed_rules(apps):
    Credential = apps.get_model("members", "Credential")
    Rule = apps.get_model("recert", "RecertRule")
    for credential in Credential.objects.all():
        Rule.objects.get_or_create(
            credential=credential,
            effective_from=EFFECTIVE_FROM,
            defaults={
                "required_points": credential.ccp_points_required,
                "ccp_fee_cents": credential.annual_fee_cents + CCP_FEE_EXTRA_CENTS,
                "exam_fee_cents": EXAM_FEE_CENTS,
                "exam_route_question": ""
                if credential.code == "RMA"
                else EXAM_ROUTE_QUESTION.format(code=credential.code),
            },
        )
    apps.get_model("recert", "RmaRoutes").objects.get_or_create(effective_from=EFFECTIVE_FROM)


def seed_badge_templates(apps):
    """A placeholder Credly template id per credential (data), for administrators to replace."""
    from recert.models.badges import default_template_id

    Credential = apps.get_model("members", "Credential")
    Template = apps.get_model("recert", "BadgeTemplate")
    for credential in Credential.objects.all():
        Template.objects.get_or_create(
            credential=credential, defaults={"template_id": default_template_id(credential.code)}
        )


def grant_roles(apps, *, processor: list[str] = PROCESSOR):
    role_grant(apps, role="Recertification processor", app_labels=["recert"], permissions=processor)
    role_grant(apps, role="Administrator", app_labels=["recert"])


def seed_all(apps):
    seed_rules(apps)
    seed_badge_templates(apps)
    grant_roles(apps)
