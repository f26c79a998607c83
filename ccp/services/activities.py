"""Claims (activities): recording, changing and removing one. Every change is checked against the rules of
DOMAIN.md "CCP points", written with its history row (ccp.services.activity_history) and reported to the
members app, in one transaction. Documents and the attestation have their own modules."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ccp import rules, selectors
from ccp.models import Activity, ActivityCategory, ActivityChange, Cycle
from ccp.services.activity_history import history_row, shown_value
from ccp.services.cycles import certification_report_compliance, cycle_open_current
from core.formatting import format_date
from members.models import Certification, User


def overlapping_cycles(activity: Activity) -> list[Cycle]:
    """The cycles an activity counts for: those its dates fall in."""
    first, last = activity.first_day, activity.last_day
    cycles = Cycle.objects.filter(
        certification_id=activity.certification_id, start_on__lte=last or datetime.date.max
    )
    return list(cycles.filter(end_on__gte=first))


def is_locked(activity: Activity, today: datetime.date | None = None) -> bool:
    """Editable while every cycle it counts for is open and not under audit; locked after that."""
    return any(selectors.cycle_locks(cycle, activity, today) for cycle in overlapping_cycles(activity))


def _check_dates(
    *,
    category: ActivityCategory,
    completed_on: datetime.date | None,
    period_start: datetime.date | None,
    period_end: datetime.date | None,
    quantity: Decimal | None,
    today: datetime.date,
) -> None:
    if category.is_period:
        if period_start is None:
            raise ValidationError(
                {"period_start": f"{category.name} is entered as a period: give its start."}
            )
        if period_end is not None and period_end < period_start:
            raise ValidationError({"period_end": "The end of the period is before its start."})
        if period_start > today or (period_end and period_end > today):
            raise ValidationError("Dates in the future can't be claimed.")
        if category.accepted_through and period_start > category.accepted_through:
            raise ValidationError(
                f"{category.name} is accepted only through {format_date(category.accepted_through)}: "
                "this period lies wholly after that date."
            )
        return
    if completed_on is None:
        raise ValidationError({"completed_on": "Give the date you completed the activity."})
    if completed_on > today:
        raise ValidationError({"completed_on": "Dates in the future can't be claimed."})
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": f"Give a positive number of {category.unit_plural}."})
    if category.accepted_through and completed_on > category.accepted_through:
        raise ValidationError(
            f"{category.name} is accepted only through {format_date(category.accepted_through)}: "
            f"an activity completed on {format_date(completed_on)} can't be claimed."
        )


def _check_cycle(certification: Certification, first: datetime.date, last: datetime.date, today) -> Cycle:
    """The activity's dates must touch the certification's open cycle, and that cycle must not be audited."""
    if not certification.ccp_required:
        raise ValidationError("This certification is exempt from CCP: there are no points to record.")
    cycle = cycle_open_current(certification=certification, today=today)
    if cycle is None:
        raise ValidationError(
            "This certification has no open CCP cycle (it is not active), so no activity can be recorded."
        )
    if cycle.under_audit:
        raise ValidationError(
            "Your current cycle is under audit: its activities are locked until the audit ends."
        )
    if cycle.end_on < today:  # ended, closed by tonight's roll: its result is decided on its own dates
        raise ValidationError(
            f"Your cycle ended on {format_date(cycle.end_on)}: it is being closed, so nothing more can be "
            "claimed in it."
        )
    if last < cycle.start_on:
        raise ValidationError(
            f"This is before your current cycle started on {format_date(cycle.start_on)}: points earned "
            "before a cycle's start can't be claimed in it, and nothing carries over."
        )
    if first > cycle.end_on:
        raise ValidationError(
            f"This date is in no open cycle (your current cycle ends {format_date(cycle.end_on)})."
        )
    return cycle


def _check_duplicate(values: dict, exclude_id: int | None) -> None:
    same = Activity.objects.filter(
        certification=values["certification"],
        category=values["category"],
        title__iexact=values["title"],
        completed_on=values["completed_on"],
        period_start=values["period_start"],
        period_end=values["period_end"],
        quantity=values["quantity"],
        quantity_unit=values["quantity_unit"],
    ).exclude(pk=exclude_id)
    if same.exists():
        raise ValidationError("You already recorded this activity (same category, title, dates and amount).")


def _check_inside(window: rules.Window, first: datetime.date, last: datetime.date, what: str) -> None:
    """An activity recorded for an audit (behind an attestation) or a recertification application is dated
    inside that window."""
    if first < window.start or last > window.end:
        raise ValidationError(
            f"{what} runs from {format_date(window.start)} to {format_date(window.end)}: the activity must "
            "be dated inside it."
        )


def _validated(
    values: dict,
    *,
    today: datetime.date,
    exclude_id: int | None = None,
    check_duplicate: bool = True,
    inside: tuple[rules.Window, str] | None = None,
) -> dict:
    category: ActivityCategory = values["category"]
    values["title"] = (values.get("title") or "").strip()
    values["provider"] = (values.get("provider") or "").strip()
    values["quantity_unit"] = values.get("quantity_unit") or Activity.QuantityUnit.UNIT
    for criterion in ("helps_job", "advances_knowledge", "prepares_advancement"):
        values[criterion] = bool(values.get(criterion))
    if not values["title"]:
        raise ValidationError({"title": "Give the activity a title."})
    if category.is_period:
        values.update(completed_on=None, quantity=None, quantity_unit=Activity.QuantityUnit.UNIT)
    else:
        values.update(period_start=None, period_end=None)
        if values.get("quantity_unit") == Activity.QuantityUnit.QUARTER and not category.allows_quarter_hours:
            raise ValidationError({"quantity_unit": f"{category.name} is counted in {category.unit_plural}."})
    if not (
        values.get("helps_job") or values.get("advances_knowledge") or values.get("prepares_advancement")
    ):
        raise ValidationError("Confirm at least one qualifying criterion for this activity.")
    _check_dates(
        category=category,
        completed_on=values.get("completed_on"),
        period_start=values.get("period_start"),
        period_end=values.get("period_end"),
        quantity=values.get("quantity"),
        today=today,
    )
    first = values["completed_on"] or values["period_start"]
    last = values["completed_on"] or values["period_end"] or today
    if inside is not None:
        window, what = inside
        _check_inside(window, first, last, what)
        start = window.start
    else:
        start = _check_cycle(values["certification"], first, last, today).start_on
    if category.accepted_through and max(first, start) > category.accepted_through:
        raise ValidationError(
            f"{category.name} is accepted only through {format_date(category.accepted_through)}: none of "
            f"this period falls in your current cycle (from {format_date(start)}) before that date."
        )
    if check_duplicate:  # completions posted by the platform are kept unique by their external id instead
        _check_duplicate(values, exclude_id)
    return values


ACTIVITY_FIELDS = (
    "category",
    "title",
    "provider",
    "completed_on",
    "period_start",
    "period_end",
    "quantity",
    "quantity_unit",
    "helps_job",
    "advances_knowledge",
    "prepares_advancement",
)


def activity_record(
    *,
    certification: Certification,
    today: datetime.date,
    recorded_by: User | None,
    source: str = Activity.Source.MEMBER,
    external_id: str = "",
    **fields,
) -> Activity:
    """Record a claim. Raises ValidationError with a message the member can read."""
    values = {"certification": certification, **{name: fields.get(name) for name in ACTIVITY_FIELDS}}
    with transaction.atomic():
        # One change at a time per certification, and decisions on its current row, not the caller's copy.
        certification = Certification.objects.select_for_update().get(pk=certification.pk)
        values["certification"] = certification
        values = _validated(values, today=today, check_duplicate=not external_id)
        activity = Activity.objects.create(
            **values, source=source, external_id=external_id, recorded_by=recorded_by
        )
        certification_report_compliance(certification=certification, today=today, actor=recorded_by)
    return activity


def activity_record_in_audited_cycle(
    *, cycle: Cycle, today: datetime.date, recorded_by: User | None, **fields
) -> Activity:
    """Record, during an audit, an activity behind the audited cycle's attestation: dated inside that
    closed cycle. The audits app calls this; the cycle's stored result does not change."""
    if not cycle.under_audit:
        raise ValidationError("Activities can be added to a closed cycle only while it is under audit.")
    return _record_inside(
        cycle.certification,
        (cycle.window, "The audited cycle"),
        today=today,
        recorded_by=recorded_by,
        **fields,
    )


