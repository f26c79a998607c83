"""`manage.py seed_demo`: the composer runs the demo of each app (amtportal/demo/) in layer order."""

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import authenticate
from django.core.management import call_command

from amtportal.jobs import DAILY_JOBS
from amtportal.models import NightlyRun
from audits import services as audit_services
from audits.models import Audit, AuditCampaign, AuditEvent, AuditItem
from audits.selectors import QueueFilters, queue_counts
from billing.models import Invoice
from ccp import selectors as ccp_selectors
from ccp.models import Activity, ApiClient, Attestation, Cycle
from core import clock
from members.models import Certification, CertificationPolicy, Member, Notice, StatusChange, User
from members.rules import RECERTIFICATION_REQUIRED_STATUSES, Status
from recert import rules as recert_rules
from recert import selectors as recert_selectors
from recert import services as recert_services
from recert.models import Application, ApplicationEvent
from tests.conftest import totp_code

PASSWORD = "demo-password-1"
SECRET = "JBSWY3DPEHPK3PXP"
STAFF = {
    "billing@demo.example.org": "Billing staff",
    "audit@demo.example.org": "Audit reviewer",
    "recert@demo.example.org": "Recertification processor",
    "admin@demo.example.org": "Administrator",
}
ALL_STATUSES = {status.value for status in Status}
ALL_CYCLE_STATES = {state.value for state in Cycle.State}
ALL_AUDIT_STATES = {state.value for state in Audit.State}
REVIEWER = "audit@demo.example.org"
PROCESSOR = "recert@demo.example.org"
APPLICATION_STATES = {"draft", "submitted", "more_requested", "authorized", "reinstated", "refused"}
EMPLOYMENT_RULE_DATE = datetime.date(2020, 12, 31)


