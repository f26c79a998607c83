import datetime
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import authenticate
from django.core.management import call_command

from amtportal import clock
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
    }


@pytest.mark.django_db
def test_seed_demo_shows_every_status_and_a_second_run_changes_nothing():
    first_out, first_err = seed()
    assert first_err == ""  # no certification ended in a status other than the planned one
    after_first = row_counts()
    snapshot = list(Certification.objects.order_by("pk").values())

    second_out, second_err = seed()

    assert second_err == ""
    assert row_counts() == after_first
    assert list(Certification.objects.order_by("pk").values()) == snapshot
    assert "already present" in second_out.splitlines()[0]
    assert first_out.splitlines()[1:] == second_out.splitlines()[1:]  # the same logins
    assert after_first["members"] == 20
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


@pytest.mark.django_db
def test_staff_have_their_role_a_verified_address_and_the_known_totp_secret():
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
    assert "http://127.0.0.1:8000" in out and PASSWORD in out


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
