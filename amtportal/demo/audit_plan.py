"""The demo's CCP audits, as plain data relative to today: two campaigns, the certifications they select
and what their members and the reviewer did, step by step.

Why two campaigns, and why the latest one started 40 days ago rather than in January: every audit of a
campaign gets the same deadline, 60 days after selection (data), moved only by one extension of at most 30
days or by a request for more (14 days from the request). So no single campaign can show an audit still
waiting on the member's first answer (deadline ahead) and one failed for want of an answer (deadline passed),
and in most of the year a January campaign has no deadline ahead at all. Hence:

- the previous campaign, started in January of last year for the year before: the member it selected never
  answered, and the daily job failed the audit on the day after the deadline;
- the latest campaign, for the year before it started, started by the reviewer 40 days ago (in January when
  the demo is seeded between mid-February and mid-March; otherwise late): its audits are in every other
  state, the deadline 20 days ahead.
"""

import datetime

from amtportal.demo.plan import AUDIT_REVIEWER, AuditAct, CampaignPlan, CertPlan, Claim, Step
from amtportal.demo.timeline import Timeline
from members import rules
from members.rules import Status

LATEST_STARTED_DAYS_AGO = 40
PREVIOUS_STARTED_IN_JANUARY_ON = 12
DEADLINE_DAYS = 60  # the audit policy's default (data): the plan's dates assume it


