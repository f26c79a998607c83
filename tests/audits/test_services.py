"""The audit's services (audits/services) against DOMAIN.md "Annual CCP audit" and "Status of a
certification": the campaign and its selection, the preparation, what the member does, what reviewers do,
the outcome and what a failure does to the certification. Every refusal is checked for its words and for
writing nothing (`assert_refused` compares the rows before and after)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from audits import rules, selectors, services
from audits.models import Audit, AuditItem, AuditPolicy
from audits.services.moves import audit_move, locked_audit
from billing import services as billing_services
from ccp import selectors as ccp_selectors
from ccp import services as ccp_services
from ccp.models import Activity, ActivityCategory, CcpPolicy, Cycle
from members import services as member_services
from members.models import Certification, Notice
from tests.audits.conftest import (
    CERTIFIED_ON,
    CYCLE_END,
    DEADLINE,
    ROLL_DAY,
    START_DAY,
    attest_open_cycle,
    database_state,
    record,
    rolled_certification,
    start_campaign,
)
from tests.factories import make_certification, make_staff
from tests.files import HTML, image_bytes, pdf_bytes

D = datetime.date
REVIEW_DAY = START_DAY + datetime.timedelta(days=10)  # January 25, 2026


# --- Helpers ------------------------------------------------------------------------------------------


def assert_refused(action, message: str | dict) -> None:
    """`action` raises ValidationError with exactly `message` (a field's message: {field: text}) and no row
    changed."""
    before = database_state()
    with pytest.raises(ValidationError) as refusal:
        action()
    if isinstance(message, dict):
        assert refusal.value.message_dict == {field: [text] for field, text in message.items()}
    else:
        assert refusal.value.messages == [message]
    assert database_state() == before


def pdf(name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def member_of(audit: Audit):
    return audit.certification.member.user


def item(audit: Audit, title: str) -> AuditItem:
    return audit.items.get(activity__title=title)


def fresh(audit: Audit) -> Audit:
    return Audit.objects.get(pk=audit.pk)


def upload_all(audit: Audit, *, today: datetime.date = START_DAY) -> None:
    for each in audit.items.filter(state__in=AuditItem.MISSING_PROOF):
        services.audit_attach_proof(
            audit=audit, item_id=each.pk, upload=pdf(), user=member_of(audit), today=today
        )


def submitted(audit: Audit, *, today: datetime.date = START_DAY) -> Audit:
    upload_all(audit, today=today)
    return services.audit_submit(audit=audit, user=member_of(audit), today=today)


def under_review(audit: Audit, reviewer=None):
    """The member uploaded proof for everything and submitted; a reviewer claimed it."""
    reviewer = reviewer or make_staff("Audit reviewer")
    submitted(audit)
    services.audit_claim(audit=audit, user=reviewer, today=REVIEW_DAY)
    return fresh(audit), reviewer


def decide(audit, reviewer, title: str, decision: str, message: str = "", today: datetime.date = REVIEW_DAY):
    return services.audit_item_decide(
        audit=audit, item_id=item(audit, title).pk, decision=decision, message=message, user=reviewer,
        today=today,
    )  # fmt: skip


def notices_of(audit: Audit):
    return Notice.objects.filter(member=audit.certification.member, kind="audit").order_by("pk")


def rolled(certified_on: D, *, hours: str | None = "30", attest: bool = False) -> Certification:
    """A certification whose first cycle (certified_on + 3 years - 1 day) will close at the roll: with
    `hours` of professional education, or attested, or neither (then not compliant)."""
    certification = make_certification(certified_on=certified_on, today=certified_on)
    if hours:
        on = certified_on + datetime.timedelta(days=400)
        record(certification, on=on, hours=hours, title=f"Course of {on}")
    if attest:
        attest_open_cycle(certification)
    return member_services.certification_record_paid_through(
        certification=certification, paid_through=D(2028, 12, 31), today=certified_on, source="test"
    )


def first_cycle(certification: Certification) -> Cycle:
    return Cycle.objects.get(certification=certification, number=0)


def set_policy(**values) -> None:
    AuditPolicy.objects.filter(pk=1).update(**values)


# --- The campaign -------------------------------------------------------------------------------------


@pytest.fixture
def population_2025(seeded):
    """Certifications whose first cycle closed at the roll, by when it rolled (the rolls run on
    January 2, 2026, so every cycle ended by December 31, 2025 has closed)."""
    made = {
        "rolled Jan 1, 2025": rolled(D(2022, 1, 1)),  # cycle ended Dec 31, 2024
        "rolled Dec 31, 2025": rolled(D(2022, 12, 31)),  # cycle ended Dec 30, 2025
        "attested, rolled in 2025": rolled(D(2022, 6, 1), hours=None, attest=True),
        "rolled Dec 31, 2024": rolled(D(2021, 12, 31)),  # the 2024 campaign's
        "rolled Jan 1, 2026": rolled(D(2023, 1, 1)),  # the 2026 campaign's
        "closed not compliant in 2025": rolled(D(2022, 3, 1), hours=None),
    }
    ccp_services.cycles_roll(today=D(2026, 1, 2))
    return made


IN_2025 = ["rolled Jan 1, 2025", "rolled Dec 31, 2025", "attested, rolled in 2025"]


def test_campaign_selects_from_the_cycles_closed_compliant_whose_roll_fell_in_the_year(population_2025):
    # given the certifications above and a rate of 100% / when a reviewer starts the 2025 campaign
    reviewer = make_staff("Audit reviewer")
    set_policy(sample_rate=Decimal("1"), sample_size=None)
    started = services.campaign_start(
        year=2025, today=START_DAY, actor=reviewer, source="audit campaigns", seed="seed-2025"
    )
    # then the population is the three whose cycle closed compliant and rolled in 2025, all selected
    campaign = started.campaign
    expected = sorted(population_2025[name].pk for name in IN_2025)
    assert started.created
    assert (campaign.year, campaign.seed, campaign.population_count, campaign.selected_count) == (
        2025, "seed-2025", 3, 3,
    )  # fmt: skip
    assert campaign.population_digest == rules.population_digest(expected)
    assert (campaign.started_on, campaign.started_by, campaign.source) == (
        START_DAY,
        reviewer,
        "audit campaigns",
    )
    audits = list(Audit.objects.order_by("rank"))
    assert sorted(a.certification_id for a in audits) == expected
    assert [a.certification_id for a in audits] == rules.select(
        seed="seed-2025", population_ids=expected, n=3
    )
    assert [a.rank for a in audits] == [1, 2, 3]
    # and once prepared (the job the start queues: the selection itself writes only the audits)
    services.audits_prepare(today=START_DAY)
    # each audits the cycle that closed compliant at that roll: 30 points required, proof due in 60 days
    for audit in audits:
        assert audit.cycle == first_cycle(audit.certification)
        assert (audit.cycle.state, audit.cycle.under_audit) == ("compliant", True)
        assert (audit.state, audit.selected_on, audit.deadline) == ("selected", START_DAY, DEADLINE)
        assert audit.required_points == Decimal("30.00")
        assert list(audit.events.values_list("kind", "to_state", "message", "actor", "source")) == [
            ("selected", "selected", "2025 campaign, proof due March 16, 2026.", reviewer.pk,
             "audit campaigns"),
        ]  # fmt: skip
    # the others' cycles are not under audit
    others = [population_2025[name] for name in population_2025 if name not in IN_2025]
    assert not Cycle.objects.filter(certification__in=others, under_audit=True).exists()
    # and anyone can re-derive the same selection from the stored seed and digest
    assert services.campaign_verify(campaign=campaign).ok


def test_campaign_selects_n_by_the_rate_and_the_stored_seed(population_2025):
    # given a rate of 5% of a population of 3 / when the campaign starts
    set_policy(sample_rate=Decimal("0.05"), sample_size=None)
    campaign = services.campaign_start(
        year=2025, today=START_DAY, actor=None, source="test", seed="another seed"
    ).campaign
    # then N = ceil(0.15) = 1: the certification with the smallest SHA-256("another seed:<id>")
    population = [population_2025[name].pk for name in IN_2025]
    assert (campaign.sample_rate, campaign.sample_size, campaign.selected_count) == (
        Decimal("0.0500"),
        None,
        1,
    )
    assert list(Audit.objects.values_list("certification_id", flat=True)) == rules.select(
        seed="another seed", population_ids=population, n=1
    )
    assert services.campaign_verify(campaign=campaign).ok


def test_campaign_with_a_fixed_size(population_2025):
    # given a fixed size of 2 instead of the rate / when the campaign starts with a generated seed
    set_policy(sample_size=2)
    campaign = services.campaign_start(year=2025, today=START_DAY, actor=None, source="test").campaign
    # then 2 are selected, the rate is not stored, and the stored random seed re-derives them
    assert (campaign.sample_rate, campaign.sample_size, campaign.selected_count) == (None, 2, 2)
    assert len(campaign.seed) == 32
    assert Audit.objects.count() == 2
    assert services.campaign_verify(campaign=campaign).ok


def test_campaign_of_an_empty_population(seeded):
    # given nobody rolled in 2025 / when the campaign starts / then it is stored with nobody selected
    campaign = services.campaign_start(year=2025, today=START_DAY, actor=None, source="test").campaign
    assert (campaign.population_count, campaign.selected_count, campaign.audits.count()) == (0, 0, 0)
    assert campaign.population_digest == rules.population_digest([])


def test_starting_the_campaign_again_gives_the_same_one_and_writes_nothing(population_2025):
    set_policy(sample_rate=Decimal("1"), sample_size=None)
    first = services.campaign_start(
        year=2025, today=START_DAY, actor=None, source="test", seed="one"
    ).campaign
    before = database_state()
    # when it is started again, even with another seed and policy
    set_policy(sample_size=1)
    again = services.campaign_start(
        year=2025, today=START_DAY + datetime.timedelta(days=1), actor=None, source="test", seed="two"
    )
    # then it is the one campaign, unchanged
    assert (again.campaign.pk, again.created) == (first.pk, False)
    assert database_state() == before


@pytest.mark.parametrize(
    ("year", "today", "message"),
    [
        (2026, START_DAY, "The 2026 campaign can start once 2026 has ended (from January 2027)."),
        (2025, D(2025, 12, 31), "The 2025 campaign can start once 2025 has ended (from January 2026)."),
    ],
)
def test_a_campaign_for_a_year_not_ended_is_refused(population_2025, year, today, message):
    assert_refused(
        lambda: services.campaign_start(year=year, today=today, actor=None, source="test"), message
    )


# --- The preparation ----------------------------------------------------------------------------------


def test_prepare_lists_each_counted_activity_of_the_audited_cycle(seeded):
    # given a certification with three claims in its audited cycle and one in its new cycle
    certification = rolled_certification()
    record(certification, on=D(2025, 6, 1), hours="5", title="Course in the new cycle")
    # when the campaign starts and the audits are prepared
    start_campaign()
    audit = Audit.objects.get(certification=certification)
    # then the audited cycle's three activities are listed, each waiting for proof
    assert sorted(audit.items.values_list("activity__title", "state", "verified")) == [
        ("Course A", "needs_proof", False),
        ("Course B", "needs_proof", False),
        ("Course C", "needs_proof", False),
    ]
    assert (audit.state, audit.prepared_at is not None, audit.passed_by_verified) == ("selected", True, False)


def test_an_activity_recorded_after_the_cycle_closed_is_not_audited(seeded):
    # given, after the roll, a committee role recorded from June 2024 (ongoing): it reaches back into the
    # closed cycle but never counted in its stored result
    certification = rolled_certification()
    ccp_services.activity_record(
        certification=certification, today=D(2025, 3, 1), recorded_by=None,
        category=ActivityCategory.objects.get(code="organizational-participation"), title="Committee",
        period_start=D(2024, 6, 1), period_end=None, helps_job=True,
    )  # fmt: skip
    # when the campaign starts / then the audit lists only what the cycle counted when it closed
    start_campaign()
    audit = Audit.objects.get(certification=certification)
    assert sorted(audit.items.values_list("activity__title", flat=True)) == [
        "Course A",
        "Course B",
        "Course C",
    ]


def test_the_selected_member_is_told_by_email_and_letter(audit):
    notices = notices_of(audit)
    # then an e-mail and a letter, once each, saying what to do by when
    assert list(notices.values_list("key", "channel")) == [
        (f"audit-{audit.pk}-selected", "email"),
        (f"audit-{audit.pk}-selected", "letter"),
    ]
    email = notices.get(channel="email")
    assert email.subject == "Your RMA CCP cycle was selected for audit: proof due March 16, 2026"
    assert email.recipient == member_of(audit).email
    assert "CCP cycle of January 10, 2022 to January 9, 2025" in email.body_text
    assert "Submit by March 16, 2026." in email.body_text
    assert "12 Elm Street\nSpringfield, IL 62701" in notices.get(channel="letter").recipient


def test_preparing_again_writes_nothing(audit):
    before = database_state()
    assert services.audits_prepare(today=START_DAY + datetime.timedelta(days=1)) == 0
    assert database_state() == before


def test_verified_online_ce_is_accepted_without_a_document(seeded):
    # given one of the three claims came from the body's online CE
    certification = rolled_certification(online=1)
    start_campaign()
    audit = Audit.objects.get(certification=certification)
    # then it is accepted at once, the others need proof, and the audit waits on the member
    assert sorted(audit.items.values_list("activity__title", "state", "verified")) == [
        ("Course A", "accepted", True),
        ("Course B", "needs_proof", False),
        ("Course C", "needs_proof", False),
    ]
    assert audit.state == "selected"


def test_verified_points_alone_enough_pass_at_selection_told_by_email(seeded):
    # given all 30 points came from the body's online CE
    certification = rolled_certification(online=3)
    start_campaign()
    audit = Audit.objects.get(certification=certification)
    # then the audit passed at selection, decided by nobody, and the cycle shows it
    assert (audit.state, audit.passed_by_verified, audit.accepted_points) == (
        "passed",
        True,
        Decimal("30.00"),
    )
    assert (audit.decided_on, audit.decided_by) == (START_DAY, None)
    assert audit.outcome_reason == (
        "Your online CE recorded by the body counts 30 points, enough on its own: no proof is needed."
    )
    assert (audit.cycle.under_audit, audit.cycle.audit_result) == (False, "passed")
    # and the member is told by one e-mail (no letter, no second outcome message)
    notices = notices_of(audit)
    assert list(notices.values_list("key", "channel", "subject")) == [
        (f"audit-{audit.pk}-selected", "email", "Your RMA CCP audit: passed, nothing to send"),
    ]
    assert audit.outcome_reason in notices.get().body_text
    assert list(audit.events.values_list("kind", "from_state", "to_state", "actor")) == [
        ("selected", "", "selected", None),
        ("move", "selected", "passed", None),
    ]
    # the certification stays active
    audit.certification.refresh_from_db()
    assert audit.certification.status == "active"


def test_the_audited_cycle_locks_its_activities(audit):
    # given the cycle is under audit / then each of its activities is locked, its fields can't change
    activity = item(audit, "Course A").activity
    assert audit.cycle.under_audit
    assert all(ccp_selectors.cycle_locks(audit.cycle, each.activity) for each in audit.items.all())
    assert_refused(
        lambda: ccp_services.activity_update(
            activity=activity, today=START_DAY, changed_by=member_of(audit), title="Renamed"
        ),
        "This activity counts for a cycle that is closed or under audit: it can no longer be changed "
        "(documents can still be attached).",
    )


# --- Proof ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("certificate.pdf", pdf_bytes(), "application/pdf"),
        ("transcript.png", image_bytes("PNG"), "image/png"),
        ("letter.jpg", image_bytes("JPEG"), "image/jpeg"),
    ],
)
def test_member_uploads_proof_for_an_activity(audit, name, content, content_type):
    member = member_of(audit)
    course = item(audit, "Course A")
    # when the member uploads a document for Course A
    services.audit_attach_proof(
        audit=audit, item_id=course.pk, upload=SimpleUploadedFile(name, content), user=member, today=START_DAY
    )
    # then it is stored with the activity, whose proof is uploaded, and the timeline says so
    course.refresh_from_db()
    assert course.state == "uploaded"
    document = course.activity.documents.get()
    assert (document.content_type, document.uploaded_by) == (content_type, member)
    event = audit.events.get(kind="upload")
    assert (event.item, event.from_state, event.to_state, event.actor, event.source) == (
        course, "needs_proof", "uploaded", member, "member",
    )  # fmt: skip
    assert event.message.endswith("for “Course A”")
    assert event.member_visible


def test_uploading_a_second_document_keeps_the_proof_uploaded(audit):
    course = item(audit, "Course A")
    for _ in range(2):
        services.audit_attach_proof(
            audit=audit, item_id=course.pk, upload=pdf(), user=member_of(audit), today=START_DAY
        )
    course.refresh_from_db()
    assert (course.state, course.activity.documents.count()) == ("uploaded", 2)


def test_a_file_of_the_wrong_type_is_refused(audit):
    upload = SimpleUploadedFile("proof.html", HTML, content_type="text/html")
    before = database_state()
    with pytest.raises(ValidationError) as refusal:
        services.audit_attach_proof(
            audit=audit,
            item_id=item(audit, "Course A").pk,
            upload=upload,
            user=member_of(audit),
            today=START_DAY,
        )
    assert refusal.value.messages[0].startswith("This file is not a readable PDF, JPEG or PNG image")
    assert database_state() == before
    assert item(audit, "Course A").state == "needs_proof"


def test_a_file_too_large_is_refused(audit):
    CcpPolicy.objects.update(max_document_mb=1)
    upload = SimpleUploadedFile(
        "big.pdf", pdf_bytes() + b"\0" * (1024 * 1024), content_type="application/pdf"
    )
    assert_refused(
        lambda: services.audit_attach_proof(
            audit=audit,
            item_id=item(audit, "Course A").pk,
            upload=upload,
            user=member_of(audit),
            today=START_DAY,
        ),
        "The file is larger than 1 MB.",
    )


def test_proof_for_an_activity_of_another_audit_is_refused(seeded):
    mine, theirs = rolled_certification(), rolled_certification()
    start_campaign()
    audit = Audit.objects.get(certification=mine)
    foreign = item(Audit.objects.get(certification=theirs), "Course A")
    assert_refused(
        lambda: services.audit_attach_proof(
            audit=audit, item_id=foreign.pk, upload=pdf(), user=member_of(audit), today=START_DAY
        ),
        "This activity is not part of your audit.",
    )


def test_proof_for_a_verified_activity_is_refused(seeded):
    certification = rolled_certification(online=1)
    start_campaign()
    audit = Audit.objects.get(certification=certification)
    assert_refused(
        lambda: services.audit_attach_proof(
            audit=audit,
            item_id=item(audit, "Course A").pk,
            upload=pdf(),
            user=member_of(audit),
            today=START_DAY,
        ),
        "This activity is verified online CE: it needs no more proof.",
    )


def test_proof_after_the_deadline_is_refused(audit):
    assert_refused(
        lambda: services.audit_attach_proof(
            audit=audit, item_id=item(audit, "Course A").pk, upload=pdf(), user=member_of(audit),
            today=DEADLINE + datetime.timedelta(days=1),
        ),
        "The deadline of this audit was March 16, 2026.",
    )  # fmt: skip


def test_proof_on_the_deadline_is_accepted(audit):
    services.audit_attach_proof(
        audit=audit, item_id=item(audit, "Course A").pk, upload=pdf(), user=member_of(audit), today=DEADLINE
    )
    assert item(audit, "Course A").state == "uploaded"


def test_proof_after_submission_is_refused(audit):
    submitted(audit)
    assert_refused(
        lambda: services.audit_attach_proof(
            audit=audit,
            item_id=item(audit, "Course A").pk,
            upload=pdf(),
            user=member_of(audit),
            today=START_DAY,
        ),
        "Your audit was submitted: it is waiting on the reviewers.",
    )


def test_proof_before_the_audit_is_prepared_is_refused(seeded):
    certification = rolled_certification()
    set_policy(sample_rate=Decimal("1"))
    services.campaign_start(year=2025, today=START_DAY, actor=None, source="test")
    audit = Audit.objects.get(certification=certification)
    assert_refused(
        lambda: services.audit_submit(audit=audit, user=member_of(audit), today=START_DAY),
        "Your audit is being prepared: its activities will be listed shortly.",
    )


# --- Activities behind an attestation ------------------------------------------------------------------


@pytest.fixture
def attested_audit(seeded) -> Audit:
    """An audit of a cycle that closed compliant by attestation alone (no activity recorded)."""
    certification = rolled_certification(claims=(), attest=True)
    start_campaign()
    return Audit.objects.get(certification=certification)


def claim_fields(**overrides) -> dict:
    return {
        "category": ActivityCategory.objects.get(code="professional-education"),
        "title": "Infection control seminar",
        "completed_on": D(2023, 5, 2),
        "quantity": Decimal("30"),
        "helps_job": True,
        **overrides,
    }


def test_an_attested_audit_lists_nothing_and_cannot_be_submitted_empty(attested_audit):
    assert attested_audit.items.count() == 0
    assert attested_audit.state == "selected"
    assert_refused(
        lambda: services.audit_submit(audit=attested_audit, user=member_of(attested_audit), today=START_DAY),
        "List the activities behind your attestation, with proof, before submitting.",
    )


def test_member_who_attested_records_the_activities_behind_it(attested_audit):
    member = member_of(attested_audit)
    # when the member records a seminar dated inside the audited cycle
    added = services.audit_record_activity(
        audit=attested_audit, user=member, today=START_DAY, **claim_fields()
    )
    # then it is an activity of the certification, waiting for proof, and the timeline says so
    assert (added.activity.certification, added.activity.source) == (attested_audit.certification, "member")
    assert (added.state, added.added_during_audit) == ("needs_proof", True)
    event = attested_audit.events.get(kind="activity")
    assert (event.message, event.actor, event.item) == (
        "“Infection control seminar” added behind the attestation", member, added,
    )  # fmt: skip
    # it is locked like the rest of the audited cycle (it never counted in the closed cycle's result)
    cycle = Cycle.objects.get(pk=attested_audit.cycle_id)
    assert ccp_selectors.cycle_locks(cycle, added.activity)
    assert cycle.counted_points == Decimal("0.00")
    # and with proof the audit can be submitted
    submitted(attested_audit)
    assert fresh(attested_audit).state == "submitted"


@pytest.mark.parametrize(
    "dated",
    [
        {"completed_on": CYCLE_END + datetime.timedelta(days=1)},
        {"completed_on": CERTIFIED_ON - datetime.timedelta(days=1)},
    ],
)
def test_an_activity_dated_outside_the_audited_cycle_is_refused(attested_audit, dated):
    assert_refused(
        lambda: services.audit_record_activity(
            audit=attested_audit, user=member_of(attested_audit), today=START_DAY, **claim_fields(**dated)
        ),
        "The audited cycle runs from January 10, 2022 to January 9, 2025: "
        "the activity must be dated inside it.",
    )


def test_activities_can_be_added_only_to_an_attested_cycle(audit):
    assert_refused(
        lambda: services.audit_record_activity(
            audit=audit, user=member_of(audit), today=START_DAY, **claim_fields()
        ),
        "Activities can be added only to an audit of a cycle you attested; "
        "this cycle's activities are already listed.",
    )


# --- Extension ----------------------------------------------------------------------------------------


def test_member_asks_for_an_extension_and_the_clock_keeps_running(audit):
    member = member_of(audit)
    services.audit_request_extension(audit=audit, reason="In hospital", days=30, user=member, today=START_DAY)
    audit = fresh(audit)
    assert (audit.extension, audit.extension_reason, audit.extension_days) == ("asked", "In hospital", 30)
    assert (audit.state, audit.deadline) == ("selected", DEADLINE)
    event = audit.events.get(kind="extension")
    assert (event.to_state, event.message, event.actor) == (
        "asked",
        "30 more days asked: In hospital",
        member,
    )


def test_an_extension_can_be_asked_once(audit):
    member = member_of(audit)
    services.audit_request_extension(
        audit=audit, reason="Moving house", days=10, user=member, today=START_DAY
    )
    assert_refused(
        lambda: services.audit_request_extension(
            audit=audit, reason="Again", days=5, user=member, today=START_DAY
        ),
        "You already asked for an extension: it can be asked once per audit.",
    )


@pytest.mark.parametrize(
    ("reason", "days", "message"),
    [
        ("  ", 10, {"reason": "Say why you need more time."}),
        ("Travel", 0, {"days": "Ask for 1 to 30 days."}),
        ("Travel", 31, {"days": "Ask for 1 to 30 days."}),
    ],
)
def test_an_extension_needs_a_reason_and_days_within_policy(audit, reason, days, message):
    assert_refused(
        lambda: services.audit_request_extension(
            audit=audit, reason=reason, days=days, user=member_of(audit), today=START_DAY
        ),
        message,
    )


def test_reviewer_grants_an_extension_a_new_deadline(audit):
    reviewer = make_staff("Audit reviewer")
    services.audit_request_extension(
        audit=audit, reason="Surgery", days=20, user=member_of(audit), today=START_DAY
    )
    # when a reviewer grants it (the days asked) / then the deadline moves 20 days and the member is told
    services.audit_extension_decide(
        audit=audit, grant=True, days=None, reason="", user=reviewer, today=REVIEW_DAY
    )
    audit = fresh(audit)
    assert (audit.extension, audit.extension_days, audit.deadline) == ("granted", 20, D(2026, 4, 5))
    event = audit.events.filter(kind="extension").last()
    assert (event.to_state, event.actor) == ("granted", reviewer)
    assert event.message == "granted, 20 days: new deadline April 5, 2026"
    email = notices_of(audit).get(key=f"audit-{audit.pk}-extension")
    assert email.subject == "Your CCP audit extension was granted"
    assert "Your deadline is now April 5, 2026." in email.body_text


def test_reviewer_grants_fewer_days_than_asked(audit):
    reviewer = make_staff("Audit reviewer")
    services.audit_request_extension(
        audit=audit, reason="Surgery", days=30, user=member_of(audit), today=START_DAY
    )
    services.audit_extension_decide(
        audit=audit, grant=True, days=7, reason="", user=reviewer, today=REVIEW_DAY
    )
    assert fresh(audit).deadline == DEADLINE + datetime.timedelta(days=7)


def test_reviewer_denies_an_extension_with_a_reason(audit):
    reviewer = make_staff("Audit reviewer")
    services.audit_request_extension(
        audit=audit, reason="Busy", days=30, user=member_of(audit), today=START_DAY
    )
    assert_refused(
        lambda: services.audit_extension_decide(
            audit=audit, grant=False, days=None, reason=" ", user=reviewer, today=REVIEW_DAY
        ),
        {"reason": "Give the member the reason the extension is denied."},
    )
    services.audit_extension_decide(
        audit=audit, grant=False, days=None, reason="Sixty days are enough", user=reviewer, today=REVIEW_DAY
    )
    audit = fresh(audit)
    assert (audit.extension, audit.deadline) == ("denied", DEADLINE)
    assert audit.events.filter(kind="extension").last().message == "denied: Sixty days are enough"
    email = notices_of(audit).get(key=f"audit-{audit.pk}-extension")
    assert "Your deadline stays March 16, 2026." in email.body_text
    # and it can't be asked again
    assert_refused(
        lambda: services.audit_request_extension(
            audit=audit, reason="Please", days=5, user=member_of(audit), today=REVIEW_DAY
        ),
        "You already asked for an extension: it can be asked once per audit.",
    )


def test_an_extension_beyond_policy_cannot_be_granted(audit):
    reviewer = make_staff("Audit reviewer")
    services.audit_request_extension(
        audit=audit, reason="Surgery", days=30, user=member_of(audit), today=START_DAY
    )
    assert_refused(
        lambda: services.audit_extension_decide(
            audit=audit, grant=True, days=45, reason="", user=reviewer, today=REVIEW_DAY
        ),
        {"days": "Grant 1 to 30 days."},
    )


def test_no_extension_asked_nothing_to_decide(audit):
    reviewer = make_staff("Audit reviewer")
    assert_refused(
        lambda: services.audit_extension_decide(
            audit=audit, grant=True, days=10, reason="", user=reviewer, today=REVIEW_DAY
        ),
        "There is no extension request waiting on this audit.",
    )


# --- Submission ---------------------------------------------------------------------------------------


def test_submission_is_refused_while_proof_is_missing_listing_the_titles(audit):
    services.audit_attach_proof(
        audit=audit, item_id=item(audit, "Course A").pk, upload=pdf(), user=member_of(audit), today=START_DAY
    )
    assert_refused(
        lambda: services.audit_submit(audit=audit, user=member_of(audit), today=START_DAY),
        "Upload proof for every activity before submitting. Missing: “Course B”; “Course C”.",
    )


def test_member_submits_and_the_audit_waits_on_review(audit):
    member = member_of(audit)
    # given a 30-day reminder waiting to be sent
    services.audits_send_reminders(today=DEADLINE - datetime.timedelta(days=30))
    day = DEADLINE - datetime.timedelta(days=29)
    # when the member uploads proof for all three and submits
    submitted(audit, today=day)
    # then the audit waits on review since then, and the unsent reminder is withdrawn
    audit = fresh(audit)
    assert (audit.state, audit.submitted_on) == ("submitted", day)
    move = audit.events.get(kind="move")
    assert (move.from_state, move.to_state, move.message, move.actor, move.source) == (
        "selected", "submitted", "Submitted for review.", member, "member",
    )  # fmt: skip
    reminder = notices_of(audit).get(key__contains="reminder")
    assert reminder.state == "cancelled"


def test_submitting_twice_is_refused(audit):
    submitted(audit)
    assert_refused(
        lambda: services.audit_submit(audit=audit, user=member_of(audit), today=START_DAY),
        "Your audit was submitted: it is waiting on the reviewers.",
    )


def test_submitting_after_the_deadline_is_refused(audit):
    upload_all(audit)
    assert_refused(
        lambda: services.audit_submit(
            audit=audit, user=member_of(audit), today=DEADLINE + datetime.timedelta(days=1)
        ),
        "The deadline of this audit was March 16, 2026.",
    )


# --- Claims -------------------------------------------------------------------------------------------


def test_a_reviewer_claims_an_audit_others_cannot(audit):
    first = make_staff("Audit reviewer", email="first@staff.example.org")
    second = make_staff("Audit reviewer", email="second@staff.example.org")
    submitted(audit)
    services.audit_claim(audit=audit, user=first, today=REVIEW_DAY)
    assert fresh(audit).claimed_by == first
    event = audit.events.get(kind="claim")
    assert (event.message, event.actor, event.member_visible) == ("", first, False)
    # claiming it again is harmless; another reviewer is told who holds it
    services.audit_claim(audit=audit, user=first, today=REVIEW_DAY)
    assert audit.events.filter(kind="claim").count() == 1
    assert_refused(
        lambda: services.audit_claim(audit=audit, user=second, today=REVIEW_DAY),
        "Pat Doe is already reviewing this audit.",
    )
    assert_refused(
        lambda: services.audit_release(audit=audit, user=second, today=REVIEW_DAY),
        "Only the reviewer holding this audit can release it.",
    )
    # when the holder releases it / then the other may claim it
    services.audit_release(audit=audit, user=first, today=REVIEW_DAY)
    services.audit_claim(audit=audit, user=second, today=REVIEW_DAY)
    assert fresh(audit).claimed_by == second


# --- Decisions ----------------------------------------------------------------------------------------


def test_reviewer_accepts_refuses_and_asks_for_more(audit):
    audit, reviewer = under_review(audit)
    decide(audit, reviewer, "Course A", "accept")
    decide(audit, reviewer, "Course B", "refuse", "Not a health-care topic")
    decide(audit, reviewer, "Course C", "more", "  The certificate is unreadable  ")
    assert sorted(audit.items.values_list("activity__title", "state", "message", "decided_by")) == [
        ("Course A", "accepted", "", reviewer.pk),
        ("Course B", "refused", "Not a health-care topic", reviewer.pk),
        ("Course C", "more_requested", "The certificate is unreadable", reviewer.pk),
    ]
    decisions = audit.events.filter(kind="decision")
    rows = decisions.values_list("message", "from_state", "to_state", "actor", "source", "member_visible")
    assert list(rows) == [
        ("“Course A”: accepted", "uploaded", "accepted", reviewer.pk, "audit review", True),
        ("“Course B”: refused: Not a health-care topic", "uploaded", "refused", reviewer.pk,
         "audit review", True),
        ("“Course C”: more asked: The certificate is unreadable", "uploaded", "more_requested", reviewer.pk,
         "audit review", True),
    ]  # fmt: skip
    assert fresh(audit).state == "submitted"  # decisions alone don't move the audit


def test_a_decision_needs_the_audit_claimed(audit):
    reviewer = make_staff("Audit reviewer")
    submitted(audit)
    assert_refused(
        lambda: decide(audit, reviewer, "Course A", "accept"),
        "Claim this audit before deciding (nobody holds it).",
    )


def test_a_decision_on_an_audit_claimed_by_another_is_refused(audit):
    holder = make_staff("Audit reviewer", email="holder@staff.example.org")
    other = make_staff("Audit reviewer", email="other@staff.example.org")
    audit, _ = under_review(audit, holder)
    assert_refused(
        lambda: decide(audit, other, "Course A", "accept"),
        "Claim this audit before deciding (Pat Doe is reviewing it).",
    )


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ("refuse", {"message": "Give the member a reason."}),
        ("more", {"message": "Give the member a message saying what more is needed."}),
        ("approve", "Choose accept, refuse or ask for more."),
    ],
)
def test_a_refusal_or_a_request_needs_a_message(audit, decision, message):
    audit, reviewer = under_review(audit)
    assert_refused(lambda: decide(audit, reviewer, "Course A", decision, "   "), message)


def test_a_decision_while_the_audit_waits_on_the_member_is_refused(audit):
    reviewer = make_staff("Audit reviewer")
    services.audit_claim(audit=audit, user=reviewer, today=REVIEW_DAY)
    assert_refused(
        lambda: decide(audit, reviewer, "Course A", "accept"),
        "The member has not submitted this audit: it is waiting on the member.",
    )


def test_a_decision_on_an_item_of_another_audit_is_refused(seeded):
    mine, theirs = rolled_certification(), rolled_certification()
    start_campaign()
    audit = Audit.objects.get(certification=mine)
    other = Audit.objects.get(certification=theirs)
    audit, reviewer = under_review(audit)
    submitted(other)
    foreign = item(other, "Course A")
    assert_refused(
        lambda: services.audit_item_decide(
            audit=audit, item_id=foreign.pk, decision="accept", message="", user=reviewer, today=REVIEW_DAY
        ),
        "This activity is not part of this audit.",
    )


def test_an_item_already_decided_says_so(audit):
    audit, reviewer = under_review(audit)
    decide(audit, reviewer, "Course A", "accept")
    before = database_state()
    with pytest.raises(ValidationError) as refusal:
        decide(audit, reviewer, "Course A", "refuse", "Changed my mind")
    assert refusal.value.messages[0].startswith("“Course A” was already decided: accepted by Pat Doe at ")
    assert database_state() == before


def test_a_verified_item_cannot_be_decided_again(seeded):
    certification = rolled_certification(online=1)
    start_campaign()
    audit, reviewer = under_review(Audit.objects.get(certification=certification))
    assert_refused(
        lambda: decide(audit, reviewer, "Course A", "refuse", "Not convinced"),
        "“Course A” is verified online CE: it was accepted without a document.",
    )


def test_a_decision_on_a_finalized_audit_is_refused(audit):
    audit, reviewer = under_review(audit)
    for title in ("Course A", "Course B", "Course C"):
        decide(audit, reviewer, title, "accept")
    services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY)
    assert_refused(
        lambda: decide(audit, reviewer, "Course A", "refuse", "Too late"),
        "This audit passed on January 25, 2026: nothing more can change.",
    )


def test_a_final_audit_moves_nowhere(audit):
    audit, reviewer = under_review(audit)
    for title in ("Course A", "Course B", "Course C"):
        decide(audit, reviewer, title, "accept")
    services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY)

    def move_back():
        with transaction.atomic():
            audit_move(
                audit=locked_audit(audit), to_state="submitted", reason="", today=REVIEW_DAY, actor=reviewer,
                source="test",
            )  # fmt: skip

    assert_refused(move_back, "This audit is passed: it can't become waiting on review.")


# --- Back to the member ---------------------------------------------------------------------------------


def test_reviewer_sends_the_audit_back_with_a_new_deadline(audit):
    audit, reviewer = under_review(audit)
    decide(audit, reviewer, "Course A", "accept")
    decide(audit, reviewer, "Course B", "more", "Send the transcript")
    services.audit_return_to_member(audit=audit, user=reviewer, today=REVIEW_DAY)
    # then it waits on the member again, 14 days from today
    audit = fresh(audit)
    assert (audit.state, audit.deadline, audit.more_rounds) == ("more_requested", D(2026, 2, 8), 1)
    move = audit.events.filter(kind="move").last()
    assert (move.from_state, move.to_state, move.actor) == ("submitted", "more_requested", reviewer)
    assert move.message == "More asked, due February 8, 2026: “Course B”: Send the transcript"
    # and the member is told what is asked, by e-mail
    email = notices_of(audit).get(key=f"audit-{audit.pk}-more-1")
    assert (email.channel, email.subject) == (
        "email", "Your CCP audit: the reviewer asks for more, due February 8, 2026",
    )  # fmt: skip
    assert "“Course B”: Send the transcript" in email.body_text
    # when the member uploads again and resubmits / then the reviewer decides the rest
    services.audit_attach_proof(
        audit=audit, item_id=item(audit, "Course B").pk, upload=pdf(), user=member_of(audit), today=REVIEW_DAY
    )
    services.audit_submit(audit=audit, user=member_of(audit), today=REVIEW_DAY)
    audit = fresh(audit)
    assert audit.state == "submitted"
    assert audit.events.filter(kind="move").last().message == "Answered the reviewer and submitted again."
    decide(audit, reviewer, "Course B", "accept")
    decide(audit, reviewer, "Course C", "accept")
    assert services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY).state == "passed"


def test_sending_back_needs_a_request(audit):
    audit, reviewer = under_review(audit)
    decide(audit, reviewer, "Course A", "accept")
    assert_refused(
        lambda: services.audit_return_to_member(audit=audit, user=reviewer, today=REVIEW_DAY),
        "Ask for more on at least one activity before sending the audit back.",
    )


# --- The outcome --------------------------------------------------------------------------------------


def test_finalizing_is_refused_while_activities_are_undecided(audit):
    audit, reviewer = under_review(audit)
    decide(audit, reviewer, "Course A", "accept")
    assert_refused(
        lambda: services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY),
        "2 activities are not decided yet: accept or refuse each "
        "(or send the audit back to the member) before finalizing.",
    )


def test_finalizing_with_enough_accepted_points_passes(audit):
    audit, reviewer = under_review(audit)
    for title in ("Course A", "Course B", "Course C"):
        decide(audit, reviewer, title, "accept")
    services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY)
    audit = fresh(audit)
    assert (audit.state, audit.accepted_points, audit.decided_on, audit.decided_by) == (
        "passed", Decimal("30.00"), REVIEW_DAY, reviewer,
    )  # fmt: skip
    assert audit.outcome_reason == "The accepted activities count 30 of the 30 points required."
    assert (audit.cycle.under_audit, audit.cycle.audit_result) == (False, "passed")
    # the activities stay locked after the audit
    assert all(ccp_selectors.cycle_locks(audit.cycle, each.activity) for each in audit.items.all())
    # the member is told by e-mail only; the certification stays active
    outcome = notices_of(audit).filter(key=f"audit-{audit.pk}-outcome")
    assert list(outcome.values_list("channel", "subject")) == [("email", "Your RMA CCP audit has passed")]
    audit.certification.refresh_from_db()
    assert audit.certification.status == "active"


def authored(certification, *, items: int, on: D, title: str) -> Activity:
    return ccp_services.activity_record(
        certification=certification, today=on, recorded_by=None,
        category=ActivityCategory.objects.get(code="authorship"), title=title, completed_on=on,
        quantity=Decimal(items), helps_job=True,
    )  # fmt: skip


def test_caps_apply_to_the_accepted_activities(seeded):
    # given 4 articles (20 points, capped at 15) and 15 contact hours: 30 points at the roll
    certification = make_certification(certified_on=CERTIFIED_ON, today=CERTIFIED_ON)
    authored(certification, items=4, on=D(2023, 2, 1), title="Four articles")
    record(certification, on=D(2023, 3, 1), hours="10", title="Course A")
    record(certification, on=D(2023, 3, 2), hours="5", title="Course B")
    member_services.certification_record_paid_through(
        certification=certification, paid_through=D(2027, 1, 31), today=ROLL_DAY, source="test"
    )
    ccp_services.cycles_roll(today=ROLL_DAY)
    assert first_cycle(certification).counted_points == Decimal("30.00")
    start_campaign()
    audit, reviewer = under_review(Audit.objects.get(certification=certification))
    # when the articles and Course A are accepted but Course B refused (20 + 10 points before the cap)
    decide(audit, reviewer, "Four articles", "accept")
    decide(audit, reviewer, "Course A", "accept")
    decide(audit, reviewer, "Course B", "refuse", "No certificate of attendance")
    services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY)
    # then the articles count 15: 25 of 30, and the audit fails
    audit = fresh(audit)
    assert (audit.state, audit.accepted_points) == ("failed", Decimal("25.00"))
    assert audit.outcome_reason == "The accepted activities count 25 of the 30 points required: 5 short."


def test_a_failed_audit_makes_the_certification_non_compliant(audit):
    certification = audit.certification
    # given an open renewal invoice and the new cycle open since the roll
    invoice = billing_services.invoice_issue_next(certification=certification, today=START_DAY, source="test")
    new_cycle = Cycle.objects.get(certification=certification, state="open")
    audit, reviewer = under_review(audit)
    # when the reviewer accepts one activity, refuses two and finalizes
    decide(audit, reviewer, "Course A", "accept")
    decide(audit, reviewer, "Course B", "refuse", "Not health care")
    decide(audit, reviewer, "Course C", "refuse", "Dated after the course")
    services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY)
    # then the audit failed 20 points short
    audit = fresh(audit)
    assert (audit.state, audit.accepted_points, audit.decided_on, audit.decided_by) == (
        "failed", Decimal("10.00"), REVIEW_DAY, reviewer,
    )  # fmt: skip
    assert audit.outcome_reason == "The accepted activities count 10 of the 30 points required: 20 short."
    # the certification is Non-compliant (CCP) from the day of the decision, with its history row
    certification.refresh_from_db()
    assert (certification.status, certification.lapse_date, certification.audit_failed_on) == (
        "noncompliant", REVIEW_DAY, REVIEW_DAY,
    )  # fmt: skip
    change = certification.status_changes.first()
    assert (change.from_status, change.to_status, change.lapse_date, change.effective_on) == (
        "active", "noncompliant", REVIEW_DAY, REVIEW_DAY,
    )  # fmt: skip
    assert (change.changed_by, change.source) == (reviewer, "audit review")
    assert "a CCP audit failed on January 25, 2026" in change.reason
    # its open cycle ended (certification not active), its open fee voided with the reason
    new_cycle.refresh_from_db()
    assert (new_cycle.state, new_cycle.closed_on) == ("inactive", REVIEW_DAY)
    invoice.refresh_from_db()
    assert (invoice.state, invoice.state_reason) == ("void", "certification not active (Non-compliant (CCP))")
    # the audited cycle shows the failed audit
    assert (audit.cycle.under_audit, audit.cycle.audit_result) == (False, "failed")
    # and the member is told by e-mail and letter
    outcome = notices_of(audit).filter(key=f"audit-{audit.pk}-outcome")
    assert sorted(outcome.values_list("channel", "subject")) == [
        ("email", "Your RMA CCP audit has failed"),
        ("letter", "Your RMA CCP audit has failed"),
    ]
    assert "Non-compliant (CCP) from January 25, 2026" in outcome.get(channel="email").body_text


def test_finalizing_twice_is_refused(audit):
    audit, reviewer = under_review(audit)
    for title in ("Course A", "Course B", "Course C"):
        decide(audit, reviewer, title, "refuse", "No proof")
    services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY)
    assert_refused(
        lambda: services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY),
        "This audit failed on January 25, 2026: nothing more can change.",
    )


# --- The timeline ---------------------------------------------------------------------------------------


def test_the_member_sees_the_whole_timeline_but_the_claims(audit):
    member = member_of(audit)
    audit, reviewer = under_review(audit)
    decide(audit, reviewer, "Course A", "accept")
    decide(audit, reviewer, "Course B", "accept")
    decide(audit, reviewer, "Course C", "more", "Signed certificate")
    services.audit_return_to_member(audit=audit, user=reviewer, today=REVIEW_DAY)
    services.audit_attach_proof(
        audit=audit, item_id=item(audit, "Course C").pk, upload=pdf(), user=member, today=REVIEW_DAY
    )
    services.audit_submit(audit=audit, user=member, today=REVIEW_DAY)
    decide(audit, reviewer, "Course C", "accept")
    services.audit_finalize(audit=audit, user=reviewer, today=REVIEW_DAY)

    seen = [
        (event.kind, event.to_state, event.actor, event.source)
        for event in selectors.audit_timeline(fresh(audit), for_member=True)
    ]
    assert seen == [
        ("selected", "selected", None, "test"),
        ("upload", "uploaded", member, "member"),
        ("upload", "uploaded", member, "member"),
        ("upload", "uploaded", member, "member"),
        ("move", "submitted", member, "member"),
        ("decision", "accepted", reviewer, "audit review"),
        ("decision", "accepted", reviewer, "audit review"),
        ("decision", "more_requested", reviewer, "audit review"),
        ("move", "more_requested", reviewer, "audit review"),
        ("upload", "uploaded", member, "member"),
        ("move", "submitted", member, "member"),
        ("decision", "accepted", reviewer, "audit review"),
        ("move", "passed", reviewer, "audit review"),
    ]
    staff_view = selectors.audit_timeline(fresh(audit), for_member=False)
    assert [(e.kind, e.message, e.member_visible) for e in staff_view if e.kind == "claim"] == [
        ("claim", "", False)
    ]
