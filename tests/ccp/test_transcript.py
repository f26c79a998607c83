"""The CCP transcript PDF: what it says (read back with pypdf), who may download it, and its query count."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from ccp import services
from ccp.models import Activity, ActivityCategory
from core.pdf import LocalFilesOnly, render_pdf
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
CERTIFIED_ON = datetime.date(2025, 5, 14)  # cycle 0: May 14, 2025 .. May 13, 2028


@pytest.fixture
def today(time_machine):
    time_machine.move_to(TODAY, tick=False)
    return TODAY.date()


def move_to(time_machine, day: datetime.date) -> None:
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC), tick=False)


def pdf_text(response) -> str:
    """The text a reader of the PDF sees, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def record(certification, code: str, *, today: datetime.date, **fields) -> Activity:
    fields.setdefault("helps_job", True)
    return services.activity_record(
        certification=certification,
        today=today,
        recorded_by=certification.member.user,
        category=ActivityCategory.objects.get(code=code),
        **fields,
    )


def ann_lee_rma(today: datetime.date, certified_on: datetime.date = CERTIFIED_ON, **kwargs):
    member = MemberFactory(first_name="Ann", last_name="Lee", member_number="314159")
    return make_certification(member, certified_on=certified_on, today=today, **kwargs)


def current_cycle(certification, today):
    return services.cycle_open_current(certification=certification, today=today)


def download(client, cycle):
    return client.get(reverse("ccp:transcript", args=[cycle.pk]))


# --- What the transcript says ------------------------------------------------------------------------


def test_the_transcript_of_an_open_cycle_shows_the_live_totals_and_every_activity(client, today):
    # Given Ann Lee's RMA cycle with a course and authorship beyond its 15-point cap
    certification = ann_lee_rma(today)
    record(
        certification,
        "professional-education",
        today=today,
        title="Infection control update",
        provider="AMT online",
        completed_on=datetime.date(2025, 9, 10),
        quantity=Decimal("1.5"),
    )
    record(
        certification,
        "authorship",
        today=today,
        title="Lab safety handbook",
        completed_on=datetime.date(2025, 11, 1),
        quantity=Decimal("4"),
    )
    cycle = current_cycle(certification, today)
    client.force_login(certification.member.user)

    # When she downloads the transcript
    response = download(client, cycle)

    # Then it is a PDF attachment named after her number, credential and cycle start
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="transcript-314159-RMA-2025-05-14.pdf"'
    # And it says who, which cycle, where she stands, and how each activity counted
    text = pdf_text(response)
    for expected in (
        "American Medical Technologists (AMT)",
        "Member Ann Lee",
        "Member number 314159",
        "Registered Medical Assistant (RMA)",
        "May 14, 2025 to May 13, 2028",
        "Open: 804 days left",
        "16.50 counted of 30.00 required; 13.50 missing",
        "Not yet compliant: 13.50 points still missing.",
        "Authorship of written work 20.00 15.00 15.00",
        "Professional education (courses, seminars, webinars) 1.50 none 1.50",
        "Infection control update",
        "AMT online",
        "Sep 10, 2025",
        "1.5 contact hours 1.50 1.50",
        "Lab safety handbook",
        "4 items 20.00 15.00",
        "category cap of 15 points reached: 15.00 of 20.00 count",
        "Generated on March 2, 2026",
    ):
        assert expected in text, expected


