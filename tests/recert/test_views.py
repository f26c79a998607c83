"""The member's recertification pages (DOMAIN.md "Recertification", "People and rights"): from the dashboard's
"What to do next" to the route choice, the application by CCP (window, points, documents, the felony question,
the attestation, paying the fee) or by exam (the eligibility answers), and the public RMA eligibility
assistant; what the member reads and what the database then holds."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing import services as billing_services
from billing.models import Invoice
from ccp import services as ccp_services
from ccp.models import Activity, ActivityCategory
from members import services as member_services
from members.models import Certification, Notice
from recert import services
from recert.models import Application
from tests.factories import MemberFactory, make_certification
from tests.files import HTML, pdf_bytes
from tests.pages import at, get_in_queries, page_text
from tests.recert.conftest import TODAY, noncompliant_certification, window_activity

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()


@pytest.fixture(autouse=True)
def _today(time_machine):
    """The pages are read on TODAY (November 29, 2026): the window runs from November 30, 2023."""
    at(time_machine, TODAY)


def url(application: Application, name: str = "application") -> str:
    return reverse(f"recert:{name}", args=[application.pk])


def start(certification: Certification, route: str = "ccp") -> Application:
    return services.application_start(
        certification=certification, route=route, today=TODAY, user=certification.member.user
    )


def attach(activity: Activity, name: str = "proof.pdf", content: bytes = PDF):
    return ccp_services.activity_attach_document(
        activity=activity,
        upload=SimpleUploadedFile(name, content),
        uploaded_by=activity.certification.member.user,
    )


def complete(application: Application, *, courses: tuple[str, ...] = ("10", "20")) -> Application:
    """Course A, B... (of `courses` contact hours) in the window with a document each, no felony, signed."""
    certification = application.certification
    user = certification.member.user
    for index, hours in enumerate(courses):
        on = datetime.date(2025, 3, 1) + datetime.timedelta(days=index)
        attach(window_activity(certification, on=on, hours=hours, title=f"Course {chr(65 + index)}"))
    services.application_answer_felony(application=application, felony=False, user=user, today=TODAY)
    return services.application_sign(
        application=application, signed_name=certification.member.full_name, user=user, today=TODAY
    )


def pay(application: Application, django_capture_on_commit_callbacks) -> Application:
    """Checkout, then the fee paid (by check, in the office): the paid task runs on commit."""
    invoice = services.application_checkout(
        application=application, user=application.certification.member.user, today=TODAY
    )
    with django_capture_on_commit_callbacks(execute=True):
        billing_services.invoice_record_payment(
            invoice=invoice, method="check", received_on=TODAY, reference="1001", today=TODAY, source="test"
        )
    application.refresh_from_db()
    return application


@pytest.fixture
def member_client(client, noncompliant):
    client.force_login(noncompliant.member.user)
    return client


@pytest.fixture
def draft(noncompliant) -> Application:
    return start(noncompliant)


# --- From the dashboard to the route ------------------------------------------------------------------


def test_the_dashboard_sends_a_noncompliant_certification_to_the_apply_page(member_client, noncompliant):
    dashboard = member_client.get(reverse("home"))

    apply_url = reverse("recert:apply", args=[noncompliant.pk])
    assert "What to do next: Apply to recertify, by CCP points or by exam ." in page_text(dashboard)
    assert (
        f'<a href="{apply_url}">Apply to recertify, by CCP points or by exam</a>'
        in dashboard.content.decode()
    )

    text = page_text(member_client.get(apply_url))

    assert "Recertify your RMA certification" in text
    assert "status Non-compliant (CCP) , not active since May 14, 2022." in text
    assert "Lapsed since May 14, 2022: less than 10 years, so by CCP points or by exam." in text
    assert (
        "By CCP points Show 30 CCP points earned in the 3 years before you apply, with a document for each "
        "activity (online CE recorded by the body needs none), answer the felony question, sign, and pay "
        "$75.00. Apply by CCP points" in text
    )
    assert "By exam Answer the exam's eligibility questions and pay $125.00." in text
    assert "authorized to test for 90 days" in text and "Apply by exam" in text
    assert "Check your eligibility for the RMA exam first" in text


def lapsed_ten_years() -> Certification:
    """Certified 2013-05-14, no points in its first cycle: not active since 2016-05-14, so Exam required on
    TODAY (10 years or more)."""
    certified_on = datetime.date(2013, 5, 14)
    certification = make_certification(certified_on=certified_on, today=certified_on)
    member_services.certification_record_paid_through(
        certification=certification,
        paid_through=datetime.date(2017, 5, 31),
        today=certified_on,
        source="test",
    )
    ccp_services.cycles_roll(today=datetime.date(2016, 5, 14))
    ccp_services.cycles_close_inactive(today=datetime.date(2016, 5, 14))
    return member_services.certification_refresh_status(
        certification=certification, today=TODAY, source="test"
    )


def test_the_dashboard_reads_applications_only_for_a_certification_that_must_recertify(
    client, draft, django_assert_num_queries
):
    # Given a member whose RMA is Non-compliant with a draft application, and who holds an MT with an open
    # cycle, Lapsed (fees): renewing, so no application can be open for it
    member = draft.certification.member
    make_certification(member, code="MT", certified_on=datetime.date(2025, 5, 14), today=TODAY)
    client.force_login(member.user)

    # When they read their dashboard: the 9 queries of any dashboard and the open applications
    response = get_in_queries(client, reverse("home"), 10, django_assert_num_queries)

    # Then the RMA card continues the application and the MT card asks for the unpaid fee
    text = page_text(response)
    assert "Continue your recertification application (by ccp points, draft)." in text
    assert "What to do next: Pay every unpaid annual fee (the oldest was due May 31, 2026)" in text
    # And once the RMA is reinstated there is nothing of recertification left to read: one query fewer
    Certification.objects.filter(pk=draft.certification_id).update(status="active")
    get_in_queries(client, reverse("home"), 9, django_assert_num_queries)


def test_past_the_ten_year_gate_the_apply_page_offers_the_exam_only(client, seeded):
    certification = lapsed_ten_years()
    assert certification.status == "exam_required"
    client.force_login(certification.member.user)

    dashboard = page_text(client.get(reverse("home")))
    text = page_text(client.get(reverse("recert:apply", args=[certification.pk])))
    refused = client.post(reverse("recert:apply", args=[certification.pk]), {"route": "ccp"})

    assert (
        "What to do next: Apply to recertify by exam : not active for 10 years or more, so by exam only."
        in dashboard
    )
    assert "Lapsed since May 14, 2016: 10 years or more, so recertification by exam only." in text
    assert "By exam" in text and "Apply by exam" in text
    assert "By CCP points" not in text and "Apply by CCP points" not in text
    assert refused.status_code == 200
    assert "Lapsed since May 14, 2016: 10 years or more, so recertification by exam only." in page_text(
        refused
    )
    assert not Application.objects.exists()


def test_an_active_certification_has_nothing_to_recertify(client, seeded):
    certification = make_certification(
        certified_on=datetime.date(2025, 5, 14), today=TODAY, paid_through=datetime.date(2027, 5, 31)
    )
    client.force_login(certification.member.user)

    page = client.get(reverse("recert:apply", args=[certification.pk]))
    post = client.post(reverse("recert:apply", args=[certification.pk]), {"route": "ccp"})

    assert "This certification is Active: there is nothing to recertify." in page_text(page)
    assert "Apply by" not in page_text(page)
    assert "Your RMA certification is Active: there is nothing to recertify." in page_text(post)
    assert not Application.objects.exists()


def test_starting_by_ccp_opens_the_draft_and_the_dashboard_then_continues_it(member_client, noncompliant):
    response = member_client.post(
        reverse("recert:apply", args=[noncompliant.pk]), {"route": "ccp"}, follow=True
    )

    application = Application.objects.get()
    assert response.redirect_chain == [(url(application), 302)]
    text = page_text(response)
    assert "Recertify RMA by CCP points Draft" in text
    assert (
        "Started by CCP points. Lapsed since May 14, 2022: less than 10 years, so by CCP points or by exam."
        in text
    )
    assert (application.route, application.state, application.started_on) == ("ccp", "draft", TODAY)
    assert (
        application.route_reason
        == "Lapsed since May 14, 2022: less than 10 years, so by CCP points or by exam."
    )
    assert "Continue your recertification application (by ccp points, draft)." in page_text(
        member_client.get(reverse("home"))
    )
    # The apply page of a certification with an open application goes to it; a second start makes nothing.
    again = member_client.get(reverse("recert:apply", args=[noncompliant.pk]))
    assert again.status_code == 302 and again.url == url(application)
    member_client.post(reverse("recert:apply", args=[noncompliant.pk]), {"route": "exam"})
    assert Application.objects.count() == 1


# --- The application by CCP ---------------------------------------------------------------------------


def test_the_application_shows_the_window_the_points_each_activity_s_count_and_what_is_missing(
    member_client, draft
):
    certification = draft.certification
    attach(window_activity(certification, on=datetime.date(2025, 3, 1), hours="10", title="Course A"))
    window_activity(certification, on=datetime.date(2025, 3, 2), hours="2", title="Webinar", online=True)
    window_activity(certification, on=datetime.date(2025, 3, 3), hours="3", title="Course B")
    services.application_record_activity(
        application=draft, user=certification.member.user, today=TODAY,
        category=ActivityCategory.objects.get(code="authorship"), title="Three articles",
        completed_on=datetime.date(2025, 4, 1), quantity=Decimal("4"), helps_job=True,
    )  # fmt: skip

    text = page_text(member_client.get(url(draft)))

    assert "CCP points, November 30, 2023 to November 29, 2026" in text
    assert "30.00 of 30.00 points count: enough." in text
    assert "The window is the 3 years before the day you apply." in text
    assert "Professional education (courses, seminars, webinars): 15.00" in text
    assert "Authorship of written work: 15.00 (capped at 15; 20.00 claimed)" in text
    assert "Course A · 10.00 points" in text and "Documents: proof.pdf" in text
    assert "Webinar · 2.00 points" in text and "Online CE recorded by the body: no document needed." in text
    assert "Course B · 3.00 points" in text
    assert (
        "Three articles · 15.00 points Authorship of written work · completed April 1, 2025 · "
        "category cap of 15 points reached: 15.00 of 20.00 count" in text
    )
    assert text.count("A document is needed.") == 2  # Course B and the articles
    assert (
        "Still missing a document for “Course B” a document for “Three articles” your answer to the felony "
        "and disciplinary question your signed attestation" in text
    )
    assert "You can pay once nothing is missing." in text and "Pay the fee and submit" not in text


def test_an_empty_application_says_how_many_points_are_missing(member_client, draft):
    text = page_text(member_client.get(url(draft)))

    assert (
        "Still missing 30 more CCP points earned between November 30, 2023 and November 29, 2026 (0 of 30 "
        "count so far)" in text
    )
    assert "0.00 of 30.00 points count: 30.00 to go." in text
    assert "No activity is dated in this window yet." in text


def activity_data(**changes) -> dict:
    category = ActivityCategory.objects.get(code="professional-education")
    data = {"category": category.pk, "title": "Infection control", "completed_on": "2025-06-01",
            "quantity": "12", "quantity_unit": "unit", "helps_job": "on"}  # fmt: skip
    return data | changes


def test_an_activity_recorded_for_the_application_counts_with_its_document(member_client, draft, media):
    address = url(draft, "activity_add")
    form = page_text(member_client.get(address))
    assert "It must be dated between November 30, 2023 and November 29, 2026." in form
    # Employment counts only through 2020: it can't earn points in this window, so it is not offered.
    assert "Authorship of written work: 5 points per item" in form
    assert "Employment verification (employment in the field): 4 points" not in form
    assert (
        "Employment verification (employment in the field) is not offered: it counts only through December "
        "31, 2020, before your recertification window starts." in form
    )

    response = member_client.post(
        address, activity_data(document=SimpleUploadedFile("certificate.pdf", PDF)), follow=True
    )

    assert response.redirect_chain == [(url(draft), 302)]
    text = page_text(response)
    assert "Activity recorded: Infection control." in text
    assert "Infection control · 12.00 points" in text and "Documents: certificate.pdf" in text
    assert "12.00 of 30.00 points count: 18.00 to go." in text
    activity = Activity.objects.get()
    assert (activity.certification, activity.completed_on, activity.quantity) == (
        draft.certification, datetime.date(2025, 6, 1), Decimal("12.00"),
    )  # fmt: skip
    assert activity.documents.get().original_name == "certificate.pdf"
    assert "Activity “Infection control” recorded. (you)" in text


@pytest.mark.parametrize("day", ["2023-11-29", "2026-11-30"], ids=["the day before the window", "tomorrow"])
def test_an_activity_outside_the_window_is_refused_on_the_form_and_nothing_is_written(
    member_client, draft, media, day
):
    response = member_client.post(
        url(draft, "activity_add"),
        activity_data(completed_on=day, document=SimpleUploadedFile("certificate.pdf", PDF)),
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem with this activity" in text
    assert "November 30, 2023" in text and "November 29, 2026" in text
    assert not Activity.objects.exists()
    assert not list(media.rglob("*.pdf"))
    assert not draft.events.filter(message__contains="Infection control").exists()


def test_a_refused_document_leaves_no_activity_behind(member_client, draft):
    response = member_client.post(
        url(draft, "activity_add"), activity_data(document=SimpleUploadedFile("notes.pdf", HTML))
    )

    assert response.status_code == 200
    assert "There is a problem with this activity" in page_text(response)
    assert not Activity.objects.exists()


def test_a_document_attached_through_the_ccp_upload_comes_back_to_the_application(member_client, draft):
    activity = window_activity(
        draft.certification, on=datetime.date(2025, 3, 1), hours="10", title="Course A"
    )
    before = page_text(member_client.get(url(draft)))
    assert "a document for “Course A”" in before and "Attach a document to “Course A”" in before

    response = member_client.post(
        reverse("ccp:document_upload", args=[activity.pk]),
        {"file": SimpleUploadedFile("scan.pdf", PDF), "next": url(draft)},
        follow=True,
    )

    assert response.redirect_chain == [(url(draft), 302)]
    text = page_text(response)
    assert "Document attached to “Course A”: scan.pdf." in text
    assert "Documents: scan.pdf" in text
    assert "a document for “Course A”" not in text
    assert activity.documents.get().original_name == "scan.pdf"


def test_answering_yes_to_the_felony_question_needs_the_details(member_client, draft):
    response = member_client.post(url(draft, "felony"), {"felony": "yes"}, follow=True)

    text = page_text(response)
    assert "Date: Answer this, since you answered yes." in text
    assert "Nature of the offense or action: Answer this, since you answered yes." in text
    assert "Court or authority: Answer this, since you answered yes." in text
    assert "Outcome: Answer this, since you answered yes." in text
    draft.refresh_from_db()
    assert draft.felony is None
    assert "your answer to the felony and disciplinary question" in text

    details = {"felony": "yes", "felony_date": "2015-03-02", "felony_nature": "Misdemeanor reduced",
               "felony_authority": "Cook County court", "felony_outcome": "Dismissed"}  # fmt: skip
    answered = page_text(member_client.post(url(draft, "felony"), details, follow=True))

    assert "Your answer to the felony and disciplinary question is saved." in answered
    assert "Answered: Yes (March 2, 2015: Misdemeanor reduced; Cook County court; Dismissed)." in answered
    draft.refresh_from_db()
    assert (draft.felony, draft.felony_outcome) == (True, "Dismissed")


def test_a_felony_question_left_unanswered_says_so(member_client, draft):
    text = page_text(member_client.post(url(draft, "felony"), {}, follow=True))

    assert "Answer yes or no." in text
    draft.refresh_from_db()
    assert draft.felony is None


def test_signing_with_another_name_is_refused(member_client, draft):
    member = draft.certification.member

    refused = page_text(member_client.post(url(draft, "sign"), {"signed_name": "Someone Else"}, follow=True))

    assert f"Type your full legal name as on your certification: {member.full_name}." in refused
    draft.refresh_from_db()
    assert draft.signed_name == "" and draft.signed_at is None

    signed = page_text(
        member_client.post(url(draft, "sign"), {"signed_name": f"  {member.full_name.upper()} "}, follow=True)
    )

    assert "Your attestation is signed." in signed
    assert f"Signed by {member.full_name.upper()} on November 29, 2026, 9:00 AM CST." in signed


def test_checkout_with_something_missing_lists_it_and_issues_no_fee(member_client, draft):
    attach(window_activity(draft.certification, on=datetime.date(2025, 3, 1), hours="10", title="Course A"))
    window_activity(draft.certification, on=datetime.date(2025, 3, 2), hours="5", title="Course B")

    response = member_client.post(url(draft, "checkout"), follow=True)

    assert response.redirect_chain == [(url(draft), 302)]
    assert (
        "Before paying, add: 15 more CCP points earned between November 30, 2023 and November 29, 2026 "
        "(15 of 30 count so far); a document for “Course B”; your answer to the felony and disciplinary "
        "question; your signed attestation." in page_text(response)
    )
    assert not Invoice.objects.exists()
    draft.refresh_from_db()
    assert (draft.state, draft.invoice_number, draft.applied_on) == ("draft", "", None)


def test_a_complete_application_goes_to_the_card_payment_of_the_fee(member_client, draft):
    complete(draft)
    ready = page_text(member_client.get(url(draft)))
    assert (
        "Your application is complete. The fee is $75.00; it is submitted as soon as the payment is received."
        in ready
    )
    assert "Still missing" not in ready

    response = member_client.post(url(draft, "checkout"))

    draft.refresh_from_db()
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("billing:pay", kwargs={"number": invoice.number})
    credential = draft.certification.credential
    assert invoice.amount_cents == credential.annual_fee_cents + 2500 == 7500
    assert (invoice.kind, invoice.state, invoice.certification) == ("recert_ccp", "open", draft.certification)
    assert invoice.continue_path == url(draft)
    assert (draft.invoice_number, draft.applied_on, draft.state) == (invoice.number, TODAY, "draft")
    assert (draft.window_start, draft.window_end) == (datetime.date(2023, 11, 30), TODAY)
    assert draft.counted_points == Decimal("30.00")
    assert draft.rules_snapshot["fee_cents"] == 7500 and draft.rules_snapshot["required_points"] == "30.00"
    # Back on the page before paying: the button pays the same invoice; a second checkout issues no other.
    assert "Pay $75.00" in page_text(member_client.get(url(draft)))
    assert member_client.post(url(draft, "checkout")).url == response.url
    assert Invoice.objects.count() == 1


def test_once_the_fee_is_paid_the_application_says_submitted(
    member_client, draft, django_capture_on_commit_callbacks
):
    complete(draft)
    invoice = services.application_checkout(
        application=draft, user=draft.certification.member.user, today=TODAY
    )
    billing_services.invoice_record_payment(
        invoice=invoice, method="check", received_on=TODAY, reference="1001", today=TODAY, source="test"
    )  # the paid task has not run yet (it runs on commit)
    being_submitted = page_text(member_client.get(url(draft)))
    assert "Your fee is paid: the application is being submitted." in being_submitted
    for gone in (
        "Still missing",
        "Pay ",
        "Withdraw this draft",
        "Save my answer",
        "Record an activity",
        "Attach",
    ):
        assert gone not in being_submitted, gone

    services.application_submit_paid(invoice_number=invoice.number, today=TODAY, source="fee paid")

    text = page_text(member_client.get(url(draft)))
    assert "Recertify RMA by CCP points Waiting on review" in text
    assert (
        "Submitted on November 29, 2026: waiting on review. Valid until May 29, 2027; undecided by then, it "
        "expires." in text
    )
    assert "Fee $75.00 paid; submitted. (fee paid)" in text
    assert "Still missing" not in text and "Record an activity" not in text and "Attach" not in text
    assert "Save my answer" not in text and "Withdraw this draft" not in text
    draft.refresh_from_db()
    assert (draft.state, draft.submitted_on, draft.expires_on) == (
        "submitted",
        TODAY,
        datetime.date(2027, 5, 29),
    )
    assert Notice.objects.filter(key=f"application-{draft.pk}-submitted", channel="email").count() == 1


def test_paying_runs_the_submission_on_commit(member_client, draft, django_capture_on_commit_callbacks):
    complete(draft)

    application = pay(draft, django_capture_on_commit_callbacks)

    assert application.state == "submitted"
    assert "Submitted on November 29, 2026: waiting on review." in page_text(member_client.get(url(draft)))
    assert (
        "Continue your recertification application (by ccp points, submitted: waiting on review)."
        in page_text(member_client.get(reverse("home")))
    )


def test_a_submitted_application_cannot_be_changed_from_the_page(
    member_client, draft, django_capture_on_commit_callbacks
):
    complete(draft)
    pay(draft, django_capture_on_commit_callbacks)

    felony = page_text(member_client.post(url(draft, "felony"), {"felony": "no"}, follow=True))
    added = member_client.post(url(draft, "activity_add"), activity_data())

    assert "This application is submitted: waiting on review: it can no longer be changed." in felony
    assert "This application is submitted: waiting on review: it can no longer be changed." in page_text(
        added
    )
    draft.refresh_from_db()
    assert draft.felony is False
    assert Activity.objects.count() == 2


def test_a_draft_is_withdrawn_with_its_unpaid_fee(member_client, draft):
    complete(draft)
    invoice = services.application_checkout(
        application=draft, user=draft.certification.member.user, today=TODAY
    )

    response = member_client.post(url(draft, "withdraw"), follow=True)

    apply_url = reverse("recert:apply", args=[draft.certification_id])
    assert response.redirect_chain == [(apply_url, 302)]
    text = page_text(response)
    assert "Your draft application was withdrawn. You can start another." in text
    assert "Apply by CCP points" in text
    draft.refresh_from_db()
    invoice.refresh_from_db()
    assert (draft.state, invoice.state) == ("withdrawn", "void")


# --- Another member's application ---------------------------------------------------------------------


def test_another_member_s_application_is_not_found(client, draft):
    other = make_certification(MemberFactory(), certified_on=datetime.date(2025, 5, 14), today=TODAY)
    client.force_login(other.member.user)
    activity = window_activity(
        draft.certification, on=datetime.date(2025, 3, 1), hours="10", title="Course A"
    )

    pages = [
        ("get", url(draft)),
        ("get", url(draft, "activity_add")),
        ("post", url(draft, "activity_add")),
        ("post", url(draft, "felony")),
        ("post", url(draft, "sign")),
        ("post", url(draft, "exam_answers")),
        ("post", url(draft, "checkout")),
        ("post", url(draft, "resubmit")),
        ("post", url(draft, "withdraw")),
        ("get", reverse("recert:apply", args=[draft.certification_id])),
        ("post", reverse("recert:apply", args=[draft.certification_id])),
        ("post", reverse("ccp:document_upload", args=[activity.pk])),
    ]
    data = activity_data() | {"felony": "no", "signed_name": "Pat Doe", "route": "exam"}
    for method, address in pages:
        assert getattr(client, method)(address, data).status_code == 404, address

    draft.refresh_from_db()
    assert (draft.state, draft.felony, draft.signed_name) == ("draft", None, "")
    assert Application.objects.count() == 1 and Activity.objects.count() == 1


def test_a_visitor_is_asked_to_sign_in(client, draft):
    for address in (url(draft), reverse("recert:apply", args=[draft.certification_id])):
        response = client.get(address)
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


# --- The application by exam --------------------------------------------------------------------------


def test_an_exam_application_of_another_credential_answers_its_question_and_pays_125(client, seeded):
    certification = noncompliant_certification(code="MT")
    client.force_login(certification.member.user)
    client.post(reverse("recert:apply", args=[certification.pk]), {"route": "exam"})
    application = Application.objects.get()
    page = page_text(client.get(url(application)))
    assert "Recertify MT by exam Draft" in page
    assert "Do you meet the current eligibility requirements to sit the MT exam" in page
    assert "Still missing your answers to the exam eligibility questions" in page

    refused = page_text(
        client.post(url(application, "exam_answers"), {"meets_requirement": "no"}, follow=True)
    )
    assert "You answered that you do not meet the exam's eligibility requirement" in refused

    answered = page_text(
        client.post(
            url(application, "exam_answers"),
            {"meets_requirement": "yes", "details": "BS in medical technology, 2024"},
            follow=True,
        )
    )
    assert "Your eligibility answers are saved." in answered
    assert "The fee is $125.00" in answered
    application.refresh_from_db()
    assert application.exam_route == "credential"
    assert application.eligibility_answers["details"] == "BS in medical technology, 2024"

    response = client.post(url(application, "checkout"))

    invoice = Invoice.objects.get()
    assert response.url == reverse("billing:pay", kwargs={"number": invoice.number})
    assert (invoice.amount_cents, invoice.kind) == (12500, "recert_exam")


def rma_answers(**changes) -> dict:
    return {"program_graduated_on": "", "program_clock_hours": "", "externship_hours": "",
            "military_graduated_on": "", "months_employed_recent": "", "months_employed_experience": "",
            "months_instructor": ""} | changes  # fmt: skip


def test_an_rma_exam_application_keeps_the_first_route_the_answers_qualify_by(member_client, noncompliant):
    application = start(noncompliant, "exam")
    assert "Answer the RMA eligibility assistant's questions" in page_text(
        member_client.get(url(application))
    )

    none = page_text(member_client.post(url(application, "exam_answers"), rma_answers(), follow=True))
    assert "You are not eligible to take the RMA exam by any route:" in none
    assert (
        "Not eligible by the Work experience route: 0 months of employment in the last 7 years count" in none
    )
    application.refresh_from_db()
    assert application.exam_route == ""

    experienced = rma_answers(
        months_employed_experience="70", months_instructor="30", months_employed_recent="40"
    )
    text = page_text(member_client.post(url(application, "exam_answers"), experienced, follow=True))

    assert "Your eligibility answers are saved." in text
    assert "Eligible by the Work experience route." in text
    application.refresh_from_db()
    assert application.exam_route == "experience"
    assert application.eligibility_answers["months_employed_experience"] == 70


# --- The public RMA eligibility assistant -------------------------------------------------------------


def assistant(client, **answers) -> str:
    return page_text(client.get(reverse("recert:rma_assistant"), rma_answers(**answers)))


def route_card(text: str, name: str) -> str:
    """The words of one route's answer, up to the next route's (or the form)."""
    names = ["Education:", "Military:", "Work experience:", "Other exam:", "When did you graduate"]
    start_at = text.index(f"{name}:")
    ends = [text.index(other, start_at + 1) for other in names if other in text[start_at + 1 :]]
    return text[start_at : min(ends)]


def test_the_assistant_asks_its_questions_without_answering_first(client, seeded):
    text = page_text(client.get(reverse("recert:rma_assistant")))

    assert "Can I take the RMA exam?" in text and "Nothing you type is stored." in text
    assert "Your answer, route by route" not in text
    assert "Months employed as a medical assistant in the last 5 years" in text


def test_a_recent_accredited_graduate_is_eligible_by_education_only(client, seeded):
    text = assistant(
        client, program_graduated_on="2024-06-01", program_accredited="on", program_clock_hours="720",
        externship_hours="160",
    )  # fmt: skip

    assert "Your answer, route by route" in text
    education = route_card(text, "Education")
    assert education.startswith("Education: eligible Eligible by the Education route.")
    assert "Because you graduated on June 1, 2024, within the last 4 years." in education
    assert (
        "Documents: your official transcript or diploma showing the program, its hours and your graduation "
        "date." in education
    )
    assert route_card(text, "Military").startswith(
        "Military: not eligible Not eligible by the Military route: you did not complete a medical services "
        "training program of the US Armed Forces"
    )
    assert "Work experience: not eligible" in text and "Other exam: not eligible" in text


def test_an_expected_graduation_is_eligible_once_the_diploma_is_provided(client, seeded):
    text = assistant(
        client, program_graduated_on="2027-05-15", program_accredited="on", program_clock_hours="800",
        externship_hours="200",
    )  # fmt: skip

    education = route_card(text, "Education")
    assert education.startswith(
        "Education: eligible once you provide a document Eligible by the Education route once you provide "
        "your official transcript or diploma"
    )
    assert "Because you expect to graduate on May 15, 2027." in education


def test_work_experience_counts_at_most_two_years_as_an_instructor(client, seeded):
    eligible = route_card(
        assistant(client, months_employed_experience="70", months_instructor="30"), "Work experience"
    )
    short = route_card(
        assistant(client, months_employed_experience="65", months_instructor="30"), "Work experience"
    )

    assert eligible.startswith("Work experience: eligible Eligible by the Work experience route.")
    assert (
        "Because 64 months of employment in the last 7 years count (of 30 months as an instructor, 24 count)."
        in eligible
    )
    assert (
        "Documents: letters from your employers confirming your duties and dates of employment." in eligible
    )
    assert (
        "Not eligible by the Work experience route: 59 months of employment in the last 7 years count (of 30 "
        "months as an instructor, 24 count); at least 60 are needed" in short
    )


def test_an_older_military_graduate_and_another_exam_need_recent_employment(client, seeded):
    text = assistant(
        client, military_graduated_on="2015-06-01", other_exam_passed="on", months_employed_recent="24"
    )

    military = route_card(text, "Military")
    other = route_card(text, "Other exam")
    assert military.startswith(
        "Military: not eligible Not eligible by the Military route: you graduated on June 1, 2015,"
    )
    assert (
        "you were employed as a medical assistant 24 months of the last 5 years, and at least 3 years (36 "
        "months) are needed" in military
    )
    assert other.startswith(
        "Other exam: not eligible Not eligible by the Other exam route: you passed a recognized exam"
    )

    employed = assistant(
        client, military_graduated_on="2015-06-01", other_exam_passed="on", months_employed_recent="36"
    )
    assert route_card(employed, "Military").startswith("Military: eligible Eligible by the Military route.")
    assert route_card(employed, "Other exam").startswith(
        "Other exam: eligible Eligible by the Other exam route."
    )


def test_more_instructor_months_than_months_employed_is_an_error_on_the_form(client, seeded):
    text = assistant(client, months_employed_experience="10", months_instructor="20")

    assert "Months as an instructor are part of the months employed." in text
    assert "Your answer, route by route" not in text


# --- Queries ------------------------------------------------------------------------------------------

# Session, user, member, the application (with its certification, credential, member and rule), the points
# summary twice (the page's and what is missing: activities, their documents, the categories each), the
# timeline, the policy (the document hint). No invoice yet: none is read.
APPLICATION_QUERIES = 12


@pytest.mark.parametrize("activities", [20, 200])
def test_the_application_page_makes_a_fixed_number_of_queries(
    member_client, draft, django_assert_num_queries, activities
):
    for index in range(activities):
        on = datetime.date(2024, 1, 1) + datetime.timedelta(days=index)
        activity = window_activity(draft.certification, on=on, hours="1", title=f"Course {index:03}")
        if index % 2 == 0:
            attach(activity)

    response = get_in_queries(member_client, url(draft), APPLICATION_QUERIES, django_assert_num_queries)

    text = page_text(response)
    assert text.count(" · 1.00 points") == activities
    assert text.count("Documents: proof.pdf") == activities // 2
    assert f"{activities}.00 of 30.00 points count" in text