def seed() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    return {
        "members": Member.objects.count(),
        "certifications": Certification.objects.count(),
        "status changes": StatusChange.objects.count(),
        "users": User.objects.count(),
        "e-mail addresses": EmailAddress.objects.count(),
        "authenticators": Authenticator.objects.count(),
        "cycles": Cycle.objects.count(),
        "activities": Activity.objects.count(),
        "attestations": Attestation.objects.count(),
        "API clients": ApiClient.objects.count(),
        "audit campaigns": AuditCampaign.objects.count(),
        "audits": Audit.objects.count(),
        "audit items": AuditItem.objects.count(),
        "audit events": AuditEvent.objects.count(),
        "invoices": Invoice.objects.count(),
        "applications": Application.objects.count(),
        "application events": ApplicationEvent.objects.count(),
        "nightly runs": NightlyRun.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_shows_every_status_and_a_second_run_changes_nothing():
    first_out, first_err = seed()
    assert first_err == ""  # no certification ended in a status other than the planned one
    after_first = row_counts()
    snapshot = list(Certification.objects.order_by("pk").values())
    cycles = list(Cycle.objects.order_by("pk").values())
    applications = list(Application.objects.order_by("pk").values())

    second_out, second_err = seed()

    assert second_err == ""
    assert row_counts() == after_first
    assert list(Certification.objects.order_by("pk").values()) == snapshot
    assert list(Cycle.objects.order_by("pk").values()) == cycles
    assert list(Application.objects.order_by("pk").values()) == applications
    assert "already present" in second_out.splitlines()[0]
    assert first_out.splitlines()[1:] == second_out.splitlines()[1:]  # the same logins
    assert after_first["members"] == 36
    assert after_first["API clients"] == 1
    assert set(Certification.objects.values_list("status", flat=True)) == ALL_STATUSES


@pytest.mark.django_db
def test_the_demo_ran_last_nights_jobs_once_and_they_are_recorded():
    """The demo runs today's daily jobs once, as the nightly chain would: staff see a finished run with
    every job (the day's letters printed by the mail batch); a second seeding runs nothing."""
    seed()
    run = NightlyRun.objects.get()
    assert (run.state, run.trigger) == ("succeeded", "by_hand")
    assert list(run.jobs.values_list("name", flat=True)) == [job.name for job in DAILY_JOBS]
    assert set(run.jobs.values_list("state", flat=True)) == {"succeeded"}
    seed()
    assert NightlyRun.objects.count() == 1


@pytest.mark.django_db
def test_the_demo_covers_the_situations_of_the_domain():
    seed()
    today = clock.today()
    demo = Certification.objects.filter(member__member_number__startswith="D")
    active = demo.filter(status=Status.ACTIVE)

    assert active.filter(paid_through__gte=today).count() >= 3  # fees paid
    # The fee year has begun and its fee is unpaid, but its due date (+ grace) has not passed.
    assert any(c.next_fee_due_on >= today for c in active.filter(paid_through__lt=today))
    assert demo.filter(status=Status.NONCOMPLIANT, ccp_failed_on__isnull=False).exists()
    assert demo.filter(status=Status.NONCOMPLIANT, audit_failed_on__isnull=False).exists()
    exempt = [c for c in demo.filter(certified_on__lt=datetime.date(2006, 1, 1)) if not c.ccp_required]
    assert exempt
    assert active.filter(reinstated_on__isnull=False).exists()
    assert demo.filter(certified_on__month=2, certified_on__day=29).exists()
    several = [m for m in Member.objects.all() if len({c.status for c in m.certifications.all()}) >= 2]
    assert several
    assert sum(not m.has_mailing_address for m in Member.objects.all()) in (1, 2)
    lapsed = demo.get(member__member_number="D00003")
    assert lapsed.status == Status.LAPSED
    # Every status came from a recorded change, with its date.
    for certification in demo:
        latest = certification.status_changes.order_by("effective_on", "id").last()
        assert latest.to_status == certification.status


def open_results(today: datetime.date):
    """Each open cycle of the demo with its live result."""
    for cycle in Cycle.objects.filter(state=Cycle.State.OPEN).select_related(
        "certification__credential", "attestation"
    ):
        yield cycle, ccp_selectors.cycle_compliance(cycle, today=today)[0]


@pytest.mark.django_db
def test_the_demo_shows_every_ccp_cycle_state():
    seed()
    today = clock.today()
    in_a_year = today + datetime.timedelta(days=365)

    assert set(Cycle.objects.values_list("state", flat=True)) == ALL_CYCLE_STATES
    results = list(open_results(today))
    # On track: some points, more than a year left. Short near the end. Compliant by points. Attested.
    assert any(0 < r.counted < r.required and c.end_on > in_a_year for c, r in results)
    assert any(0 < r.counted < r.required and c.days_left(today) <= 90 for c, r in results)
    assert any(r.enough_points for _, r in results)
    assert any(hasattr(c, "attestation") and not r.enough_points for c, r in results)
    # A capped category: 4 articles, 20 points, 15 count.
    assert any(
        (category.raw_points, category.counted_points) == (Decimal(20), Decimal(15))
        for _, r in results
        for category in r.categories
    )
    # A closed attested cycle, a closed compliant cycle, one closed not compliant (through the roll).
    assert Attestation.objects.filter(cycle__state=Cycle.State.COMPLIANT).exists()
    failed = Certification.objects.get(member__member_number="D00005")
    failed_cycle = failed.cycles.get(state=Cycle.State.NONCOMPLIANT)
    assert failed.ccp_failed_on == failed_cycle.end_on + datetime.timedelta(days=1)
    assert not failed.cycles.filter(state=Cycle.State.OPEN).exists()
    # Online CE recorded automatically, and a quarter-hour college course.
    assert Activity.objects.filter(source=Activity.Source.ONLINE).exists()
    assert Activity.objects.filter(quantity_unit=Activity.QuantityUnit.QUARTER).exists()
    # Employment straddling the rule's date, counted in part in a closed cycle.
    employment = Activity.objects.get(category__code="employment")
    assert employment.period_start <= EMPLOYMENT_RULE_DATE
    assert employment.period_end is None or employment.period_end > EMPLOYMENT_RULE_DATE
    cycle = Cycle.objects.get(certification=employment.certification, start_on__year=2019)
    stored = cycle.closing_result["activities"][str(employment.pk)]
    assert cycle.state == Cycle.State.COMPLIANT
    assert stored["counts"] is True
    assert stored["counted"] == "6.26"  # Jun 10, 2019 to Dec 31, 2020: 571 days x 4 / 365
    assert "accepted only through Dec 31, 2020" in stored["reason"]
    # Cycles go on exactly for the CCP-required certifications that are Active or Lapsed (fees).
    for certification in Certification.objects.all():
        open_cycles = list(certification.cycles.filter(state=Cycle.State.OPEN))
        if certification.ccp_required and certification.status in (Status.ACTIVE, Status.LAPSED):
            assert len(open_cycles) == 1
            assert open_cycles[0].start_on <= today <= open_cycles[0].end_on
        else:
            assert open_cycles == []
    assert not Cycle.objects.filter(certification__certified_on__lt=datetime.date(2006, 1, 1)).exists()


@pytest.mark.django_db
def test_the_output_says_what_each_ccp_page_shows_and_gives_the_api_client():
    out, _ = seed()

    lines = out.splitlines()
    status_lines = [line for line in lines if line.startswith("      ") and not line.startswith("       ")]
    ccp_lines = [line for line in lines if line.strip().startswith("CCP page:")]
    assert len(ccp_lines) == len(status_lines) == Certification.objects.count()
    member09 = lines[next(i for i, line in enumerate(lines) if "member09@" in line) :]
    assert "CCP page: exempt from CCP" in member09[2]
    assert "authorship capped: 4 articles = 20 points, 15 count" in out
    client = ApiClient.objects.get(key_id="demo-learning-platform")
    assert client.active
    assert f"key id demo-learning-platform   secret {client.secret}" in out
    assert "/api/ccp/completions/" in out


@pytest.mark.django_db
def test_staff_have_their_role_a_verified_address_and_the_known_totp_secret(settings):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8101"  # as `PORT=8101 make run` sets it
    out, _ = seed()
    for email, role in STAFF.items():
        user = User.objects.get(email=email)
        assert user.is_staff
        assert user.is_superuser == (role == "Administrator")
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True).exists()
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert TOTP(authenticator).validate_code(totp_code(SECRET))
        assert authenticate(email=email, password=PASSWORD) == user
        assert f"{email}" in out and role in out
    assert SECRET in out and f"oathtool --totp -b {SECRET}" in out
    assert "Demo logins at http://127.0.0.1:8101 " in out and PASSWORD in out
    assert "POST http://127.0.0.1:8101/api/ccp/completions/" in out
    assert "8000" not in out


