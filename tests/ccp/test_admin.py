"""Admin: administrators edit the CCP configuration; cycles, activities and attestations are read-only."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.forms.models import model_to_dict
from django.urls import reverse

from ccp import selectors, services
from ccp.models import Activity, ActivityCategory, ActivityChange, ApiClient, Attestation, CcpPolicy, Cycle
from members.models import Certification
from tests.factories import make_certification, make_staff

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)
titles = itertools.count(1)


@pytest.fixture
def administrator(client):
    user = make_staff("Administrator")
    client.force_login(user)
    return user


def record_articles(certification, first_day: datetime.date, count: int) -> None:
    for offset in range(count):
        day = first_day + datetime.timedelta(days=offset)
        services.activity_record(
            certification=Certification.objects.get(pk=certification.pk),
            today=day,
            recorded_by=None,
            category=ActivityCategory.objects.get(code="authorship"),
            title=f"Article {next(titles)}",
            completed_on=day,
            quantity=Decimal(1),
            helps_job=True,
        )


def change_form_data(category: ActivityCategory, **changes) -> dict:
    data = {key: "" if value is None else value for key, value in model_to_dict(category).items()}
    data.pop("id")
    return {**data, **changes}


def test_an_administrator_edits_a_category_open_cycles_follow_closed_cycles_keep_their_result(
    client, administrator
):
    # Given a cycle closed with 4 articles (20 points, 15 count under the cap) and an open one with the same.
    certification = make_certification(
        certified_on=datetime.date(2020, 3, 1),
        today=datetime.date(2020, 3, 1),
        paid_through=datetime.date(2027, 2, 28),
    )
    services.cycle_open_current(certification=certification, today=datetime.date(2020, 3, 1))
    record_articles(certification, datetime.date(2021, 5, 1), 4)
    services.cycle_attest(
        cycle=Cycle.objects.get(certification=certification),
        signed_name=certification.member.full_name,
        today=datetime.date(2021, 6, 1),
        user=certification.member.user,
    )
    services.cycles_roll(today=datetime.date(2023, 3, 1))
    closed = Cycle.objects.get(certification=certification, number=0)
    stored = closed.closing_result
    record_articles(certification, datetime.date(2024, 5, 1), 4)
    open_cycle = Cycle.objects.get(certification=certification, state=Cycle.State.OPEN)
    on = datetime.date(2024, 6, 1)
    assert selectors.cycle_compliance(open_cycle, today=on)[0].counted == Decimal("15.00")
    category = ActivityCategory.objects.get(code="authorship")

    # When an administrator raises the authorship cap to 20 points.
    response = client.post(
        reverse("admin:ccp_activitycategory_change", args=[category.pk]),
        change_form_data(category, cap_per_cycle="20"),
    )

    # Then the open cycle counts all 20 points at once; the closed one keeps what it stored.
    assert response.status_code == 302, response.content.decode()[:2000]
    category.refresh_from_db()
    assert category.cap_per_cycle == Decimal("20.00")
    assert selectors.cycle_compliance(open_cycle, today=on)[0].counted == Decimal("20.00")
    closed.refresh_from_db()
    assert closed.state == Cycle.State.COMPLIANT
    assert closed.closing_result == stored
    assert closed.counted_points == Decimal("15.00")
    authorship = next(c for c in closed.closing_result["categories"] if c["id"] == category.pk)
    assert (authorship["raw"], authorship["counted"]) == ("20.00", "15.00")
    assert "closed cycles are unchanged" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_category_list_shows_the_rules_and_says_closed_cycles_keep_their_result(client, administrator):
    response = client.get(reverse("admin:ccp_activitycategory_changelist"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Employment verification (employment in the field)" in page
    assert "Dec. 31, 2020" in page
    assert "closed cycles keep the result stored when they closed" in page


def test_staff_who_are_not_administrators_cannot_edit_categories(client):
    client.force_login(make_staff("Billing staff"))
    category = ActivityCategory.objects.get(code="authorship")

    response = client.post(
        reverse("admin:ccp_activitycategory_change", args=[category.pk]),
        change_form_data(category, cap_per_cycle="99"),
    )

    assert response.status_code == 403
    category.refresh_from_db()
    assert category.cap_per_cycle == Decimal("15.00")


def test_the_policy_is_one_row_that_cannot_be_added_again_or_deleted(client, administrator):
    policy = CcpPolicy.current()

    assert client.get(reverse("admin:ccp_ccppolicy_add")).status_code == 403
    assert client.get(reverse("admin:ccp_ccppolicy_delete", args=[policy.pk])).status_code == 403
    assert client.get(reverse("admin:ccp_ccppolicy_change", args=[policy.pk])).status_code == 200


@pytest.mark.parametrize("model", [Cycle, Activity, Attestation])
def test_cycles_activities_and_attestations_are_read_only(client, administrator, model):
    name = model._meta.model_name

    assert client.get(reverse(f"admin:ccp_{name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:ccp_{name}_add")).status_code == 403


def test_an_activity_is_shown_with_its_documents_and_no_save_button(client, administrator):
    certification = make_certification(
        certified_on=datetime.date(2025, 1, 10), today=datetime.date(2025, 1, 10)
    )
    record_articles(certification, datetime.date(2025, 2, 1), 1)
    activity = Activity.objects.get()
    activity.documents.create(
        file="ccp-documents/x/abc.pdf",
        original_name="certificate.pdf",
        content_type="application/pdf",
        size=10,
    )

    page = client.get(reverse("admin:ccp_activity_change", args=[activity.pk])).content.decode()

    assert "certificate.pdf" in page
    assert reverse("ccp:document_download", args=[activity.documents.get().pk]) in page
    assert 'name="_save"' not in page
    cycles = client.get(reverse("admin:ccp_cycle_changelist") + "?state__exact=open&under_audit__exact=0")
    assert str(certification) in cycles.content.decode()


def test_the_history_of_activity_changes_is_listed_read_only(client, administrator):
    # Given an article whose title the member changed, then removed
    certification = make_certification(
        certified_on=datetime.date(2025, 1, 10), today=datetime.date(2025, 1, 10)
    )
    record_articles(certification, datetime.date(2025, 2, 1), 1)
    article = Activity.objects.get()
    user = certification.member.user
    services.activity_update(
        activity=article, today=datetime.date(2025, 3, 1), changed_by=user, title="Essay"
    )
    services.activity_remove(
        activity=Activity.objects.get(), today=datetime.date(2025, 3, 1), removed_by=user
    )
    change = ActivityChange.objects.get(kind="changed")

    listing = client.get(reverse("admin:ccp_activitychange_changelist")).content.decode()
    page = client.get(reverse("admin:ccp_activitychange_change", args=[change.pk])).content.decode()

    # the change names the article as it was; the removal, as it was then
    assert f"{article.title} (February 1, 2025)" in listing and "Essay (February 1, 2025)" in listing
    assert "Changed" in listing and "Removed" in listing
    assert "Essay" in page and 'name="_save"' not in page
    assert client.get(reverse("admin:ccp_activitychange_add")).status_code == 403
    assert client.post(reverse("admin:ccp_activitychange_delete", args=[change.pk])).status_code == 403


def test_a_new_api_client_gets_a_generated_secret_shown_once(client, administrator):
    response = client.post(
        reverse("admin:ccp_apiclient_add"),
        {"name": "Learning platform", "key_id": "learning-platform", "secret": "", "active": "on"},
        follow=True,
    )

    api_client = ApiClient.objects.get(key_id="learning-platform")
    assert len(api_client.secret) >= 43  # secrets.token_urlsafe(32)
    assert api_client.secret in response.content.decode()  # on the page the administrator lands on
    change_page = client.get(reverse("admin:ccp_apiclient_change", args=[api_client.pk])).content.decode()
    assert api_client.secret not in change_page
    assert f"…{api_client.secret[-4:]}" in change_page


def test_a_secret_given_by_the_administrator_is_kept(client, administrator):
    client.post(
        reverse("admin:ccp_apiclient_add"),
        {"name": "Partner", "key_id": "partner", "secret": "  given-secret-value  ", "active": "on"},
    )

    assert ApiClient.objects.get(key_id="partner").secret == "given-secret-value"
