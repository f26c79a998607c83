"""Certifications lapsing in the next 30/60/90 days and why (the composer's work list), and each role's staff
home with its work lists and the count of work in each."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from amtportal.lapsing import LapsingFilters, lapsing_certifications, lapsing_rows
from billing import services as billing_services
from ccp.services import cycles_open_missing
from tests.factories import MemberFactory, make_certification, make_staff
from tests.pages import assert_sign_in_asked, assert_two_factor_setup_asked, get_in_queries, page_text

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 20)
LAPSING = reverse("lapsing_certifications")
EVIL = "=1+2"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 20, 15, tzinfo=datetime.UTC))


def certified(first_name: str, *, certified_on: datetime.date, paid_through: datetime.date, code="RMA"):
    member = MemberFactory(first_name=first_name, last_name="Lee")
    return make_certification(
        member, code=code, certified_on=certified_on, today=TODAY, paid_through=paid_through
    )


@pytest.fixture
def body():
    """Fay's fee is due May 31 (last Active day May 31); Pat's CCP cycle ends June 14 with no points; Lou's
    fee is due July 31; Ned's fee lapsed in April; Far's fee is due in November."""
    rows = {
        "fay": certified(
            "Fay", certified_on=datetime.date(2019, 5, 14), paid_through=datetime.date(2026, 4, 30)
        ),
        "pat": certified(
            EVIL, certified_on=datetime.date(2020, 6, 15), paid_through=datetime.date(2026, 5, 31)
        ),
        "lou": certified(
            "Lou", certified_on=datetime.date(2019, 7, 14), paid_through=datetime.date(2026, 6, 30)
        ),
        "ned": certified(
            "Ned", certified_on=datetime.date(2019, 3, 14), paid_through=datetime.date(2026, 2, 28)
        ),
        "far": certified(
            "Far", certified_on=datetime.date(2019, 12, 14), paid_through=datetime.date(2026, 11, 30)
        ),
    }
    cycles_open_missing(today=TODAY)  # the nightly job: each certification's current CCP cycle
    return rows


def members(response) -> list[str]:
    text = page_text(response)
    return [name for name in ("Fay", EVIL, "Lou", "Ned", "Far") if f"{name} Lee (" in text]


# --- Rules and selector -----------------------------------------------------------------------------------


def test_the_lapsing_list_is_the_active_certifications_stopping_in_the_window(body):
    def chosen(within):
        return [c.pk for c in lapsing_certifications(LapsingFilters(within=within), today=TODAY)]

    assert chosen(30) == [body["fay"].pk, body["pat"].pk]
    assert chosen(60) == [body["fay"].pk, body["pat"].pk]
    assert chosen(90) == [body["fay"].pk, body["pat"].pk, body["lou"].pk]


def test_why_comes_from_the_same_rules_as_the_member_s_timeline(body):
    rows = lapsing_rows(
        lapsing_certifications(LapsingFilters(within=90), today=TODAY), grace_days=0, today=TODAY
    )
    fay, pat, lou = rows
    assert (fay.cause, fay.stop.last_active_day) == ("Fee unpaid", datetime.date(2026, 5, 31))
    assert fay.why == "Annual fee due on May 31, 2026 is unpaid: lapses on June 1, 2026"
    assert (pat.cause, pat.stop.last_active_day, pat.points_missing) == (
        "CCP points short",
        datetime.date(2026, 6, 14),
        "30",
    )
    assert (
        pat.why == "CCP cycle ends on June 14, 2026 30 points short: Non-compliant (CCP) from June 15, 2026"
    )
    assert lou.why == "Annual fee due on July 31, 2026 is unpaid: lapses on August 1, 2026"


def test_a_cycle_not_opened_yet_counts_no_points(body):
    # given Pat's current cycle not opened yet (the nightly job has not run): the rules still end it June 14
    from ccp.models import Cycle

    Cycle.objects.filter(certification=body["pat"]).delete()
    (pat,) = lapsing_rows([body["pat"]], grace_days=0, today=TODAY)
    assert (pat.cause, pat.stop.last_active_day, pat.cycle_end, pat.points_missing) == (
        "CCP points short",
        datetime.date(2026, 6, 14),
        datetime.date(2026, 6, 14),
        "30",
    )


def test_a_grace_period_moves_the_fee_s_lapse(body, seeded):
    from members.models import CertificationPolicy

    CertificationPolicy.objects.update(grace_days=10)
    rows = lapsing_rows([body["fay"]], grace_days=10, today=TODAY)
    assert rows[0].stop.last_active_day == datetime.date(2026, 6, 10)
    assert rows[0].why == "Annual fee due on May 31, 2026 is unpaid: lapses on June 11, 2026"


# --- The page -------------------------------------------------------------------------------------------


@pytest.fixture
def processor(client):
    user = make_staff("Recertification processor")
    client.force_login(user)
    return user


def test_the_page_lists_soonest_first_with_the_reason(client, processor, body):
    response = client.get(LAPSING)
    text = page_text(response)
    assert members(response) == ["Fay", EVIL]
    assert "2 certifications lapsing, soonest first" in text
    assert (
        "RMA May 31, 2026 Fee unpaid Annual fee due on May 31, 2026 is unpaid: lapses on June 1, 2026" in text
    )
    assert "Jun 14, 2026 CCP points short CCP cycle ends on June 14, 2026 30 points short" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("within=30", ["Fay", EVIL]),
        ("within=90", ["Fay", EVIL, "Lou"]),
        ("within=90&credential=RMA", ["Fay", EVIL, "Lou"]),
        ("within=90&credential=MT", []),
    ],
)
def test_the_lapsing_filters(client, processor, body, query, expected):
    assert members(client.get(f"{LAPSING}?{query}")) == expected


def test_a_bad_window_is_said_in_the_page(client, processor, body):
    response = client.get(f"{LAPSING}?within=45")
    assert response.status_code == 400
    assert "Select a valid choice. 45 is not one of the available choices." in page_text(response)


def test_the_lapsing_exports_equal_the_list(client, processor, body):
    rows = list(
        csv.reader(
            io.StringIO(b"".join(client.get(f"{LAPSING}?within=90&export=csv").streaming_content).decode())
        )
    )
    response = client.get(f"{LAPSING}?within=90&export=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="lapsing-within-90-days-2026-05-20.xlsx"'
    sheet = [
        [c.value for c in row]
        for row in openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows()
    ]
    assert (
        rows[0]
        == sheet[0][:9]
        == [
            "Member number",
            "Member",
            "Credential",
            "Active through",
            "Cause",
            "Why",
            "Next fee due",
            "CCP cycle ends",
            "CCP points missing",
        ]
    )
    assert (
        [row[1] for row in rows[1:]] == [row[1] for row in sheet[1:]] == ["Fay Lee", "'=1+2 Lee", "Lou Lee"]
    )
    assert rows[2][3:] == ["2026-06-14", "CCP points short", rows[2][5], "2026-06-30", "2026-06-14", "30"]
    assert sheet[2][3].date() == datetime.date(2026, 6, 14) and sheet[2][8] == "30"


def test_the_page_takes_the_same_queries_however_long_the_list(
    client, processor, body, django_assert_num_queries
):
    # session, user, two-factor, permissions (2), the filter's credentials, the capped count, the page, the
    # grace days, and the open cycles of the page's rows (cycles, categories, activities)
    get_in_queries(client, LAPSING, 12, django_assert_num_queries)
    certified("Kay", certified_on=datetime.date(2019, 5, 14), paid_through=datetime.date(2026, 4, 30))
    response = get_in_queries(client, f"{LAPSING}?within=90", 12, django_assert_num_queries)
    assert len(members(response)) == 3


def test_every_staff_role_may_read_it_visitors_sign_in(client, body):
    for role in ("Billing staff", "Audit reviewer", "Recertification processor", "Administrator"):
        client.force_login(make_staff(role))
        assert client.get(LAPSING).status_code == 200, role
    client.force_login(MemberFactory().user)
    assert client.get(LAPSING).status_code == 403
    client.logout()
    assert_sign_in_asked(client, [("get", LAPSING)])
    client.force_login(make_staff("Audit reviewer", email="no-2fa@staff.example.org", two_factor_secret=None))
    assert_two_factor_setup_asked(client, [("get", LAPSING)])


# --- Each role's staff home -----------------------------------------------------------------------------


def work(response) -> str:
    text = page_text(response)
    return text[text.index("Your work") : text.index("Pages")]


def test_billing_staff_home_shows_their_lists_with_the_work_in_each(client, body, time_machine):
    # given Fay's fee (due May 31) and Pat's (due June 30) issued, and a letter-less member's renewal letter
    billing_services.invoices_issue_due(today=TODAY)
    client.force_login(make_staff("Billing staff"))
    assert "Open and overdue invoices 0 overdue" in work(client.get(reverse("staff_home")))
    # when Fay's fee is two days past due
    time_machine.move_to(datetime.datetime(2026, 6, 2, 15, tzinfo=datetime.UTC))
    text = work(client.get(reverse("staff_home")))
    # then her invoice is the overdue work, and each list links to its page
    assert "Open and overdue invoices 1 overdue" in text
    assert (
        "Failed card payments 0 not paid since" in text and "Letters waiting for an address 0 waiting" in text
    )
    html = client.get(reverse("staff_home")).content.decode()
    assert f'href="{reverse("billing_staff:open_invoices")}"' in html


def test_each_role_sees_only_its_lists(client, body):
    client.force_login(make_staff("Audit reviewer"))
    text = work(client.get(reverse("staff_home")))
    assert (
        "Audit queue 0 waiting on review" in text
        and "Certifications lapsing soon 2 in the next 30 days" in text
    )
    assert "invoices" not in text and "Letters waiting" not in text
    client.force_login(make_staff("Recertification processor"))
    text = work(client.get(reverse("staff_home")))
    assert "Recertification queue 0 submitted" in text and "Audit queue" not in text
    client.force_login(make_staff("Billing staff"))
    text = work(client.get(reverse("staff_home")))
    for title in ("Open and overdue invoices", "Failed card payments", "Letters waiting for an address"):
        assert title in text
    assert "Audit queue" not in text


def test_the_staff_home_counts_in_a_constant_number_of_queries(client, body, django_assert_num_queries):
    client.force_login(make_staff("Administrator"))
    response = get_in_queries(client, reverse("staff_home"), 10, django_assert_num_queries)
    assert "Certifications lapsing soon 2" in work(response)