def test_employment_straddling_the_2020_cutoff_shows_which_days_counted(client, time_machine):
    # Given an RMA certified in May 2019 with employment from June 2019, still ongoing in June 2021
    move_to(time_machine, datetime.date(2021, 6, 1))
    today = datetime.date(2021, 6, 1)
    certification = ann_lee_rma(
        today, certified_on=datetime.date(2019, 5, 14), paid_through=datetime.date(2022, 4, 30)
    )
    record(
        certification, "employment", today=today, title="Phlebotomist", period_start=datetime.date(2019, 6, 1)
    )
    client.force_login(certification.member.user)

    # When she downloads the transcript of her current cycle
    text = pdf_text(download(client, current_cycle(certification, today)))

    # Then the period counts only through Dec 31, 2020 (580 days: 6.36 points), and the transcript says so
    assert "Jun 1, 2019 – ongoing" in text
    assert "732 days" in text
    assert "580 of 732 days count (Jun 1, 2019 to Dec 31, 2020)" in text
    assert "accepted only through Dec 31, 2020" in text
    assert "6.36 counted of 30.00 required" in text


def test_a_closed_cycle_shows_the_result_stored_at_closing_even_after_a_rule_change(client, time_machine):
    # Given a cycle that closed compliant with 30 contact hours
    move_to(time_machine, datetime.date(2022, 3, 1))
    certification = ann_lee_rma(
        datetime.date(2022, 3, 1),
        certified_on=datetime.date(2019, 5, 14),
        paid_through=datetime.date(2023, 4, 30),
    )
    cycle = current_cycle(certification, datetime.date(2022, 3, 1))
    record(
        certification,
        "professional-education",
        today=datetime.date(2022, 3, 1),
        title="Annual CE conference",
        completed_on=datetime.date(2022, 2, 20),
        quantity=Decimal("30"),
    )
    services.cycles_roll(today=datetime.date(2022, 5, 14))
    # And staff later halve the value of a contact hour
    ActivityCategory.objects.filter(code="professional-education").update(points_per_unit=Decimal("0.5"))
    move_to(time_machine, datetime.date(2022, 6, 1))
    client.force_login(certification.member.user)

    # When she downloads the transcript of the closed cycle
    text = pdf_text(download(client, cycle))

    # Then it shows the result as it closed
    assert "May 14, 2019 to May 13, 2022" in text
    assert "Closed: compliant on May 14, 2022" in text
    assert "30.00 counted of 30.00 required; none missing" in text
    assert "Compliant: the required points are counted." in text
    assert "Annual CE conference" in text
    assert "30 contact hours 30.00 30.00" in text
    assert "As stored when the cycle closed" in text
    assert "Generated on June 1, 2022" in text


def test_an_attested_cycle_shows_the_signed_attestation(client, today):
    certification = ann_lee_rma(today)
    cycle = current_cycle(certification, today)
    services.cycle_attest(cycle=cycle, signed_name="Ann  Lee", today=today, user=certification.member.user)
    client.force_login(certification.member.user)

    text = pdf_text(download(client, cycle))

    assert "0.00 counted of 30.00 required; 30.00 missing" in text
    assert "Compliant by attestation (subject to audit)." in text
    assert "I attest that I earned at least 30 CCP points" in text
    assert "Signed by Ann Lee on March 2, 2026." in text
    assert "No activity is recorded for this cycle." in text


def test_the_transcript_is_headed_by_the_body_with_member_services_contact(client, today, settings):
    # Given the organization profile of another body
    settings.ORGANIZATION_NAME = "Board of Allied Health (BAH)"
    settings.ORGANIZATION_EMAIL = "help@bah.example.org"
    settings.ORGANIZATION_PHONE = "(312) 555-0177"
    settings.ORGANIZATION_ADDRESS = ["200 Main Street", "Evanston, IL 60201"]
    certification = ann_lee_rma(today)
    client.force_login(certification.member.user)

    text = pdf_text(download(client, current_cycle(certification, today)))

    assert "Board of Allied Health (BAH)" in text
    assert "Member services help@bah.example.org · (312) 555-0177 200 Main Street, Evanston, IL 60201" in text
    assert "American Medical Technologists" not in text


# --- Who may download it ------------------------------------------------------------------------------


