"""The recertification services (recert/services) against DOMAIN.md "Recertification", "Status of a
certification" and "People and rights": who may apply and by which route, what the member does (activities in
the window, documents, the felony question, the signature, the exam answers, the fee), what processors do
(claim, ask for more, approve, refuse, record the exam) and what a reinstatement does to the certification,
its cycle and its invoices. Every refusal is checked for its words and for writing nothing (`assert_refused`
compares the rows before and after)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from billing import services as billing_services
from billing.models import Invoice
from ccp import services as ccp_services
from ccp.models import Activity, CcpPolicy, Cycle
from members import services as member_services
from members.models import Certification
from recert import services
from recert.models import Application, RecertRule
from tests.factories import MemberFactory, UserFactory, make_certification, make_staff
from tests.files import HTML, pdf_bytes
from tests.recert.conftest import (
    IN_WINDOW,
    TODAY,
    answer_and_sign,
    checkout,
    claimed,
    database_state,
    fresh,
    noncompliant_certification,
    notices_of,
    on,
    pdf,
    ready_by_ccp,
    ready_by_exam,
    record,
    start,
    submitted_by_ccp,
    submitted_by_exam,
    timeline,
    user_of,
)

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def today_on_the_clock(time_machine):
    """Services take the business date; the paid-fee task reads the clock: both say November 29, 2026."""
    on(time_machine, TODAY)


@pytest.fixture
def processor(seeded):
    return make_staff("Recertification processor")


# --- Helpers ------------------------------------------------------------------------------------------


def assert_refused(action, message: str | list | dict) -> None:
    """`action` raises ValidationError with exactly `message` (several: a list; a field's: {field: text}) and
    no row changed."""
    before = database_state()
    with pytest.raises(ValidationError) as refusal:
        action()
    if isinstance(message, dict):
        assert refusal.value.message_dict == {
            field: text if isinstance(text, list) else [text] for field, text in message.items()
        }
    else:
        assert refusal.value.messages == (message if isinstance(message, list) else [message])
    assert database_state() == before


def exam_required_certification(*, nightly_cycle_close: bool = True) -> Certification:
    """Certified in 2008, fees paid through February 29, 2012: lapsed on April 1, 2012 (the day after the
    fee due March 31), so not Active for 10 years or more since April 1, 2022: Exam required. Its first cycle
    (from March 10, 2008) ended by the nightly job, unless `nightly_cycle_close` is False."""
    certification = make_certification(
        certified_on=D(2008, 3, 10), today=D(2008, 3, 10), paid_through=D(2012, 2, 29)
    )
    certification = member_services.certification_refresh_status(
        certification=certification, today=TODAY, source="test"
    )
    assert (certification.status, certification.lapse_date) == ("exam_required", D(2012, 4, 1))
    if nightly_cycle_close:
        ccp_services.cycles_close_inactive(today=TODAY)
    return certification


# --- Who may apply, and by which route --------------------------------------------------------------------


def test_an_active_certification_has_nothing_to_recertify(seeded):
    # given an RMA certified in June 2026, its fee year covered / when the member applies
    certification = make_certification(certified_on=D(2026, 6, 10), today=TODAY)
    assert certification.status == "active"
    # then refused, with nothing written
    assert_refused(
        lambda: start(certification), "Your RMA certification is Active: there is nothing to recertify."
    )


def test_a_lapsed_certification_pays_its_fees_rather_than_recertify(seeded):
    # given fees paid through April 30, 2025: the fee due May 31, 2025 unpaid, Lapsed (fees) for under 3 years
    certification = make_certification(
        certified_on=D(2019, 5, 14), today=D(2019, 5, 14), paid_through=D(2025, 4, 30)
    )
    certification = member_services.certification_refresh_status(
        certification=certification, today=TODAY, source="test"
    )
    assert (certification.status, certification.lapse_date) == ("lapsed", D(2025, 6, 1))
    # when the member applies, by either route / then refused with what to do instead
    message = (
        "Your RMA certification is Lapsed (fees): pay the unpaid annual fees to become Active again; "
        "recertification is not needed."
    )
    assert_refused(lambda: start(certification), message)
    assert_refused(lambda: start(certification, "exam"), message)


def test_a_non_compliant_certification_may_apply_by_ccp(noncompliant):
    # when the member of a certification Non-compliant since May 14, 2022 applies by CCP
    application = start(noncompliant)
    # then a draft, judged by the rules in force today, with the route decision in words on its timeline
    application = fresh(application)
    assert (application.state, application.route, application.started_on) == ("draft", "ccp", TODAY)
    assert application.lapse_date == D(2022, 5, 14)
    assert application.rule == RecertRule.objects.get(credential__code="RMA")
    reason = "Lapsed since May 14, 2022: less than 10 years, so by CCP points or by exam."
    assert application.route_reason == reason
    assert timeline(application) == [("", "draft", f"Started by CCP points. {reason}")]
    assert application.events.get().actor == user_of(noncompliant)


def test_one_open_application_per_certification(noncompliant):
    # given a draft by CCP
    start(noncompliant)
    # when the member applies again, by either route / then refused, nothing written
    message = "You already have an open application for your RMA certification."
    assert_refused(lambda: start(noncompliant), message)
    assert_refused(lambda: start(noncompliant, "exam"), message)


def test_an_unknown_route_is_refused(noncompliant):
    assert_refused(lambda: start(noncompliant, "interview"), "Choose by CCP points or by exam.")


def test_past_the_10_year_gate_only_by_exam(seeded):
    # given a certification Exam required: lapsed April 1, 2012, more than 10 years ago
    certification = exam_required_certification()
    # when the member applies by CCP / then refused with the reason, nothing written
    assert_refused(
        lambda: start(certification),
        "Lapsed since April 1, 2012: 10 years or more, so recertification by exam only.",
    )
    # when by exam / then a draft
    application = start(certification, "exam")
    assert (application.route, application.state, application.lapse_date) == ("exam", "draft", D(2012, 4, 1))
    assert application.route_reason == (
        "Lapsed since April 1, 2012: 10 years or more, so recertification by exam only."
    )


def test_the_gate_is_judged_again_on_the_application_date(seeded, time_machine):
    # given fees unpaid since the fee due November 30, 2016: lapsed December 1, 2016; on November 30, 2026
    # the certification must recertify (3 years or more) and may still do so by CCP
    day_before = D(2026, 11, 30)
    on(time_machine, day_before)
    certification = make_certification(
        certified_on=D(2010, 11, 10), today=D(2010, 11, 10), paid_through=D(2016, 10, 31)
    )
    certification = member_services.certification_refresh_status(
        certification=certification, today=day_before, source="test"
    )
    assert (certification.status, certification.lapse_date) == ("must_recertify", D(2016, 12, 1))
    application = ready_by_ccp(certification, today=day_before)
    assert fresh(application).route_reason == (
        "Lapsed since December 1, 2016: less than 10 years, so by CCP points or by exam."
    )
    # when the member completes it on December 1, 2026: lapse date + 10 years is the application date
    gate_day = D(2026, 12, 1)
    on(time_machine, gate_day)
    # then by CCP is no longer offered: nothing is issued, the draft unchanged
    assert_refused(
        lambda: checkout(application, today=gate_day),
        "Lapsed since December 1, 2016: 10 years or more, so recertification by exam only.",
    )
    # and the daily status says the same: Exam required from that day
    certification = member_services.certification_refresh_status(
        certification=certification, today=gate_day, source="test"
    )
    assert certification.status == "exam_required"


# --- Activities and documents ----------------------------------------------------------------------------


def test_an_activity_is_recorded_for_the_application_only_inside_its_window(noncompliant):
    # given a draft by CCP applied for today: the window runs November 30, 2023 to November 29, 2026
    application = start(noncompliant)
    # when the member records a course the day before the window / then refused, nothing written
    assert_refused(
        lambda: record(application, "Too early", on=D(2023, 11, 29), document=False),
        "Your recertification window runs from November 30, 2023 to November 29, 2026: the activity must be "
        "dated inside it.",
    )
    # when on its first day and on today / then recorded, each on the timeline
    first = record(application, "First day", on=D(2023, 11, 30), document=False)
    last = record(application, "Today", on=TODAY, document=False)
    assert (first.completed_on, last.completed_on) == (D(2023, 11, 30), TODAY)
    assert [message for *_, message in timeline(application)][1:] == [
        "Activity “First day” recorded.",
        "Activity “Today” recorded.",
    ]
    # and a future date is refused
    assert_refused(
        lambda: record(application, "Tomorrow", on=TODAY + ONE_DAY, document=False),
        {"completed_on": "Dates in the future can't be claimed."},
    )


def test_activities_belong_to_an_application_by_ccp(noncompliant):
    application = start(noncompliant, "exam")
    assert_refused(
        lambda: record(application, "Course", document=False),
        "Activities belong to an application by CCP points.",
    )


def record_with_document(application: Application, upload) -> Activity:
    """As the page does: the activity and its document in one transaction (document refused, no activity)."""
    with transaction.atomic():
        activity = record(application, "Phlebotomy update", document=False)
        ccp_services.activity_attach_document(
            activity=activity, upload=upload, uploaded_by=user_of(application.certification)
        )
    return activity


def test_a_document_of_the_wrong_type_or_size_is_refused(noncompliant):
    application = start(noncompliant)
    # when the certificate is an HTML page / then refused, neither activity nor document stored
    html = SimpleUploadedFile("certificate.pdf", HTML, content_type="application/pdf")
    assert_refused(
        lambda: record_with_document(application, html),
        "This file is not a readable PDF, JPEG or PNG image: other kinds of file (HTML, SVG, Word, text...) "
        "are not accepted.",
    )
    # when it is a PDF over the policy's limit (1 MB here) / then refused
    CcpPolicy.objects.update(max_document_mb=1)
    big = SimpleUploadedFile("scan.pdf", pdf_bytes() + b"%" * (1024 * 1024), content_type="application/pdf")
    assert_refused(lambda: record_with_document(application, big), "The file is larger than 1 MB.")
    # when a real PDF / then the activity has its document
    activity = record_with_document(application, pdf())
    assert [document.content_type for document in activity.documents.all()] == ["application/pdf"]


# --- Completing the application: what is missing, the felony question, the signature --------------------


def test_checkout_short_of_points_lists_what_is_missing_and_issues_nothing(noncompliant):
    # given a draft with 20 points (two 10-hour courses with certificates), answered and signed
    application = ready_by_ccp(noncompliant, activities=2)
    # when the member goes to pay / then refused with what is missing, no invoice issued
    assert_refused(
        lambda: checkout(application),
        "Before paying, add: 10 more CCP points earned between November 30, 2023 and November 29, 2026 (20 "
        "of 30 count so far).",
    )
    assert not Invoice.objects.exists()


def test_checkout_of_an_empty_draft_lists_everything(noncompliant):
    application = start(noncompliant)
    assert_refused(
        lambda: checkout(application),
        "Before paying, add: 30 more CCP points earned between November 30, 2023 and November 29, 2026 (0 of "
        "30 count so far); your answer to the felony and disciplinary question; your signed attestation.",
    )


def test_checkout_without_documents_names_each_activity(noncompliant):
    # given 30 points, but two courses without their certificate (an online course needs none)
    application = start(noncompliant)
    record(application, "Course with certificate")
    record(application, "Course A", document=False)
    record(application, "Course B", document=False)
    answer_and_sign(application)
    # then checkout names them
    assert_refused(
        lambda: checkout(application),
        "Before paying, add: a document for “Course A”; a document for “Course B”.",
    )
    # when one of them is replaced by a verified online course / then only the other is missing
    Activity.objects.filter(title="Course B").delete()
    from tests.recert.conftest import window_activity

    window_activity(noncompliant, on=IN_WINDOW, hours="10", title="Online", online=True)
    assert services.application_missing(fresh(application), today=TODAY) == ["a document for “Course A”"]


def test_the_felony_question(noncompliant):
    application = start(noncompliant)
    user = user_of(noncompliant)

    def answer(felony: bool, **details):
        return services.application_answer_felony(
            application=application, felony=felony, user=user, today=TODAY, **details
        )

    # when yes without details / then each detail asked for, nothing stored
    need = "Answer this, since you answered yes."
    fields = ("felony_date", "felony_nature", "felony_authority", "felony_outcome")
    assert_refused(lambda: answer(True), dict.fromkeys(fields, need))
    assert_refused(
        lambda: answer(True, felony_date=D(2015, 3, 2), felony_nature="Misdemeanor theft"),
        {"felony_authority": need, "felony_outcome": need},
    )
    # when dated in the future / then refused
    details = {
        "felony_nature": "Board reprimand",
        "felony_authority": "State Board of Health",
        "felony_outcome": "Reprimand, closed 2016",
    }
    assert_refused(
        lambda: answer(True, felony_date=TODAY + ONE_DAY, **details),
        {"felony_date": "The date can't be in the future."},
    )
    # when yes with all four / then stored
    answer(True, felony_date=D(2015, 3, 2), **details)
    stored = fresh(application)
    assert (stored.felony, stored.felony_date, stored.felony_authority) == (
        True, D(2015, 3, 2), "State Board of Health",
    )  # fmt: skip
    # when changed to no / then the details are cleared
    answer(False, **details)
    stored = fresh(application)
    assert (stored.felony, stored.felony_date, stored.felony_nature, stored.felony_outcome) == (
        False, None, "", "",
    )  # fmt: skip


def test_the_signature_must_be_the_legal_name(noncompliant):
    member = noncompliant.member
    member.middle_name = "Quinn"
    member.save()
    application = start(noncompliant)

    def sign(name: str):
        return services.application_sign(
            application=application, signed_name=name, user=user_of(noncompliant), today=TODAY
        )

    # when the member types another name / then refused, naming the legal name
    assert_refused(
        lambda: sign("P. Doe"),
        {"signed_name": f"Type your full legal name as on your certification: Pat Quinn {member.last_name}."},
    )
    # when the legal name, without the middle name, in other case and spacing / then signed
    sign(f"  pat   {member.last_name.upper()} ")
    signed = fresh(application)
    assert signed.signed_name == f"pat {member.last_name.upper()}"
    assert signed.signed_at is not None


# --- The fee and the submission --------------------------------------------------------------------------


def test_checkout_freezes_the_application_date_rules_and_window_and_issues_the_fee(noncompliant):
    application = ready_by_ccp(noncompliant)
    invoice = checkout(application)
    # then one invoice: the RMA annual fee + $25, due today, back to the application once paid
    assert (invoice.kind, invoice.amount_cents, invoice.due_on, invoice.state) == (
        "recert_ccp",
        7500,
        TODAY,
        "open",
    )
    assert invoice.description == "RMA recertification fee (by CCP points): $75.00"
    assert invoice.continue_path == f"/recertification/applications/{application.pk}/"
    # and the application keeps the rules it is judged by
    application = fresh(application)
    assert application.state == "draft"  # submitted when paid
    assert (application.applied_on, application.window_start, application.window_end) == (
        TODAY, D(2023, 11, 30), TODAY,
    )  # fmt: skip
    assert (application.counted_points, application.invoice_number) == (Decimal("30"), invoice.number)
    rule = RecertRule.objects.get(credential__code="RMA")
    assert application.rules_snapshot == {
        "rule_id": rule.pk,
        "credential": "RMA",
        "effective_from": "2000-01-01",
        "required_points": "30.00",
        "window_years": 3,
        "exam_gate_years": 10,
        "fee_cents": 7500,
        "validity_months": 6,
        "authorization_days": 90,
        "applied_on": "2026-11-29",
        "route_reason": "Lapsed since May 14, 2022: less than 10 years, so by CCP points or by exam.",
    }
    # when the member comes back to pay again before paying / then the same invoice, nothing new
    before = database_state()
    assert checkout(fresh(application)).number == invoice.number
    assert database_state()["invoices"] == before["invoices"]


def test_an_rma_exam_application_snapshots_the_routes_in_force(seeded):
    certification = noncompliant_certification()
    application = ready_by_exam(certification)
    invoice = checkout(application)
    assert (invoice.kind, invoice.amount_cents) == ("recert_exam", 12500)
    application = fresh(application)
    assert application.rules_snapshot["fee_cents"] == 12500
    assert application.rules_snapshot["rma_routes"] == {
        "program_clock_hours": 720,
        "externship_hours": 160,
        "recent_graduation_years": 4,
        "recent_employment_months": 36,
        "recent_employment_window_years": 5,
        "experience_months": 60,
        "experience_window_years": 7,
        "instructor_max_months": 24,
    }
    assert application.window_start is None  # no CCP window by exam


def test_an_unpaid_fee_submits_nothing(noncompliant):
    # given a completed application whose fee is open
    application = ready_by_ccp(noncompliant)
    invoice = checkout(application)
    # when something tries to submit it / then nothing is written, it stays a draft
    before = database_state()
    returned = services.application_submit_paid(invoice_number=invoice.number, today=TODAY, source="test")
    assert returned.state == "draft"
    assert services.application_submit_paid(invoice_number="RC-NOPE", today=TODAY, source="test") is None
    assert database_state() == before


def test_the_paid_fee_submits_the_application_once(noncompliant, pay):
    application = ready_by_ccp(noncompliant)
    invoice = checkout(application)
    # when billing records the payment (its task submits the application at commit)
    pay(invoice)
    # then submitted today, valid 6 months, the member told once
    application = fresh(application)
    assert (application.state, application.submitted_on, application.expires_on) == (
        "submitted", TODAY, D(2027, 5, 29),
    )  # fmt: skip
    assert timeline(application)[-1] == ("draft", "submitted", "Fee $75.00 paid; submitted.")
    submitted = notices_of(application).get()
    assert (submitted.channel, submitted.subject) == (
        "email",
        "We received your RMA recertification application",
    )
    assert "It is valid until May 29, 2027; you will be told every decision." in submitted.body_text
    # when the member's page and the daily catch-up try again / then nothing more is written
    before = database_state()
    services.application_submit_paid(invoice_number=invoice.number, today=TODAY, source="member")
    services.application_submit_paid(invoice_number=invoice.number, today=TODAY + ONE_DAY, source="job")
    assert database_state() == before
    assert application.events.filter(to_state="submitted").count() == 1


def test_a_paid_draft_waiting_on_its_submission_can_no_longer_change(noncompliant):
    # given the fee was paid but its submission has not run yet (the task is queued)
    application = ready_by_ccp(noncompliant)
    invoice = checkout(application)
    billing_services.invoice_record_payment(
        invoice=invoice, method="check", received_on=TODAY, reference="no. 7", today=TODAY, source="test"
    )
    assert fresh(application).state == "draft"
    # when the member records, signs, checks out again or withdraws / then refused, nothing written
    paid = "The fee is paid: the application is being submitted."
    assert_refused(lambda: record(application, "Late course", document=False), paid)
    assert_refused(lambda: answer_and_sign(application), paid)
    assert_refused(lambda: checkout(application), paid)
    assert_refused(
        lambda: services.application_withdraw(
            application=application, user=user_of(noncompliant), today=TODAY
        ),
        "The fee is paid: the application is submitted and can't be withdrawn here.",
    )


def test_a_submitted_application_is_no_longer_changed_by_the_member(noncompliant, pay):
    application = submitted_by_ccp(noncompliant, pay)
    assert_refused(
        lambda: answer_and_sign(application),
        "This application is submitted: waiting on review: it can no longer be changed.",
    )
    assert_refused(lambda: checkout(application), "This application was already sent.")
    assert_refused(
        lambda: services.application_resubmit(
            application=application, user=user_of(noncompliant), today=TODAY
        ),
        "Only an application the processor asked more of can be sent again.",
    )


def test_withdrawing_a_draft_voids_its_open_fee(noncompliant):
    application = ready_by_ccp(noncompliant)
    invoice = checkout(application)
    # when the member withdraws it
    services.application_withdraw(application=application, user=user_of(noncompliant), today=TODAY)
    # then withdrawn, its fee void with the reason, and a new application can be started
    assert fresh(application).state == "withdrawn"
    assert timeline(application)[-1] == ("draft", "withdrawn", "Withdrawn by the member.")
    invoice.refresh_from_db()
    assert (invoice.state, invoice.state_reason) == ("void", "application withdrawn")
    assert start(noncompliant, "exam").state == "draft"
    # and withdrawing it again (a double click) writes nothing
    before = database_state()
    services.application_withdraw(application=application, user=user_of(noncompliant), today=TODAY)
    assert database_state() == before


def test_a_draft_without_a_fee_is_withdrawn(noncompliant):
    application = start(noncompliant)
    services.application_withdraw(application=application, user=user_of(noncompliant), today=TODAY)
    assert fresh(application).state == "withdrawn"
    assert not Invoice.objects.exists()


# --- The processors: claims and decisions ------------------------------------------------------------------


def test_decisions_need_the_claim(noncompliant, pay, processor):
    application = submitted_by_ccp(noncompliant, pay)
    decisions = {
        "approve": lambda user: services.application_approve(application=application, user=user, today=TODAY),
        "refuse": lambda user: services.application_refuse(
            application=application, reason="No.", user=user, today=TODAY
        ),
        "ask more": lambda user: services.application_ask_more(
            application=application, reason="More.", user=user, today=TODAY
        ),
    }
    # when nobody holds it / then each decision is refused
    for decide in decisions.values():
        assert_refused(lambda decide=decide: decide(processor), "Claim this application before deciding "
                       "(nobody holds it).")  # fmt: skip
    # when another processor holds it / then refused, naming the holder
    colleague = UserFactory(email="colleague@staff.example.org", first_name="Lee", last_name="Park")
    claimed(application, colleague)
    for decide in decisions.values():
        assert_refused(lambda decide=decide: decide(processor), "Claim this application before deciding "
                       "(Lee Park holds it).")  # fmt: skip
    assert_refused(
        lambda: claimed(application, processor), "Lee Park is already processing this application."
    )
    assert_refused(
        lambda: services.application_release(application=application, user=processor, today=TODAY),
        "Only the processor holding this application can release it.",
    )
    # when the holder releases it / then the other may claim it; claims are on the staff timeline only
    services.application_release(application=application, user=colleague, today=TODAY)
    claimed(application, processor)
    application = fresh(application)
    assert application.claimed_by == processor
    staff_only = application.events.filter(member_visible=False)
    assert list(staff_only.values_list("message", flat=True)) == [
        "Claimed for processing",
        "Released to the queue",
        "Claimed for processing",
    ]


def test_ask_more_then_resubmit(noncompliant, pay, processor):
    application = claimed(submitted_by_ccp(noncompliant, pay), processor)
    # when asking without a reason / then refused
    assert_refused(
        lambda: services.application_ask_more(
            application=application, reason="  ", user=processor, today=TODAY
        ),
        {"reason": "Say what more the member must provide."},
    )
    # when asking for a clearer certificate
    reason = "The certificate of Course 2 is unreadable: upload a clearer scan."
    services.application_ask_more(application=application, reason=reason, user=processor, today=TODAY)
    # then back with the member, who is told why; approving now is refused
    application = fresh(application)
    assert (application.state, application.more_rounds) == ("more_requested", 1)
    assert timeline(application)[-1] == ("submitted", "more_requested", f"More asked: {reason}")
    more = notices_of(application).get(key=f"application-{application.pk}-more-1")
    assert more.subject == "Your recertification application: the processor asks for more"
    assert reason in more.body_text and "No new fee is due." in more.body_text
    assert_refused(
        lambda: services.application_approve(application=application, user=processor, today=TODAY),
        "Only a submitted application can be approved (the member was asked for more).",
    )
    # when the member adds a document (the window is frozen) and sends it again, a week later
    later = TODAY + datetime.timedelta(days=7)
    activity = Activity.objects.get(certification=noncompliant, title="Course 2")
    ccp_services.activity_attach_document(
        activity=activity, upload=pdf("clear.pdf"), uploaded_by=user_of(noncompliant)
    )
    services.application_resubmit(application=application, user=user_of(noncompliant), today=later)
    # then submitted again, with the same validity and no new fee
    application = fresh(application)
    assert (application.state, application.expires_on, application.window_end) == (
        "submitted", D(2027, 5, 29), TODAY,
    )  # fmt: skip
    assert timeline(application)[-1] == (
        "more_requested",
        "submitted",
        "Answered the processor and sent again.",
    )
    assert Invoice.objects.filter(certification=noncompliant).count() == 1
    # and the processor, still holding it, may ask again (a second round)
    services.application_ask_more(
        application=application, reason="And Course 3.", user=processor, today=later
    )
    assert fresh(application).more_rounds == 2
    assert notices_of(application).filter(key=f"application-{application.pk}-more-2").exists()


def test_refuse_with_a_reason(noncompliant, pay, processor):
    application = claimed(submitted_by_ccp(noncompliant, pay), processor)
    assert_refused(
        lambda: services.application_refuse(application=application, reason="", user=processor, today=TODAY),
        {"reason": "Give the member the reason for the refusal."},
    )
    reason = "Two of the courses are not medical assisting CE."
    services.application_refuse(application=application, reason=reason, user=processor, today=TODAY)
    application = fresh(application)
    assert (application.state, application.decided_on, application.decided_by) == (
        "refused",
        TODAY,
        processor,
    )
    assert application.decision_reason == reason
    assert timeline(application)[-1] == ("submitted", "refused", f"Refused: {reason}")
    refused = notices_of(application).get(key__endswith="-refused")
    assert f"Reason: {reason}" in refused.body_text
    # the certification is unchanged, and the member may apply again
    noncompliant.refresh_from_db()
    assert noncompliant.status == "noncompliant"
    assert start(noncompliant).state == "draft"


def test_a_decided_or_expired_application_is_not_decided_again(noncompliant, pay, processor):
    # given a claimed application that expired unanswered (the daily job, the day after its last valid day)
    application = claimed(submitted_by_ccp(noncompliant, pay), processor)
    assert services.applications_expire(today=D(2027, 5, 30)) == 1
    expired = "This application is expired: it can't be decided again."
    # when its holder approves, refuses or asks more / then refused, nothing written
    assert_refused(lambda: services.application_approve(application=application, user=processor, today=TODAY),
                   expired)  # fmt: skip
    assert_refused(lambda: services.application_refuse(application=application, reason="Late",
                                                       user=processor, today=TODAY), expired)  # fmt: skip
    assert_refused(lambda: services.application_ask_more(application=application, reason="More",
                                                         user=processor, today=TODAY), expired)  # fmt: skip
    assert_refused(lambda: claimed(application, processor), expired)
    # and a refused one likewise
    other = claimed(submitted_by_ccp(noncompliant_certification(), pay), processor)
    services.application_refuse(application=other, reason="No.", user=processor, today=TODAY)
    assert_refused(
        lambda: services.application_approve(application=other, user=processor, today=TODAY),
        "This application is refused: it can't be decided again.",
    )


# --- Approval by CCP: the reinstatement -------------------------------------------------------------------


def noncompliant_with_open_annual_invoice() -> tuple[Certification, Invoice]:
    """Paid through April 30, 2022; the fee year from May 1, 2022 invoiced on April 15, 2022 while Active and
    never paid; the first cycle (to May 13, 2022) ended without points: Non-compliant from May 14, 2022. (The
    nightly job would void that invoice; it has not run, so the reinstatement finds it open.)"""
    certification = make_certification(
        MemberFactory(first_name="Rosa", last_name="Alvarez"),
        certified_on=D(2019, 5, 14), today=D(2019, 5, 14), paid_through=D(2022, 4, 30),
    )  # fmt: skip
    invoice = billing_services.invoice_issue_next(
        certification=certification, today=D(2022, 4, 15), source="test"
    )
    ccp_services.cycles_roll(today=D(2022, 5, 14))
    certification.refresh_from_db()
    assert (certification.status, certification.lapse_date) == ("noncompliant", D(2022, 5, 14))
    invoice.refresh_from_db()
    assert (invoice.kind, invoice.state, invoice.fee_year_start) == ("annual", "open", D(2022, 5, 1))
    return certification, invoice


def test_approval_by_ccp_reinstates_today(seeded, pay, processor):
    certification, annual = noncompliant_with_open_annual_invoice()
    application = claimed(submitted_by_ccp(certification, pay), processor)
    # when the processor approves it
    services.application_approve(application=application, user=processor, today=TODAY)
    # then the application is decided: reinstated today, by whom
    application = fresh(application)
    assert (application.state, application.reinstated_on, application.decided_on, application.decided_by) == (
        "reinstated", TODAY, TODAY, processor,
    )  # fmt: skip
    assert timeline(application)[-1] == (
        "submitted",
        "reinstated",
        "Approved: reinstated from November 29, 2026.",
    )
    # the certification is Active, reinstated today: the new anchor, its fee year (November 2026 to October
    # 2027) covered by the recertification fee
    certification.refresh_from_db()
    assert (certification.status, certification.reinstated_on, certification.lapse_date) == (
        "active", TODAY, None,
    )  # fmt: skip
    assert (certification.anchor_date, certification.paid_through) == (TODAY, D(2027, 10, 31))
    assert certification.active_through == D(2027, 11, 30)  # the next fee's due date
    assert certification.status_reason == "In good standing through November 30, 2027."
    # with its history row
    change = certification.status_changes.order_by("pk").last()
    assert (change.from_status, change.to_status, change.changed_by, change.source, change.effective_on) == (
        "noncompliant", "active", processor, "recertification review", TODAY,
    )  # fmt: skip
    # a new first cycle open from the reinstated date
    cycle = Cycle.objects.get(certification=certification, state="open")
    assert (cycle.anchor_on, cycle.number, cycle.start_on, cycle.end_on) == (TODAY, 0, TODAY, D(2029, 11, 28))
    # the old open annual invoice voided "reinstated"; the recertification fee stays paid
    annual.refresh_from_db()
    assert (annual.state, annual.state_reason) == ("void", "reinstated")
    assert Invoice.objects.get(kind="recert_ccp", certification=certification).state == "paid"
    # the member told by e-mail and letter
    reinstated = notices_of(application).filter(key__endswith="-reinstated")
    assert sorted(reinstated.values_list("channel", flat=True)) == ["email", "letter"]
    email = reinstated.get(channel="email")
    assert email.subject == "Your RMA certification is reinstated"
    assert "certification is reinstated from November 29, 2026 and is Active." in email.body_text
    # and there is no open application any more: a new one is refused because it is Active
    assert_refused(
        lambda: start(certification), "Your RMA certification is Active: there is nothing to recertify."
    )


# --- By exam: authorization and result ---------------------------------------------------------------------


@pytest.fixture
def authorized(seeded, pay, processor):
    """An MT certification Non-compliant since May 14, 2022, applied by exam, approved: authorized to test."""
    certification = noncompliant_certification(code="MT")
    application = claimed(submitted_by_exam(certification, pay), processor)
    return services.application_approve(application=application, user=processor, today=TODAY)


def test_approval_by_exam_authorizes_to_test(authorized, processor):
    application = fresh(authorized)
    assert application.state == "authorized"
    assert re.fullmatch(r"MT-2026-\d{8}", application.authorization_number)
    # valid 90 days (the rules' authorization days)
    assert (application.authorized_on, application.authorization_expires_on) == (TODAY, D(2027, 2, 27))
    assert timeline(application)[-1] == (
        "submitted", "authorized",
        f"Authorized to test: {application.authorization_number}, valid until February 27, 2027.",
    )  # fmt: skip
    notice = notices_of(application).get(key__endswith="-authorized")
    assert notice.subject == "You are authorized to take the MT exam"
    assert f"Authorization number: {application.authorization_number}." in notice.body_text
    # the certification is not reinstated yet, and the authorized application is not refused but tested
    assert application.certification.status == "noncompliant"
    assert_refused(
        lambda: services.application_refuse(
            application=application, reason="No", user=processor, today=TODAY
        ),
        "The member is authorized to test: record the exam result instead.",
    )


def test_the_authorization_days_are_data(seeded, pay, processor):
    RecertRule.objects.filter(credential__code="MT").update(authorization_days=30)
    application = claimed(submitted_by_exam(noncompliant_certification(code="MT"), pay), processor)
    application = services.application_approve(application=application, user=processor, today=TODAY)
    assert application.authorization_expires_on == D(2026, 12, 29)


def record_exam(application, user, *, passed: bool, exam_date: datetime.date, today: datetime.date):
    return services.application_record_exam(
        application=application, passed=passed, exam_date=exam_date, user=user, today=today
    )


def test_a_passed_exam_reinstates_from_the_exam_date(authorized, processor):
    # when the processor records on January 15, 2027 a pass on January 10
    record_exam(authorized, processor, passed=True, exam_date=D(2027, 1, 10), today=D(2027, 1, 15))
    # then reinstated from the exam date: the new anchor, its first cycle open from it
    application = fresh(authorized)
    assert (application.state, application.exam_passed_on, application.reinstated_on) == (
        "reinstated", D(2027, 1, 10), D(2027, 1, 10),
    )  # fmt: skip
    assert application.decided_on == D(2027, 1, 15)
    certification = application.certification
    certification.refresh_from_db()
    assert (certification.status, certification.reinstated_on) == ("active", D(2027, 1, 10))
    assert certification.paid_through == D(2027, 12, 31)  # the fee year January to December 2027, covered
    cycle = Cycle.objects.get(certification=certification, state="open")
    assert (cycle.anchor_on, cycle.start_on) == (D(2027, 1, 10), D(2027, 1, 10))
    change = certification.status_changes.order_by("pk").last()
    assert (change.to_status, change.changed_by) == ("active", processor)
    assert notices_of(application).filter(key__endswith="-reinstated").count() == 2


def test_a_failed_exam_closes_the_application_and_the_member_may_apply_again(authorized, processor):
    record_exam(authorized, processor, passed=False, exam_date=D(2027, 1, 10), today=D(2027, 1, 15))
    application = fresh(authorized)
    assert (application.state, application.decided_on, application.decision_reason) == (
        "exam_failed", D(2027, 1, 15), "Exam failed on January 10, 2027.",
    )  # fmt: skip
    assert (
        notices_of(application).get(key__endswith="-exam-failed").subject
        == "Your recertification exam result"
    )
    certification = application.certification
    certification.refresh_from_db()
    assert certification.status == "noncompliant"
    assert start(certification, "exam", today=D(2027, 1, 15)).state == "draft"


def test_an_exam_date_outside_the_authorization_is_refused(authorized, processor):
    def between(last: str) -> dict:
        return {
            "exam_date": f"The exam date must be between November 29, 2026 (the authorization) and {last}."
        }

    def exam_on(exam_date: datetime.date, *, recorded_on: datetime.date):
        return lambda: record_exam(authorized, processor, passed=True, exam_date=exam_date, today=recorded_on)

    # before the authorization / after today / after the authorization's last day (February 27, 2027)
    assert_refused(exam_on(TODAY - ONE_DAY, recorded_on=D(2027, 1, 15)), between("January 15, 2027"))
    assert_refused(exam_on(D(2027, 1, 16), recorded_on=D(2027, 1, 15)), between("January 15, 2027"))
    assert_refused(exam_on(D(2027, 2, 28), recorded_on=D(2027, 3, 5)), between("February 27, 2027"))
    # its last day is inside
    exam_on(D(2027, 2, 27), recorded_on=D(2027, 3, 5))()
    assert fresh(authorized).reinstated_on == D(2027, 2, 27)


def test_an_exam_result_only_for_an_authorized_application(noncompliant, pay, processor):
    application = claimed(submitted_by_ccp(noncompliant, pay), processor)
    assert_refused(
        lambda: record_exam(application, processor, passed=True, exam_date=TODAY, today=TODAY),
        "An exam result is recorded only for a member authorized to test.",
    )


# --- The exam's eligibility answers ------------------------------------------------------------------------


def test_rma_exam_answers_not_eligible_by_any_route(noncompliant):
    application = start(noncompliant, "exam")
    answers = {"months_employed_recent": 35, "months_employed_experience": 59, "other_exam_passed": True}
    assert_refused(
        lambda: services.application_answer_exam(
            application=application, answers=answers, user=user_of(noncompliant), today=TODAY
        ),
        [
            "You are not eligible to take the RMA exam by any route:",
            "Not eligible by the Education route: you did not attend a medical-assisting program",
            "Not eligible by the Military route: you did not complete a medical services training program of "
            "the US Armed Forces",
            "Not eligible by the Work experience route: 59 months of employment in the last 7 years count; "
            "at least 60 are needed",
            "Not eligible by the Other exam route: you passed a recognized exam, and you were employed as a "
            "medical assistant 35 months of the last 5 years, and at least 3 years (36 months) are needed",
        ],
    )
    assert_refused(
        lambda: checkout(application), "Before paying, add: your answers to the exam eligibility questions."
    )


def test_rma_exam_answers_keep_the_best_route(noncompliant):
    application = start(noncompliant, "exam")
    answers = {
        "program_graduated_on": D(2027, 5, 20),  # still in the program: once provided
        "program_accredited": True,
        "program_clock_hours": 900,
        "externship_hours": 200,
        "months_employed_experience": 66,
        "months_instructor": 30,
    }
    services.application_answer_exam(application=application, answers=answers, user=user_of(noncompliant),
                                     today=TODAY)  # fmt: skip
    application = fresh(application)
    # eligible now by work experience wins over the education route "once you provide" the diploma
    assert (application.exam_route, application.exam_route_reason) == (
        "experience", "Eligible by the Work experience route.",
    )  # fmt: skip
    assert application.eligibility_answers["program_graduated_on"] == "2027-05-20"
    assert application.eligibility_answers["months_instructor"] == 30
    assert services.application_missing(application, today=TODAY) == []


def test_other_credentials_answer_their_question(seeded):
    certification = noncompliant_certification(code="MT")
    application = start(certification, "exam")
    assert_refused(
        lambda: services.application_answer_exam(
            application=application, answers={"meets_requirement": False}, user=user_of(certification),
            today=TODAY,
        ),
        "You answered that you do not meet the exam's eligibility requirement, so you can't apply by exam "
        "yet.",
    )  # fmt: skip
    services.application_answer_exam(
        application=application, answers={"meets_requirement": True, "details": "  BS, 2005 "},
        user=user_of(certification), today=TODAY,
    )  # fmt: skip
    application = fresh(application)
    question = RecertRule.objects.get(credential__code="MT").exam_route_question
    assert application.exam_route == "credential"
    assert application.eligibility_answers == {"question": question, "answer": "yes", "details": "BS, 2005"}


def test_eligibility_answers_belong_to_an_application_by_exam(noncompliant):
    application = start(noncompliant)
    assert_refused(
        lambda: services.application_answer_exam(
            application=application, answers={}, user=user_of(noncompliant), today=TODAY
        ),
        "Eligibility answers belong to an application by exam.",
    )


# --- The rules in force on the application date ------------------------------------------------------------


def test_a_rule_change_applies_to_applications_checked_out_from_its_date(seeded, pay, time_machine):
    # given a first member who checks out today under the rules of 2000 (30 points, $75, valid 6 months)
    first = ready_by_ccp(noncompliant_certification())
    assert checkout(first).amount_cents == 7500
    # and new RMA rules from January 1, 2027: 40 points, $95, valid 3 months
    rma = RecertRule.objects.get(credential__code="RMA")
    new_rule = RecertRule.objects.create(
        credential=rma.credential, effective_from=D(2027, 1, 1), required_points=Decimal("40"),
        ccp_fee_cents=9500, exam_fee_cents=15000, validity_months=3,
    )  # fmt: skip
    # and a second member who started in December under the old rules with 30 points
    december, january = D(2026, 12, 20), D(2027, 1, 5)
    on(time_machine, december)
    second = ready_by_ccp(noncompliant_certification(), today=december)
    assert fresh(second).rule == rma
    # when the second checks out on January 5, 2027 / then judged by the new rules: 10 points short
    on(time_machine, january)
    assert_refused(
        lambda: checkout(second, today=january),
        "Before paying, add: 10 more CCP points earned between January 6, 2024 and January 5, 2027 (30 of 40 "
        "count so far).",
    )
    # when 10 more points are recorded / then the new fee, the new rules frozen, valid 3 months once paid
    record(second, "Course 4", today=january)
    invoice = checkout(second, today=january)
    assert invoice.amount_cents == 9500
    pay(invoice, day=january)
    second = fresh(second)
    assert second.rule == new_rule
    assert (second.rules_snapshot["required_points"], second.rules_snapshot["fee_cents"]) == ("40.00", 9500)
    assert (second.applied_on, second.window_start, second.expires_on) == (
        january,
        D(2024, 1, 6),
        D(2027, 4, 5),
    )
    # and the first, checked out before the change, keeps the rules it was judged by (paid in January)
    pay(Invoice.objects.get(number=fresh(first).invoice_number), day=january)
    first = fresh(first)
    assert first.rule == rma
    assert (first.rules_snapshot["required_points"], first.rules_snapshot["fee_cents"]) == ("30.00", 7500)
    assert (first.submitted_on, first.expires_on) == (january, D(2027, 7, 5))  # valid 6 months


def test_checking_out_again_under_new_rules_issues_the_new_fee(seeded, time_machine):
    # given a member who went to pay on December 20, 2026 ($75 by CCP) and did not pay
    december, january = D(2026, 12, 20), D(2027, 1, 5)
    on(time_machine, december)
    application = ready_by_ccp(noncompliant_certification(), today=december)
    old_fee = checkout(application, today=december)
    # and a new fee of $95 from January 1, 2027
    rma = RecertRule.objects.get(credential__code="RMA")
    RecertRule.objects.create(
        credential=rma.credential, effective_from=D(2027, 1, 1), required_points=Decimal("30"),
        ccp_fee_cents=9500, exam_fee_cents=15000,
    )  # fmt: skip
    # when the member goes to pay again on January 5, 2027
    on(time_machine, january)
    new_fee = checkout(application, today=january)
    # then the application date's fee: the $75 invoice void, a $95 one issued, as the snapshot says
    old_fee.refresh_from_db()
    assert (old_fee.state, old_fee.state_reason) == ("void", "recertification fee changed")
    assert (new_fee.amount_cents, new_fee.state, new_fee.number) == (9500, "open", f"{old_fee.number}-2")
    application = fresh(application)
    assert (application.invoice_number, application.rules_snapshot["fee_cents"]) == (new_fee.number, 9500)
    # and going to pay once more the same day reuses it
    assert checkout(application, today=january).number == new_fee.number


def test_a_passed_exam_reinstates_an_exam_required_certification(seeded, pay, processor):
    # given a certification not Active since April 1, 2012, applied by exam and authorized (its 2008 cycle
    # not yet ended by the nightly job)
    certification = exam_required_certification(nightly_cycle_close=False)
    application = claimed(submitted_by_exam(certification, pay), processor)
    services.application_approve(application=application, user=processor, today=TODAY)
    # when a pass on December 10, 2026 is recorded
    services.application_record_exam(
        application=application, passed=True, exam_date=D(2026, 12, 10), user=processor, today=D(2026, 12, 11)
    )
    # then Active from the exam date, CCP required again (reinstated after April 1, 2014), a first cycle open
    certification.refresh_from_db()
    assert (certification.status, certification.reinstated_on, certification.ccp_required) == (
        "active", D(2026, 12, 10), True,
    )  # fmt: skip
    change = certification.status_changes.order_by("pk").last()
    assert (change.from_status, change.to_status) == ("exam_required", "active")
    cycles = Cycle.objects.filter(certification=certification).order_by("start_on")
    assert list(cycles.values_list("anchor_on", "start_on", "end_on", "state")) == [
        (D(2008, 3, 10), D(2008, 3, 10), D(2011, 3, 9), "inactive"),  # the old anchor's: ended
        (D(2026, 12, 10), D(2026, 12, 10), D(2029, 12, 9), "open"),  # the new anchor's first
    ]
