"""`manage.py seed_demo`: the composer runs the demo of each app (amtportal/demo/) in layer order."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import authenticate
from django.core.management import call_command

from ccp import selectors as ccp_selectors
from ccp.models import Activity, ApiClient, Attestation, Cycle
from core import clock
from members.models import Certification, CertificationPolicy, Member, StatusChange, User
from members.rules import Status
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
    }


@pytest.mark.django_db
def test_seed_demo_shows_every_status_and_a_second_run_changes_nothing():
    first_out, first_err = seed()
    assert first_err == ""  # no certification ended in a status other than the planned one
    after_first = row_counts()
    snapshot = list(Certification.objects.order_by("pk").values())
    cycles = list(Cycle.objects.order_by("pk").values())

    second_out, second_err = seed()

    assert second_err == ""
    assert row_counts() == after_first
    assert list(Certification.objects.order_by("pk").values()) == snapshot
    assert list(Cycle.objects.order_by("pk").values()) == cycles
    assert "already present" in second_out.splitlines()[0]
    assert first_out.splitlines()[1:] == second_out.splitlines()[1:]  # the same logins
    assert after_first["members"] == 21
    assert after_first["API clients"] == 1
    assert set(Certification.objects.values_list("status", flat=True)) == ALL_STATUSES


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
