"""Counts that cost the same whatever the table's size: a work list's tab says "1,000+" rather than
counting every decision ever made."""

from django.db.models import QuerySet

COUNT_CAP = 1000


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """How many rows, counted up to `cap` + 1 (one query: a LIMIT inside the COUNT)."""
    return queryset.order_by().values("pk")[: cap + 1].count()
