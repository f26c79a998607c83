"""The staff member record's badges (composed by amtportal: members' page with recert's part) and the
administrators' retry button, with its permissions; and the admin of templates and badges."""

import datetime

import pytest
from django.urls import reverse

from recert.models import Badge, BadgeTemplate
from tests.factories import MemberFactory, make_certification, make_staff, staff_named
from tests.pages import assert_forbidden, assert_sign_in_asked, assert_two_factor_setup_asked, at, page_text

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2024, 6, 15)


@pytest.fixture(autouse=True)
def _today(time_machine):
    at(time_machine, TODAY)


@pytest.fixture
def errored(seeded, stand_in, django_capture_on_commit_callbacks):
    """Ana Silva's RMA event, refused by Credly (422)."""
    from recert import services

    member = MemberFactory(first_name="Ana", last_name="Silva", member_number="A100200")
    certification = make_certification(
        member, certified_on=D(2019, 5, 14), today=TODAY, paid_through=D(2025, 4, 30)
    )
    stand_in.fail("issue", "422", message="Validation failed: Recipient email is invalid")
    with django_capture_on_commit_callbacks(execute=True):
        badge = services.badge_record(certification=certification, today=TODAY, source="test")
    badge.refresh_from_db()
    assert badge.state == "error"
    return badge


def record_page(client):
    return client.get(reverse("members:staff_member", args=["A100200"]))


def test_the_member_record_shows_each_event_its_state_error_and_credential_status(client, errored):
    client.force_login(staff_named("Billing staff", "Bea", "Bill"))
    text = page_text(record_page(client))
    assert "Badges and credential" in text
    assert "Original certification of 2019-05-14 Credly: Error Credential: valid" in text
    assert (
        "Last error Credly refused the request (422): Validation failed: Recipient email is invalid" in text
    )
    assert "Issue requested (attempt 1)." in text
    # no retry button for staff who may not change badges
    assert "Retry the RMA badge" not in text


def test_an_administrator_retries_an_errored_badge(
    client, errored, stand_in, django_capture_on_commit_callbacks
):
    administrator = staff_named("Administrator", "Ada", "Admin")
    client.force_login(administrator)
    assert "Retry the RMA badge of 2019-05-14" in page_text(record_page(client))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("recert:badge_retry", args=[errored.pk]))
    assert response.url == reverse("members:staff_member", args=["A100200"])
    text = page_text(client.get(response.url))
    assert "The RMA badge will be sent to Credly again." in text
    errored.refresh_from_db()
    assert (errored.state, errored.credly_id) == ("issued", stand_in.badges()[0]["id"])
    assert "Credly: Issued" in text and "Retry asked by staff." in text and "ada@staff.example.org" in text
    # a second click: refused in words, nothing sent
    response = client.post(reverse("recert:badge_retry", args=[errored.pk]), follow=True)
    assert "This badge is issued: only a badge in error can be retried." in page_text(response)
    assert len(stand_in.badges()) == 1


def test_retry_permissions_and_404(client, errored):
    address = reverse("recert:badge_retry", args=[errored.pk])
    assert_sign_in_asked(client, [("post", address)])
    staff = [
        staff_named(role, role.split()[0], "X") for role in ("Billing staff", "Recertification processor")
    ]
    assert_forbidden(client, staff, [("post", address)], {})
    client.force_login(make_staff("Administrator", email="no-2fa@staff.example.org", two_factor_secret=None))
    assert_two_factor_setup_asked(client, [("post", address)])
    client.force_login(staff_named("Administrator", "Ada", "Admin"))
    assert client.get(address).status_code == 405
    assert client.post(reverse("recert:badge_retry", args=[errored.pk + 999])).status_code == 404
    errored.refresh_from_db()
    assert errored.state == "error"


def test_the_member_record_is_still_staff_only(client, errored):
    assert_sign_in_asked(client, [("get", reverse("members:staff_member", args=["A100200"]))])
    client.force_login(staff_named("Billing staff", "Bea", "Bill"))
    assert client.get(reverse("members:staff_member", args=["Z999"])).status_code == 404


def test_an_active_certification_without_event_says_the_daily_job_records_it(client, seeded):
    make_certification(MemberFactory(member_number="A100200"), certified_on=D(2019, 5, 14), today=TODAY,
                       paid_through=D(2025, 4, 30))  # fmt: skip
    client.force_login(staff_named("Billing staff", "Bea", "Bill"))
    assert "No certification event recorded yet: the daily job records it." in page_text(record_page(client))


def test_administrators_edit_templates_and_retry_badges_in_the_admin(
    client, errored, stand_in, django_capture_on_commit_callbacks
):
    client.force_login(staff_named("Administrator", "Ada", "Admin"))
    template = BadgeTemplate.objects.get(credential__code="RMA")
    new_id = "0b6d6a52-4d3b-4c55-9a51-3a0f1f3b9d10"
    response = client.post(
        reverse("admin:recert_badgetemplate_change", args=[template.pk]), {"template_id": new_id}
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.template_id == new_id
    # the badge page is read-only, with its timeline; the action retries it
    page = client.get(reverse("admin:recert_badge_change", args=[errored.pk]))
    assert "Issue requested (attempt 1)." in page_text(page)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:recert_badge_changelist"),
                    {"action": "retry", "_selected_action": [errored.pk]})  # fmt: skip
    errored.refresh_from_db()
    assert errored.state == "issued"
    assert stand_in.badges()[0]["badge_template"]["id"] == new_id
    assert Badge.objects.count() == 1


def test_the_record_reads_badges_in_fixed_queries_however_many(
    client, seeded, stand_in, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """The members record's budget (tests/members) plus two (the badges, and their timelines) and a count
    for each section billing staff read (invoices, notices)."""
    from recert import services

    member = MemberFactory(member_number="A100200")
    for code in ("RMA", "MT", "RDA"):
        certification = make_certification(member, code=code, certified_on=D(2019, 5, 14), today=TODAY,
                                           paid_through=D(2025, 4, 30))  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            services.badge_record(certification=certification, today=TODAY, source="test")
    client.force_login(staff_named("Billing staff", "Bea", "Bill"))
    record_page(client)
    with django_assert_num_queries(9 + 2 + 2):
        text = page_text(record_page(client))
    assert text.count("Credly: Issued") == 3
