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
AUDIT_REVIEWER = next(email for email, *_, role in STAFF if role == "Audit reviewer")
RECERT_PROCESSOR = next(email for email, *_, role in STAFF if role == "Recertification processor")


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
    completed_on: datetime.date | None = None  # set: done before the step (listed during an audit)


@dataclass(frozen=True)
class AuditAct:
    """What the member or the reviewer does in the certification's audit on the step's date."""

    # Member, "audit_proof": one document per activity still missing proof, in the audit's order (a kind of
    # amtportal.demo.documents.KINDS); None: the usual proof for every one.
    documents: tuple[str, ...] | None = None
    # Reviewer, "audit_review": (accept | refuse | more, message to the member) per activity with proof
    # waiting for a decision, in the audit's order; then the audit is sent back (any "more") or finalized.
    decisions: tuple[tuple[str, str], ...] = ()
    days: int = 0  # member, "audit_extension": the days asked
    reason: str = ""  # member, "audit_extension": why


@dataclass(frozen=True)
class RecertAct:
    """What the member or the processor does in the certification's recertification application on the
    step's date (the application is the certification's latest)."""

    route: str = ""  # member, "recert_start": ccp | exam
    # Member, "recert_answer": the felony question (None: no; else date, nature, court or authority, outcome).
    felony: tuple[datetime.date, str, str, str] | None = None
    # Member, "recert_exam_answers": the eligibility answers (the RMA assistant's, or the credential's
    # question: meets_requirement, details).
    answers: tuple[tuple[str, object], ...] = ()
    # Member, "proof": the kind of document (amtportal.demo.documents.KINDS) for an activity, by title;
    # the others get the usual proof.
    documents: tuple[tuple[str, str], ...] = ()
    # Processor, "recert_review": claim, then approve | more | refuse (nothing more when empty), with the
    # reason the member reads.
    decision: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Step:
    """One thing that happened to a certification, replayed through the services on its date."""

    on: datetime.date
    action: (
        str  # a key of amtportal.demo.replay.STEPS: pay | claim | roll | audit_submit | recert_start | ...
    )
    value: datetime.date | None = None
    actor: str = ""  # e-mail of the staff user who did it
    claim: Claim | None = None
    audit: AuditAct | None = None
    recert: RecertAct | None = None


@dataclass
class CertPlan:
    code: str
    certified_on: datetime.date
    expected: Status
    note: str
    steps: list[Step] = field(default_factory=list)
    ccp_note: str = ""  # what the CCP page shows, in fixed words (the numbers are printed from the database)
    selected_in: int | None = None  # the year of the audit campaign that selects it (CampaignPlan.year)


@dataclass(frozen=True)
class CampaignPlan:
    """An audit campaign a reviewer starts on `started_on`: it selects exactly the certifications whose plan
    says `selected_in` its year (the demo picks the seed that does)."""

    year: int
    started_on: datetime.date
    actor: str = AUDIT_REVIEWER


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
