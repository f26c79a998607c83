"""Member CCP pages: what a member sees of their cycles and claims, and what the database then holds."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ccp import services
from ccp.models import Activity, ActivityCategory, ActivityDocument, CcpPolicy, Cycle
from core import clock
from members import services as member_services
from tests.factories import MemberFactory, make_certification, make_staff
from tests.files import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()
LOCKED = (
    "This activity counts for a cycle that is closed or under audit: it can no longer be changed "
    "(documents can still be attached)."
)


def page_text(response) -> str:
    """What a person reads on the page: the HTML without tags, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def category(code: str) -> ActivityCategory:
    return ActivityCategory.objects.get(code=code)


def at(time_machine, day: datetime.date) -> datetime.date:
    time_machine.move_to(datetime.datetime(day.year, day.month, day.day, 15, tzinfo=datetime.UTC), tick=False)
    return day


@pytest.fixture
def today(time_machine):
    return at(time_machine, datetime.date(2026, 3, 2))


@pytest.fixture
def member(client):
    member = MemberFactory(first_name="Ann", last_name="Lee")
    client.force_login(member.user)
    return member


@pytest.fixture
def rma(member, today):
    """Certified May 14, 2025: the open cycle runs May 14, 2025 to May 13, 2028 (804 days left today)."""
    return make_certification(member, certified_on=datetime.date(2025, 5, 14))


def record(certification, *, title="Course", code="professional-education", quantity="1", **fields):
    dates = fields if "period_start" in fields else {"completed_on": datetime.date(2026, 2, 10), **fields}
    return services.activity_record(
        certification=certification,
        today=clock.today(),
        recorded_by=None,
        category=category(code),
        title=title,
        quantity=None if "period_start" in fields else Decimal(quantity),
        helps_job=True,
        **dates,
    )


