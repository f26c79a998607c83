"""Demo data for `make run`: staff logins (one per role) and about twenty members covering every status.

Idempotent: what exists is left alone (members by member number, staff by e-mail), so a second run creates
nothing and prints the same logins. Certifications are made and moved only through members.services, by
replaying each one's life (payments, cycle ends, audit decisions, the daily status job) on the dates it
would have happened, relative to today, so the status history reads like the real thing.
"""

import calendar
import datetime
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from amtportal import clock
from members import rules, services
from members.models import Certification, CertificationPolicy, Credential, Member, User
from members.rules import Status

PORTAL_URL = "http://127.0.0.1:8000"
DEMO_PASSWORD = "demo-password-1"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
SOURCE = "seed_demo"
ONE_DAY = rules.ONE_DAY

STAFF = [
    # e-mail, first name, last name, role (auth group)
    ("billing@demo.example.org", "Beatrice", "Billings", "Billing staff"),
    ("audit@demo.example.org", "Arthur", "Auditore", "Audit reviewer"),
    ("recert@demo.example.org", "Rachel", "Recerti", "Recertification processor"),
    ("admin@demo.example.org", "Adam", "Admin", "Administrator"),
]


# --- Dates relative to today ------------------------------------------------------------------------


def shift_months(day: datetime.date, months: int, *, on_day: int | None = None) -> datetime.date:
    """`day` moved by `months` (the day clamped to the month's length), optionally on another day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(on_day or day.day, calendar.monthrange(year, month)[1]))


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Step:
    """One thing that happened to a certification, replayed through the services on its date."""

    on: datetime.date
    action: str  # pay | compliant | ccp_fail | audit_fail | reinstate | daily
    value: datetime.date | None = None
    actor: str = ""  # e-mail of the staff user who did it


@dataclass
class CertPlan:
    code: str
    certified_on: datetime.date
    expected: Status
    note: str
    steps: list[Step] = field(default_factory=list)


@dataclass
class MemberPlan:
    number: int
    first_name: str
    last_name: str
    phone: str
    address: tuple[str, str, str, str, str] | None  # line 1, line 2, city, state, ZIP (None: none on file)
    certifications: list[CertPlan]
    middle_name: str = ""

    @property
    def member_number(self) -> str:
        return f"D{self.number:05d}"

    @property
    def email(self) -> str:
        return f"member{self.number:02d}@demo.example.org"


class Timeline:
    """Builds the steps of one certification life from a few facts, with today's grace days."""

    def __init__(self, today: datetime.date, grace_days: int):
        self.today = today
        self.grace = datetime.timedelta(days=grace_days)

    def paid_through_containing(self, anchor: datetime.date, day: datetime.date) -> datetime.date:
        return rules.fee_year_containing(anchor, day).end

    def pay(self, anchor: datetime.date, paid_through: datetime.date) -> list[Step]:
        """Each fee year after the covered one up to `paid_through`, paid online 10 days before it starts."""
        steps, year = [], rules.covered_fee_year(anchor).next()
        while year.end <= paid_through:
            paid_on = min(year.start - datetime.timedelta(days=10), self.today)
            steps.append(Step(paid_on, "pay", year.end))
            year = year.next()
        return steps

    def lapse_on(self, paid_through: datetime.date) -> datetime.date:
        return rules.next_unpaid_fee_year(paid_through).due_on + self.grace + ONE_DAY

    def daily_jobs(self, lapse_on: datetime.date) -> list[Step]:
        """The daily status job on the days an unpaid fee changes the status: lapse, +3 and +10 years."""
        days = [
            lapse_on,
            rules.add_years(lapse_on, rules.MUST_RECERTIFY_AFTER_YEARS),
            rules.add_years(lapse_on, rules.EXAM_REQUIRED_AFTER_YEARS),
        ]
        return [Step(day, "daily") for day in days if day <= self.today]

    def compliant_cycles(self, anchor: datetime.date, *, before: datetime.date | None = None) -> list[Step]:
        """CCP reports each cycle ending before `before` (default today) as compliant, the day it rolls."""
        if not rules.ccp_required(anchor, None):
            return []
        before = min(before or self.today, self.today)
        steps, number = [], 0
        while (cycle := rules.cycle(anchor, number)).end < before:
            steps.append(Step(cycle.end + ONE_DAY, "compliant", cycle.end))
            number += 1
        return steps

    # --- Recipes: one per situation. Notes are fixed words: the dates are printed from the database. ----

    def active_paid(self, code: str, certified_on: datetime.date, note: str = "fees paid") -> CertPlan:
        steps = self.pay(certified_on, self.paid_through_containing(certified_on, self.today))
        steps += self.compliant_cycles(certified_on)
        return CertPlan(code, certified_on, Status.ACTIVE, note, steps)

    def active_cycle_ending_soon(self, code: str, days_left: int) -> CertPlan:
        """Fees paid; the second CCP cycle ends in `days_left` days and is not yet compliant."""
        certified_on = rules.add_years(
            self.today + datetime.timedelta(days=days_left), -2 * rules.CYCLE_YEARS
        )
        return self.active_paid(
            code, certified_on, f"fees paid; CCP cycle ends in about {days_left} days, points still missing"
        )

    def active_fee_not_yet_due(self, code: str, years: int) -> CertPlan:
        """Anniversary month = this month: the fee year began on the 1st; its fee is unpaid, due month end."""
        certified_on = datetime.date(self.today.year - years, self.today.month, 10)
        paid_through = first_of_month(self.today) - ONE_DAY
        steps = self.pay(certified_on, paid_through) + self.compliant_cycles(certified_on)
        note = "fee year began, its fee unpaid but not yet due (end of month)"
        return CertPlan(code, certified_on, Status.ACTIVE, note, steps)

    def lapsed(self, code: str, *, unpaid_since: datetime.date, years: int, note: str) -> CertPlan:
        """Certified `years` before `unpaid_since`; fees paid until the fee year starting in its month."""
        certified_on = shift_months(unpaid_since, -12 * years, on_day=17)
        paid_through = first_of_month(unpaid_since) - ONE_DAY
        lapse_on = self.lapse_on(paid_through)
        leaves_cycles_on = rules.add_years(lapse_on, rules.MUST_RECERTIFY_AFTER_YEARS)
        steps = self.pay(certified_on, paid_through)
        steps += self.compliant_cycles(certified_on, before=leaves_cycles_on)
        steps += self.daily_jobs(lapse_on)
        expected = Status.LAPSED
        if self.today >= rules.add_years(lapse_on, rules.EXAM_REQUIRED_AFTER_YEARS):
            expected = Status.EXAM_REQUIRED
        elif self.today >= leaves_cycles_on:
            expected = Status.MUST_RECERTIFY
        return CertPlan(code, certified_on, expected, note, steps)

    def ccp_failed(self, code: str, *, failed_cycle: int, days_ago: int) -> CertPlan:
        """Cycle `failed_cycle` ended `days_ago` days ago without the points; fees paid until then."""
        certified_on = rules.add_years(
            self.today - datetime.timedelta(days=days_ago), -rules.CYCLE_YEARS * (failed_cycle + 1)
        )
        failed = rules.cycle(certified_on, failed_cycle)
        fail_on = failed.end + ONE_DAY
        steps = self.pay(certified_on, self.paid_through_containing(certified_on, fail_on))
        steps += self.compliant_cycles(certified_on, before=failed.end)
        steps.append(Step(fail_on, "ccp_fail", failed.end))
        ordinal = "first" if failed_cycle == 0 else "second" if failed_cycle == 1 else f"#{failed_cycle + 1}"
        note = f"the {ordinal} CCP cycle ended without the required points"
        return CertPlan(code, certified_on, Status.NONCOMPLIANT, note, steps)

    def audit_failed(self, code: str) -> CertPlan:
        """Rolled into a new cycle the calendar year before the January audit; failed on March 20."""
        year = self.today.year if datetime.date(self.today.year, 3, 27) <= self.today else self.today.year - 1
        failed_on = datetime.date(year, 3, 20)
        certified_on = datetime.date(year - 4, 3, 5)
        steps = self.pay(certified_on, self.paid_through_containing(certified_on, failed_on))
        steps += self.compliant_cycles(certified_on, before=failed_on)
        steps.append(Step(failed_on, "audit_fail", failed_on, "audit@demo.example.org"))
        note = "cycle rolled (attested), then the CCP audit failed"
        return CertPlan(code, certified_on, Status.NONCOMPLIANT, note, steps)

    def reinstated(self, code: str) -> CertPlan:
        """Lapsed about six years ago, Must recertify since, recertified by CCP 200 days ago."""
        plan = self.lapsed(code, unpaid_since=shift_months(self.today, -74), years=6, note="")
        reinstated_on = self.today - datetime.timedelta(days=200)
        plan.steps = [step for step in plan.steps if step.on < reinstated_on]
        plan.steps.append(Step(reinstated_on, "reinstate", reinstated_on, "recert@demo.example.org"))
        plan.steps += self.compliant_cycles(reinstated_on)
        plan.expected = Status.ACTIVE
        plan.note = "reinstated by recertification about 200 days ago (was Must recertify)"
        return plan

    def pre_2006_lapsed(self, code: str, year: int) -> CertPlan:
        """Certified before 2006, never reinstated: exempt from CCP, but the fee is unpaid since 8 months."""
        unpaid_since = shift_months(self.today, -8)
        certified_on = datetime.date(year, unpaid_since.month, 22)
        paid_through = first_of_month(unpaid_since) - ONE_DAY
        steps = self.pay(certified_on, paid_through) + self.daily_jobs(self.lapse_on(paid_through))
        note = "certified before 2006: CCP-exempt, still owes fees (unpaid about 8 months)"
        return CertPlan(code, certified_on, Status.LAPSED, note, steps)

    def leap_day(self, code: str) -> CertPlan:
        year = self.today.year - 4
        while not calendar.isleap(year):
            year -= 1
        return self.active_paid(
            code, datetime.date(year, 2, 29), "certified on Feb 29: anniversaries and cycles use Feb 28"
        )


