"""The batch jobs' plumbing: ids in chunks, a transaction per chunk, many changed rows written at once."""

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from django.db import connection, models, transaction
from django.db.models import Max, Min

T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def id_ranges(queryset: models.QuerySet, width: int) -> list[list[int]]:
    """The rows of `queryset` as consecutive primary-key ranges [first, last] (inclusive) of `width` ids:
    the chunks of a job fanned out over workers, cheap to plan (one query) and covering every row once,
    including rows written meanwhile inside the span. Ranges may hold fewer rows where ids have gaps."""
    bounds = queryset.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return []
    return [
        [start, min(start + width - 1, bounds["last"])]
        for start in range(bounds["first"], bounds["last"] + 1, width)
    ]


def ranges_of(ids: Sequence[int], size: int) -> list[list[int]]:
    """Sorted `ids` as ranges [first, last] of at most `size` of them each (the exact rows of a plan)."""
    return [[chunk[0], chunk[-1]] for chunk in chunked(ids, size)]


def run_in_chunks(ids: Sequence[T], chunk_size: int, handle_chunk: Callable[[list[T]], int | None]) -> int:
    """Call `handle_chunk` on each chunk of `ids` in a transaction of its own; returns the sum of what it
    returns (None counts 0). A run killed half-way keeps the chunks it committed; the handlers select their
    rows again by state (and lock them), so a rerun, or a second run at once, does nothing twice."""
    done = 0
    for chunk in chunked(ids, chunk_size):
        with transaction.atomic():
            done += handle_chunk(list(chunk)) or 0
    return done


def bulk_update_rows(model: type[models.Model], objects: list, field_names: list[str]) -> None:
    """Write `field_names` of `objects` (already locked by the caller).

    On PostgreSQL one UPDATE ... FROM (VALUES ...): Django's bulk_update builds a CASE branch per row and
    field in Python, which was most of the time of the daily jobs. Elsewhere, bulk_update in small batches.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, field_names, batch_size=100)
        return
    concrete = {field.name: field for field in model._meta.concrete_fields}
    fields = [model._meta.pk, *(concrete[name] for name in field_names)]
    row = "(" + ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields) + ")"
    values = [
        field.get_db_prep_value(field.value_from_object(obj), connection)
        for obj in objects
        for field in fields
    ]
    key, *columns = [connection.ops.quote_name(str(field.column)) for field in fields]
    assignments = ", ".join(f"{column} = v.{column}" for column in columns)
    rows = ", ".join([row] * len(objects))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(model._meta.db_table)} AS t SET {assignments} "
            f"FROM (VALUES {rows}) AS v({key}, {', '.join(columns)}) WHERE t.{key} = v.{key}",
            values,
        )
