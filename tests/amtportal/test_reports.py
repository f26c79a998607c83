"""The board's reports (issue 13): every figure of a small hand-counted body (tests/amtportal/report_body.py),
asserted as the administrator reads it on the page; bad periods answered with a message; who may open them;
a constant number of queries."""

import pytest
from django.urls import reverse

from tests.amtportal.report_body import TODAY, make_body
from tests.factories import make_staff
from tests.pages import assert_forbidden, assert_sign_in_asked, at, get_in_queries

FIRST_HALF = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.fixture
def body(db, time_machine):
    at(time_machine, TODAY)
    return make_body()


@pytest.fixture
def administrator(client, body):
    user = make_staff("Administrator")
    client.force_login(user)
    return user


def table_rows(response, key: str) -> list[list[str]]:
    """The rows (header cell first) of the table `key` as the page shows them."""
    table = next(table for table in response.context["report"].tables if table.key == key)
    footer = table.display_footer()
    return table.display_rows() + ([footer] if footer else [])


def report(client, slug: str, **query):
    response = client.get(reverse("reports:report", args=[slug]), query)
    assert response.status_code == 200
    return response


def test_certificants_by_status_and_credential(client, administrator):
    rows = table_rows(report(client, "certificants"), "by-status")
    # credential, Active, Lapsed (fees), Non-compliant (CCP), Must recertify, Exam required, Total
    assert rows == [
        ["MT", "2", "0", "1", "0", "0", "3"],
        ["RMA", "4", "1", "0", "0", "0", "5"],
        ["All credentials", "6", "1", "1", "0", "0", "8"],
    ]


def test_active_certifications_at_each_month_end_from_the_status_history(client, administrator):
    rows = table_rows(report(client, "certificants", **FIRST_HALF), "active-over-time")
    assert rows == [
        ["2026-01-31", "2"],
        ["2026-02-28", "3"],
        ["2026-03-31", "2"],
        ["2026-04-30", "1"],
        ["2026-05-31", "2"],
        ["2026-06-15", "2"],  # the current month, to today
    ]


def test_annual_fees_due_per_month_and_how_they_were_settled(client, administrator):
    rows = table_rows(report(client, "renewals", **FIRST_HALF), "fees-by-month")
    # month, due, amount due, on time, late, waived, refunded, unpaid
    assert rows == [
        ["2026-01", "2", "$100.00", "1", "1", "0", "0", "0"],
        ["2026-02", "0", "$0.00", "0", "0", "0", "0", "0"],
        ["2026-03", "2", "$180.00", "0", "0", "1", "0", "1"],
        ["2026-04", "0", "$0.00", "0", "0", "0", "0", "0"],
        ["2026-05", "1", "$50.00", "0", "0", "0", "1", "0"],
        ["2026-06", "0", "$0.00", "0", "0", "0", "0", "0"],
        ["Total", "5", "$330.00", "1", "1", "1", "1", "1"],
    ]


def test_renewal_rate_by_credential(client, administrator):
    rows = table_rows(report(client, "renewals", **FIRST_HALF), "renewal-rate")
    assert rows == [["MT", "2", "0", "0", "1", "50.0%"], ["RMA", "3", "1", "1", "0", "66.7%"]]


def test_revenue_by_month_and_kind_with_refunds(client, administrator):
    rows = table_rows(report(client, "revenue", **FIRST_HALF), "revenue-by-month")
    # month, annual, recertification, refunds, net
    assert rows == [
        ["2026-01", "$50.00", "$0.00", "$0.00", "$50.00"],
        ["2026-02", "$50.00", "$0.00", "$0.00", "$50.00"],
        ["2026-03", "$0.00", "$0.00", "$0.00", "$0.00"],
        ["2026-04", "$0.00", "$75.00", "$0.00", "$75.00"],
        ["2026-05", "$50.00", "$0.00", "$50.00", "$0.00"],
        ["2026-06", "$0.00", "$0.00", "$0.00", "$0.00"],
        ["Total", "$150.00", "$75.00", "$50.00", "$175.00"],
    ]


def test_lapse_forecast_by_month_and_cause(client, administrator):
    rows = table_rows(report(client, "forecast"), "lapse-forecast")
    # month, fee, CCP, total: g (June, stale), c (July), a (August), b (September, cycle end), h (November,
    # fee and cycle end the same day: the fee); d is beyond the 12 months.
    assert rows[:6] == [
        ["2026-06", "1", "0", "1"],
        ["2026-07", "1", "0", "1"],
        ["2026-08", "1", "0", "1"],
        ["2026-09", "0", "1", "1"],
        ["2026-10", "0", "0", "0"],
        ["2026-11", "1", "0", "1"],
    ]
    assert rows[6:12] == [
        [month, "0", "0", "0"] for month in ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]
    ]
    assert rows[12] == ["Next 12 months", "4", "1", "5"]


def test_ccp_compliance_at_cycle_end_and_audit_outcomes(client, administrator):
    response = report(client, "ccp")
    # year, by points, by attestation, not compliant, ended (not active), compliance rate
    assert table_rows(response, "cycle-outcomes") == [
        ["2024", "0", "0", "0", "1", "–"],
        ["2025", "1", "1", "0", "0", "100.0%"],
        ["2026", "1", "0", "1", "0", "50.0%"],
    ]
    # campaign, population, selected, passed, of which by online CE, failed, waiting, pass rate
    assert table_rows(response, "audit-outcomes") == [["2025", "10", "3", "1", "1", "1", "1", "50.0%"]]


