"""Demo data for `make run`: staff logins (one per role) and about twenty members covering every status
and every CCP cycle state, and an API client for the learning platform.

Idempotent: what exists is left alone (members by member number, staff by e-mail, the API client by key
id), so a second run creates nothing and prints the same logins. Certifications are made and moved only
through members.services and ccp.services, by replaying each one's life (payments, CE claims, attestations,
the daily cycle roll, audit decisions, the daily status job) on the dates it would have happened, relative
to today, so the status history and the CCP pages read like the real thing.
"""

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from ccp import selectors as ccp_selectors
from ccp import services as ccp_services
from ccp.models import Activity, ActivityCategory, ApiClient, Cycle
from ccp.services.cycles import CYCLE_STATUSES
from core import clock
from members import rules, services
from members.models import Certification, CertificationPolicy, Credential, Member, User
from members.rules import Status

PORTAL_URL = "http://127.0.0.1:8000"
DEMO_PASSWORD = "demo-password-1"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
SOURCE = "seed_demo"
ONE_DAY = rules.ONE_DAY
# The learning platform's demo credentials, so the completions API can be tried (never in production).
API_KEY_ID = "demo-learning-platform"
API_SECRET = "demo-learning-platform-secret-do-not-use-in-production"
# College courses the demo members take, in turn, to earn their points in the cycles before the current
# one: one claim per cycle keeps the replay short (3 semester credit hours = 45 points, enough for any).
COLLEGE_COURSES = [
    "Microbiology for allied health",
    "Medical law and ethics",
    "Pharmacology for allied health",
    "Human anatomy and physiology I",
    "Health-care management",
    "Clinical chemistry",
]
CLOSED_WORDS = {
    Cycle.State.COMPLIANT: "compliant",
    Cycle.State.NONCOMPLIANT: "not compliant",
    Cycle.State.INACTIVE: "ended (certification not active)",
}
STALE_CYCLES = (
    "Open CCP cycles of other certifications are behind today: run `manage.py run_daily_jobs` first (the "
    "demo replays the daily CCP jobs on past dates, which would close those cycles on the wrong day)."
)

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


def points(value: Decimal) -> str:
    """30.00 -> "30", 30.26 -> "30.26"."""
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class Claim:
    """A CE activity the member records on the step's date (dated activities: completed that day)."""

    category: str  # ActivityCategory.code
    title: str
    provider: str = ""
    quantity: str = ""  # in the category's unit; empty for periods
    quarter_hours: bool = False
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None  # None: ongoing
    online_id: str = ""  # set: posted by the body's learning platform, recorded automatically


@dataclass(frozen=True)
class Step:
    """One thing that happened to a certification, replayed through the services on its date."""

    on: datetime.date
    action: str  # pay | claim | attest | roll | audit_fail | reinstate | daily
    value: datetime.date | None = None
    actor: str = ""  # e-mail of the staff user who did it
    claim: Claim | None = None