@pytest.mark.django_db
def test_members_can_log_in_with_the_demo_password(client):
    out, _ = seed()
    for member in Member.objects.select_related("user"):
        user = member.user
        assert authenticate(email=user.email, password=PASSWORD) == user
        assert EmailAddress.objects.get(user=user).verified
        assert user.email in out
    assert "member03@demo.example.org" in out
    line = next(line for line in out.splitlines() if "member03@" in line)
    following = out.splitlines()[out.splitlines().index(line) + 1]
    assert "Lapsed (fees)" in following
    assert client.login(email="member01@demo.example.org", password=PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "grace_days"),
    [
        (datetime.date(2027, 1, 1), 0),
        (datetime.date(2028, 2, 29), 0),
        (datetime.date(2027, 3, 26), 0),
        (datetime.date(2027, 3, 27), 0),
        (datetime.date(2026, 12, 31), 30),
        (datetime.date(2030, 7, 15), 14),
    ],
)
def test_every_status_appears_whatever_the_date(time_machine, day, grace_days):
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"grace_days": grace_days})
    time_machine.move_to(datetime.datetime(day.year, day.month, day.day, 18, tzinfo=datetime.UTC), tick=False)
    assert clock.today() == day

    _, err = seed()

    assert err == ""
    assert set(Certification.objects.values_list("status", flat=True)) == ALL_STATUSES
    assert set(Cycle.objects.values_list("state", flat=True)) == ALL_CYCLE_STATES
    assert not Cycle.objects.filter(state=Cycle.State.OPEN, end_on__lt=day).exists()
    assert_every_audit_state(day)
    assert_every_recertification_state(day)


