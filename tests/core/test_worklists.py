"""Capped counts: a work list's tab counts up to its cap and then says "1,000+"."""

import pytest
from django.template import Context, Template

from core.worklists import COUNT_CAP, capped_count
from members.models import Credential


@pytest.mark.django_db
def test_a_capped_count_counts_up_to_one_past_its_cap(seeded, django_assert_num_queries):
    # given the ten seeded credentials / when counted with caps below and above ten
    credentials = Credential.objects.all()
    with django_assert_num_queries(1):
        assert capped_count(credentials, cap=3) == 4
    # then a cap above the number counts them all
    assert capped_count(credentials, cap=50) == 10
    assert capped_count(credentials.filter(code="RMA"), cap=3) == 1


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0"), (999, "999"), (COUNT_CAP, "1,000"), (COUNT_CAP + 1, "1,000+")],
)
def test_a_tab_shows_one_thousand_plus_past_the_cap(count, shown):
    rendered = Template("{% load portal %}{{ count|capped }}").render(Context({"count": count}))
    assert rendered == shown


def test_a_tab_keeps_the_other_filters_and_starts_from_the_first_page():
    # given a list filtered by credential and a search, on page 3 of its "submitted" tab
    from django.db.models import Q
    from django.http import QueryDict

    from core.worklists import state_tabs

    params = QueryDict("state=submitted&credential=RMA&search=O%27Brien&page=3")
    states = {"submitted": ("Waiting on review", Q()), "passed": ("Passed", Q())}
    # when the tabs are built
    tabs = state_tabs(states, {"submitted": 4, "passed": 1001}, current="submitted", params=params)
    # then each links to its state with the same filters, from page 1, and the current one is marked
    assert [(tab.label, tab.count, tab.current) for tab in tabs] == [
        ("Waiting on review", 4, True),
        ("Passed", 1001, False),
    ]
    assert tabs[1].query == "state=passed&credential=RMA&search=O%27Brien"


@pytest.mark.django_db
def test_a_capped_paginator_counts_no_further_than_its_cap(seeded, django_assert_num_queries):
    # given the ten seeded credentials, three a page, counted up to five
    from core.worklists import CappedPaginator

    paginator = CappedPaginator(Credential.objects.order_by("code"), 3, cap=5)
    # when the first page is read: one query counts (capped), one reads the page
    with django_assert_num_queries(2):
        page = paginator.get_page(1)
        codes = [credential.code for credential in page.object_list]
    # then the list says six ("5+"), two pages, and the first three credentials
    assert (paginator.count, paginator.num_pages) == (6, 2)
    assert codes == ["AHI", "CLC", "CMAS"]
    # and a page past the cap is not offered: the last counted page is shown
    assert paginator.get_page(4).number == 2