def activity_record_for_recertification(
    *,
    certification: Certification,
    window: rules.Window,
    today: datetime.date,
    recorded_by: User | None,
    **fields,
) -> Activity:
    """Record, for a recertification application by CCP, an activity dated inside its window (the years
    before the application date). No cycle is open: the certification is not active."""
    if certification.is_renewing:
        raise ValidationError("This certification is active: record activities on its CCP page.")
    return _record_inside(
        certification, (window, "Your recertification window"), today=today, recorded_by=recorded_by, **fields
    )


def _record_inside(certification, inside, *, today, recorded_by, **fields) -> Activity:
    values = {"certification": certification, **{name: fields.get(name) for name in ACTIVITY_FIELDS}}
    with transaction.atomic():
        locked = Certification.objects.select_for_update().get(pk=certification.pk)
        values["certification"] = locked
        values = _validated(values, today=today, inside=inside)
        return Activity.objects.create(**values, source=Activity.Source.MEMBER, recorded_by=recorded_by)


def _check_unlocked(activity: Activity, today: datetime.date) -> None:
    if is_locked(activity, today):
        raise ValidationError(
            "This activity counts for a cycle that is closed or under audit: it can no longer be changed "
            "(documents can still be attached)."
        )


def activity_update(*, activity: Activity, today: datetime.date, changed_by: User, **fields) -> Activity:
    """Change a claim that is not locked; one history row per field that really changed."""
    with transaction.atomic():
        Certification.objects.select_for_update().get(pk=activity.certification_id)
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        _check_unlocked(activity, today)
        before = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
        values = {**before, **{k: v for k, v in fields.items() if k in ACTIVITY_FIELDS}}
        values["certification"] = activity.certification
        values = _validated(values, today=today, exclude_id=activity.pk)
        changes = [
            history_row(
                activity,
                changed_by,
                kind=ActivityChange.Kind.CHANGED,
                field=name,
                old_value=shown_value(name, before[name]),
                new_value=shown_value(name, values[name]),
            )
            for name in ACTIVITY_FIELDS
            if before[name] != values[name]
        ]
        for name in ACTIVITY_FIELDS:
            setattr(activity, name, values[name])
        activity.save()
        _check_unlocked(activity, today)  # the new dates must not reach into a closed cycle either
        ActivityChange.objects.bulk_create(changes)
        certification_report_compliance(certification=activity.certification, today=today, actor=changed_by)
    return activity


def activity_remove(*, activity: Activity, today: datetime.date, removed_by: User) -> None:
    """Remove a claim that is not locked; its history row keeps what it was and who removed it."""
    with transaction.atomic():
        Certification.objects.select_for_update().get(pk=activity.certification_id)
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        _check_unlocked(activity, today)
        files = [document.file for document in activity.documents.all()]
        certification = activity.certification
        history_row(activity, removed_by, kind=ActivityChange.Kind.REMOVED).save()
        activity.delete()
        certification_report_compliance(certification=certification, today=today, actor=removed_by)
        transaction.on_commit(lambda: [file.delete(save=False) for file in files])