def assert_every_audit_state(today: datetime.date) -> None:
    """Two campaigns, each re-derivable; every audit state, with the deadlines that make it true today."""
    latest, previous = AuditCampaign.objects.order_by("-year")
    assert latest.started_on == today - datetime.timedelta(days=40)
    assert latest.year == latest.started_on.year - 1
    assert (previous.year, previous.started_on.month) == (latest.year - 1, 1)
    for campaign in (latest, previous):
        assert audit_services.campaign_verify(campaign=campaign).ok
    audits = Audit.objects.select_related("certification")
    assert set(audits.values_list("state", flat=True)) == ALL_AUDIT_STATES
    # Waiting on the member: deadlines ahead (a first answer, more asked, an extension asked).
    waiting = audits.filter(state__in=Audit.WAITING_ON_MEMBER)
    assert all(audit.deadline >= today for audit in waiting)
    assert waiting.filter(state=Audit.State.SELECTED, extension="").exists()
    assert waiting.filter(state=Audit.State.SELECTED, extension=Audit.Extension.ASKED).exists()
    assert waiting.filter(state=Audit.State.MORE_REQUESTED).exists()
    # The reviewer's queue has work: a first submission, and an answer to a request for more.
    submitted = audits.filter(state=Audit.State.SUBMITTED)
    assert {audit.more_rounds > 0 for audit in submitted} == {True, False}
    assert queue_counts(QueueFilters(), today=today)["submitted"] == submitted.count()
    # Passed at selection by verified online CE, and by the reviewer.
    assert audits.filter(state=Audit.State.PASSED, passed_by_verified=True, decided_by=None).exists()
    assert audits.filter(state=Audit.State.PASSED, decided_by__email=REVIEWER).exists()
    # Failed by the reviewer's decision, and by no response (the day after the deadline, by the daily job).
    for failed in audits.filter(state=Audit.State.FAILED):
        certification = failed.certification
        assert certification.status == Status.NONCOMPLIANT
        assert certification.audit_failed_on == failed.decided_on
        assert not certification.cycles.filter(state=Cycle.State.OPEN).exists()
    decided = audits.get(state=Audit.State.FAILED, decided_by__email=REVIEWER)
    assert decided.items.filter(state=AuditItem.State.REFUSED).exclude(message="").exists()
    unanswered = audits.get(state=Audit.State.FAILED, decided_by=None)
    assert unanswered.campaign == previous
    assert unanswered.decided_on == unanswered.deadline + datetime.timedelta(days=1)
    assert unanswered.submitted_on is None


@pytest.mark.django_db
def test_the_demo_shows_every_audit_state():
    out, _ = seed()
    today = clock.today()

    assert_every_audit_state(today)
    # The member's timeline reads in business dates: the selection, proof, decisions, the outcome.
    decided = Audit.objects.get(state=Audit.State.FAILED, decided_by__email=REVIEWER)
    kinds = list(decided.events.filter(member_visible=True).values_list("kind", flat=True))
    assert kinds[0] == AuditEvent.Kind.SELECTED and AuditEvent.Kind.DECISION in kinds
    assert decided.events.last().effective_on == decided.decided_on
    attested = Audit.objects.get(state=Audit.State.SELECTED, extension="")
    assert attested.items.get().added_during_audit  # listed behind the attestation, with proof
    assert attested.items.get().activity.documents.exists()
    # The reviewer sees a PDF and a scan beside the activities.
    types = set(
        AuditItem.objects.filter(audit__campaign__year=decided.campaign.year).values_list(
            "activity__documents__content_type", flat=True
        )
    )
    assert {"application/pdf", "image/png"} <= types
    # Reminders went out before the audits moved on; nothing the members were sent was withdrawn.
    notices = Notice.objects.filter(kind="audit")
    assert notices.filter(key__contains="-reminder-", state=Notice.State.SENT).exists()
    assert not notices.filter(state=Notice.State.CANCELLED).exists()
    assert not notices.filter(state=Notice.State.PENDING, channel=Notice.Channel.EMAIL).exists()

    # The output says which login shows which audit.
    section = out[out.index("CCP audits") :]
    assert f"sign in as {REVIEWER}" in section
    for audit in Audit.objects.select_related("certification__member__user"):
        line = next(line for line in section.splitlines() if audit.certification.member.user.email in line)
        assert audit.get_state_display() in line
    assert "Extension asked (21 days)".lower() in section.lower()


def last_month(today: datetime.date) -> datetime.date:
    month_index = today.year * 12 + today.month - 2
    year, month = divmod(month_index, 12)
    return datetime.date(year, month + 1, 1)


