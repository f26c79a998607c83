"""Audit reviewers' pages (DOMAIN.md "Annual CCP audit", "People and rights"): who may open them, the queue
with its tabs, filters and order, campaigns with their report and selection export, the review page and each
decision posted from it, and the documents under audit; what the reviewer reads and what the database holds.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audits import services
from audits.models import Audit, AuditCampaign, AuditEvent, AuditItem, AuditPolicy
from ccp import services as ccp_services
from ccp.models import ActivityDocument
from members import services as member_services
from members.models import Certification, Notice
from tests.audits.conftest import DEADLINE, START_DAY, record
from tests.audits.test_views import PDF, attach_all, item_titled
from tests.factories import MemberFactory, make_certification, make_staff, staff_named
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

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(time_machine):
    at(time_machine, START_DAY)


@pytest.fixture
def reviewer(client, seeded):
    user = staff_named("Audit reviewer", "Rita", "Judge")
    client.force_login(user)
    return user


def review_url(audit: Audit, name: str = "review", *extra) -> str:
    return reverse(f"audits:{name}", args=[audit.pk, *extra])


def queue(client, **filters):
    return client.get(reverse("audits:queue"), filters)


def rolled(*, year: int = 2025, code: str = "RMA", member=None, online: int = 0,
           hours: tuple[str, ...] = ("10", "10", "10")) -> Certification:  # fmt: skip
    """Like conftest's rolled_certification, for any credential and roll year: certified on January 10
    three years before `year`, a claim of each `hours` (Course A, B...), compliant, rolled January 10."""
    certified_on, roll_day = datetime.date(year - 3, 1, 10), datetime.date(year, 1, 10)
    certification = make_certification(member, code=code, certified_on=certified_on, today=certified_on)
    for index, quantity in enumerate(hours):
        on = datetime.date(year - 2, 3, 1) + index * ONE_DAY
        record(certification, on=on, hours=quantity, title=f"Course {chr(65 + index)}", online=index < online)
    member_services.certification_record_paid_through(
        certification=certification, paid_through=datetime.date(2027, 1, 31), today=roll_day, source="test"
    )
    ccp_services.cycles_roll(today=roll_day)
    return certification


def start(year: int = 2025) -> AuditCampaign:
    """Every certification of the population selected (rate 100%), prepared and told."""
    AuditPolicy.objects.filter(pk=1).update(sample_rate=Decimal("1"), sample_size=None)
    campaign = services.campaign_start(
        year=year, today=START_DAY, actor=None, source="test", seed="demo-seed"
    ).campaign
    services.audits_prepare(today=START_DAY)
    return campaign


def audit_of(certification) -> Audit:
    return Audit.objects.get(certification=certification)


def submitted(audit: Audit) -> Audit:
    attach_all(audit)
    return services.audit_submit(audit=audit, user=audit.certification.member.user, today=START_DAY)


def decide_all(audit: Audit, reviewer, decision: str, message: str = "") -> None:
    services.audit_claim(audit=audit, user=reviewer, today=START_DAY)
    for item in audit.items.filter(state=AuditItem.State.UPLOADED):
        services.audit_item_decide(
            audit=audit, item_id=item.pk, decision=decision, message=message, user=reviewer, today=START_DAY
        )


# --- Who may open the pages -----------------------------------------------------------------------------


def staff_pages(audit: Audit, document: ActivityDocument) -> list[tuple[str, str]]:
    item = audit.items.first()
    return [
        ("get", reverse("audits:queue")),
        ("get", reverse("audits:campaigns")),
        ("post", reverse("audits:campaigns")),
        ("get", reverse("audits:campaign", args=[2025])),
        ("get", reverse("audits:selection_csv", args=[2025])),
        ("get", review_url(audit)),
        ("post", review_url(audit, "claim")),
        ("post", review_url(audit, "release")),
        ("post", review_url(audit, "decide", item.pk)),
        ("post", review_url(audit, "return")),
        ("post", review_url(audit, "extension_decide")),
        ("post", review_url(audit, "finalize")),
        ("get", reverse("audits:document", args=[document.pk])),
    ]


@pytest.fixture
def audit_with_proof(audit) -> Audit:
    attach_all(audit)
    return audit


def test_billing_staff_and_members_get_403_on_every_staff_audit_page(client, audit_with_proof):
    audit = audit_with_proof
    pages = staff_pages(audit, ActivityDocument.objects.first())
    data = {"year": "2025", "decision": "accept", "grant": "yes", "days": "10"}

    assert_forbidden(client, (make_staff("Billing staff"), audit.certification.member.user), pages, data)
    audit.refresh_from_db()
    assert audit.claimed_by is None and audit.state == Audit.State.SELECTED
    assert AuditCampaign.objects.count() == 1
    assert not audit.events.filter(kind=AuditEvent.Kind.CLAIM).exists()


def test_a_visitor_is_asked_to_sign_in(client, audit_with_proof):
    assert_sign_in_asked(client, staff_pages(audit_with_proof, ActivityDocument.objects.first()))


def test_a_reviewer_without_two_factor_is_sent_to_set_it_up(client, audit_with_proof):
    client.force_login(make_staff("Audit reviewer", two_factor_secret=None))

    assert_two_factor_setup_asked(client, staff_pages(audit_with_proof, ActivityDocument.objects.first()))
    assert not audit_with_proof.events.filter(kind=AuditEvent.Kind.CLAIM).exists()


# --- The queue ------------------------------------------------------------------------------------------


@pytest.fixture
def population(seeded):
    """The 2025 campaign: Ann Lee (waiting on her), Bob Stone (submitted), Cy Park (RDA, waiting on him, an
    extension asked), Dee Ward (passed at selection by online CE), Fay Moss (failed by a reviewer); and the
    2024 campaign: Eve Lee (the reviewer asked for more)."""
    people = {}
    for first, last, extra in [("Ann", "Lee", {}), ("Bob", "Stone", {}), ("Cy", "Park", {"code": "RDA"}),
                               ("Dee", "Ward", {"online": 3}), ("Fay", "Moss", {})]:  # fmt: skip
        people[first] = rolled(member=MemberFactory(first_name=first, last_name=last), **extra)
    people["Eve"] = rolled(year=2024, member=MemberFactory(first_name="Eve", last_name="Lee"))
    start(2025)
    start(2024)
    audits = {first: audit_of(certification) for first, certification in people.items()}
    other = staff_named("Audit reviewer", "Olga", "Other")
    submitted(audits["Bob"])
    cy = audits["Cy"]
    services.audit_request_extension(
        audit=cy, reason="Moving house", days=20, user=cy.certification.member.user, today=START_DAY
    )
    submitted(audits["Fay"])
    decide_all(audits["Fay"], other, "refuse", "Not health care")
    services.audit_finalize(audit=audits["Fay"], user=other, today=START_DAY)
    submitted(audits["Eve"])
    decide_all(audits["Eve"], other, "more", "Unreadable")
    services.audit_return_to_member(audit=audits["Eve"], user=other, today=START_DAY)
    return {first: Audit.objects.get(pk=audit.pk) for first, audit in audits.items()}


def test_the_queue_counts_each_tab_and_lists_what_waits_on_review(client, reviewer, population):
    text = page_text(queue(client))

    assert (
        "Waiting on member 2 Waiting on review 1 More requested 1 Extension asked 1 Passed 1 Failed 1" in text
    )
    assert "1 audit, longest waiting first" in text
    bob = population["Bob"].certification.member
    assert f"Stone, Bob ({bob.member_number}) RMA 2025 Waiting on review 2026-01-15 2026-03-16 nobody" in text


def rows(text: str) -> list[str]:
    """The last names listed, in order (audits waiting as long are in selection order: by rank)."""
    listed = text.split("longest waiting first", 1)[1] if "longest waiting first" in text else ""
    return [
        word for word in listed.replace(",", "").split() if word in {"Lee", "Stone", "Park", "Ward", "Moss"}
    ]


def test_each_tab_lists_its_audits(client, reviewer, population):
    listed = {state: sorted(rows(page_text(queue(client, state=state)))) for state in
              ("selected", "submitted", "more_requested", "extension", "passed", "failed")}  # fmt: skip

    assert listed == {
        "selected": ["Lee", "Park"],
        "submitted": ["Stone"],
        "more_requested": ["Lee"],
        "extension": ["Park"],
        "passed": ["Ward"],
        "failed": ["Moss"],
    }
    text = page_text(queue(client, state="extension"))
    assert "Park, Cy" in text and "Waiting on you Extension asked" in text


def test_the_queue_filters_by_campaign_and_credential(client, reviewer, population):
    campaign_2024 = AuditCampaign.objects.get(year=2024)

    by_campaign = page_text(queue(client, state="more_requested", campaign=campaign_2024.pk))
    by_credential = page_text(queue(client, state="selected", credential="RDA"))

    assert "Waiting on member 0 Waiting on review 0 More requested 1 Extension asked 0" in by_campaign
    assert "Lee, Eve" in by_campaign and "2024" in by_campaign
    assert (
        "Waiting on member 1 Waiting on review 0 More requested 0 Extension asked 1 Passed 0" in by_credential
    )
    assert rows(by_credential) == ["Park"]


def test_the_queue_filters_by_days_to_the_deadline(client, reviewer, population):
    cy = population["Cy"]
    services.audit_extension_decide(audit=cy, grant=True, days=20, reason="", user=reviewer, today=START_DAY)

    within_60 = page_text(queue(client, state="selected", due_within=60))  # March 16: Ann's deadline
    within_80 = page_text(queue(client, state="selected", due_within=80))  # April 5: Cy's, extended

    assert rows(within_60) == ["Lee"]
    assert sorted(rows(within_80)) == ["Lee", "Park"]
    assert "Passed 0 Failed 0" in within_80  # decided audits are due nothing
    assert "More requested 1" in page_text(queue(client, state="selected", due_within=14))  # Eve: January 29


def test_the_queue_finds_a_member_by_number_or_name(client, reviewer, population):
    ann = population["Ann"].certification.member

    by_number = page_text(queue(client, state="selected", search=ann.member_number))
    by_last_name = page_text(queue(client, state="selected", search="lee"))
    by_full_name = page_text(queue(client, state="more_requested", search="Eve Lee"))

    assert rows(by_number) == ["Lee"] and "Lee, Ann" in by_number
    assert "Waiting on member 1 Waiting on review 0 More requested 0" in by_number
    assert "Waiting on member 1 Waiting on review 0 More requested 1" in by_last_name  # Ann and Eve Lee
    assert "Lee, Eve" in by_full_name and "Lee, Ann" not in by_full_name
    assert "No audit in this list." in page_text(queue(client, search="Nobody"))


def test_the_queue_lists_the_longest_waiting_first(client, reviewer, seeded, time_machine):
    names = ["Alpha", "Bravo", "Charlie"]
    certifications = {name: rolled(member=MemberFactory(first_name="Pat", last_name=name)) for name in names}
    start()
    for hour, name in zip((16, 17, 18), ["Charlie", "Alpha", "Bravo"], strict=True):
        at(time_machine, START_DAY, hour)
        submitted(audit_of(certifications[name]))
    client.force_login(reviewer)

    text = page_text(queue(client))

    assert [word for word in text.split() if word.rstrip(",") in names] == ["Charlie,", "Alpha,", "Bravo,"]


def test_the_queue_shows_25_audits_a_page(client, reviewer, seeded):
    for number in range(26):
        rolled(member=MemberFactory(last_name=f"Person{number:02}"), hours=("30",))
    start()

    first = queue(client, state="selected")
    second = queue(client, state="selected", page=2)

    first_text, second_text = page_text(first), page_text(second)
    assert "26 audits, longest waiting first" in first_text
    assert first_text.count("Waiting on you") == 25 and "Page 1 of 2" in first_text
    assert 'href="?state=selected&amp;page=2"' in first.content.decode()
    assert second_text.count("Waiting on you") == 1 and "Page 2 of 2" in second_text
    assert 'href="?state=selected&amp;page=1"' in second.content.decode()
    listed = [
        word.rstrip(",") for word in (first_text + " " + second_text).split() if word.startswith("Person")
    ]
    assert sorted(listed) == [f"Person{number:02}" for number in range(26)]


# Session, user, TOTP, permissions (2), campaigns, credentials, the six tab counts (each capped at 1,000+),
# the page's count and rows.
QUEUE_QUERIES = 15


def test_the_queue_makes_a_fixed_number_of_queries_with_3_or_30_audits(
    client, reviewer, seeded, django_assert_num_queries
):
    for _ in range(3):
        rolled(hours=("30",))
    start()
    queue(client, state="selected")  # warm-up

    with django_assert_num_queries(QUEUE_QUERIES):
        three = page_text(queue(client, state="selected", credential="RMA"))

    for _ in range(27):
        rolled(year=2024, hours=("30",))
    start(2024)

    with django_assert_num_queries(QUEUE_QUERIES):
        thirty = page_text(queue(client, state="selected", credential="RMA", page=1))

    assert three.count("Waiting on you") == 3
    assert "30 audits" in thirty and thirty.count("Waiting on you") == 25


# --- Campaigns ------------------------------------------------------------------------------------------


def test_a_reviewer_starts_the_campaign_once(client, reviewer, seeded, django_capture_on_commit_callbacks):
    AuditPolicy.objects.filter(pk=1).update(sample_rate=Decimal("0.05"), sample_size=None)
    for _ in range(3):
        rolled(hours=("30",))
    address = reverse("audits:campaigns")
    assert "Year the population rolled" in page_text(client.get(address))

    with django_capture_on_commit_callbacks(execute=True) as queued:  # the preparation job, run eagerly
        first = client.post(address, {"year": "2025"}, follow=True)

    text = page_text(first)
    assert first.redirect_chain == [(reverse("audits:campaign", args=[2025]), 302)]
    assert queued  # the preparation was queued on commit
    assert "The 2025 campaign selected 1 of 3 certifications; the members are being told." in text
    assert "Population 3 certifications that rolled in 2025" in text
    assert "Selected 1 (rate 5%, rounded up)" in text
    assert "Started January 15, 2026, 9:00 AM CST by Rita Judge" in text
    campaign = AuditCampaign.objects.get(year=2025)
    audit = campaign.audits.get()
    assert (campaign.population_count, campaign.selected_count, campaign.started_by) == (3, 1, reviewer)
    assert audit.prepared_at is not None and audit.items.count() == 1
    told = Notice.objects.filter(member=audit.certification.member, kind="audit")
    assert sorted(told.values_list("channel", flat=True)) == ["email", "letter"]

    with django_capture_on_commit_callbacks() as queued_again:
        second = page_text(client.post(address, {"year": "2025"}, follow=True))

    assert "The 2025 campaign was already started on January 15, 2026: nothing new was selected." in second
    assert queued_again == []
    assert AuditCampaign.objects.count() == 1 and Audit.objects.count() == 1
    assert Notice.objects.filter(kind="audit").count() == 2


def test_a_campaign_of_a_year_not_ended_is_refused(client, reviewer):
    response = client.post(reverse("audits:campaigns"), {"year": "2026"})

    assert response.status_code == 200
    assert "The 2026 campaign can start once 2026 has ended (from January 2027)." in page_text(response)
    assert not AuditCampaign.objects.exists()


def test_the_campaigns_list_shows_each_year(client, reviewer, population):
    text = page_text(client.get(reverse("audits:campaigns")))

    assert "2025 5 5 January 15, 2026 test 2024 1 1 January 15, 2026 test" in text


def test_the_campaign_report_counts_audits_by_credential_and_state(client, reviewer, population):
    text = page_text(client.get(reverse("audits:campaign", args=[2025])))

    assert "Population 5 certifications that rolled in 2025" in text
    assert "Selected 5 (rate 100%, rounded up)" in text
    assert "Seed demo-seed" in text
    assert "5 audits; 1 passed at selection by verified online CE" in text
    header = (
        "Credential Audits Waiting on member Waiting on review More requested Extension asked Passed Failed"
    )
    assert header in text
    assert "RDA 1 1 0 0 1 0 0" in text
    assert "RMA 4 1 1 0 0 1 1" in text
    assert "All 5 2 1 0 1 1 1" in text
    assert client.get(reverse("audits:campaign", args=[2023])).status_code == 404


def selection(client, year: int = 2025) -> list[dict]:
    response = client.get(reverse("audits:selection_csv", args=[year]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="audit-selection-{year}.csv"'
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


def test_the_selection_csv_lists_each_audit_in_rank_order(client, reviewer, population):
    lines = selection(client)

    assert list(lines[0]) == [
        "rank", "member number", "member name", "credential", "audited cycle start", "audited cycle end",
        "state", "outcome", "passed by verified CE", "decided by", "decided on", "deadline",
    ]  # fmt: skip
    assert [line["rank"] for line in lines] == ["1", "2", "3", "4", "5"]
    by_name = {line["member name"]: line for line in lines}
    fay = population["Fay"]
    assert by_name["Fay Moss"] == {
        "rank": str(fay.rank),
        "member number": fay.certification.member.member_number,
        "member name": "Fay Moss",
        "credential": "RMA",
        "audited cycle start": "2022-01-10",
        "audited cycle end": "2025-01-09",
        "state": "Failed",
        "outcome": fay.outcome_reason,
        "passed by verified CE": "no",
        "decided by": "Olga Other",
        "decided on": "2026-01-15",
        "deadline": "2026-03-16",
    }
    assert by_name["Dee Ward"]["passed by verified CE"] == "yes"
    assert by_name["Cy Park"]["credential"] == "RDA"


def test_a_member_s_name_is_written_so_that_a_spreadsheet_cannot_run_it(client, reviewer, seeded):
    rolled(member=MemberFactory(first_name='=HYPERLINK("http://evil.example","x")', last_name="+1"))
    start()

    (line,) = selection(client)

    assert line["member name"] == '\'=HYPERLINK("http://evil.example","x") +1'


# --- The review page and its decisions ------------------------------------------------------------------


@pytest.fixture
def under_review(audit) -> Audit:
    """The member (Pat Doe) uploaded proof for Course A, B and C and submitted."""
    return submitted(audit)


def post(client, audit: Audit, name: str, *extra, data=None):
    return client.post(review_url(audit, name, *extra), data or {}, follow=True)


def decide(client, audit: Audit, title: str, decision: str, message: str = ""):
    item = item_titled(audit, title)
    data = {f"item-{item.pk}-decision": decision, f"item-{item.pk}-message": message}
    return client.post(review_url(audit, "decide", item.pk), data, follow=True)


def test_the_review_page_shows_the_audit_its_activities_and_proof_and_the_whole_timeline(
    client, reviewer, under_review
):
    audit = under_review
    services.audit_claim(audit=audit, user=reviewer, today=START_DAY)
    member = audit.certification.member

    response = client.get(review_url(audit))

    text = page_text(response)
    assert f"Audit of Pat {member.last_name} Waiting on review" in text
    assert "Audited cycle January 10, 2022 to January 9, 2025, closed compliant by points" in text
    assert "Campaign 2025 , selected January 15, 2026 (rank 1)" in text
    assert "Deadline March 16, 2026" in text and "Reviewer Rita Judge (you)" in text
    assert "0.00 of 30.00 points required: 30.00 short." in text
    assert text.count("Counted points not counted yet (not accepted)") == 3
    assert text.count("Record decision") == 3
    assert "3 activities are still to decide." in text
    documents = ActivityDocument.objects.filter(activity__audit_items__audit=audit).order_by("pk")
    page = response.content.decode()
    for document in documents:
        frame_src = reverse("audits:document", args=[document.pk])
        assert f'<iframe class="document-frame w-100 border" src="{frame_src}"' in page
    timeline = text.split("Timeline", 1)[1]
    assert "Proof uploaded: proof.pdf for “Course A” (the member)" in timeline
    assert "Moved: Submitted for review. (the member)" in timeline
    assert "Claimed for review (Rita Judge)" in timeline


def test_a_reviewer_claims_an_audit_and_another_cannot_claim_or_decide_it(client, reviewer, under_review):
    audit = under_review

    claimed = page_text(post(client, audit, "claim"))

    assert "You hold this audit: other reviewers see that you are reviewing it." in claimed
    assert "Reviewer Rita Judge (you)" in claimed and "Release to the queue" in claimed
    client.force_login(staff_named("Audit reviewer", "Olga", "Other"))
    seen_by_other = page_text(client.get(review_url(audit)))
    assert "Reviewer Rita Judge" in seen_by_other and "(you)" not in seen_by_other
    assert "Claim this audit" not in seen_by_other and "Record decision" not in seen_by_other

    claim_again = page_text(post(client, audit, "claim"))
    refused = decide(client, audit, "Course A", "accept")
    release = page_text(post(client, audit, "release"))

    assert "Rita Judge is already reviewing this audit." in claim_again
    assert refused.status_code == 400
    assert "Claim this audit before deciding (Rita Judge is reviewing it)." in page_text(refused)
    assert "Only the reviewer holding this audit can release it." in release
    audit.refresh_from_db()
    assert audit.claimed_by == reviewer
    assert not audit.items.exclude(state=AuditItem.State.UPLOADED).exists()
    assert not audit.events.filter(kind=AuditEvent.Kind.DECISION).exists()


def test_a_reviewer_releases_the_audit_to_the_queue(client, reviewer, under_review):
    post(client, under_review, "claim")

    text = page_text(post(client, under_review, "release"))

    assert "You released this audit to the queue." in text
    assert "Reviewer nobody holds it" in text and "Claim this audit" in text
    under_review.refresh_from_db()
    assert under_review.claimed_by is None


def test_accepting_every_activity_and_finalizing_passes_the_audit(client, reviewer, under_review):
    audit = under_review
    post(client, audit, "claim")

    accepted = page_text(decide(client, audit, "Course A", "accept"))

    assert "“Course A”: accepted." in accepted
    assert "10.00 of 30.00 points required: 20.00 short." in accepted
    assert "Counted points 10.00" in accepted
    assert "Accepted by Rita Judge, January 15, 2026, 9:00 AM CST" in accepted
    assert "2 activities are still to decide." in accepted
    decide(client, audit, "Course B", "accept")
    ready = page_text(decide(client, audit, "Course C", "accept"))
    assert "30.00 of 30.00 points required: enough to pass." in ready
    assert (
        "Every activity is decided. The accepted ones count 30.00 of 30.00 points: "
        "finalizing will pass the audit." in ready
    )

    finalized = page_text(post(client, audit, "finalize"))

    assert "The audit is finalized and the member was told." in finalized
    assert "Audit of Pat" in finalized and "Passed on January 15, 2026 by Rita Judge." in finalized
    assert "Record decision" not in finalized and "Finalize" not in finalized
    audit.refresh_from_db()
    assert (audit.state, audit.decided_by, audit.accepted_points) == ("passed", reviewer, Decimal("30.00"))
    assert Notice.objects.filter(key=f"audit-{audit.pk}-outcome", channel="email").exists()


def test_refusing_needs_a_reason_the_member_then_reads(client, reviewer, under_review):
    audit = under_review
    post(client, audit, "claim")

    no_reason = decide(client, audit, "Course C", "refuse")

    assert no_reason.status_code == 400
    assert "Give the member a reason." in page_text(no_reason)
    assert item_titled(audit, "Course C").state == AuditItem.State.UPLOADED

    text = page_text(decide(client, audit, "Course C", "refuse", "Not related to health care"))

    assert "“Course C”: refused." in text
    assert "Message to the member: Not related to health care" in text
    item = item_titled(audit, "Course C")
    assert (item.state, item.message, item.decided_by) == ("refused", "Not related to health care", reviewer)


def test_a_decision_without_a_choice_is_refused(client, reviewer, under_review):
    post(client, under_review, "claim")

    response = decide(client, under_review, "Course A", "")

    assert response.status_code == 400
    assert "Choose accept, refuse or ask for more." in page_text(response)


def test_an_activity_decided_already_is_not_decided_again(client, reviewer, under_review):
    post(client, under_review, "claim")
    decide(client, under_review, "Course A", "accept")

    again = decide(client, under_review, "Course A", "refuse", "Changed my mind")

    assert again.status_code == 400
    # The time is not asserted: the service formats it in UTC, not the portal's time zone (reported).
    assert "“Course A” was already decided: accepted by Rita Judge at January 15, 2026," in page_text(again)
    assert item_titled(under_review, "Course A").state == AuditItem.State.ACCEPTED


def test_asking_for_more_sends_the_audit_back_and_a_failing_finalize_makes_the_certification_noncompliant(
    client, reviewer, under_review
):
    audit = under_review
    post(client, audit, "claim")
    decide(client, audit, "Course A", "accept")
    decide(client, audit, "Course B", "refuse", "Not health care")
    asked = page_text(decide(client, audit, "Course C", "more", "The certificate is unreadable"))
    assert "“Course C”: more asked." in asked
    assert "You asked for more on 1 activity. Send the audit back" in asked

    returned = page_text(post(client, audit, "return"))

    assert "The audit went back to the member with your requests." in returned
    assert "Audit of Pat" in returned and "More requested" in returned
    assert "Deadline January 29, 2026 (after 1 request for more)" in returned
    assert (
        "Moved: More asked, due January 29, 2026: “Course C”: The certificate is unreadable (Rita Judge)"
        in returned
    )
    audit.refresh_from_db()
    assert (audit.state, audit.deadline) == (Audit.State.MORE_REQUESTED, datetime.date(2026, 1, 29))
    assert Notice.objects.filter(key=f"audit-{audit.pk}-more-1").exists()

    attach_all_asked(audit)
    services.audit_submit(audit=audit, user=audit.certification.member.user, today=START_DAY)
    decide(client, audit, "Course C", "accept")
    ready = page_text(client.get(review_url(audit)))
    assert (
        "The accepted ones count 20.00 of 30.00 points: finalizing will fail the audit, and the "
        "certification becomes Non-compliant (CCP) today." in ready
    )

    failed = page_text(post(client, audit, "finalize"))

    assert "The audit is finalized and the member was told." in failed
    assert "Failed on January 15, 2026 by Rita Judge." in failed
    audit.refresh_from_db()
    assert audit.state == Audit.State.FAILED and audit.accepted_points == Decimal("20.00")
    assert audit.certification.status == "noncompliant"


def attach_all_asked(audit: Audit) -> None:
    for item in audit.items.filter(state=AuditItem.State.MORE_REQUESTED):
        services.audit_attach_proof(
            audit=audit, item_id=item.pk, upload=SimpleUploadedFile("better.pdf", PDF),
            user=audit.certification.member.user, today=START_DAY,
        )  # fmt: skip


def test_sending_back_without_a_request_or_finalizing_with_undecided_activities_is_refused(
    client, reviewer, under_review
):
    post(client, under_review, "claim")
    decide(client, under_review, "Course A", "accept")

    back = page_text(post(client, under_review, "return"))
    final = page_text(post(client, under_review, "finalize"))

    assert "Ask for more on at least one activity before sending the audit back." in back
    assert (
        "2 activities are not decided yet: accept or refuse each (or send the audit back to the member) "
        "before finalizing." in final
    )
    under_review.refresh_from_db()
    assert under_review.state == Audit.State.SUBMITTED


def test_an_audit_waiting_on_the_member_cannot_be_decided(client, reviewer, audit_with_proof):
    post(client, audit_with_proof, "claim")

    response = decide(client, audit_with_proof, "Course A", "accept")

    assert response.status_code == 400
    assert "The member has not submitted this audit: it is waiting on the member." in page_text(response)


# --- Extensions -----------------------------------------------------------------------------------------


@pytest.fixture
def extension_asked(audit) -> Audit:
    return services.audit_request_extension(
        audit=audit,
        reason="I was in hospital",
        days=20,
        user=audit.certification.member.user,
        today=START_DAY,
    )


def test_the_review_page_shows_the_extension_request(client, reviewer, extension_asked):
    text = page_text(client.get(review_url(extension_asked)))

    assert "Extension asked: 20 days “I was in hospital”" in text
    assert "Decide the extension" in text


def test_granting_the_extension_moves_the_deadline(client, reviewer, extension_asked):
    text = page_text(post(client, extension_asked, "extension_decide", data={"grant": "yes", "days": "20"}))

    assert "Extension granted: deadline April 5, 2026." in text
    assert "Deadline April 5, 2026" in text and "Decide the extension" not in text
    extension_asked.refresh_from_db()
    assert (extension_asked.extension, extension_asked.deadline) == ("granted", DEADLINE + 20 * ONE_DAY)
    assert Notice.objects.filter(key=f"audit-{extension_asked.pk}-extension").exists()


def test_denying_the_extension_needs_a_reason_and_keeps_the_deadline(client, reviewer, extension_asked):
    without = post(client, extension_asked, "extension_decide", data={"grant": "no"})

    assert without.status_code == 400
    assert "Give the member the reason the extension is denied." in page_text(without)

    text = page_text(
        post(client, extension_asked, "extension_decide", data={"grant": "no", "reason": "No evidence given"})
    )

    assert "Extension denied: deadline March 16, 2026." in text
    assert "Extension: denied: No evidence given (Rita Judge)" in text
    extension_asked.refresh_from_db()
    assert (extension_asked.extension, extension_asked.deadline) == ("denied", DEADLINE)

    again = post(client, extension_asked, "extension_decide", data={"grant": "yes", "days": "5"})
    assert "There is no extension request waiting on this audit." in page_text(again)
    extension_asked.refresh_from_db()
    assert extension_asked.deadline == DEADLINE


# --- Documents under audit ------------------------------------------------------------------------------


def test_a_reviewer_views_a_pdf_or_an_image_inline(client, reviewer, audit):
    member_user = audit.certification.member.user
    for title, name, content in [
        ("Course A", "certificate.pdf", PDF),
        ("Course B", "scan.png", image_bytes("PNG")),
    ]:
        services.audit_attach_proof(
            audit=audit, item_id=item_titled(audit, title).pk, upload=SimpleUploadedFile(name, content),
            user=member_user, today=START_DAY,
        )  # fmt: skip
    pdf, png = ActivityDocument.objects.order_by("pk")

    review_page = client.get(review_url(audit))
    page = review_page.content.decode()
    shown = {document: client.get(reverse("audits:document", args=[document.pk])) for document in (pdf, png)}

    assert f'<img class="img-fluid border" src="{reverse("audits:document", args=[png.pk])}"' in page
    for document, content_type, disposition in [
        (pdf, "application/pdf", 'inline; filename="certificate.pdf"'),
        (png, "image/png", 'inline; filename="scan.png"'),
    ]:
        assert_shown_inline(shown[document], content_type, disposition)
    assert b"".join(shown[pdf].streaming_content).startswith(b"%PDF-")
    # The review page may frame its own site's documents (no frame-src: default-src 'self' applies).
    review_policy = review_page["Content-Security-Policy"]
    assert "default-src 'self'" in review_policy and "frame-src" not in review_policy


def test_a_document_of_an_activity_in_no_audit_is_not_found(client, reviewer, audit):
    certification = make_certification(certified_on=datetime.date(2025, 5, 14), today=START_DAY)
    activity = record(certification, on=datetime.date(2025, 12, 1), hours="1", title="Unaudited")
    document = ccp_services.activity_attach_document(
        activity=activity,
        upload=SimpleUploadedFile("private.pdf", PDF),
        uploaded_by=certification.member.user,
    )

    assert client.get(reverse("audits:document", args=[document.pk])).status_code == 404
    assert client.get(reverse("audits:document", args=[999999])).status_code == 404


def test_a_reviewer_may_not_download_through_the_member_s_link(client, reviewer, audit_with_proof):
    document = ActivityDocument.objects.first()

    assert client.get(reverse("ccp:document_download", args=[document.pk])).status_code == 404


# --- Queries on the review page -------------------------------------------------------------------------

# Session, user, TOTP, permissions (2), the audit, its items, their documents, the categories, the timeline.
REVIEW_QUERIES = 10


@pytest.mark.parametrize("activities", [3, 30])
def test_the_review_page_makes_a_fixed_number_of_queries(
    client, reviewer, seeded, django_assert_num_queries, activities
):
    certification = rolled(hours=tuple(str(30 // activities) for _ in range(activities)))
    start()
    audit = submitted(audit_of(certification))
    decide_all(audit, reviewer, "accept")

    response = get_in_queries(client, review_url(audit), REVIEW_QUERIES, django_assert_num_queries)

    text = page_text(response)
    assert text.count("Accepted by Rita Judge") == activities
    assert text.count("Decision on an activity") == activities
    assert "30.00 of 30.00 points required: enough to pass." in text