def course_form(**overrides) -> dict:
    """The add form as a member fills it in for a course (None leaves a field out)."""
    data = {
        "category": category("professional-education").pk,
        "title": "Infection control webinar",
        "provider": "AMT",
        "completed_on": "2026-02-10",
        "quantity": "18.5",
        "quantity_unit": "unit",
        "period_start": "",
        "period_end": "",
        "helps_job": "on",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def certification_page(client, certification):
    return client.get(reverse("ccp:certification", args=[certification.pk]))


# --- The certification page ---------------------------------------------------------------------------


def test_recording_a_course_moves_the_points_and_the_progress_bar(client, rma, today):
    # Given a member with no activity in the cycle
    before = certification_page(client, rma)
    assert "0.00 of 30 points" in page_text(before)

    # When they record a course of 18.5 contact hours through the add form
    response = client.post(reverse("ccp:activity_add", args=[rma.pk]), course_form(), follow=True)

    # Then the activity is stored and the certification page shows the new total and what is missing
    activity = Activity.objects.get(certification=rma)
    assert (activity.title, activity.quantity, activity.completed_on) == (
        "Infection control webinar",
        Decimal("18.50"),
        datetime.date(2026, 2, 10),
    )
    assert response.redirect_chain[-1][0] == reverse("ccp:certification", args=[rma.pk])
    text = page_text(response)
    assert "Activity recorded: Infection control webinar." in text
    assert "Current cycle: May 14, 2025 to May 13, 2028" in text
    assert "18.50 of 30 points" in text
    assert "Points missing 11.50" in text
    assert "Days left 804 (today and the last day, May 13, 2028, included)" in text
    assert (
        "February 10, 2026 · Professional education (courses, seminars, webinars) · 18.5 contact hours"
        in text
    )
    assert 'role="progressbar"' in response.content.decode()
    assert 'aria-valuenow="18.50" aria-valuemin="0" aria-valuemax="30.00"' in response.content.decode()


def test_the_page_shows_the_breakdown_by_category_and_what_a_cap_cut(client, rma, today):
    # Given four articles (5 points each) in a category capped at 15 points
    for number in range(1, 5):
        record(rma, title=f"Article {number}", code="authorship", completed_on=datetime.date(2026, 1, number))

    text = page_text(certification_page(client, rma))

    # Then the category shows 20 claimed, 15 counted, capped; the latest article is the one cut
    assert "Authorship of written work 20.00 15.00 capped 15" in text
    assert "Professional education (courses, seminars, webinars) 0.00 0.00 no cap" in text
    assert "Total counted 15.00" in text
    assert (
        "Article 4 January 4, 2026 · Authorship of written work · 1 item 0.00 points of 5.00 claimed "
        "Not counted: category cap of 15 points reached: 0.00 of 5.00 count"
    ) in text


def test_quarter_credit_hours_count_two_thirds(client, rma, today):
    data = course_form(
        category=category("formal-education").pk, title="Anatomy 101", quantity="1.5", quantity_unit="quarter"
    )

    response = client.post(reverse("ccp:activity_add", args=[rma.pk]), data, follow=True)

    text = page_text(response)
    assert "1.5 quarter credit hours (x 2/3) · AMT 15.00 points" in text
    assert "15.00 of 30 points" in text


def test_an_employment_period_straddling_2020_counts_only_through_december_31_2020(
    client, member, time_machine
):
    # Given a certification of May 14, 2019 (cycle to May 13, 2022), on June 1, 2021
    today = at(time_machine, datetime.date(2021, 6, 1))
    rma = make_certification(
        member, certified_on=datetime.date(2019, 5, 14), today=today, paid_through=datetime.date(2022, 4, 30)
    )

    # When the member records employment from May 14, 2019 to May 31, 2021 (a period: no JavaScript needed)
    data = course_form(
        category=category("employment").pk,
        title="Medical assistant, Springfield Clinic",
        completed_on="",
        quantity="",
        period_start="2019-05-14",
        period_end="2021-05-31",
    )
    response = client.post(reverse("ccp:activity_add", args=[rma.pk]), data, follow=True)

    # Then it is kept, and the page says which days counted and why
    activity = Activity.objects.get(certification=rma)
    assert (activity.period_start, activity.period_end, activity.completed_on) == (
        datetime.date(2019, 5, 14),
        datetime.date(2021, 5, 31),
        None,
    )
    text = page_text(response)
    assert (
        "May 14, 2019 to May 31, 2021 · Employment verification (employment in the field) · 598 days" in text
    )
    assert "6.55 points of 8.21 claimed" in text
    assert (
        "Counted in part: 598 of 749 days count (May 14, 2019 to Dec 31, 2020); Employment verification "
        "(employment in the field) is accepted only through Dec 31, 2020"
    ) in text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"completed_on": "2026-03-03"}, "Dates in the future can't be claimed."),
        (
            {"completed_on": "2025-05-13"},
            "This is before your current cycle started on May 14, 2025: points earned before a cycle's start "
            "can't be claimed in it, and nothing carries over.",
        ),
        ({"helps_job": None}, "Confirm at least one qualifying criterion for this activity."),
        ({"quantity": "0"}, "Give a positive number of contact hours."),
        ({"quantity": "-2"}, "Give a positive number of contact hours."),
        ({"title": "  "}, "Give the activity a title."),
    ],
    ids=["future", "before-cycle", "no-criterion", "zero-units", "negative-units", "no-title"],
)
def test_a_refused_activity_shows_why_and_stores_nothing(client, rma, today, fields, message):
    response = client.post(reverse("ccp:activity_add", args=[rma.pk]), course_form(**fields))

    assert response.status_code == 200
    assert message in page_text(response)
    assert not Activity.objects.exists()


def test_the_same_activity_twice_is_refused_as_a_duplicate(client, rma, today):
    client.post(reverse("ccp:activity_add", args=[rma.pk]), course_form())

    response = client.post(
        reverse("ccp:activity_add", args=[rma.pk]), course_form(title="infection CONTROL webinar")
    )

    assert "You already recorded this activity (same category, title, dates and amount)." in page_text(
        response
    )
    assert Activity.objects.count() == 1


def test_employment_wholly_after_2020_is_refused(client, member, time_machine):
    today = at(time_machine, datetime.date(2021, 6, 1))
    rma = make_certification(
        member, certified_on=datetime.date(2019, 5, 14), today=today, paid_through=datetime.date(2022, 4, 30)
    )
    data = course_form(category=category("employment").pk, completed_on="", period_start="2021-01-04")

    response = client.post(reverse("ccp:activity_add", args=[rma.pk]), data)

    assert (
        "Employment verification (employment in the field) is accepted only through December 31, 2020: "
        "this period lies wholly after that date."
    ) in page_text(response)
    assert not Activity.objects.exists()


