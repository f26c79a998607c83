"""The attestation: a member signs, in the open cycle, that the required points were earned (subject to
audit) instead of listing them. The statement signed is built here too, so the page shows the same words
that are stored with the signature."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from ccp.models import Attestation, Cycle
from ccp.services.cycles import certification_report_compliance
from core import clock
from core.formatting import format_date, format_points
from members.models import User


def attestation_statement(cycle: Cycle, signed_on: datetime.date) -> str:
    """What the member signs: points earned from the cycle's start up to the day of signing."""
    credential = cycle.certification.credential
    return ATTESTATION_STATEMENT.format(
        points=format_points(credential.ccp_points_required, decimals="significant"),
        credential=credential.code,
        start=format_date(cycle.start_on),
        end=format_date(min(signed_on, cycle.end_on)),
    )


ATTESTATION_STATEMENT = (
    "I attest that I earned at least {points} CCP points of qualifying continuing education for my "
    "{credential} certification between {start} and {end}, that each activity meets at least one of the "
    "qualifying criteria, and that I will provide proof if my cycle is selected for audit."
)


def cycle_attest(*, cycle: Cycle, signed_name: str, today: datetime.date, user: User) -> Attestation:
    """The member signs that the required points were earned in the open cycle (subject to audit)."""
    member = cycle.certification.member
    with transaction.atomic():
        cycle = (
            Cycle.objects.select_for_update(of=("self",))
            .select_related("certification__credential")
            .get(pk=cycle.pk)
        )
        if not cycle.certification.is_renewing:
            raise ValidationError("This certification is not active: its cycle can no longer be attested.")
        if not cycle.is_open or cycle.under_audit or cycle.end_on < today:
            raise ValidationError(
                "Only an open cycle that has not ended and is not under audit can be attested."
            )
        if Attestation.objects.filter(cycle=cycle).exists():
            raise ValidationError("This cycle is already attested.")
        if not member.signs_as(signed_name):
            raise ValidationError(
                {"signed_name": f"Type your full legal name as on your certification: {member.full_name}."}
            )
        attestation = Attestation.objects.create(
            cycle=cycle,
            signed_name=" ".join(signed_name.split()),
            statement=attestation_statement(cycle, today),
            signed_on=today,
            signed_at=clock.now(),
            signed_by=user,
        )
        certification_report_compliance(certification=cycle.certification, today=today, actor=user)
    return attestation
