"""Recertification processors' pages (DOMAIN.md "Recertification", "People and rights"): who may open them,
the queue with its tabs, filters, search and pages, the review page with the proof beside each activity,
claiming, and each decision (ask for more, approve, refuse, the exam result); what the processor and the
member then read, and what the database holds."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services as billing_services
from billing.models import Invoice
from ccp import services as ccp_services
from ccp.models import ActivityDocument, Cycle
from members.models import Certification, Notice, StatusChange
from recert import services
from recert.models import Application
from tests.factories import MemberFactory, course_fields, make_certification, make_staff, staff_named
from tests.files import image_bytes
from tests.pages import (
    assert_forbidden,
    assert_shown_inline,
    assert_sign_in_asked,
    assert_two_factor_setup_asked,
    at,
    get_in_queries,
    page_text,
)
from tests.recert.conftest import TODAY, noncompliant_certification, window_activity
from tests.recert.test_views import attach

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(time_machine):
    at(time_machine, TODAY)


@pytest.fixture
def processor(client, seeded):
    user = staff_named("Recertification processor", "Rosa", "Check")
    client.force_login(user)
    return user


def certification_of(first_name: str = "Pat", last_name: str = "Doe", *, code: str = "RMA") -> Certification:
    return noncompliant_certification(MemberFactory(first_name=first_name, last_name=last_name), code=code)


def submit(
    certification: Certification, *, route: str = "ccp", on: datetime.date = TODAY, courses: int = 3
) -> Application:
    """An application started, completed, paid and submitted on `on`: by CCP, `courses` courses of
    30/`courses` hours in the window, each with its document; by exam (not RMA), the question answered."""
    user = certification.member.user
    application = services.application_start(certification=certification, route=route, today=on, user=user)
    if route == "ccp":
        hours = Decimal(30) / courses
        for index in range(courses):
            day = datetime.date(2025, 1, 1) + index * ONE_DAY
            activity = window_activity(certification, on=day, hours=str(hours), title=f"Course {index + 1}")
            attach(activity)
        services.application_answer_felony(application=application, felony=False, user=user, today=on)
        services.application_sign(
            application=application, signed_name=certification.member.full_name, user=user, today=on
        )
    else:
        services.application_answer_exam(
            application=application, answers={"meets_requirement": True, "details": "BS 2010"}, user=user,
            today=on,
        )  # fmt: skip
    invoice = services.application_checkout(application=application, user=user, today=on)
    billing_services.invoice_record_payment(
        invoice=invoice, method="check", received_on=on, reference="1", today=on, source="test"
    )
    return services.application_submit_paid(invoice_number=invoice.number, today=on, source="fee paid")


def review_url(application: Application, name: str = "review") -> str:
    return reverse(f"recert:{name}", args=[application.pk])


def post(client, application: Application, name: str, data=None):
    return client.post(review_url(application, name), data or {}, follow=True)


def queue(client, **filters):
    return client.get(reverse("recert:queue"), filters)


def claim(application: Application, user) -> Application:
    return services.application_claim(application=application, user=user, today=TODAY)


# --- Who may open the pages -----------------------------------------------------------------------------


@pytest.fixture
def under_review(seeded) -> Application:
    return submit(certification_of())


def staff_pages(application: Application) -> list[tuple[str, str]]:
    document = ActivityDocument.objects.filter(activity__certification=application.certification).first()
    return [
        ("get", reverse("recert:queue")),
        ("get", review_url(application)),
        ("post", review_url(application, "claim")),
        ("post", review_url(application, "release")),
        ("post", review_url(application, "ask_more")),
        ("post", review_url(application, "approve")),
        ("post", review_url(application, "refuse")),
        ("post", review_url(application, "exam_result")),
        ("get", reverse("recert:document", args=[document.pk])),
    ]


def test_billing_staff_audit_reviewers_and_members_get_403_on_every_processor_page(client, under_review):
    data = {"more-reason": "More", "refuse-reason": "No", "passed": "yes", "exam_date": "2026-11-29"}
    people = [
        make_staff("Billing staff"),
        make_staff("Audit reviewer"),
        under_review.certification.member.user,
    ]

    assert_forbidden(client, people, staff_pages(under_review), data)

    under_review.refresh_from_db()
    assert (under_review.state, under_review.claimed_by) == ("submitted", None)
    assert under_review.events.count() == 2  # started, submitted


def test_a_visitor_is_asked_to_sign_in(client, under_review):
    assert_sign_in_asked(client, staff_pages(under_review))


def test_a_processor_without_two_factor_is_sent_to_set_it_up(client, under_review):
    client.force_login(make_staff("Recertification processor", two_factor_secret=None))

    assert_two_factor_setup_asked(client, staff_pages(under_review))
    under_review.refresh_from_db()
    assert under_review.claimed_by is None


def test_the_staff_home_links_the_queue(client, processor):
    text = page_text(client.get(reverse("staff_home")))

    assert "Recertification queue Applications by CCP and by exam" in text


# --- The queue ------------------------------------------------------------------------------------------


@pytest.fixture
def population(processor):
    """Ann Lee (RMA by CCP, submitted a week ago), Bob Stone (MT by exam, submitted today), Cy Park (RMA
    by CCP, more asked), Dee Ward (MT by exam, authorized), Eve Lee (RMA by CCP, reinstated), Fay Moss (RMA,
    refused), Gus Hill (RMA by CCP, submitted in May: expired), Hal Ray (RMA by CCP, a draft: not listed)."""
    other = staff_named("Recertification processor", "Olga", "Other")
    week_ago = TODAY - 7 * ONE_DAY
    people = {
        "Ann": submit(certification_of("Ann", "Lee"), on=week_ago),
        "Bob": submit(certification_of("Bob", "Stone", code="MT"), route="exam"),
        "Cy": submit(certification_of("Cy", "Park")),
        "Dee": submit(certification_of("Dee", "Ward", code="MT"), route="exam"),
        "Eve": submit(certification_of("Eve", "Lee")),
        "Fay": submit(certification_of("Fay", "Moss")),
        "Gus": submit(certification_of("Gus", "Hill"), on=datetime.date(2026, 5, 1)),
    }
    services.application_start(
        certification=certification_of("Hal", "Ray"), route="ccp", today=TODAY, user=other
    )
    by = {"user": other, "today": TODAY}
    for name, decide in [
        ("Cy", lambda a: services.application_ask_more(application=a, reason="Unreadable", **by)),
        ("Dee", lambda a: services.application_approve(application=a, **by)),
        ("Eve", lambda a: services.application_approve(application=a, **by)),
        ("Fay", lambda a: services.application_refuse(application=a, reason="Forged", **by)),
    ]:
        decide(claim(people[name], other))
    services.applications_expire(today=TODAY)
    claim(people["Bob"], other)
    return {name: Application.objects.get(pk=application.pk) for name, application in people.items()}


def test_the_queue_counts_each_tab_and_lists_what_waits_on_review(client, population):
    text = page_text(queue(client))

    assert "Submitted 2 More asked 1 Authorized to test 1 Decided 2 Expired 1" in text
    assert "2 applications, longest waiting first" in text
    ann, bob = (population[name].certification.member for name in ("Ann", "Bob"))
    assert (
        f"Lee, Ann ({ann.member_number}) RMA By CCP points Waiting on review 2026-11-22 2027-05-22 nobody"
        in text
    )
    assert (
        f"Stone, Bob ({bob.member_number}) MT By exam Waiting on review 2026-11-29 2027-05-29 Olga Other"
        in text
    )
    assert text.index("Lee, Ann") < text.index("Stone, Bob")  # submitted first, waiting longest
    assert "Ray, Hal" not in text


def rows(text: str) -> list[str]:
    """The last names listed, in order."""
    listed = text.split("longest waiting first", 1)[1] if "longest waiting first" in text else ""
    names = {"Lee", "Stone", "Park", "Ward", "Moss", "Hill", "Ray"}
    return [word for word in listed.replace(",", "").split() if word in names]


def test_each_tab_lists_its_applications(client, population):
    listed = {state: rows(page_text(queue(client, state=state))) for state in
              ("submitted", "more_requested", "authorized", "decided", "expired")}  # fmt: skip

    assert listed == {
        "submitted": ["Lee", "Stone"],
        "more_requested": ["Park"],
        "authorized": ["Ward"],
        "decided": ["Lee", "Moss"],
        "expired": ["Hill"],
    }
    decided = page_text(queue(client, state="decided"))
    assert "Approved: reinstated" in decided and "Refused" in decided


def test_the_queue_filters_by_route_credential_and_days_waiting(client, population):
    by_route = page_text(queue(client, route="exam"))
    by_credential = page_text(queue(client, state="authorized", credential="MT"))
    older = page_text(queue(client, older_than=7))

    assert "Submitted 1 More asked 0 Authorized to test 1 Decided 0 Expired 0" in by_route
    assert rows(by_route) == ["Stone"]
    assert "Submitted 1 More asked 0 Authorized to test 1 Decided 0 Expired 0" in by_credential
    assert rows(by_credential) == ["Ward"]
    assert "Submitted 1 More asked 0 Authorized to test 0 Decided 0 Expired 1" in older
    assert rows(older) == ["Lee"]
    # The tabs keep the filters.
    assert 'href="?state=expired&amp;route=exam"' in queue(client, route="exam").content.decode()


def test_the_queue_finds_a_member_by_number_or_name(client, population):
    ann = population["Ann"].certification.member

    by_number = page_text(queue(client, search=ann.member_number))
    by_last_name = page_text(queue(client, state="decided", search="lee"))
    by_full_name = page_text(queue(client, search="Ann Lee"))

    assert rows(by_number) == ["Lee"] and "Lee, Ann" in by_number
    assert "Submitted 1 More asked 0 Authorized to test 0 Decided 0 Expired 0" in by_number
    assert "Submitted 1 More asked 0 Authorized to test 0 Decided 1 Expired 0" in by_last_name  # Ann, Eve
    assert "Lee, Eve" in by_last_name
    assert "Lee, Ann" in by_full_name and "Lee, Eve" not in by_full_name
    assert "No application in this list." in page_text(queue(client, search="Nobody"))


def test_the_queue_lists_the_longest_waiting_first(client, processor, time_machine):
    names = ["Alpha", "Bravo", "Charlie"]
    certifications = {name: certification_of("Pat", name) for name in names}
    for hour, name in zip((16, 17, 18), ["Charlie", "Alpha", "Bravo"], strict=True):
        at(time_machine, TODAY, hour)
        submit(certifications[name])

    text = page_text(queue(client))

    assert [word for word in text.split() if word.rstrip(",") in names] == ["Charlie,", "Alpha,", "Bravo,"]


def test_the_queue_shows_25_applications_a_page(client, processor):
    for number in range(26):
        submit(certification_of("Pat", f"Person{number:02}"), courses=1)

    first = queue(client, route="ccp")
    second = queue(client, route="ccp", page=2)

    first_text, second_text = page_text(first), page_text(second)
    assert "26 applications, longest waiting first" in first_text
    assert first_text.count("Waiting on review") == 25 and "Page 1 of 2" in first_text
    assert 'href="?route=ccp&amp;page=2"' in first.content.decode()
    assert second_text.count("Waiting on review") == 1 and "Page 2 of 2" in second_text
    listed = [
        word.rstrip(",") for word in (first_text + " " + second_text).split() if word.startswith("Person")
    ]
    assert sorted(listed) == [f"Person{number:02}" for number in range(26)]


# Session, user, TOTP, permissions (2), the credentials (filter form), the five tab counts (each capped at
# 1,000+), the page's count and its rows.
QUEUE_QUERIES = 13


def test_the_queue_makes_a_fixed_number_of_queries_with_3_or_30_applications(
    client, processor, django_assert_num_queries
):
    for number in range(3):
        submit(certification_of("Pat", f"First{number}"), courses=1)
    queue(client)  # warm-up

    with django_assert_num_queries(QUEUE_QUERIES):
        three = page_text(queue(client, credential="RMA", route="ccp"))

    for number in range(27):
        claim(submit(certification_of("Pat", f"Second{number}"), courses=1), processor)

    with django_assert_num_queries(QUEUE_QUERIES):
        thirty = page_text(queue(client, credential="RMA", route="ccp", page=1))

    assert three.count("Waiting on review") == 3
    assert "30 applications" in thirty and thirty.count("Waiting on review") == 25
    assert three.count("nobody") == 3
    assert thirty.count("nobody") == 3 and thirty.count("Rosa Check") == 22  # each row's holder


# --- The review page ------------------------------------------------------------------------------------


def test_the_review_page_shows_the_rules_the_points_each_activity_beside_its_proof_and_the_timeline(
    client, processor, under_review
):
    claim(under_review, processor)
    member = under_review.certification.member

    response = client.get(review_url(under_review))

    text = page_text(response)
    assert "Pat Doe: RMA by CCP points Waiting on review" in text
    assert f"Member {member.member_number} · CCP history" in text
    assert (
        "Route decision Lapsed since May 14, 2022: less than 10 years, so by CCP points or by exam." in text
    )
    invoice = Invoice.objects.get()
    assert (
        f"Submitted November 29, 2026 (valid until May 29, 2027) · fee $75.00 paid ({invoice.number})" in text
    )
    assert "Processor Rosa Check (you)" in text
    assert (
        "Rules it was judged by Credential RMA Effective from 2000-01-01 Applied on 2026-11-29 Required "
        "points 30.00 Window years 3 Exam gate years 10 Fee $75.00 Validity months 6 Authorization days 90 "
        "Points," in text
    )
    assert "Points, November 30, 2023 to November 29, 2026 30.00 of 30.00 points." in text
    assert text.count("Counted points 10.00") == 3
    assert "Felony and disciplinary question No" in text
    assert "Attestation signed by Pat Doe on November 29, 2026, 9:00 AM CST." in text
    page = response.content.decode()
    for document in ActivityDocument.objects.order_by("pk"):
        source = reverse("recert:document", args=[document.pk])
        assert f'<iframe class="document-frame w-100 border" src="{source}"' in page
    assert "Approve: reinstate from today" in text and "Ask for more" in text and "Refuse" in text
    timeline = text.split("Timeline", 1)[1]
    assert "Started by CCP points." in timeline and "by exam. (the member)" in timeline
    assert "Fee $75.00 paid; submitted. (fee paid)" in timeline
    assert "Claimed for processing (Rosa Check)" in timeline


def test_a_draft_is_not_in_review(client, processor, seeded):
    draft = services.application_start(
        certification=certification_of(), route="ccp", today=TODAY, user=processor
    )

    assert client.get(review_url(draft)).status_code == 404
    assert client.get(reverse("recert:review", args=[999999])).status_code == 404


def test_a_processor_claims_an_application_and_another_cannot_claim_or_decide_it(
    client, processor, under_review
):
    claimed = page_text(post(client, under_review, "claim"))

    assert "You hold this application: other processors see that you are processing it." in claimed
    assert "Processor Rosa Check (you)" in claimed and "Release to the queue" in claimed
    client.force_login(staff_named("Recertification processor", "Olga", "Other"))
    seen_by_other = page_text(client.get(review_url(under_review)))
    assert "Processor Rosa Check" in seen_by_other and "(you)" not in seen_by_other
    assert "Claim this application" not in seen_by_other and "Approve" not in seen_by_other

    again = page_text(post(client, under_review, "claim"))
    approve = page_text(post(client, under_review, "approve"))
    refuse = post(client, under_review, "refuse", {"refuse-reason": "No proof"})
    release = page_text(post(client, under_review, "release"))

    assert "Rosa Check is already processing this application." in again
    assert "Claim this application before deciding (Rosa Check holds it)." in approve
    assert refuse.status_code == 400
    assert "Claim this application before deciding (Rosa Check holds it)." in page_text(refuse)
    assert "Only the processor holding this application can release it." in release
    under_review.refresh_from_db()
    assert (under_review.state, under_review.claimed_by) == ("submitted", processor)


def test_deciding_an_application_nobody_holds_asks_to_claim_it_first(client, processor, under_review):
    for name, data in [("approve", {}), ("ask_more", {"more-reason": "A clearer scan"})]:
        text = page_text(post(client, under_review, name, data))
        assert "Claim this application before deciding (nobody holds it)." in text, name

    under_review.refresh_from_db()
    assert under_review.state == "submitted" and under_review.decided_by is None
    certification = under_review.certification
    certification.refresh_from_db()
    assert certification.status == "noncompliant"


def test_a_processor_releases_the_application_to_the_queue(client, processor, under_review):
    post(client, under_review, "claim")

    text = page_text(post(client, under_review, "release"))

    assert "You released this application to the queue." in text
    assert "Processor nobody holds it" in text and "Claim this application" in text
    under_review.refresh_from_db()
    assert under_review.claimed_by is None


def test_approving_by_ccp_reinstates_the_member_from_today(client, processor, under_review):
    certification = under_review.certification
    post(client, under_review, "claim")

    text = page_text(post(client, under_review, "approve"))

    assert "Approved. The member was told." in text
    assert "Approved: reinstated" in text and "Reinstated on November 29, 2026" in text
    assert "Approve:" not in text and "Release to the queue" not in text
    certification.refresh_from_db()
    assert (certification.status, certification.reinstated_on) == ("active", TODAY)
    assert StatusChange.objects.filter(certification=certification, from_status="noncompliant").count() == 1
    assert certification.status_changes.order_by("pk").last().to_status == "active"
    assert Cycle.objects.get(certification=certification, state="open").start_on == TODAY
    assert (
        Notice.objects.filter(key=f"application-{under_review.pk}-reinstated").count() == 2
    )  # e-mail, letter

    client.force_login(certification.member.user)
    dashboard = page_text(client.get(reverse("home")))
    member_page = page_text(client.get(reverse("recert:application", args=[under_review.pk])))
    assert (
        "Registered Medical Assistant (RMA) Active Certified on May 14, 2019 (reinstated November 29, 2026)"
        in dashboard
    )
    assert "Continue your recertification application" not in dashboard
    assert (
        "Your certification is reinstated from November 29, 2026 and is Active. That date is your new anchor "
        "date." in member_page
    )
    assert "Approved: reinstated from November 29, 2026. (a processor)" in member_page
    assert "Claimed for processing" not in member_page  # the processors' own steps stay theirs


def test_asking_for_more_sends_it_back_to_the_member_who_sends_it_again(client, processor, under_review):
    post(client, under_review, "claim")

    empty = post(client, under_review, "ask_more", {"more-reason": " "})
    assert empty.status_code == 400 and "This field is required." in page_text(empty)

    text = page_text(
        post(client, under_review, "ask_more", {"more-reason": "The certificate of Course 2 is cut"})
    )

    assert "The application went back to the member with your request." in text
    under_review.refresh_from_db()
    assert (under_review.state, under_review.more_rounds) == ("more_requested", 1)
    member = under_review.certification.member
    client.force_login(member.user)
    member_url = reverse("recert:application", args=[under_review.pk])
    member_page = page_text(client.get(member_url))
    assert "The processor asks for more." in member_page
    assert "More asked: The certificate of Course 2 is cut (a processor)" in member_page
    assert "Send my application again" in member_page
    assert "Attach a document to “Course 2”" in member_page and "Record an activity" in member_page

    again = page_text(client.post(reverse("recert:resubmit", args=[under_review.pk]), follow=True))

    assert "Your application was sent again to the processors." in again
    assert "Submitted on November 29, 2026: waiting on review." in again
    under_review.refresh_from_db()
    assert under_review.state == "submitted"
    assert Invoice.objects.count() == 1


def test_refusing_needs_a_reason_the_member_then_reads(client, processor, under_review):
    post(client, under_review, "claim")

    no_reason = post(client, under_review, "refuse", {"refuse-reason": ""})

    assert no_reason.status_code == 400
    assert "This field is required." in page_text(no_reason)
    under_review.refresh_from_db()
    assert under_review.state == "submitted"

    text = page_text(
        post(client, under_review, "refuse", {"refuse-reason": "The courses are not health care"})
    )

    assert "Refused. The member was told the reason." in text
    under_review.refresh_from_db()
    assert (under_review.state, under_review.decided_by) == ("refused", processor)
    client.force_login(under_review.certification.member.user)
    member_page = page_text(client.get(reverse("recert:application", args=[under_review.pk])))
    refused = "Refused on November 29, 2026. The courses are not health care You may apply again ."
    assert refused in member_page


# --- The exam route -------------------------------------------------------------------------------------


@pytest.fixture
def exam_application(seeded) -> Application:
    return submit(certification_of("Max", "Test", code="MT"), route="exam")


def test_approving_by_exam_authorizes_the_member_to_test_with_a_number(client, processor, exam_application):
    post(client, exam_application, "claim")
    review = page_text(client.get(review_url(exam_application)))
    assert "Exam eligibility" in review and "Approve: authorize to test" in review
    assert "Question Do you meet the current eligibility requirements to sit the MT exam" in review
    assert "Answer yes Details BS 2010" in review

    text = page_text(post(client, exam_application, "approve"))

    exam_application.refresh_from_db()
    number = exam_application.authorization_number
    assert number.startswith("MT-2026-") and len(number) == len("MT-2026-") + 8
    assert f"Authorization number {number}." in text
    assert f"Authorization {number}, November 29, 2026 to February 27, 2027" in text
    assert "Record the exam result" in text
    client.force_login(exam_application.certification.member.user)
    member_page = page_text(client.get(reverse("recert:application", args=[exam_application.pk])))
    assert (
        f"You are authorized to take the exam. Authorization number {number} , valid until February 27, 2027."
        in member_page
    )


def test_an_exam_applicant_asked_for_more_corrects_the_answers_and_sends_again(
    client, processor, exam_application
):
    post(client, exam_application, "claim")
    post(client, exam_application, "ask_more", {"more-reason": "Which degree, from which school?"})
    client.force_login(exam_application.certification.member.user)
    member_url = reverse("recert:application", args=[exam_application.pk])

    page = page_text(client.get(member_url))
    answered = page_text(
        client.post(
            review_url(exam_application, "exam_answers"),
            {"meets_requirement": "yes", "details": "BS in medical technology, State University, 2010"},
            follow=True,
        )
    )
    sent = page_text(client.post(review_url(exam_application, "resubmit"), follow=True))

    assert "The processor asks for more." in page
    assert "More asked: Which degree, from which school? (a processor)" in page
    assert "Save my answer" in page and "Send my application again" in page
    assert "Your eligibility answers are saved." in answered
    assert "Your application was sent again to the processors." in sent
    exam_application.refresh_from_db()
    assert exam_application.state == "submitted"
    assert (
        exam_application.eligibility_answers["details"] == "BS in medical technology, State University, 2010"
    )


def test_a_passed_exam_reinstates_from_the_exam_date(client, processor, exam_application, time_machine):
    services.application_approve(application=claim(exam_application, processor), user=processor, today=TODAY)
    at(time_machine, datetime.date(2027, 1, 10))
    client.force_login(processor)

    too_early = post(client, exam_application, "exam_result", {"passed": "yes", "exam_date": "2026-11-28"})
    text = page_text(
        post(client, exam_application, "exam_result", {"passed": "yes", "exam_date": "2027-01-05"})
    )

    assert too_early.status_code == 400
    assert (
        "The exam date must be between November 29, 2026 (the authorization) and January 10, 2027."
        in page_text(too_early)
    )
    assert "The exam result is recorded and the member was told." in text
    assert "Reinstated on January 5, 2027" in text
    exam_application.refresh_from_db()
    certification = exam_application.certification
    certification.refresh_from_db()
    assert (exam_application.state, exam_application.exam_passed_on) == (
        "reinstated",
        datetime.date(2027, 1, 5),
    )
    assert (certification.status, certification.reinstated_on) == ("active", datetime.date(2027, 1, 5))
    client.force_login(certification.member.user)
    assert "(reinstated January 5, 2027)" in page_text(client.get(reverse("home")))


def test_a_failed_exam_closes_the_application(client, processor, exam_application):
    services.application_approve(application=claim(exam_application, processor), user=processor, today=TODAY)

    text = page_text(
        post(client, exam_application, "exam_result", {"passed": "no", "exam_date": "2026-11-29"})
    )

    assert "Exam failed" in text and "Exam failed on November 29, 2026." in text
    exam_application.refresh_from_db()
    assert exam_application.state == "exam_failed"
    exam_application.certification.refresh_from_db()
    assert exam_application.certification.status == "noncompliant"


# --- Documents ------------------------------------------------------------------------------------------


def test_a_processor_views_a_pdf_or_an_image_inline(client, processor, seeded):
    certification = certification_of()
    application = services.application_start(
        certification=certification, route="ccp", today=TODAY, user=certification.member.user
    )
    pdf = attach(window_activity(certification, on=datetime.date(2025, 1, 1), hours="20", title="Course 1"),
                 "certificate.pdf")  # fmt: skip
    png = attach(window_activity(certification, on=datetime.date(2025, 1, 2), hours="10", title="Course 2"),
                 "scan.png", image_bytes("PNG"))  # fmt: skip
    assert client.get(reverse("recert:document", args=[pdf.pk])).status_code == 404  # a draft: not yet
    user = certification.member.user
    services.application_answer_felony(application=application, felony=False, user=user, today=TODAY)
    services.application_sign(application=application, signed_name=certification.member.full_name, user=user,
                              today=TODAY)  # fmt: skip
    invoice = services.application_checkout(application=application, user=user, today=TODAY)
    billing_services.invoice_record_payment(
        invoice=invoice, method="check", received_on=TODAY, reference="1", today=TODAY, source="test"
    )
    services.application_submit_paid(invoice_number=invoice.number, today=TODAY, source="fee paid")

    review_page = client.get(review_url(application))
    shown = {document: client.get(reverse("recert:document", args=[document.pk])) for document in (pdf, png)}

    page = review_page.content.decode()
    assert f'<img class="img-fluid border" src="{reverse("recert:document", args=[png.pk])}"' in page
    for document, content_type, disposition in [
        (pdf, "application/pdf", 'inline; filename="certificate.pdf"'),
        (png, "image/png", 'inline; filename="scan.png"'),
    ]:
        assert_shown_inline(shown[document], content_type, disposition)
    assert b"".join(shown[pdf].streaming_content).startswith(b"%PDF-")
    assert b"".join(shown[png].streaming_content).startswith(b"\x89PNG")


def test_a_document_of_an_activity_outside_every_application_window_is_not_found(
    client, processor, under_review
):
    certification = under_review.certification
    # Before the window (November 30, 2023 to November 29, 2026) of the submitted application.
    before = window_activity(certification, on=datetime.date(2023, 11, 30), hours="1", title="Edge")
    inside = attach(before)
    old = ActivityDocument.objects.create(
        activity=before.__class__.objects.create(
            certification=certification, category=before.category, title="Old course",
            completed_on=datetime.date(2023, 11, 29), quantity=Decimal("1"), helps_job=True,
        ),
        file=inside.file.name, original_name="old.pdf", content_type="application/pdf", size=inside.size,
    )  # fmt: skip
    other = make_certification(certified_on=datetime.date(2025, 5, 14), today=TODAY)
    unrelated = ccp_document(other)

    assert client.get(reverse("recert:document", args=[inside.pk])).status_code == 200
    assert client.get(reverse("recert:document", args=[old.pk])).status_code == 404
    assert client.get(reverse("recert:document", args=[unrelated.pk])).status_code == 404
    assert client.get(reverse("recert:document", args=[999999])).status_code == 404


def ccp_document(certification: Certification) -> ActivityDocument:
    """A document of an Active member's own CCP activity: in no application."""
    activity = ccp_services.activity_record(
        certification=certification,
        today=TODAY,
        recorded_by=None,
        **course_fields(title="Private", on=datetime.date(2026, 1, 5), hours="2"),
    )
    return attach(activity, "private.pdf")


def test_a_processor_may_not_download_through_the_member_s_link(client, processor, under_review):
    document = ActivityDocument.objects.first()

    assert client.get(reverse("ccp:document_download", args=[document.pk])).status_code == 404


# --- Queries on the review page -------------------------------------------------------------------------

# Session, user, TOTP, permissions (2), the application (with its member, credential, rule, processors), the
# window's activities with their categories, their documents, the categories (engine), the timeline, and the
# fee's invoice through billing's staff selector (the invoice, its events, their actors, its card payments).
REVIEW_QUERIES = 14


@pytest.mark.parametrize("activities", [3, 30])
def test_the_review_page_makes_a_fixed_number_of_queries(
    client, processor, django_assert_num_queries, activities
):
    application = submit(certification_of(), courses=activities)
    claim(application, processor)

    response = get_in_queries(client, review_url(application), REVIEW_QUERIES, django_assert_num_queries)

    text = page_text(response)
    assert text.count("Counted points") == activities
    assert response.content.decode().count('<iframe class="document-frame') == activities
    assert "30.00 of 30.00 points." in text
