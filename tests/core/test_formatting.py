"""core.formatting and its template filters: one way to read a date and a number of points, everywhere."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from core.formatting import format_date, format_date_time, format_points

D = datetime.date


@pytest.mark.parametrize(
    ("day", "long", "short"),
    [
        (D(2026, 11, 29), "November 29, 2026", "Nov 29, 2026"),
        (D(2020, 2, 29), "February 29, 2020", "Feb 29, 2020"),
        (D(2021, 1, 1), "January 1, 2021", "Jan 1, 2021"),  # no leading zero on the day
        (D(999, 5, 3), "May 3, 999", "May 3, 999"),
    ],
)
def test_a_date_reads_month_day_year(day, long, short):
    assert format_date(day) == long
    assert format_date(day, abbreviated=True) == short


@pytest.mark.parametrize(
    ("value", "two", "unless_whole", "significant"),
    [
        (Decimal("12.50"), "12.50", "12.50", "12.5"),
        (Decimal("30.00"), "30.00", "30", "30"),
        (Decimal("30"), "30.00", "30", "30"),
        (Decimal("100"), "100.00", "100", "100"),  # never "1E+2"
        (Decimal("4.01"), "4.01", "4.01", "4.01"),
        (Decimal("0.00"), "0.00", "0", "0"),
        (Decimal("0"), "0.00", "0", "0"),
        (Decimal("0.005"), "0.01", "0.01", "0.005"),  # rounds half up, like the points engine
        (24, "24.00", "24", "24"),
    ],
)
def test_points_read_with_two_places_unless_asked_otherwise(value, two, unless_whole, significant):
    assert format_points(value) == two
    assert format_points(value, decimals="unless_whole") == unless_whole
    assert format_points(value, decimals="significant") == significant


@given(st.decimals(min_value=0, max_value=100_000, places=2))
def test_every_style_reads_back_as_the_same_number(value):
    for decimals in ("two", "unless_whole", "significant"):
        text = format_points(value, decimals=decimals)
        assert "E" not in text
        assert Decimal(text) == value


def render(source: str, **context) -> str:
    return Template("{% load portal %}" + source).render(Context(context))


def test_the_template_filters_are_the_same_functions():
    day, value = D(2026, 11, 29), Decimal("12.50")
    assert render("{{ day|long_date }}", day=day) == format_date(day)
    assert render("{{ day|short_date }}", day=day) == format_date(day, abbreviated=True)
    assert render("{{ value|points }}", value=value) == "12.50"
    assert render('{{ value|points:"unless_whole" }}', value=Decimal("30.00")) == "30"
    assert render('{{ value|points:"significant" }}', value=value) == "12.5"


def test_an_empty_value_renders_empty_so_a_default_can_follow():
    assert render('{{ day|long_date|default:"Not active" }}', day=None) == "Not active"
    assert render("{{ day|short_date }}", day=None) == ""
    assert render('{{ cap|points:"unless_whole"|default:"none" }}', cap=None) == "none"


CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (datetime.datetime(2026, 11, 29, 10, 42, tzinfo=CHICAGO), "November 29, 2026, 10:42 AM CST"),
        (datetime.datetime(2026, 7, 1, 15, 5, tzinfo=CHICAGO), "July 1, 2026, 3:05 PM CDT"),
        (datetime.datetime(2026, 1, 1, 0, 5, tzinfo=CHICAGO), "January 1, 2026, 12:05 AM CST"),  # midnight
        (datetime.datetime(2026, 1, 1, 12, 0, tzinfo=CHICAGO), "January 1, 2026, 12:00 PM CST"),  # noon
    ],
)
def test_a_moment_reads_date_then_time_and_zone(moment, words):
    assert format_date_time(moment) == words


def test_the_long_date_time_filter_shows_a_utc_moment_in_the_portal_time_zone(settings):
    settings.TIME_ZONE = "America/Chicago"
    moment = datetime.datetime(2026, 11, 29, 16, 42, tzinfo=datetime.UTC)

    rendered = Template("{% load portal %}{{ moment|long_date_time }}").render(Context({"moment": moment}))

    assert rendered == "November 29, 2026, 10:42 AM CST"