def test_the_add_form_labels_every_field(client, rma, today):
    text = page_text(client.get(reverse("ccp:activity_add", args=[rma.pk])))

    for label in (
        "Add an activity",
        "Category",
        "Professional education (courses, seminars, webinars): 1 point per contact hour",
        "Organizational participation: 2 points per year in a role, up to 10 per cycle",
        "Title",
        "Provider",
        "Completed on",
        "Quantity",
        "Entered in",
        "Usual unit",
        "Quarter credit hours (x 2/3)",
        "Period start",
        "Period end",
        "Leave empty while it is ongoing.",
        "Qualifying criteria (confirm at least one)",
        "It helps me do my health-care job better",
        "It advances my knowledge in the health-care field",
        "It prepares me for advanced management, a health-care degree or another health-care program",
        "Supporting document (optional)",
        "Record activity",
    ):
        assert label in text, label


# --- What the activity form offers and says up front -----------------------------------------------------

EMPLOYMENT = "Employment verification (employment in the field): 4 points per full year, up to 12 per cycle"


def category_options(response) -> list[str]:
    select = re.search(r'<select name="category".*?</select>', response.content.decode(), re.S)
    assert select, "no category field"
    return [html.unescape(label).strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select[0])]


def test_employment_is_offered_where_the_open_cycle_reaches_back_before_2021(client, member, time_machine):
    # Given a certification of May 14, 2019, on June 1, 2021: its open cycle started before 2021
    today = at(time_machine, datetime.date(2021, 6, 1))
    rma = make_certification(
        member, certified_on=datetime.date(2019, 5, 14), today=today, paid_through=datetime.date(2022, 4, 30)
    )

    response = client.get(reverse("ccp:activity_add", args=[rma.pk]))

    options = category_options(response)
    assert f"{EMPLOYMENT} (accepted only through December 31, 2020)" in options
    assert len(options) == ActivityCategory.objects.count()
    assert "is not offered" not in page_text(response)


def test_employment_is_not_offered_where_the_open_cycle_started_after_2020(client, rma, today):
    # Given the open cycle May 14, 2025 to May 13, 2028: no day of it can earn employment points
    response = client.get(reverse("ccp:activity_add", args=[rma.pk]))

    options = category_options(response)
    assert not [option for option in options if option.startswith(EMPLOYMENT)]
    assert len(options) == ActivityCategory.objects.count() - 1
    assert (
        "Employment verification (employment in the field) is not offered: it counts only through "
        "December 31, 2020, and your current cycle started on May 14, 2025."
    ) in page_text(response)

    # And a claim posted for it anyway is refused, nothing stored
    data = course_form(category=category("employment").pk, completed_on="", period_start="2025-06-01")
    refused = client.post(reverse("ccp:activity_add", args=[rma.pk]), data)
    assert "Category: Choose one of the categories listed." in page_text(refused)
    assert not Activity.objects.exists()


def test_editing_a_claim_keeps_its_own_category_offered(client, member, time_machine):
    # Given employment recorded in a cycle that started in 2019, then the dated rule moved before that cycle
    today = at(time_machine, datetime.date(2021, 6, 1))
    rma = make_certification(
        member, certified_on=datetime.date(2019, 5, 14), today=today, paid_through=datetime.date(2022, 4, 30)
    )
    activity = record(rma, code="employment", period_start=datetime.date(2019, 6, 1))
    ActivityCategory.objects.filter(code="employment").update(accepted_through=datetime.date(2019, 1, 31))

    # When the member opens it to edit, then its category is still offered (it is saved as it is)
    options = category_options(client.get(reverse("ccp:activity_edit", args=[activity.pk])))
    assert [option for option in options if option.startswith(EMPLOYMENT)]
    # while a new claim is not offered it
    new = category_options(client.get(reverse("ccp:activity_add", args=[rma.pk])))
    assert not [option for option in new if option.startswith(EMPLOYMENT)]