def assert_every_recertification_state(today: datetime.date) -> None:
    """A draft, submitted (by CCP and by exam), more asked, authorized to test, reinstated last month,
    refused; an RMA past the 10-year gate with no application; and work in the processor's queue."""
    applications = Application.objects.select_related("certification__credential", "certification__member")
    assert set(applications.values_list("state", flat=True)) == APPLICATION_STATES
    draft = applications.get(state="draft")
    assert draft.route == "ccp" and draft.certification.status == Status.NONCOMPLIANT
    assert recert_services.application_missing(draft, today=today)  # the page says what is still missing
    submitted = applications.filter(state="submitted")
    assert set(submitted.values_list("route", flat=True)) == {"ccp", "exam"}
    for application in applications.exclude(state="draft"):
        invoice = recert_selectors.application_invoice(application)
        assert invoice.state == Invoice.State.PAID and invoice.payment.method == "check"
        assert application.submitted_on <= today and application.rules_snapshot["applied_on"]
    assert all(a.claimed_by is None and a.expires_on > today for a in submitted)
    assert recert_selectors.queue_counts(recert_selectors.QueueFilters(), today=today)["submitted"] == 2
    more = applications.get(state="more_requested")
    assert more.claimed_by.email == PROCESSOR and more.more_rounds == 1
    assert more.events.filter(to_state="more_requested", member_visible=True).exclude(message="").exists()
    authorized = applications.get(state="authorized")
    assert authorized.route == "exam" and authorized.certification.status == Status.EXAM_REQUIRED
    assert re.fullmatch(r"MT-\d{4}-\d{8}", authorized.authorization_number)
    assert authorized.authorized_on < today <= authorized.authorization_expires_on
    refused = applications.get(state="refused")
    assert refused.felony and refused.decision_reason and refused.decided_by.email == PROCESSOR
    assert refused.certification.status in RECERTIFICATION_REQUIRED_STATUSES  # it may apply again
    # Reinstated last month: Active from the approval, the new anchor date, its first cycle open, the old
    # annual invoice voided "reinstated", a status change that says so.
    reinstated = applications.get(state="reinstated")
    certification = reinstated.certification
    assert reinstated.reinstated_on == reinstated.decided_on == certification.reinstated_on
    assert last_month(today) <= certification.reinstated_on < today.replace(day=1)
    assert certification.status == Status.ACTIVE and certification.anchor_date == certification.reinstated_on
    assert certification.cycles.get(state=Cycle.State.OPEN).start_on == certification.reinstated_on
    voided = certification.invoices.filter(kind=Invoice.Kind.ANNUAL, state=Invoice.State.VOID)
    assert voided.filter(state_reason="reinstated").exists()
    assert not certification.invoices.filter(kind=Invoice.Kind.ANNUAL, state=Invoice.State.OPEN).exists()
    change = certification.status_changes.get(
        effective_on=certification.reinstated_on, to_status=Status.ACTIVE
    )
    assert change.changed_by.email == PROCESSOR
    # An RMA past the 10-year gate with no application yet: by exam only.
    exam_only = Certification.objects.filter(credential__code="RMA", status=Status.EXAM_REQUIRED)
    exam_only = exam_only.exclude(recert_applications__isnull=False).get()
    decision = recert_rules.route_decision(lapse_date=exam_only.lapse_date, applied_on=today, gate_years=10)
    assert not decision.ccp_allowed


@pytest.mark.django_db
def test_the_demo_shows_every_recertification_state_and_every_way_back(client):
    out, _ = seed()
    today = clock.today()

    assert_every_recertification_state(today)
    # The processor holds the role, and the queue has work in it.
    processor = User.objects.get(email=PROCESSOR)
    assert processor.has_perm("recert.process_application")
    # Every certification that must recertify has a way back on its member's dashboard: the application's
    # page, or the apply page with a route to choose.
    for certification in Certification.objects.filter(status__in=RECERTIFICATION_REQUIRED_STATUSES):
        client.force_login(certification.member.user)
        dashboard = client.get("/").content.decode()
        open_application = certification.recert_applications.filter(state__in=Application.OPEN_STATES).first()
        if open_application:
            link = f"/recertification/applications/{open_application.pk}/"
            assert f'href="{link}">Continue your recertification application' in dashboard
        else:
            link = f"/recertification/certifications/{certification.pk}/"
            assert f'href="{link}">Apply to recertify' in dashboard
            page = client.get(link).content.decode()
            assert ">Apply by exam<" in page
            assert (">Apply by CCP points<" in page) == (certification.status != Status.EXAM_REQUIRED)
            for earlier in certification.recert_applications.all():  # the refused one, with its reason
                assert f'href="/recertification/applications/{earlier.pk}/">' in page
        assert client.get(link).status_code == 200

    # The output says which login shows which application, and where the assistant is.
    section = out[out.index("Recertification (queue") :]
    assert f"sign in as {PROCESSOR}" in section.splitlines()[0]
    for application in Application.objects.select_related("certification__member__user"):
        line = next(
            line for line in section.splitlines() if application.certification.member.user.email in line
        )
        words = {"draft": "Draft", "more_requested": "More asked", "authorized": "Authorized to test"}
        assert words.get(application.state, application.get_state_display().split(":")[0]) in line
    assert re.search(r"Authorized to test by exam: number MT-\d{4}-\d{8}", section)
    assert 'old annual invoice(s) voided "reinstated"' in section
    assert "try the RMA eligibility assistant first" in section
    assert "RMA eligibility assistant (public): http://" in section
    assert "/recertification/rma-eligibility/" in section
