"""The shapes of the demo plan: who the demo people are and what happened to each certification, as plain
data relative to today (no database). The app modules of this package replay it through their services."""

import calendar
import datetime
from dataclasses import dataclass, field

from members.rules import Status

DEMO_PASSWORD = "demo-password-1"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
SOURCE = "seed_demo"

STAFF = [
    # e-mail, first name, last name, role (auth group)
    ("billing@demo.example.org", "Beatrice", "Billings", "Billing staff"),
    ("audit@demo.example.org", "Arthur", "Auditore", "Audit reviewer"),
    ("recert@demo.example.org", "Rachel", "Recerti", "Recertification processor"),
    ("admin@demo.example.org", "Adam", "Admin", "Administrator"),
]
BILLING_STAFF = next(email for email, *_, role in STAFF if role == "Billing staff")


# --- Dates relative to today ------------------------------------------------------------------------


def shift_months(day: datetime.date, months: int, *, on_day: int | None = None) -> datetime.date:
    """`day` moved by `months` (the day clamped to the month's length), optionally on another day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(on_day or day.day, calendar.monthrange(year, month)[1]))


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# --- The plan ---------------------------------------------------------------------------------------


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
    action: str  # a key of amtportal.demo.replay.STEPS: pay | claim | attest | roll | audit_fail | ...
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
