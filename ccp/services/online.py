"""The body's own online CE, recorded automatically (DOMAIN.md "CCP points"): completions posted by its
learning platform (ccp.api) or imported from a CSV file (ccp.services.online_import).

A completion is identified by its course id and completion date (the activity's external id), per
certification: posting or importing it again records nothing new, also when two requests race (the
certification rows are locked, and the unique constraint on certification + source + external id is the
last word).
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ccp.models import Activity, ActivityCategory, Cycle
from ccp.services.activities import activity_record
from ccp.services.cycles import cycle_open_current
from core.formatting import format_date
from core.http_guard import is_storable
from members.models import Certification, Member

PROVIDER = "AMT online CE"
CATEGORY_CODE = "professional-education"
MAX_COURSE_ID_LENGTH = 100
MAX_TITLE_LENGTH = 200
MAX_CONTACT_HOURS = Decimal("999999.99")  # what the quantity column holds


class OnlineCompletionError(Exception):
    """Why a completion was not recorded: a code for the learning platform and a message for people.

    Codes: "invalid" (a missing or bad value), "member_not_found", "certification_not_found" (no
    certification that requires CCP points, or not the one named), "outside_cycle" (the date is in no open
    cycle), "under_audit" (the cycle containing the date is locked by an audit).
    """

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


# --- Values as posted or imported --------------------------------------------------------------------


def _text(values: Mapping[str, Any], name: str, *, numbers_allowed: bool = False) -> str:
    value = values.get(name)
    if numbers_allowed and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # member numbers and course ids are digits: a JSON number is fine
    if value is None or (isinstance(value, str) and not value.strip()):
        raise OnlineCompletionError("invalid", f"{name} is missing.")
    if not isinstance(value, str):
        raise OnlineCompletionError("invalid", f"{name} must be a string.")
    if not is_storable(value):
        raise OnlineCompletionError(
            "invalid", f"{name} contains characters that are not allowed (NUL or invalid Unicode)."
        )
    return value.strip()


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise OnlineCompletionError("invalid", f"completed_on {text!r} is not a date (YYYY-MM-DD).") from None


def _hours(value: Any) -> Decimal:
    if value is None or value == "":
        raise OnlineCompletionError("invalid", "contact_hours is missing.")
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise OnlineCompletionError("invalid", "contact_hours must be a number.")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise OnlineCompletionError("invalid", f"contact_hours {value!r} is not a number.") from None


def completion_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of `online_completion_record` (without `today`) from posted JSON or a CSV row:
    member_number, course_id, title, completed_on (YYYY-MM-DD), contact_hours, optionally credential."""
    credential = values.get("credential")
    return {
        "member_number": _text(values, "member_number", numbers_allowed=True),
        "course_id": _text(values, "course_id", numbers_allowed=True),
        "title": _text(values, "title"),
        "completed_on": _date(_text(values, "completed_on")),
        "contact_hours": _hours(values.get("contact_hours")),
        "credential_code": _text(values, "credential") if credential not in (None, "") else None,
    }


def _check(*, course_id: str, title: str, completed_on: datetime.date, hours: Decimal, today) -> None:
    if not course_id or len(course_id) > MAX_COURSE_ID_LENGTH:
        raise OnlineCompletionError("invalid", f"course_id must be 1 to {MAX_COURSE_ID_LENGTH} characters.")
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise OnlineCompletionError("invalid", f"title must be 1 to {MAX_TITLE_LENGTH} characters.")
    if completed_on > today:
        raise OnlineCompletionError("invalid", f"completed_on {completed_on} is in the future.")
    if not hours.is_finite() or hours <= 0 or hours > MAX_CONTACT_HOURS:
        raise OnlineCompletionError("invalid", f"contact_hours must be a positive number, not {hours}.")
    if hours != hours.quantize(Decimal("0.01")):
        raise OnlineCompletionError("invalid", f"contact_hours {hours} has more than two decimal places.")


# --- Recording -----------------------------------------------------------------------------------------


def _certifications(member_number: str, credential_code: str | None) -> list[Certification]:
    """The member's certifications that require CCP points (only the one named, if any), locked so that
    one completion of a member is recorded at a time."""
    if not Member.objects.filter(member_number=member_number).exists():
        raise OnlineCompletionError("member_not_found", f"There is no member number {member_number}.")
    held = list(
        Certification.objects.select_for_update(of=("self",))
        .select_related("credential")
        .filter(member__member_number=member_number)
        .order_by("pk")
    )
    if credential_code:
        held = [c for c in held if c.credential.code.casefold() == credential_code.casefold()]
        if not held:
            raise OnlineCompletionError(
                "certification_not_found", f"Member {member_number} holds no {credential_code} certification."
            )
    required = [certification for certification in held if certification.ccp_required]
    if not required:
        raise OnlineCompletionError(
            "certification_not_found",
            f"Member {member_number} holds no certification that requires CCP points"
            + (f" ({credential_code} is exempt)." if credential_code else "."),
        )
    return required