def error_summary(response) -> tuple[str, list[tuple[str, str]]]:
    """The error summary at the top of the activity form: its heading, and each error's link and words."""
    page = response.content.decode()
    summary = re.search(r'<div[^>]*id="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary, "no error summary"
    assert 'role="alert"' in summary[0]
    heading = re.search(r'<h2[^>]*id="error-summary-heading"[^>]*tabindex="-1"[^>]*>(.*?)</h2>', summary[1])
    assert heading, "the summary's heading is missing or cannot take the focus"
    items = re.findall(r'<li>(?:<a[^>]*href="#([^"]+)"[^>]*>)?(.*?)(?:</a>)?</li>', summary[1])
    return heading[1], [(target, html.unescape(words)) for target, words in items]


def test_a_refused_form_lists_every_error_at_the_top_linking_to_its_field(client, rma, today):
    data = course_form(title="", completed_on="10/02/2026x", quantity="ten")

    response = client.post(reverse("ccp:activity_add", args=[rma.pk]), data)

    heading, items = error_summary(response)
    assert heading == "There are 3 problems with this activity"
    assert items == [
        ("id_title", "Title: Give the activity a title."),
        ("id_completed_on", "Completed on: Enter a valid date."),
        ("id_quantity", "Quantity: Enter a number."),
    ]
    page = response.content.decode()
    for target, _words in items:
        assert f'id="{target}"' in page
    assert not Activity.objects.exists()


def test_a_form_wide_error_is_in_the_summary_once(client, rma, today):
    response = client.post(reverse("ccp:activity_add", args=[rma.pk]), course_form(helps_job=None))

    heading, items = error_summary(response)
    message = "Confirm at least one qualifying criterion for this activity."
    assert (heading, items) == ("There is a problem with this activity", [("", message)])
    assert page_text(response).count(message) == 1


def test_a_form_without_errors_has_no_summary(client, rma, today):
    response = client.get(reverse("ccp:activity_add", args=[rma.pk]))

    assert 'id="error-summary"' not in response.content.decode()


def test_the_size_limit_is_said_before_an_upload(client, rma, today):
    # On the activity form
    text = page_text(client.get(reverse("ccp:activity_add", args=[rma.pk])))
    assert (
        "Supporting document (optional) PDF, JPEG or PNG, at most 10 MB. You can also attach documents later."
        in text
    )

    # and on each activity's upload form, as staff set it
    CcpPolicy.objects.update(max_document_mb=5)
    activity = record(rma)
    page = client.get(reverse("ccp:certification", args=[rma.pk])).content.decode()
    hint = re.search(rf'<div[^>]*id="document-{activity.pk}-hint"[^>]*>([^<]*)</div>', page)
    assert hint and hint[1] == "PDF, JPEG or PNG, at most 5 MB."
    assert f'aria-describedby="document-{activity.pk}-hint"' in page
    cycle_page = client.get(reverse("ccp:cycle", args=[Cycle.objects.get(certification=rma).pk]))
    assert "PDF, JPEG or PNG, at most 5 MB." in page_text(cycle_page)


def test_an_activity_with_a_document_is_recorded_with_it(client, rma, today, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = course_form(document=SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf"))

    response = client.post(reverse("ccp:activity_add", args=[rma.pk]), data, follow=True)

    document = ActivityDocument.objects.get(activity__certification=rma)
    assert (document.original_name, document.content_type) == ("certificate.pdf", "application/pdf")
    assert "Documents: certificate.pdf" in page_text(response)


def test_a_refused_document_on_add_leaves_no_activity_behind(client, rma, today, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = course_form(
        document=SimpleUploadedFile("notes.pdf", b"just some text", content_type="application/pdf")
    )

    response = client.post(reverse("ccp:activity_add", args=[rma.pk]), data)

    assert "This file is not a readable PDF, JPEG or PNG image: other kinds of file" in page_text(response)
    assert not Activity.objects.exists()


# --- Edit and remove ----------------------------------------------------------------------------------


def test_editing_an_activity_changes_the_points(client, rma, today):
    activity = record(rma, title="Webinar", quantity="2")
    form = client.get(reverse("ccp:activity_edit", args=[activity.pk]))
    assert 'value="Webinar"' in form.content.decode()
    assert 'value="2026-02-10"' in form.content.decode()

    response = client.post(
        reverse("ccp:activity_edit", args=[activity.pk]),
        course_form(title="Webinar", quantity="12", advances_knowledge="on"),
        follow=True,
    )

    activity.refresh_from_db()
    assert (activity.quantity, activity.advances_knowledge) == (Decimal("12.00"), True)
    text = page_text(response)
    assert "Activity saved: Webinar." in text
    assert "12.00 of 30 points" in text


def test_an_edit_refused_by_the_rules_shows_why(client, rma, today):
    activity = record(rma, title="Webinar", quantity="2")

    response = client.post(
        reverse("ccp:activity_edit", args=[activity.pk]), course_form(completed_on="2026-04-01")
    )

    assert "Dates in the future can't be claimed." in page_text(response)
    activity.refresh_from_db()
    assert activity.completed_on == datetime.date(2026, 2, 10)


def test_removing_asks_first_then_removes(client, rma, today):
    activity = record(rma, title="Webinar", quantity="2")

    confirm = page_text(client.get(reverse("ccp:activity_remove", args=[activity.pk])))
    assert "Remove this activity? Title Webinar" in confirm
    assert "Remove activity" in confirm

    response = client.post(reverse("ccp:activity_remove", args=[activity.pk]), follow=True)

    assert not Activity.objects.exists()
    text = page_text(response)
    assert "Activity removed: Webinar." in text
    assert "0.00 of 30 points" in text


def test_the_certification_page_shows_the_history_of_changes_newest_first_with_who_and_when(
    client, member, rma, today
):
    # Given a webinar and a course, the webinar's hours changed by member services
    webinar = record(rma, title="Webinar", quantity="2")
    course = record(rma, title="Course", quantity="1")
    services.activity_update(
        activity=webinar, today=today, changed_by=make_staff("Billing staff"), quantity=Decimal("3")
    )

    # When the member renames the webinar and then removes the course
    client.post(
        reverse("ccp:activity_edit", args=[webinar.pk]),
        course_form(title="Safety webinar", quantity="3", provider=""),
    )
    client.post(reverse("ccp:activity_remove", args=[course.pk]))

    # Then the page lists the three changes, newest first, with when and who
    text = page_text(certification_page(client, rma))
    assert (
        "History of changes Changes and removals of activities, newest first (the latest 50) "
        "When Activity Change From To By "
        "2026-03-02 09:00 Course (February 10, 2026) Removed — — You "
        "2026-03-02 09:00 Webinar (February 10, 2026) Title Webinar Safety webinar You "
        "2026-03-02 09:00 Webinar (February 10, 2026) Quantity 2 3 Member services"
    ) in text


def test_a_certification_without_changes_says_so(client, rma, today):
    record(rma, title="Webinar")

    text = page_text(certification_page(client, rma))

    assert "History of changes No activity has been changed or removed yet." in text


@pytest.fixture
def rolled(member, time_machine):
    """A certification whose first cycle (May 14, 2019 to May 13, 2022) closed compliant with one course of
    30 hours; the second cycle is open (today May 20, 2022)."""
    at(time_machine, datetime.date(2022, 3, 1))
    rma = make_certification(
        member, certified_on=datetime.date(2019, 5, 14), paid_through=datetime.date(2023, 4, 30)
    )
    services.cycle_open_current(certification=rma, today=clock.today())
    course = record(rma, title="Big course", quantity="30", completed_on=datetime.date(2022, 2, 1))
    services.cycles_roll(today=at(time_machine, datetime.date(2022, 5, 14)))
    at(time_machine, datetime.date(2022, 5, 20))
    return rma, course


def test_an_activity_of_a_closed_cycle_is_locked(client, rolled):
    rma, course = rolled

    text = page_text(certification_page(client, rma))
    assert "Current cycle: May 14, 2022 to May 13, 2025" in text
    assert "Earlier cycles May 14, 2019 to May 13, 2022 Closed: compliant · 30.00 of 30 points" in text

    edit = client.post(
        reverse("ccp:activity_edit", args=[course.pk]), course_form(title="Big course", quantity="40")
    )
    remove = client.post(reverse("ccp:activity_remove", args=[course.pk]))

    assert LOCKED in page_text(edit)
    assert LOCKED in page_text(remove)
    course.refresh_from_db()
    assert course.quantity == Decimal("30.00")
    assert LOCKED in page_text(client.get(reverse("ccp:activity_edit", args=[course.pk])))
    assert "Remove activity" not in page_text(client.get(reverse("ccp:activity_remove", args=[course.pk])))


def test_a_closed_cycle_shows_the_result_frozen_at_closing(client, rolled):
    rma, course = rolled
    closed = Cycle.objects.get(certification=rma, state=Cycle.State.COMPLIANT)
    # A later rule change (staff halve the points of courses) applies to open cycles only
    ActivityCategory.objects.filter(code="professional-education").update(points_per_unit=Decimal("0.5"))

    text = page_text(client.get(reverse("ccp:cycle", args=[closed.pk])))

    assert "CCP cycle May 14, 2019 to May 13, 2022" in text
    assert "Closed: compliant on May 14, 2022" in text
    assert "This is the result stored when the cycle closed" in text
    assert "30.00 of 30 points" in text
    assert (
        "Big course February 1, 2022 · Professional education (courses, seminars, webinars) · "
        "30 contact hours" in text
    )
    assert "Professional education (courses, seminars, webinars) 30.00 30.00 no cap" in text
    assert "Edit" not in text


# --- Documents ----------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, activity, name, content):
    url = reverse("ccp:document_upload", args=[activity.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


def test_a_member_attaches_a_pdf_and_downloads_it(client, rma, today, media):
    activity = record(rma, title="Webinar")

    response = upload(client, activity, "certificate.pdf", PDF)

    assert "Document attached to “Webinar”: certificate.pdf." in page_text(response)
    document = ActivityDocument.objects.get(activity=activity)
    assert "certificate" not in document.file.name  # stored under a generated name
    download = client.get(reverse("ccp:document_download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == (media / document.file.name).read_bytes()
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="certificate.pdf"'


def test_a_file_that_is_not_a_pdf_renamed_pdf_is_refused(client, rma, today, media):
    activity = record(rma, title="Webinar")

    response = upload(client, activity, "scan.pdf", b"GIF89a\x01\x00\x01\x00 not a pdf")

    assert (
        "The document was not attached to “Webinar”: This file is not a readable PDF, JPEG or PNG image: "
        "other kinds of file (HTML, SVG, Word, text...) are not accepted."
    ) in page_text(response)
    assert not ActivityDocument.objects.exists()


def test_an_oversize_file_is_refused(client, rma, today, media):
    CcpPolicy.objects.update_or_create(pk=1, defaults={"max_document_mb": 1})
    activity = record(rma, title="Webinar")

    response = upload(client, activity, "big.pdf", PDF + b"0" * (1024 * 1024))

    assert "The document was not attached to “Webinar”: The file is larger than 1 MB." in page_text(response)
    assert not ActivityDocument.objects.exists()


def test_a_document_can_be_attached_to_a_locked_activity(client, rolled, media):
    _, course = rolled

    response = upload(client, course, "proof.png", image_bytes("PNG"))

    assert "Document attached to “Big course”: proof.png." in page_text(response)
    assert ActivityDocument.objects.get(activity=course).content_type == "image/png"


def test_only_the_owner_and_administrators_download_a_document(client, rma, today, media):
    activity = record(rma, title="Webinar")
    document = services.activity_attach_document(
        activity=activity, upload=SimpleUploadedFile("certificate.pdf", PDF), uploaded_by=None
    )
    url = reverse("ccp:document_download", args=[document.pk])

    client.force_login(MemberFactory().user)
    assert client.get(url).status_code == 404
    client.force_login(make_staff("Billing staff"))
    assert client.get(url).status_code == 404
    client.force_login(make_staff("Administrator"))
    assert client.get(url).status_code == 200


# --- Another member's objects -------------------------------------------------------------------------


def test_another_members_certification_cycle_activity_and_document_are_404(client, member, today, media):
    # Given another member's certification, cycle, activity and document
    theirs = make_certification(MemberFactory(), certified_on=datetime.date(2025, 5, 14))
    cycle = services.cycle_open_current(certification=theirs, today=today)
    activity = record(theirs, title="Their course")
    document = services.activity_attach_document(
        activity=activity, upload=SimpleUploadedFile("theirs.pdf", PDF), uploaded_by=None
    )

    # Then every page and action of theirs is a 404 to this member, and nothing changes
    for name, pk in [
        ("ccp:certification", theirs.pk),
        ("ccp:activity_add", theirs.pk),
        ("ccp:cycle", cycle.pk),
        ("ccp:attest", cycle.pk),
        ("ccp:activity_edit", activity.pk),
        ("ccp:activity_remove", activity.pk),
        ("ccp:document_download", document.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert client.post(reverse("ccp:activity_remove", args=[activity.pk])).status_code == 404
    assert client.post(reverse("ccp:activity_add", args=[theirs.pk]), course_form()).status_code == 404
    assert upload(client, activity, "x.pdf", PDF).status_code == 404
    assert client.post(reverse("ccp:attest", args=[cycle.pk]), {"signed_name": "Ann Lee"}).status_code == 404
    assert Activity.objects.count() == 1
    assert ActivityDocument.objects.count() == 1
    assert not hasattr(Cycle.objects.get(pk=cycle.pk), "attestation")


def test_an_anonymous_visitor_is_sent_to_sign_in(client, today):
    response = client.get(reverse("ccp:overview"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- Attestation --------------------------------------------------------------------------------------


def test_an_attestation_with_a_wrong_name_is_refused(client, rma, today):
    cycle = services.cycle_open_current(certification=rma, today=today)
    page = page_text(client.get(reverse("ccp:attest", args=[cycle.pk])))
    assert (
        "I attest that I earned at least 30 CCP points of qualifying continuing education for my RMA "
        "certification between May 14, 2025 and March 2, 2026"
    ) in page
    assert "Type your full legal name" in page

    response = client.post(reverse("ccp:attest", args=[cycle.pk]), {"signed_name": "Someone Else"})

    assert "Type your full legal name as on your certification: Ann Lee." in page_text(response)
    assert not hasattr(Cycle.objects.get(pk=cycle.pk), "attestation")


def test_an_attestation_with_the_right_name_makes_the_cycle_compliant(client, rma, today):
    cycle = services.cycle_open_current(certification=rma, today=today)
    assert "Not attested. Attest that you earned the points" in page_text(certification_page(client, rma))

    response = client.post(
        reverse("ccp:attest", args=[cycle.pk]), {"signed_name": "  ann   LEE "}, follow=True
    )

    attestation = Cycle.objects.get(pk=cycle.pk).attestation
    assert (attestation.signed_name, attestation.signed_on) == ("ann LEE", today)
    rma.refresh_from_db()
    assert rma.ccp_compliant_through == datetime.date(2028, 5, 13)
    text = page_text(response)
    assert "Your attestation is recorded: this cycle is compliant (subject to audit)." in text
    assert "Compliance Compliant by attestation (subject to audit)" in text
    assert "Attestation Attested by ann LEE on March 2, 2026" in text


# --- Exempt and not active ----------------------------------------------------------------------------


def test_an_exempt_certification_says_it_is_exempt(client, member, today):
    old = make_certification(
        member, certified_on=datetime.date(2003, 2, 10), paid_through=datetime.date(2027, 1, 31)
    )

    page = page_text(certification_page(client, old))
    overview = page_text(client.get(reverse("ccp:overview")))
    dashboard = page_text(client.get(reverse("home")))

    exempt = "Exempt from CCP: certified before 2006 and not reinstated since April 2014."
    assert exempt in page
    assert "Add an activity" not in page
    assert exempt in overview
    assert "CCP: exempt" in dashboard
    assert not Cycle.objects.exists()


def test_the_overview_shows_each_certification_where_it_stands(client, member, today):
    # Given an Active RMA with 18.5 points, and an RPT that became Non-compliant
    rma = make_certification(member, certified_on=datetime.date(2025, 5, 14))
    rpt = make_certification(
        member, code="RPT", certified_on=datetime.date(2022, 8, 1), paid_through=datetime.date(2026, 7, 31)
    )
    member_services.certification_record_ccp_failure(
        certification=rpt, cycle_end=datetime.date(2025, 7, 31), today=today, source="test"
    )
    services.cycles_close_inactive(today=today)  # the daily job ends the cycle of the Non-compliant RPT
    record(rma, quantity="18.5")

    text = page_text(client.get(reverse("ccp:overview")))

    # Then the RMA shows its open cycle and the RPT says why no cycle is open
    assert (
        "Registered Medical Assistant (RMA) Active Current cycle: May 14, 2025 to May 13, 2028 "
        "18.50 of 30 points 804 days left · 11.50 points missing"
    ) in text
    assert (
        "No CCP cycle is open: your certification is Non-compliant (CCP), and cycles run only while a "
        "certification is Active or Lapsed (fees)."
    ) in text
    assert Cycle.objects.filter(certification=rma, state=Cycle.State.OPEN).exists()


def test_reading_the_pages_opens_no_cycle(client, rma, today):
    # Given an Active certification whose open cycle is missing (tonight's job opens it)
    Cycle.objects.filter(certification=rma).delete()

    # When the member reads the dashboard, the CCP overview and the certification's CCP page
    pages = [client.get(reverse(name, args=args)) for name, args in
             [("home", []), ("ccp:overview", []), ("ccp:certification", [rma.pk])]]  # fmt: skip

    # Then each says so, and nothing was written
    assert "CCP: no cycle open" in page_text(pages[0])
    for page in pages[1:]:
        assert "No CCP cycle is open today" in page_text(page)
    assert not Cycle.objects.exists()


def test_the_dashboard_shows_a_ccp_line_per_certification(client, rma, today):
    record(rma, quantity="18.5")

    response = client.get(reverse("home"))

    assert "CCP: 18.50 of 30 points, 804 days left · CCP details" in page_text(response)
    assert reverse("ccp:certification", args=[rma.pk]) in response.content.decode()


def test_the_navigation_links_to_the_ccp_pages(client, rma, today):
    response = client.get(reverse("home"))

    assert f'href="{reverse("ccp:overview")}">CCP points</a>' in response.content.decode()


# --- Query counts -------------------------------------------------------------------------------------


# Every page's absolute budget, measured with many rows: a query that grows with the rows fails it.
CERTIFICATION_PAGE_QUERIES = 10
OVERVIEW_QUERIES = 7
CYCLE_PAGE_QUERIES = 8


def test_the_certification_page_makes_a_fixed_number_of_queries_with_200_activities_and_40_changes(
    client, member, rma, today, media, django_assert_num_queries
):
    # Given 200 activities in several categories, some with documents, and a role
    codes = ["professional-education", "authorship", "instructional-presentation", "formal-education"]
    activities = []
    for number in range(200):
        activities.append(
            record(
                rma,
                title=f"Course {number}",
                code=codes[number % 4],
                completed_on=datetime.date(2025, 6, 1) + datetime.timedelta(days=number),
            )
        )
        if number % 50 == 0:
            services.activity_attach_document(
                activity=activities[-1], upload=SimpleUploadedFile(f"c{number}.pdf", PDF), uploaded_by=None
            )
    record(
        rma,
        title="Chapter secretary",
        code="organizational-participation",
        period_start=datetime.date(2025, 6, 1),
    )
    # and 40 changes in the history, by the member and by member services
    staff = make_staff("Billing staff")
    for number, activity in enumerate(activities[:40]):
        services.activity_update(
            activity=activity,
            today=today,
            changed_by=member.user if number % 2 else staff,
            provider=f"Provider {number}",
        )
    certification_page(client, rma)  # warms the per-process caches (content types, ...)

    with django_assert_num_queries(CERTIFICATION_PAGE_QUERIES):
        response = certification_page(client, rma)

    text = page_text(response)
    assert text.count("Documents:") == 201
    assert text.count(" Provider — Provider ") == 40
    assert text.count(" You ") == 20 and text.count(" Member services ") == 20


def test_the_overview_makes_a_fixed_number_of_queries_with_10_certifications_and_50_activities(
    client, member, today, django_assert_num_queries
):
    # Given ten certifications, five activities in each
    codes = ["RMA", "RDA", "CMAS", "CMLA", "RPT", "AHI", "MDT", "MT", "MLT", "CLC"]
    for code in codes:
        certification = make_certification(member, code=code, certified_on=datetime.date(2025, 5, 14))
        for number in range(5):
            record(certification, title=f"{code} course {number}")
    client.get(reverse("ccp:overview"))  # warms the per-process caches

    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = client.get(reverse("ccp:overview"))

    assert page_text(response).count("5.00 of ") == 10


def test_a_closed_cycle_s_page_makes_a_fixed_number_of_queries_with_40_activities(
    client, member, time_machine, django_assert_num_queries
):
    # Given a cycle of 2019..2022 closed with 40 courses, the next one open
    at(time_machine, datetime.date(2022, 3, 1))
    certification = make_certification(
        member, certified_on=datetime.date(2019, 5, 14), paid_through=datetime.date(2023, 4, 30)
    )
    services.cycle_open_current(certification=certification, today=clock.today())
    for number in range(40):
        record(certification, title=f"Course {number}", completed_on=datetime.date(2021, 1, 1 + number % 28))
    services.cycles_roll(today=at(time_machine, datetime.date(2022, 5, 14)))
    at(time_machine, datetime.date(2022, 5, 20))
    closed = Cycle.objects.get(certification=certification, number=0)
    url = reverse("ccp:cycle", args=[closed.pk])
    client.get(url)  # warms the per-process caches

    with django_assert_num_queries(CYCLE_PAGE_QUERIES):
        response = client.get(url)

    assert page_text(response).count("Documents:") == 40