def test_another_members_transcript_is_404(client, today):
    mine = make_certification(certified_on=CERTIFIED_ON, today=today)
    theirs = make_certification(certified_on=CERTIFIED_ON, today=today)
    their_cycle = current_cycle(theirs, today)
    client.force_login(mine.member.user)

    assert download(client, their_cycle).status_code == 404
    assert client.get(reverse("ccp:transcript", args=[their_cycle.pk + 1000])).status_code == 404


def test_an_anonymous_visitor_is_asked_to_sign_in(client, today):
    cycle = current_cycle(make_certification(certified_on=CERTIFIED_ON, today=today), today)

    response = download(client, cycle)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_administrator_downloads_any_members_transcript_but_billing_staff_cannot(client, today):
    certification = ann_lee_rma(today)
    cycle = current_cycle(certification, today)

    client.force_login(make_staff("Administrator"))
    response = download(client, cycle)
    assert response.status_code == 200
    assert "Member Ann Lee" in pdf_text(response)

    client.force_login(make_staff("Billing staff"))
    assert download(client, cycle).status_code == 404


# --- Queries: the same for 1 and for 200 activities --------------------------------------------------


# session, user, cycle (with certification, member, credential, attestation), activities with their
# category, their documents; an open cycle also reads the category rules (a closed one has them stored)
TRANSCRIPT_QUERIES = {"open": 6, "closed": 5}


def cycle_with_courses(time_machine, state: str, count: int):
    """A cycle of 2019..2022 with `count` one-hour courses, open (today Mar 1, 2022) or closed (June 1)."""
    move_to(time_machine, datetime.date(2022, 3, 1))
    certification = make_certification(
        certified_on=datetime.date(2019, 5, 14), paid_through=datetime.date(2023, 4, 30)
    )
    cycle = current_cycle(certification, datetime.date(2022, 3, 1))
    course = ActivityCategory.objects.get(code="professional-education")
    Activity.objects.bulk_create(
        Activity(
            certification=certification,
            category=course,
            title=f"Webinar {number}",
            completed_on=datetime.date(2019, 6, 1) + datetime.timedelta(days=number),
            quantity=Decimal("1"),
            helps_job=True,
        )
        for number in range(count)
    )
    if state == "closed":
        services.cycles_roll(today=datetime.date(2022, 5, 14))
        move_to(time_machine, datetime.date(2022, 6, 1))
    return cycle


@pytest.mark.parametrize("state", ["open", "closed"])
@pytest.mark.parametrize("activities", [1, 200])
def test_the_transcript_uses_the_same_number_of_queries_whatever_the_number_of_activities(
    client, time_machine, django_assert_num_queries, state, activities
):
    cycle = cycle_with_courses(time_machine, state, activities)
    cycle.refresh_from_db()
    assert cycle.is_open == (state == "open")
    client.force_login(cycle.certification.member.user)

    with django_assert_num_queries(TRANSCRIPT_QUERIES[state]):
        response = download(client, cycle)

    assert response.status_code == 200
    assert f"Activities ({activities})" in pdf_text(response)


# --- render_pdf: no network --------------------------------------------------------------------------


def test_render_pdf_fetches_nothing_from_the_network(http_hits):
    port, hits = http_hits
    probe = (
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">'
        f'<p>Hello</p><img src="http://127.0.0.1:{port}/logo.png"><img src="file:///etc/hostname">'
    )
    locmem = {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", {"pdf/probe.html": probe})]},
    }

    with override_settings(TEMPLATES=[locmem]):
        pdf = render_pdf("pdf/probe.html", {})

    assert pdf.startswith(b"%PDF-")
    assert "Hello" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert hits == []


def test_the_pdf_url_fetcher_refuses_the_network_and_files_outside_the_project(settings):
    fetcher = LocalFilesOnly(settings.BASE_DIR)

    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("https://example.org/logo.png")
    with pytest.raises(ValueError, match="inside the project"):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.fetch((settings.BASE_DIR / "pyproject.toml").as_uri()).read().startswith(b"[")
