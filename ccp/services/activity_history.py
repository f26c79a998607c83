"""The change history of activities: how an edit or a removal is written down (who, when, which field, the
old and the new value as text, and the activity in words), so the history reads true after the activity
itself has changed or gone. The services in ccp.services.activities write these rows in their transaction."""

import datetime
from decimal import Decimal

from ccp.models import Activity, ActivityChange
from core import clock
from core.formatting import format_date, format_points
from members.models import User


def shown_value(name: str, value) -> str:
    """A field's value as the history shows it (kept as text: it outlives the activity)."""
    if name == "quantity_unit":
        return str(Activity.QuantityUnit(value).label)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, Decimal):
        return format_points(value, decimals="significant")
    return str(value)


def _described(activity: Activity) -> str:
    """The activity in words for its history: title and dates."""
    if activity.completed_on:
        return f"{activity.title} ({format_date(activity.completed_on)})"
    start = format_date(activity.period_start)
    if activity.period_end is None:
        return f"{activity.title} (since {start}, ongoing)"
    return f"{activity.title} ({start} to {format_date(activity.period_end)})"


def history_row(activity: Activity, changed_by: User, **fields) -> ActivityChange:
    """An unsaved history row of the activity: who changed it and when, with `fields` saying what."""
    return ActivityChange(
        certification_id=activity.certification_id,
        activity_pk=activity.pk,
        activity_description=_described(activity),
        changed_by=changed_by,
        changed_at=clock.now(),
        **fields,
    )