def campaigns_started(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days the previous and the latest campaign started."""
    latest = today - datetime.timedelta(days=LATEST_STARTED_DAYS_AGO)
    return datetime.date(latest.year - 1, 1, PREVIOUS_STARTED_IN_JANUARY_ON), latest


def demo_campaigns(today: datetime.date) -> list[CampaignPlan]:
    """Each campaign is for the calendar year before the one it starts in."""
    return [CampaignPlan(day.year - 1, day) for day in campaigns_started(today)]


def _course(title: str, hours: str, provider: str = "", online_id: str = "") -> Claim:
    return Claim("professional-education", title, provider, hours, online_id=online_id)


REFUSED_SPA = (
    "A spa course on aromatherapy meets none of the qualifying criteria: it does not help a health-care "
    "job, advance knowledge in the health-care field or prepare for a health-care program of study."
)
MORE_HOURS = (
    "The certificate does not show the contact hours: upload one that does, or a letter from the provider."
)
MORE_RECEIPT = "This is a registration receipt, not a certificate of completion: upload the certificate."
EXTENSION_REASON = (
    "I am on medical leave until mid-December, and my college sends transcripts by mail only, on request."
)


class AuditRecipes:
    """The certifications the demo's campaigns select, one recipe per audit state. Each is certified three
    years before its campaign's year, so its first cycle closes compliant and rolls in that year."""

    def __init__(self, t: Timeline):
        self.t = t
        self.previous, self.latest = campaigns_started(t.today)

    def on(self, days: int) -> datetime.date:
        """`days` after the latest campaign started (at most 40: today)."""
        return self.latest + datetime.timedelta(days=days)

    def _audited(
        self,
        code: str,
        born: tuple[int, int],
        claims: list[Claim],
        audit: list[Step],
        note: str,
        *,
        attest: bool = False,
        expected: Status = Status.ACTIVE,
    ) -> CertPlan:
        year = self.latest.year - 1
        certified_on = datetime.date(year - rules.CYCLE_YEARS, *born)
        first = rules.cycle(certified_on, 0)
        own = [
            Step(first.start + datetime.timedelta(days=300 + 250 * i), "claim", claim=c)
            for i, c in enumerate(claims)
        ]
        if attest:
            own.append(Step(first.end - datetime.timedelta(days=45), "attest"))
        failed_on = audit[-1].on if expected == Status.NONCOMPLIANT else self.t.today  # the failing decision
        steps = self.t.pay(certified_on, self.t.paid_through_containing(certified_on, failed_on))
        steps += self.t.compliant_cycles(certified_on, own={0: own}) + audit
        plan = CertPlan(code, certified_on, expected, f"{year} audit: {note}", steps, selected_in=year)
        plan.ccp_note = "the first cycle rolled compliant " + ("by attestation" if attest else "by points")
        plan.ccp_note += f" in {year}; it is the audited cycle"
        return plan

    def _member(self, after: int, action: str, **act) -> Step:
        return Step(self.on(after), action, audit=AuditAct(**act) if act else None)

    def _reviewer(self, after: int, *decisions: tuple[str, str]) -> Step:
        return Step(self.on(after), "audit_review", actor=AUDIT_REVIEWER, audit=AuditAct(decisions=decisions))

    # --- The latest campaign: one recipe per state ------------------------------------------------------

    def passed_by_verified_ce(self) -> CertPlan:
        claims = [
            _course("Infection prevention essentials", "12", "AMT online CE", "AMT-CE-IPE201"),
            _course("Electronic health records: documentation", "10", "AMT online CE", "AMT-CE-EHR150"),
            _course("Phlebotomy safety", "10", "AMT online CE", "AMT-CE-PHS105"),
        ]
        return self._audited(
            "RMA", (2, 3), claims, [], "passed at selection: its online CE alone counts 32 of 30"
        )

    def passed_by_reviewer(self) -> CertPlan:
        claims = [
            Claim("formal-education", "Medical office management", "Riverside Community College", "1"),
            _course("ICD-10-CM coding update", "8", "Coding Academy"),
            Claim("instructional-presentation", "Front-desk onboarding for new hires", quantity="4"),
        ]
        audit = [
            self._member(5, "audit_proof", documents=("certificate", "scan", "certificate")),
            self._member(5, "audit_submit"),
            self._reviewer(18, ("accept", ""), ("accept", ""), ("accept", "")),
        ]
        return self._audited(
            "CMAS", (3, 18), claims, audit, "proof sent, the reviewer accepted it all: passed"
        )

    def failed_by_decision(self) -> CertPlan:
        claims = [
            _course("Phlebotomy refresher", "12", "County Hospital"),
            _course("Aromatherapy for relaxation", "10", "Serenity Day Spa"),
            _course("CPR and first aid", "8", "American Red Cross"),
        ]
        audit = [
            self._member(7, "audit_proof"),
            self._member(7, "audit_submit"),
            self._reviewer(24, ("accept", ""), ("refuse", REFUSED_SPA), ("accept", "")),
        ]
        note = "the reviewer refused a spa course: 20 of 30 points, failed (Non-compliant)"
        return self._audited("RMA", (4, 7), claims, audit, note, expected=Status.NONCOMPLIANT)

    def waiting_on_review(self) -> CertPlan:
        claims = [
            Claim("formal-education", "Clinical microbiology", "State University", "2"),
            _course("Blood bank update", "10", "Regional Blood Center"),
            _course("Laboratory safety", "6", "AMT Learning Center"),
        ]
        audit = [self._member(33, "audit_proof"), self._member(37, "audit_submit")]
        return self._audited("MT", (5, 12), claims, audit, "proof sent 3 days ago: waiting on review")

    def answered_more(self) -> CertPlan:
        claims = [
            _course("Dental radiography update", "12", "Dental Assisting Academy"),
            _course("Infection control in the dental office", "10", "Dental Assisting Academy"),
            _course("Ethics webinar for dental assistants", "8", "State Dental Association"),
        ]
        audit = [
            self._member(8, "audit_proof", documents=("certificate", "certificate", "no-hours")),
            self._member(8, "audit_submit"),
            self._reviewer(20, ("accept", ""), ("accept", ""), ("more", MORE_HOURS)),
            self._member(26, "audit_proof"),
            self._member(26, "audit_submit"),
        ]
        note = "the reviewer asked for more, the member answered: waiting on review again"
        return self._audited("RDA", (6, 9), claims, audit, note)

    def more_requested(self) -> CertPlan:
        claims = [
            _course("Venipuncture techniques", "12", "Phlebotomy Training Center"),
            _course("Specimen handling and transport", "12", "Phlebotomy Training Center"),
        ]
        audit = [
            self._member(10, "audit_proof", documents=("certificate", "receipt")),
            self._member(10, "audit_submit"),
            self._reviewer(36, ("accept", ""), ("more", MORE_RECEIPT)),
        ]
        return self._audited("RPT", (7, 21), claims, audit, "the reviewer asked for more 4 days ago")

    def extension_asked(self) -> CertPlan:
        claims = [
            _course("Medical terminology refresher", "10", "AMT Learning Center"),
            _course("Patient privacy (HIPAA) update", "10", "County Hospital"),
            Claim("formal-education", "Pharmacology for medical assistants", "Lakeview College", "1"),
        ]
        audit = [
            self._member(15, "audit_proof", documents=("certificate",)),
            self._member(34, "audit_extension", days=21, reason=EXTENSION_REASON),
        ]
        return self._audited("RMA", (8, 4), claims, audit, "1 of 3 proofs sent; asked for an extension")

    def waiting_on_member(self) -> CertPlan:
        """Attested: lists the activities behind the attestation during the audit (one so far)."""
        year = self.latest.year - 1
        first = rules.cycle(datetime.date(year - rules.CYCLE_YEARS, 9, 15), 0)
        listed = Claim(
            "professional-education",
            "Clinical chemistry review",
            "AMT Learning Center",
            "12",
            completed_on=first.start + datetime.timedelta(days=600),
        )
        audit = [Step(self.on(20), "audit_list", claim=listed)]
        note = "attested; listing the activities behind the attestation (1 so far)"
        return self._audited("CMLA", (9, 15), [], audit, note, attest=True)

    # --- The previous campaign ------------------------------------------------------------------------

    def unanswered(self, code: str) -> CertPlan:
        """Rolled (attested) in the previous campaign's year; the member never answered the audit, and the
        daily job failed it on the day after the deadline."""
        year = self.previous.year - 1
        failed_on = self.previous + datetime.timedelta(days=DEADLINE_DAYS + 1)
        certified_on = datetime.date(year - rules.CYCLE_YEARS, 3, 5)
        attested = Step(rules.cycle(certified_on, 0).end - datetime.timedelta(days=45), "attest")
        steps = self.t.pay(certified_on, self.t.paid_through_containing(certified_on, failed_on))
        steps += self.t.compliant_cycles(certified_on, before=failed_on, own={0: [attested]})
        note = f"cycle rolled (attested); the {year} audit got no answer and failed after its deadline"
        ccp_note = "the attested first cycle closed compliant (audit failed); the next cycle ended with it"
        return CertPlan(code, certified_on, Status.NONCOMPLIANT, note, steps, ccp_note, selected_in=year)

    def by_member_number(self) -> dict[int, list[CertPlan]]:
        """The demo members whose certification the latest campaign selected."""
        return {
            22: [self.passed_by_verified_ce()],
            23: [self.passed_by_reviewer()],
            24: [self.failed_by_decision()],
            25: [self.waiting_on_review()],
            26: [self.answered_more()],
            27: [self.more_requested()],
            28: [self.extension_asked()],
            29: [self.waiting_on_member()],
        }
