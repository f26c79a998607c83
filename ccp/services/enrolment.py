"""Where certifications start: a new certification (one by one, or the exam system's CSV export in bulk)
and a reinstatement, each with its current CCP cycle opened in the same transaction.

Certifications and their status belong to the members app; the cycle to this one. Starting both here keeps
the layers one-way (members knows nothing of cycles) and means no page ever has to open a missing cycle.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ccp.services.cycles import cycle_open_current
from core.csv_import import csv_import_all_or_nothing
from members import services as member_services
from members.models import MAILING_ADDRESS_FIELDS, Certification, Credential, Member, User


def certification_enrol(
    *,
    member: Member,
    credential: Credential,
    certified_on: datetime.date,
    today: datetime.date,
    actor: User | None = None,
    source: str,
) -> Certification:
    """A new certification (members' `certification_create`) with its current CCP cycle open."""
    with transaction.atomic():
        certification = member_services.certification_create(
            member=member,
            credential=credential,
            certified_on=certified_on,
            today=today,
            actor=actor,
            source=source,
        )
        cycle_open_current(certification=certification, today=today)
        return certification


def certification_reenrol(
    *,
    certification: Certification,
    reinstated_on: datetime.date,
    actor: User | None,
    source: str,
) -> Certification:
    """A reinstatement (members' `certification_reinstate`) with the new anchor's first cycle open."""
    with transaction.atomic():
        certification = member_services.certification_reinstate(
            certification=certification, reinstated_on=reinstated_on, actor=actor, source=source
        )
        cycle_open_current(certification=certification, today=reinstated_on)
        return certification


# --- The exam system's CSV export ------------------------------------------------------------------------

REQUIRED_COLUMNS = ("member_number", "first_name", "last_name", "email", "credential", "certified_on")
OPTIONAL_COLUMNS = ("middle_name", "phone", *MAILING_ADDRESS_FIELDS)


@dataclass
class ImportReport:
    members_created: list[str] = field(default_factory=list)
    certifications_created: list[str] = field(default_factory=list)


def _import_row(row: dict, *, today: datetime.date, actor: User | None, report: ImportReport) -> None:
    missing = [column for column in REQUIRED_COLUMNS if not (row.get(column) or "").strip()]
    if missing:
        raise ValidationError(f"missing {', '.join(missing)}")
    values = {column: (row.get(column) or "").strip() for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    try:
        certified_on = datetime.date.fromisoformat(values["certified_on"])
    except ValueError:
        raise ValidationError(f"certified_on {values['certified_on']!r} is not a date (YYYY-MM-DD)") from None
    credential = Credential.objects.filter(code__iexact=values["credential"]).first()
    if credential is None:
        raise ValidationError(f"unknown credential {values['credential']!r}")

    member = Member.objects.filter(member_number=values["member_number"]).select_related("user").first()
    if member is None:
        contact: dict[str, Any] = {column: values[column] for column in OPTIONAL_COLUMNS if values[column]}
        member = member_services.member_create(
            member_number=values["member_number"],
            email=values["email"],
            first_name=values["first_name"],
            last_name=values["last_name"],
            **contact,
        )
        report.members_created.append(member.member_number)
    elif member.user.email.lower() != values["email"].lower():
        raise ValidationError(
            f"member {member.member_number} exists with another e-mail address ({member.user.email})"
        )
    certification_enrol(
        member=member,
        credential=credential,
        certified_on=certified_on,
        today=today,
        actor=actor,
        source="CSV import",
    )
    report.certifications_created.append(f"{member.member_number} {credential.code}")


def members_import_csv(*, text: str, today: datetime.date, actor: User | None = None) -> ImportReport:
    """Import every row or none: each bad row is reported with its line number, then all is rolled back.

    A row is a certification; a member holding several credentials has one row per credential.
    """
    report = ImportReport()
    csv_import_all_or_nothing(
        text=text,
        required_columns=REQUIRED_COLUMNS,
        import_row=lambda row: _import_row(row, today=today, actor=actor, report=report),
    )
    return report
