"""Bulk import of newly certified members from the exam system's CSV export."""

import csv
import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from members.models import Credential, Member, User
from members.services.certifications import certification_create
from members.services.profiles import member_create

REQUIRED_COLUMNS = ("member_number", "first_name", "last_name", "email", "credential", "certified_on")
OPTIONAL_COLUMNS = (
    "middle_name",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country",
)


class ImportFailed(Exception):
    """The file had bad rows; nothing was imported. `errors` holds (line number, message) pairs."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__(f"{len(errors)} row(s) with errors; nothing was imported.")


@dataclass
class ImportReport:
    members_created: list[str] = field(default_factory=list)
    certifications_created: list[str] = field(default_factory=list)


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
    return " ".join(error.messages)


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
        member = member_create(
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
    certification_create(
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
    reader = csv.DictReader(io.StringIO(text))
    absent = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
    if absent:
        raise ImportFailed([(1, f"the header lacks the column(s) {', '.join(absent)}")])
    report, errors = ImportReport(), []
    with transaction.atomic():
        for row in reader:
            try:
                with transaction.atomic():
                    _import_row(row, today=today, actor=actor, report=report)
            except ValidationError as error:
                errors.append((reader.line_num, _messages(error)))
        if not report.certifications_created and not errors:
            errors.append((1, "the file has no rows"))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return report