def test_recertification_by_route_and_outcome_and_time_to_decision(client, administrator):
    response = report(client, "recertification")
    # route, submitted, waiting on review, more asked, authorized, reinstated, refused, exam failed, expired,
    # withdrawn
    assert table_rows(response, "applications") == [
        ["By CCP points", "2", "0", "0", "0", "1", "1", "0", "0", "0"],
        ["By exam", "2", "0", "0", "1", "0", "0", "0", "1", "0"],
        ["Both routes", "4", "0", "0", "1", "1", "1", "0", "1", "0"],
    ]
    assert table_rows(response, "time-to-decision") == [
        ["By CCP points", "2", "25.5", "25.5"],
        ["By exam", "1", "10.0", "10.0"],
    ]


def test_the_accreditors_annual_counts_in_one_table(client, administrator):
    rows = table_rows(report(client, "accreditor"), "annual-counts")
    # year, credential, new certifications, recertifications, lapses (2019 certifications are before 2022)
    assert rows == [
        ["2023", "MT", "1", "0", "0"],
        ["2024", "RMA", "3", "0", "0"],
        ["2025", "MT", "2", "0", "0"],
        ["2026", "MT", "0", "0", "1"],
        ["2026", "RMA", "0", "1", "1"],
        ["Total", "", "6", "1", "2"],
    ]


def test_a_year_narrows_the_period(client, administrator):
    rows = table_rows(report(client, "accreditor", year="2025"), "annual-counts")
    assert rows == [["2025", "MT", "2", "0", "0"], ["Total", "", "2", "0", "0"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "twenty"}, "is not a year the reports cover"),
        ({"start": "2026-13-01"}, "Dates are written as YYYY-MM-DD"),
        ({"start": "2026-06-01", "end": "2026-01-01"}, "The start date is after the end date"),
        ({"start": "1900-01-01"}, "A period of at most 30 years"),
    ],
)
def test_a_bad_period_is_answered_with_a_message_and_the_default_period(
    client, administrator, query, message
):
    response = report(client, "revenue", **query)
    assert message in response.content.decode()
    assert "July 1, 2025 to June 30, 2026" in response.content.decode()


def test_charts_are_data_images_with_their_table_beside_them(client, administrator):
    content = report(client, "renewals").content.decode()
    assert 'src="data:image/svg+xml;base64,' in content
    assert "The table beside it gives the same figures." in content
    assert "<caption>Annual fees due per month and how they were settled</caption>" in content
    assert '<th scope="col"' in content and '<th scope="row">2026-01</th>' in content


def test_administrators_reach_the_reports_from_the_staff_home(client, administrator):
    content = client.get(reverse("staff_home")).content.decode()
    assert reverse("reports:index") in content
    index = client.get(reverse("reports:index")).content.decode()
    for slug in ["certificants", "renewals", "revenue", "forecast", "ccp", "recertification", "accreditor"]:
        assert reverse("reports:report", args=[slug]) in index


REPORT_PAGES = ["certificants", "renewals", "revenue", "forecast", "ccp", "recertification", "accreditor"]


def report_addresses() -> list[tuple[str, str]]:
    pages = [("get", reverse("reports:index"))]
    pages += [("get", reverse("reports:report", args=[slug])) for slug in REPORT_PAGES]
    pages.append(("get", reverse("reports:export", args=["revenue", "revenue-by-month", "csv"])))
    return pages


@pytest.mark.parametrize("role", ["Billing staff", "Audit reviewer", "Recertification processor"])
def test_other_staff_roles_may_not_read_the_reports(client, seeded, role):
    assert_forbidden(client, [make_staff(role)], report_addresses(), {})
    assert reverse("reports:index") not in client.get(reverse("staff_home")).content.decode()


def test_a_visitor_is_asked_to_sign_in(client, seeded):
    assert_sign_in_asked(client, report_addresses())


def test_a_member_may_not_read_the_reports(client, body):
    client.force_login(body["a"].member.user)
    assert client.get(reverse("reports:index")).status_code == 403


def test_an_administrator_without_two_factor_is_sent_to_set_it_up(client, seeded):
    client.force_login(make_staff("Administrator", two_factor_secret=None))
    response = client.get(reverse("reports:report", args=["revenue"]))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


# Queries per page: session, user, two-factor check, permissions (warm), then the report's own aggregates.
# They do not grow with the data: each figure is one aggregate, whatever the number of members.
PAGE_QUERIES = {
    "certificants": 2,
    "renewals": 2,
    "revenue": 2,
    "forecast": 2,
    "ccp": 2,
    "recertification": 1,
    "accreditor": 4,
}


@pytest.mark.parametrize("slug", REPORT_PAGES)
def test_each_report_takes_a_fixed_number_of_queries(client, administrator, django_assert_num_queries, slug):
    from tests.amtportal.report_body import _certification
    from tests.factories import MemberFactory

    address = reverse("reports:report", args=[slug])
    overhead = 3
    get_in_queries(client, address, overhead + PAGE_QUERIES[slug], django_assert_num_queries)
    for number in range(5):  # more data, the same queries
        _certification("RMA", TODAY.replace(year=2020 + number), "active", TODAY, TODAY)
    MemberFactory()
    get_in_queries(client, address, overhead + PAGE_QUERIES[slug], django_assert_num_queries)