# number: (first name, middle name, last name, phone, address or None)
PEOPLE = {
    1: ("Maria", "Elena", "Alvarez", "(614) 555-0101", ("412 Maple Avenue", "", "Columbus", "OH", "43215")),
    2: ("David", "", "Chen", "(207) 555-0102", ("88 Harbor View Drive", "Apt 3B", "Portland", "ME", "04101")),
    3: ("James", "", "Carter", "(312) 555-0103", ("1520 W Cermak Road", "", "Chicago", "IL", "60608")),
    4: ("Aisha", "", "Johnson", "(828) 555-0104", ("27 Cedar Lane", "", "Asheville", "NC", "28801")),
    5: ("Robert", "", "Nguyen", "(214) 555-0105", ("930 Elm Street", "Suite 210", "Dallas", "TX", "75202")),
    6: ("Linda", "", "Okafor", "(323) 555-0106", ("4411 Sunset Boulevard", "", "Los Angeles", "CA", "90027")),
    7: ("Kevin", "", "O'Brien", "(802) 555-0107", ("16 Orchard Road", "", "Burlington", "VT", "05401")),
    8: (
        "Patricia",
        "",
        "Kowalski",
        "(404) 555-0108",
        ("705 Peachtree St NE", "Unit 12", "Atlanta", "GA", "30308"),
    ),
    9: ("Harold", "", "Whitfield", "(608) 555-0109", ("3 Willow Court", "", "Madison", "WI", "53703")),
    10: ("Sofia", "", "Rossi", "(303) 555-0110", ("2250 Market Street", "", "Denver", "CO", "80205")),
    11: ("Olivia", "", "Bennett", "(912) 555-0111", ("61 Magnolia Drive", "", "Savannah", "GA", "31401")),
    12: (
        "Emily",
        "Jane",
        "Park",
        "(206) 555-0112",
        ("1200 Pine Street", "Apt 804", "Seattle", "WA", "98101"),
    ),
    13: ("Marcus", "", "Bell", "(402) 555-0113", ("540 Prairie Avenue", "", "Omaha", "NE", "68102")),
    14: ("Grace", "", "Thompson", "(617) 555-0114", ("77 Beacon Street", "", "Boston", "MA", "02108")),
    15: ("Tyrone", "", "Washington", "(313) 555-0115", None),
    # A street but no city or ZIP: not a usable mailing address.
    16: ("Mei", "", "Tanaka", "(808) 555-0116", ("Building 4, North Campus", "", "", "", "")),
    17: ("Carlos", "", "Mendoza", "(504) 555-0117", ("318 Canal Street", "", "New Orleans", "LA", "70130")),
    18: ("Dorothy", "", "Fischer", "(520) 555-0118", ("902 Desert Bloom Way", "", "Tucson", "AZ", "85701")),
    19: ("Nathan", "", "Brooks", "(218) 555-0119", ("145 Lakeshore Drive", "", "Duluth", "MN", "55802")),
    20: (
        "Hannah",
        "",
        "Schultz",
        "(904) 555-0120",
        ("60 Riverside Avenue", "", "Jacksonville", "FL", "32202"),
    ),
}


