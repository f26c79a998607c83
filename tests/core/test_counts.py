"""Capped counts: a work list's tab counts up to its cap and then says "1,000+"."""

import pytest
from django.template import Context, Template

from core.counts import COUNT_CAP, capped_count
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
