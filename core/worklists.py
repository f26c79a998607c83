"""Staff work lists (the audit queue, the recertification queue): tabs per state that keep the filters, and
counts that cost the same whatever the table's size (a tab says "1,000+" rather than counting every decision
ever made)."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.functional import cached_property

COUNT_CAP = 1000


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """How many rows, counted up to `cap` + 1 (one query: a LIMIT inside the COUNT)."""
    return queryset.order_by().values("pk")[: cap + 1].count()


class CappedPaginator(Paginator):
    """Pages of a work list that cost the same however long the list: the count stops at the cap (the page
    says "1,000+"), so the first page never counts every row. Pages past the cap are not offered; the list's
    export has every row."""

    def __init__(self, object_list: QuerySet, per_page: int, cap: int = COUNT_CAP):
        super().__init__(object_list, per_page)
        self.queryset, self.cap = object_list, cap

    @cached_property
    def count(self) -> int:
        return capped_count(self.queryset, self.cap)


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    count: int
    query: str  # the list's query string with this state, the other filters kept, from the first page
    current: bool


def state_tabs(
    states: dict[str, tuple[str, Q]], counts: dict[str, int], *, current: str, params: QueryDict
) -> list[Tab]:
    tabs = []
    for key, (label, _) in states.items():
        query = QueryDict(mutable=True)
        query["state"] = key
        for name, values in params.lists():
            if name not in ("state", "page"):
                query.setlist(name, values)
        tabs.append(Tab(key, label, counts[key], query.urlencode(), key == current))
    return tabs