def demo_members(today: datetime.date, grace_days: int) -> list[MemberPlan]:
    """The demo members and the life of each certification, relative to `today`."""
    t = Timeline(today, grace_days)

    def ago(months: int, day: int = 14) -> datetime.date:
        return shift_months(today, -months, on_day=day)

    def lapsed_days_ago(code: str, days: int, note: str) -> CertPlan:
        return t.lapsed(code, unpaid_since=today - datetime.timedelta(days=days), years=5, note=note)

    certifications = {
        1: [t.active_paid("RMA", ago(12 * 9 + 5))],
        2: [t.active_paid("MT", ago(12 * 4 + 1, day=3), "fees paid; first CCP cycle rolled")],
        3: [t.lapsed("RMA", unpaid_since=ago(12), years=5, note="annual fee unpaid for about a year")],
        4: [t.active_fee_not_yet_due("RDA", years=4)],
        5: [t.ccp_failed("CMAS", failed_cycle=1, days_ago=150)],
        6: [t.audit_failed("MLT")],
        7: [t.lapsed("RPT", unpaid_since=ago(42), years=6, note="annual fees unpaid for about 3.5 years")],
        8: [t.lapsed("CMLA", unpaid_since=ago(134), years=4, note="not Active for about 11 years")],
        9: [t.active_paid("MT", datetime.date(1998, 9, 14), "certified 1998: CCP-exempt, fees paid")],
        10: [t.reinstated("RMA")],
        11: [t.leap_day("RDA")],
        12: [
            t.active_paid("RMA", ago(12 * 8 + 4, day=9)),
            lapsed_days_ago("RPT", 130, "annual fee unpaid for about four months"),
            t.ccp_failed("AHI", failed_cycle=0, days_ago=300),
        ],
        13: [
            t.active_paid("AHI", today - datetime.timedelta(days=100), "newly certified (fee year covered)")
        ],
        14: [t.active_paid("CLC", ago(12 * 12 + 7, day=21))],
        15: [lapsed_days_ago("RPT", 75, "annual fee unpaid for about two months")],
        16: [t.active_paid("MDT", ago(30, day=2))],
        17: [
            t.active_paid("MT", ago(12 * 7 + 2, day=11)),
            t.lapsed("MLT", unpaid_since=ago(50), years=3, note="annual fees unpaid for over 4 years"),
        ],
        18: [t.pre_2006_lapsed("CMAS", 2003)],
        19: [t.active_cycle_ending_soon("RMA", days_left=60)],
        20: [t.active_paid("CMLA", ago(20, day=25), "first annual fee paid")],
    }
    return [
        MemberPlan(
            number=number,
            first_name=first,
            middle_name=middle,
            last_name=last,
            phone=phone,
            address=address,
            certifications=certifications[number],
        )
        for number, (first, middle, last, phone, address) in PEOPLE.items()
    ]