@dataclass
class CertPlan:
    code: str
    certified_on: datetime.date
    expected: Status
    note: str
    steps: list[Step] = field(default_factory=list)
    ccp_note: str = ""  # what the CCP page shows, in fixed words (the numbers are printed from the database)


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

    # --- CCP: claims, attestations and the daily roll ------------------------------------------------

    @staticmethod
    def course(on: datetime.date, hours: int, title: str, provider: str = "", online_id: str = "") -> Step:
        claim = Claim("professional-education", title, provider, str(hours), online_id=online_id)
        return Step(on, "claim", claim=claim)

    @staticmethod
    def claim(on: datetime.date, category: str, title: str, quantity: str = "", **details) -> Step:
        return Step(on, "claim", claim=Claim(category, title, quantity=quantity, **details))

    def earned(self, cycle: rules.Cycle) -> list[Step]:
        """Enough points for any credential: a 3-credit college course in the cycle's second year."""
        title = COLLEGE_COURSES[cycle.number % len(COLLEGE_COURSES)]
        on = cycle.start + datetime.timedelta(days=500)
        return [self.claim(on, "formal-education", title, "3", provider="Community college")]

    def short(self, cycle: rules.Cycle) -> list[Step]:
        """Not enough: two short courses (10 points)."""
        return [
            self.course(cycle.start + datetime.timedelta(days=200), 6, "Infection control update"),
            self.course(cycle.start + datetime.timedelta(days=700), 4, "Patient communication skills"),
        ]

    def compliant_cycles(
        self,
        anchor: datetime.date,
        *,
        before: datetime.date | None = None,
        own: dict[int, list[Step]] | None = None,
    ) -> list[Step]:
        """Each cycle ending before `before` (default today) earns its points (or gets the steps `own` gives
        for its number) and rolls the day after it ends (the daily job)."""
        if not rules.ccp_required(anchor, None):
            return []
        before = min(before or self.today, self.today)
        steps, number = [], 0
        while (cycle := rules.cycle(anchor, number)).end < before:
            steps += (own or {}).get(number) or self.earned(cycle)
            steps.append(Step(cycle.end + ONE_DAY, "roll"))
            number += 1
        return steps

    def in_current_cycle(self, anchor: datetime.date, days_ago: int) -> datetime.date:
        """`days_ago` days before today, but not before the current cycle started."""
        current = rules.cycle_containing(anchor, self.today)
        assert current is not None
        return max(self.today - datetime.timedelta(days=days_ago), current.start)

    # --- Recipes: one per situation. Notes are fixed words: the dates are printed from the database. ----

    def active_paid(
        self,
        code: str,
        certified_on: datetime.date,
        note: str = "fees paid",
        own_cycles: dict[int, list[Step]] | None = None,
    ) -> CertPlan:
        steps = self.pay(certified_on, self.paid_through_containing(certified_on, self.today))
        steps += self.compliant_cycles(certified_on, own=own_cycles)
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
        steps += [*self.short(failed), Step(fail_on, "roll")]
        ordinal = "first" if failed_cycle == 0 else "second" if failed_cycle == 1 else f"#{failed_cycle + 1}"
        note = f"the {ordinal} CCP cycle ended without the required points"
        ccp_note = "the cycle closed not compliant (10 points); no cycle opens until recertification"
        return CertPlan(code, certified_on, Status.NONCOMPLIANT, note, steps, ccp_note)

    def audit_failed(self, code: str) -> CertPlan:
        """Rolled into a new cycle the calendar year before the January audit; failed on March 20."""
        year = self.today.year if datetime.date(self.today.year, 3, 27) <= self.today else self.today.year - 1
        failed_on = datetime.date(year, 3, 20)
        certified_on = datetime.date(year - 4, 3, 5)
        attested = Step(rules.cycle(certified_on, 0).end - datetime.timedelta(days=45), "attest")
        steps = self.pay(certified_on, self.paid_through_containing(certified_on, failed_on))
        steps += self.compliant_cycles(certified_on, before=failed_on, own={0: [attested]})
        steps.append(Step(failed_on, "audit_fail", failed_on, "audit@demo.example.org"))
        note = "cycle rolled (attested), then the CCP audit failed"
        ccp_note = "the attested first cycle closed compliant; the audit failed, so the next cycle ended"
        return CertPlan(code, certified_on, Status.NONCOMPLIANT, note, steps, ccp_note)

    def reinstated(self, code: str) -> CertPlan:
        """Lapsed about six years ago, Must recertify since, recertified by CCP 200 days ago."""
        plan = self.lapsed(code, unpaid_since=shift_months(self.today, -74), years=6, note="")
        reinstated_on = self.today - datetime.timedelta(days=200)
        plan.steps = [step for step in plan.steps if step.on < reinstated_on]
        plan.steps.append(Step(reinstated_on, "reinstate", reinstated_on, "recert@demo.example.org"))
        plan.steps += self.compliant_cycles(reinstated_on)
        plan.expected = Status.ACTIVE
        plan.note = "reinstated by recertification about 200 days ago (was Must recertify)"
        plan.ccp_note = "cycles of the old anchor date closed; a new first cycle from the reinstatement"
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
        plan = self.active_paid(
            code, datetime.date(year, 2, 29), "certified on Feb 29: anniversaries and cycles use Feb 28"
        )
        plan.ccp_note = "cycles start on Feb 28 in years without a Feb 29 (and end the day before)"
        return plan

    def employment_straddling(self, code: str) -> CertPlan:
        """Certified in 2019: employment counts in the first cycle up to 2020-12-31 only (the dated rule)."""
        certified_on = datetime.date(2019, 6, 10)
        first_cycle = [
            self.course(datetime.date(2020, 2, 20), 12, "Infection control update", "AMT Learning Center"),
            self.claim(
                datetime.date(2021, 3, 15),
                "employment",
                "Medical assistant",
                provider="Lakeside Family Clinic",
                period_start=datetime.date(2018, 9, 1),
            ),
            self.course(
                datetime.date(2021, 10, 5), 12, "Patient communication skills", "AMT Learning Center"
            ),
        ]
        plan = self.active_paid(code, certified_on, "certified 2019, fees paid", own_cycles={0: first_cycle})
        plan.ccp_note = (
            "first cycle closed compliant with ongoing employment counted Jun 10, 2019 to Dec 31, 2020 only "
            "(571 days = 6.26 points); in later cycles the same employment is refused by the dated rule"
        )
        return plan

    # --- The current cycle of an Active certification: what the member has recorded so far -------------

    def _now(self, plan: CertPlan, claims: list[tuple[int, Claim]], note: str) -> CertPlan:
        """Adds claims recorded `days ago` (not before the current cycle started) and the CCP note."""
        for days_ago, claim in claims:
            plan.steps.append(Step(self.in_current_cycle(plan.certified_on, days_ago), "claim", claim=claim))
        plan.ccp_note = note
        return plan

    def capped(self, plan: CertPlan) -> CertPlan:
        articles = [
            "Safe injection practices",
            "Front-desk triage",
            "Point-of-care glucose",
            "Vaccine storage",
        ]
        claims = [
            (120 - 25 * index, Claim("authorship", f"Article: {title}", "Medical Assistant Today", "1"))
            for index, title in enumerate(articles)
        ]
        claims.append((20, Claim("professional-education", "Medication administration update", quantity="8")))
        return self._now(plan, claims, "authorship capped: 4 articles = 20 points, 15 count; on track")

    def compliant_by_points(self, plan: CertPlan) -> CertPlan:
        claims = [
            (300, Claim("formal-education", "Anatomy and physiology II", "Columbus State", "2")),
            (200, Claim("instructional-presentation", "Lab safety in-service for new hires", quantity="5")),
            (
                90,
                Claim(
                    "professional-education",
                    "Molecular diagnostics essentials",
                    "AMT online CE",
                    "6",
                    online_id="AMT-CE-MDX101",
                ),
            ),
        ]
        note = "current cycle already compliant by points (college course, presentation, online CE)"
        return self._now(plan, claims, note)

    def attested(self, plan: CertPlan) -> CertPlan:
        claims = [(200, Claim("professional-education", "Quality control in the clinical lab", quantity="5"))]
        plan = self._now(plan, claims, "current cycle compliant by attestation (signed, subject to audit)")
        plan.steps.append(Step(self.in_current_cycle(plan.certified_on, 30), "attest"))
        return plan

    def short_of_points(self, plan: CertPlan) -> CertPlan:
        claims = [
            (700, Claim("professional-education", "Infection control update", quantity="8")),
            (400, Claim("professional-education", "HIPAA privacy refresher", quantity="6")),
            (100, Claim("professional-education", "Webinar: patient identification", quantity="4")),
        ]
        return self._now(
            plan, claims, "short of points with about 60 days left: the page says how many are still missing"
        )

    def on_track(self, plan: CertPlan) -> CertPlan:
        claims = [
            (
                200,
                Claim(
                    "professional-education",
                    "Point-of-care testing basics",
                    "AMT online CE",
                    "3",
                    online_id="AMT-CE-POC110",
                ),
            ),
            (
                150,
                Claim(
                    "formal-education", "Medical terminology", "Community college", "1", quarter_hours=True
                ),
            ),
            (40, Claim("professional-education", "Webinar: specimen labeling errors", quantity="2")),
        ]
        note = "on track: some points, the cycle ends in more than a year; 1 quarter credit hour = 10 points"
        return self._now(plan, claims, note)


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
    21: (
        "Rosa",
        "",
        "Delgado",
        "(505) 555-0121",
        ("1800 Central Avenue SE", "", "Albuquerque", "NM", "87106"),
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
        1: [t.capped(t.active_paid("RMA", ago(12 * 9 + 5)))],
        2: [
            t.compliant_by_points(
                t.active_paid("MT", ago(12 * 4 + 1, day=3), "fees paid; first CCP cycle rolled")
            )
        ],
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
            t.attested(t.active_paid("MT", ago(12 * 7 + 2, day=11))),
            t.lapsed("MLT", unpaid_since=ago(50), years=3, note="annual fees unpaid for over 4 years"),
        ],
        18: [t.pre_2006_lapsed("CMAS", 2003)],
        19: [t.short_of_points(t.active_cycle_ending_soon("RMA", days_left=60))],
        20: [t.on_track(t.active_paid("CMLA", ago(20, day=25), "first annual fee paid"))],
        21: [t.employment_straddling("RMA")],
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
        "Create demo staff (one per role, with TOTP), about twenty demo members whose certifications show "
        "every status and CCP cycle state, and a learning-platform API client. Idempotent: existing demo "
        "data is left as it is."
    )

    def handle(self, *args, **options):
        today = clock.today()
        self._staff_users: dict[str, User] = {}
        self._categories: dict[str, ActivityCategory] = {}
        grace_days = CertificationPolicy.current().grace_days
        missing_groups = {role for *_, role in STAFF} - set(Group.objects.values_list("name", flat=True))
        if missing_groups:
            raise CommandError(f"Roles missing (run migrate first): {', '.join(sorted(missing_groups))}.")
        with transaction.atomic():
            staff_created = sum(self._ensure_staff(*row) for row in STAFF)
            plans = demo_members(today, grace_days)
            members_created = sum(self._ensure_member(plan, today) for plan in plans)
            api_created = self._ensure_api_client()
        self._seed_billing(today)
        if staff_created or members_created or api_created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data created: {members_created} member(s), {staff_created} staff user(s), "
                    f"{int(api_created)} API client(s)."
                )
            )
        else:
            self.stdout.write("Demo data already present: nothing to create.")
        self._print_logins(plans, today)

    def _seed_billing(self, today: datetime.date) -> None:
        """Invoices in every state and today's letters (billing/demo.py; billing comes after members)."""
        from billing.demo import seed_billing

        billing_staff = next(email for email, *_, role in STAFF if role == "Billing staff")
        seed_billing(today=today, staff=self._staff(billing_staff))

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

    @staticmethod
    def _ensure_api_client() -> bool:
        _, created = ApiClient.objects.get_or_create(
            key_id=API_KEY_ID, defaults={"name": "Demo learning platform", "secret": API_SECRET}
        )
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
        ccp_services.cycle_open_current(certification=certification, today=plan.certified_on)
        for step in sorted(plan.steps, key=lambda step: step.on):
            if not plan.certified_on <= step.on <= today:
                raise CommandError(f"Demo plan error: {step} is outside {plan.certified_on}..{today}.")
            handler = getattr(self, f"_do_{step.action}", None)
            if handler is None:
                raise CommandError(f"Demo plan error: unknown step {step.action!r}.")
            try:
                changed = handler(member, certification, step)
            except ValidationError as error:
                raise CommandError(
                    f"Demo plan error: {plan.code} of {member}, {step}: {error.messages}"
                ) from None
            # CCP services report to the members app themselves: the certification is read again.
            certification = self._after(changed or Certification.objects.get(pk=certification.pk), step.on)
        certification = services.certification_refresh_status(
            certification=certification, today=today, source=f"{SOURCE}: daily status job"
        )
        certification = self._after(certification, today)
        if certification.status != plan.expected:
            self.stderr.write(
                self.style.WARNING(
                    f"{member.member_number} {plan.code}: expected {plan.expected.label}, "
                    f"got {certification.status_enum.label} ({certification.status_reason})"
                )
            )
        return certification

    def _after(self, certification: Certification, day: datetime.date) -> Certification:
        """The daily job's part that follows a status change: a certification no longer Active or Lapsed
        loses its open cycle ("ended: certification not active")."""
        if certification.status in CYCLE_STATUSES or not self._open_cycles(certification).exists():
            return certification
        others = Cycle.objects.filter(state=Cycle.State.OPEN).exclude(
            certification__status__in=CYCLE_STATUSES
        )
        if others.exclude(certification=certification).exists():
            raise CommandError(STALE_CYCLES)
        ccp_services.cycles_close_inactive(today=day)
        return certification

    @staticmethod
    def _open_cycles(certification: Certification):
        return Cycle.objects.filter(certification=certification, state=Cycle.State.OPEN)

    # --- Step handlers: a service call on the step's date; members services return the certification ----

    def _do_pay(self, member: Member, certification: Certification, step: Step) -> Certification:
        return services.certification_record_paid_through(
            certification=certification,
            paid_through=step.value,
            today=step.on,
            actor=self._staff(step.actor) if step.actor else None,
            source=f"{SOURCE}: payment",
        )

    def _do_claim(self, member: Member, certification: Certification, step: Step) -> None:
        claim = step.claim
        category = self._category(claim.category)
        online = bool(claim.online_id)
        unit = Activity.QuantityUnit.QUARTER if claim.quarter_hours else Activity.QuantityUnit.UNIT
        ccp_services.activity_record(
            certification=certification,
            today=step.on,
            recorded_by=None if online else member.user,
            source=Activity.Source.ONLINE if online else Activity.Source.MEMBER,
            external_id=claim.online_id,
            category=category,
            title=claim.title,
            provider=claim.provider,
            completed_on=None if category.is_period else step.on,
            period_start=claim.period_start,
            period_end=claim.period_end,
            quantity=Decimal(claim.quantity) if claim.quantity else None,
            quantity_unit=unit,
            helps_job=True,
            advances_knowledge=True,
        )

    def _do_attest(self, member: Member, certification: Certification, step: Step) -> None:
        cycle = ccp_services.cycle_open_current(certification=certification, today=step.on)
        if cycle is None:
            raise CommandError(f"Demo plan error: {certification} has no open cycle to attest on {step.on}.")
        ccp_services.cycle_attest(cycle=cycle, signed_name=member.full_name, today=step.on, user=member.user)

    def _do_roll(self, member: Member, certification: Certification, step: Step) -> None:
        """The daily roll on the day after the cycle ended; it would also roll any other certification's
        ended cycle, so there must be none (the replay keeps every other certification up to date)."""
        others = Cycle.objects.filter(state=Cycle.State.OPEN, end_on__lt=step.on)
        if others.exclude(certification=certification).exists():
            raise CommandError(STALE_CYCLES)
        ccp_services.cycles_roll(today=step.on)

    def _do_audit_fail(self, member: Member, certification: Certification, step: Step) -> Certification:
        return services.certification_record_audit_failure(
            certification=certification,
            failed_on=step.value,
            today=step.on,
            actor=self._staff(step.actor) if step.actor else None,
            source=f"{SOURCE}: audit failed",
        )

    def _do_reinstate(self, member: Member, certification: Certification, step: Step) -> Certification:
        certification = services.certification_reinstate(
            certification=certification,
            reinstated_on=step.value,
            actor=self._staff(step.actor) if step.actor else None,
            source=f"{SOURCE}: recertification approved",
        )
        ccp_services.cycle_open_current(certification=certification, today=step.value)
        return certification

    def _do_daily(self, member: Member, certification: Certification, step: Step) -> Certification:
        return services.certification_refresh_status(
            certification=certification, today=step.on, source=f"{SOURCE}: daily status job"
        )

    def _category(self, code: str) -> ActivityCategory:
        if not self._categories:
            self._categories = {category.code: category for category in ActivityCategory.objects.all()}
        if code not in self._categories:
            raise CommandError(f"Activity category {code} is missing (run migrate first).")
        return self._categories[code]

    def _staff(self, email: str) -> User:
        if email not in self._staff_users:
            self._staff_users[email] = User.objects.get(email=email)
        return self._staff_users[email]

    # --- Output -----------------------------------------------------------------------------------------

    def _print_logins(self, plans: list[MemberPlan], today: datetime.date) -> None:
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
                write(f"            CCP page: {self._ccp_text(certification, today)}")
                if cert_plan.ccp_note:
                    write(f"                      {cert_plan.ccp_note}")
        write("")
        from billing.demo import summary

        write("Billing (invoices other than void):")
        for line in summary(today):
            write(f"  {line}")
        write("  Pay a fee by test card: sign in as member04@demo.example.org, Invoices, Pay.")
        write("  Today's letter batch: sign in as the billing staff user, Mail batches.")
        write("")
        write(f"Learning-platform API: POST {PORTAL_URL}{reverse('ccp:api_completions')}")
        write(f"  key id {API_KEY_ID}   secret {self._api_secret()}")
        write("=" * 100)

    @staticmethod
    def _api_secret() -> str:
        client = ApiClient.objects.filter(key_id=API_KEY_ID).first()
        if client is None or client.secret != API_SECRET:
            return "(changed in the admin since the demo was seeded)"
        return API_SECRET

    @staticmethod
    def _ccp_text(certification: Certification, today: datetime.date) -> str:
        """The CCP page in one line: the open cycle's live points, then what the closed cycles ended as."""
        if not certification.ccp_required:
            return "exempt from CCP (certified before 2006, never reinstated)"
        cycles = list(
            Cycle.objects.filter(certification=certification)
            .select_related("attestation", "certification__credential")
            .order_by("start_on")
        )
        parts = []
        current = next((cycle for cycle in cycles if cycle.is_open), None)
        if current is None:
            parts.append("no open cycle")
        else:
            result, _ = ccp_selectors.cycle_compliance(current, today=today)
            text = f"open cycle {current.start_on}..{current.end_on}, {points(result.counted)} of "
            text += f"{points(result.required)} points"
            if hasattr(current, "attestation"):
                text += ", attested"
            parts.append(text)
        closed = [cycle for cycle in cycles if not cycle.is_open]
        if closed:
            counts = {state: sum(cycle.state == state for cycle in closed) for state in CLOSED_WORDS}
            parts.append(
                "closed: " + ", ".join(f"{n} {CLOSED_WORDS[state]}" for state, n in counts.items() if n)
            )
            latest = closed[-1]
            parts.append(
                f"latest closed {latest.start_on}..{latest.end_on} with {points(latest.counted_points)} of "
                f"{points(latest.required_points)}{' (attested)' if hasattr(latest, 'attestation') else ''}"
            )
        return "; ".join(parts)

    @staticmethod
    def _status_text(certification: Certification) -> str:
        label = certification.status_enum.label
        if certification.status == Status.ACTIVE and certification.active_through:
            return f"{label} through {certification.active_through}"
        if certification.lapse_date:
            return f"{label} since {certification.lapse_date}"
        return label