def _already_recorded(certification: Certification, *, external_id: str, claim: dict) -> Activity | None:
    """This completion on this certification: posted before, or recorded by hand (same category, title,
    date and hours: recording it again would count it twice)."""
    online = Activity.objects.filter(
        certification=certification, source=Activity.Source.ONLINE, external_id=external_id
    ).first()
    return online or (
        Activity.objects.exclude(source=Activity.Source.ONLINE)
        .filter(
            certification=certification,
            category=claim["category"],
            title__iexact=claim["title"],
            completed_on=claim["completed_on"],
            quantity=claim["quantity"],
            quantity_unit=Activity.QuantityUnit.UNIT,
        )
        .order_by("pk")
        .first()
    )


def _marked(activity: Activity, *, created: bool) -> Activity:
    activity.created = created
    return activity


def _record(certification: Certification, *, external_id: str, claim: dict, today) -> Activity:
    try:
        with transaction.atomic():
            activity = activity_record(
                certification=certification,
                today=today,
                recorded_by=None,
                source=Activity.Source.ONLINE,
                external_id=external_id,
                **claim,
            )
    except IntegrityError:
        existing = Activity.objects.filter(
            certification=certification, source=Activity.Source.ONLINE, external_id=external_id
        ).first()
        if existing is None:
            raise
        return _marked(existing, created=False)  # recorded meanwhile by a concurrent request
    except ValidationError as error:
        raise OnlineCompletionError("invalid", " ".join(error.messages)) from None
    return _marked(activity, created=True)


def _cycle_text(cycle: Cycle | None) -> str:
    if cycle is None:
        return "no open cycle (the certification is not active)"
    return f"open cycle {format_date(cycle.start_on)} to {format_date(cycle.end_on)}"


def _not_recorded(
    completed_on: datetime.date,
    member_number: str,
    certifications: list[Certification],
    cycles: dict[int, Cycle | None],
) -> OnlineCompletionError:
    if any(
        cycle and cycle.under_audit and cycle.start_on <= completed_on <= cycle.end_on
        for cycle in cycles.values()
    ):
        return OnlineCompletionError(
            "under_audit",
            f"The cycle containing {format_date(completed_on)} is under audit: its activities are locked.",
        )
    where = "; ".join(
        f"{certification.credential.code}: {_cycle_text(cycles[certification.pk])}"
        for certification in certifications
    )
    return OnlineCompletionError(
        "outside_cycle",
        f"{format_date(completed_on)} is in no open CCP cycle of member {member_number} ({where}).",
    )


def _claim(*, title: str, completed_on: datetime.date, contact_hours: Decimal) -> dict[str, Any]:
    category = ActivityCategory.objects.filter(code=CATEGORY_CODE).first()
    if category is None:  # categories are data: say so instead of failing with a server error
        raise OnlineCompletionError(
            "configuration",
            f"No activity category has the code {CATEGORY_CODE!r} for online CE: ask an administrator.",
        )
    return {
        "category": category,
        "title": title,
        "provider": PROVIDER,
        "completed_on": completed_on,
        "quantity": contact_hours,
        "helps_job": True,  # the body's own CE qualifies
        "advances_knowledge": True,
    }


def online_completion_record(
    *,
    member_number: str,
    course_id: str,
    title: str,
    completed_on: datetime.date,
    contact_hours: Decimal,
    today: datetime.date,
    credential_code: str | None = None,
) -> list[Activity]:
    """Record a completion of the body's online CE as Professional education on each of the member's
    CCP-required certifications whose open cycle contains the completion date (only the credential named,
    if any). Returns the activities holding it, each with `created` False when it was already recorded.
    Raises OnlineCompletionError."""
    member_number, course_id, title = member_number.strip(), course_id.strip(), title.strip()
    _check(course_id=course_id, title=title, completed_on=completed_on, hours=contact_hours, today=today)
    external_id = f"{course_id}:{completed_on.isoformat()}"
    claim = _claim(title=title, completed_on=completed_on, contact_hours=contact_hours)
    with transaction.atomic():
        certifications = _certifications(member_number, credential_code)
        recorded, cycles = [], {}
        for certification in certifications:
            if existing := _already_recorded(certification, external_id=external_id, claim=claim):
                recorded.append(_marked(existing, created=False))
                continue
            cycle = cycles[certification.pk] = cycle_open_current(certification=certification, today=today)
            if cycle and not cycle.under_audit and cycle.start_on <= completed_on <= cycle.end_on:
                recorded.append(_record(certification, external_id=external_id, claim=claim, today=today))
        if recorded:
            return recorded
    raise _not_recorded(completed_on, member_number, certifications, cycles)