class Command(BaseCommand):
    help = (
        "Create demo staff (one per role, with TOTP) and about twenty demo members whose certifications "
        "show every status. Idempotent: existing demo data is left as it is."
    )

    def handle(self, *args, **options):
        today = clock.today()
        self._staff_users: dict[str, User] = {}
        grace_days = CertificationPolicy.current().grace_days
        missing_groups = {role for *_, role in STAFF} - set(Group.objects.values_list("name", flat=True))
        if missing_groups:
            raise CommandError(f"Roles missing (run migrate first): {', '.join(sorted(missing_groups))}.")
        with transaction.atomic():
            staff_created = sum(self._ensure_staff(*row) for row in STAFF)
            plans = demo_members(today, grace_days)
            members_created = sum(self._ensure_member(plan, today) for plan in plans)
        if staff_created or members_created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data created: {members_created} member(s), {staff_created} staff user(s)."
                )
            )
        else:
            self.stdout.write("Demo data already present: nothing to create.")
        self._print_logins(plans)

    # --- Staff ------------------------------------------------------------------------------------------

    def _ensure_staff(self, email: str, first_name: str, last_name: str, role: str) -> bool:
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                is_staff=True,
                is_superuser=role == "Administrator",
            )
        if not user.groups.filter(name=role).exists():
            user.groups.add(Group.objects.get(name=role))
        if not EmailAddress.objects.filter(user=user, email__iexact=email).exists():
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, TOTP_SECRET)
        return created

    # --- Members ----------------------------------------------------------------------------------------

    def _ensure_member(self, plan: MemberPlan, today: datetime.date) -> bool:
        if Member.objects.filter(member_number=plan.member_number).exists():
            return False
        if User.objects.filter(email__iexact=plan.email).exists():
            raise CommandError(
                f"{plan.email} is in use by a login that is not demo member {plan.member_number}."
            )
        contact = {"phone": plan.phone}
        if plan.address:
            line1, line2, city, state, postal_code = plan.address
            contact.update(
                address_line1=line1, address_line2=line2, city=city, state=state, postal_code=postal_code
            )
        member = services.member_create(
            member_number=plan.member_number,
            email=plan.email,
            first_name=plan.first_name,
            middle_name=plan.middle_name,
            last_name=plan.last_name,
            invite=False,
            **contact,
        )
        services.member_accept_invitation(user=member.user, password=DEMO_PASSWORD)
        for cert_plan in plan.certifications:
            self._replay(member, cert_plan, today)
        return True

    def _replay(self, member: Member, plan: CertPlan, today: datetime.date) -> Certification:
        credential = Credential.objects.filter(code=plan.code).first()
        if credential is None:
            raise CommandError(f"Credential {plan.code} is missing (run migrate first).")
        certification = services.certification_create(
            member=member,
            credential=credential,
            certified_on=plan.certified_on,
            today=plan.certified_on,
            source=f"{SOURCE}: exam passed",
        )
        for step in sorted(plan.steps, key=lambda step: step.on):
            if not plan.certified_on <= step.on <= today:
                raise CommandError(f"Demo plan error: {step} is outside {plan.certified_on}..{today}.")
            actor = self._staff(step.actor) if step.actor else None
            if step.action == "pay":
                certification = services.certification_record_paid_through(
                    certification=certification,
                    paid_through=step.value,
                    today=step.on,
                    actor=actor,
                    source=f"{SOURCE}: payment",
                )
            elif step.action == "compliant":
                certification = services.certification_record_ccp_compliance(
                    certification=certification,
                    compliant_through=step.value,
                    today=step.on,
                    source=f"{SOURCE}: CCP cycle rolled",
                )
            elif step.action == "ccp_fail":
                certification = services.certification_record_ccp_failure(
                    certification=certification,
                    cycle_end=step.value,
                    today=step.on,
                    source=f"{SOURCE}: CCP cycle ended non-compliant",
                )
            elif step.action == "audit_fail":
                certification = services.certification_record_audit_failure(
                    certification=certification,
                    failed_on=step.value,
                    today=step.on,
                    actor=actor,
                    source=f"{SOURCE}: audit failed",
                )
            elif step.action == "reinstate":
                certification = services.certification_reinstate(
                    certification=certification,
                    reinstated_on=step.value,
                    actor=actor,
                    source=f"{SOURCE}: recertification approved",
                )
            elif step.action == "daily":
                certification = services.certification_refresh_status(
                    certification=certification, today=step.on, source=f"{SOURCE}: daily status job"
                )
            else:
                raise CommandError(f"Demo plan error: unknown step {step.action!r}.")
        certification = services.certification_refresh_status(
            certification=certification, today=today, source=f"{SOURCE}: daily status job"
        )
        if certification.status != plan.expected:
            self.stderr.write(
                self.style.WARNING(
                    f"{member.member_number} {plan.code}: expected {plan.expected.label}, "
                    f"got {certification.status_enum.label} ({certification.status_reason})"
                )
            )
        return certification

    def _staff(self, email: str) -> User:
        if email not in self._staff_users:
            self._staff_users[email] = User.objects.get(email=email)
        return self._staff_users[email]

    # --- Output -----------------------------------------------------------------------------------------

    def _print_logins(self, plans: list[MemberPlan]) -> None:
        write = self.stdout.write
        write("")
        write("=" * 100)
        write(f"Demo logins at {PORTAL_URL}   password for every login: {DEMO_PASSWORD}")
        write("=" * 100)
        write(f"Staff (two-factor required: TOTP secret {TOTP_SECRET}; a code comes from any")
        write(f"authenticator app given that secret, or from: oathtool --totp -b {TOTP_SECRET})")
        for email, _first, _last, role in STAFF:
            suffix = " (superuser)" if role == "Administrator" else ""
            write(f"  {email:<28} {role}{suffix}")
        write("")
        write("Members (no two-factor):")
        members = {
            member.member_number: member
            for member in Member.objects.filter(
                member_number__in=[plan.member_number for plan in plans]
            ).select_related("user")
        }
        for plan in plans:
            member = members.get(plan.member_number)
            if member is None:
                continue
            certifications = {
                c.credential.code: c for c in member.certifications.select_related("credential")
            }
            head = f"  {member.user.email:<28} {member.member_number}  {member.full_name}"
            if not member.has_mailing_address:
                head += "  [no usable mailing address]"
            write(head)
            for cert_plan in plan.certifications:
                certification = certifications.get(cert_plan.code)
                if certification is None:
                    continue
                write(f"      {cert_plan.code:<5} {self._status_text(certification):<42} {cert_plan.note}")
        write("=" * 100)

    @staticmethod
    def _status_text(certification: Certification) -> str:
        label = certification.status_enum.label
        if certification.status == Status.ACTIVE and certification.active_through:
            return f"{label} through {certification.active_through}"
        if certification.lapse_date:
            return f"{label} since {certification.lapse_date}"
        return label
