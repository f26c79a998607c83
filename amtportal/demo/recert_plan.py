"""The demo's recertification applications, as plain data relative to today: one certification per state of
an application, each the life of a certification that left Active (a CCP cycle ended short, or fees unpaid
for 3 or 10 years) and then what its member and the processor did, step by step:

- a draft by CCP points (some activities recorded, one with its proof; not signed yet);
- submitted and waiting on review, by CCP points and by exam (the processor's queue);
- more asked (a certificate without its contact hours), waiting on the member;
- authorized to test (by exam, an authorization number valid 90 days);
- reinstated last month (approved by CCP: Active again from the approval, the new anchor date; the old
  open annual invoice voided "reinstated");
- refused (a felony conviction declared);
- and an RMA lapsed past the 10-year gate with no application yet: by exam only, after the public RMA
  eligibility assistant.

The fee is paid by a check that billing staff record (the demo needs no card processor); the application is
submitted that day, as the task billing queues on payment does.
"""

import datetime

from amtportal.demo.plan import (
    RECERT_PROCESSOR,
    CertPlan,
    Claim,
    RecertAct,
    Step,
    first_of_month,
    shift_months,
)
from amtportal.demo.timeline import Timeline
from members import rules
from members.rules import Status

WINDOW_YEARS = 3  # the default rules' window (data): where the plan's activities are dated

MORE_HOURS = (
    "The certificate for “Ethics webinar for dental assistants” does not show the contact hours: upload one "
    "that does, or a letter from the provider."
)
REFUSED_FELONY = (
    "A felony conviction for health-care fraud within the last five years bars recertification under the "
    "body's standards of conduct. You may write to the certification board to ask for a review."
)
FELONY = (
    "Felony conviction: health-care fraud (billing for blood draws that were not performed)",
    "Court of Common Pleas, Franklin County, Ohio",
    "Convicted; two years' probation and restitution",
)
# The RMA eligibility assistant's answers: a program graduate of long ago, employed since.
RMA_EDUCATION_ANSWERS = (
    ("program_graduated_on", datetime.date(2011, 5, 20)),
    ("program_accredited", True),
    ("program_clock_hours", 760),
    ("externship_hours", 180),
    ("months_employed_recent", 48),
    ("months_employed_experience", 70),
)
MT_ANSWERS = (
    ("meets_requirement", True),
    (
        "details",
        "BS in clinical laboratory science (2009); medical technologist at Mercy Hospital since 2018",
    ),
)


def _course(title: str, hours: str, provider: str, done_on: datetime.date) -> Claim:
    return Claim("professional-education", title, provider, hours, completed_on=done_on)


class RecertRecipes:
    """One recipe per application state, each on a certification that left Active."""

    def __init__(self, t: Timeline):
        self.t = t

    def ago(self, days: int) -> datetime.date:
        return self.t.today - datetime.timedelta(days=days)

    # --- What the member and the processor do ---------------------------------------------------------

    @staticmethod
    def _window_start(day: datetime.date) -> datetime.date:
        return rules.add_years(day, -WINDOW_YEARS) + rules.ONE_DAY

    def _ccp_draft(self, started: datetime.date, claims: list[Claim], **act) -> list[Step]:
        """Started by CCP points, the activities recorded, and proof for every activity of the window."""
        steps = [Step(started, "recert_start", recert=RecertAct(route="ccp"))]
        steps += [Step(started, "recert_activity", claim=claim) for claim in claims]
        window_start = self._window_start(started)
        steps.append(Step(started, "proof", window_start, recert=RecertAct(**act)))
        return steps

    @staticmethod
    def _sent(on: datetime.date, paid_on: datetime.date) -> list[Step]:
        """Checked out on `on` (the application date: the rules and the window are that day's), the fee paid
        by check on `paid_on`, and then submitted (the paid-fee task)."""
        return [
            Step(on, "recert_checkout"),
            Step(paid_on, "recert_fee_paid"),
            Step(paid_on, "recert_submit"),
        ]

    @staticmethod
    def _answered(on: datetime.date, felony: tuple | None = None) -> list[Step]:
        return [Step(on, "recert_felony", recert=RecertAct(felony=felony)), Step(on, "recert_sign")]

    @staticmethod
    def _exam(started: datetime.date, answers: tuple) -> list[Step]:
        return [
            Step(started, "recert_start", recert=RecertAct(route="exam")),
            Step(started, "recert_exam_answers", recert=RecertAct(answers=answers)),
        ]

    @staticmethod
    def _review(on: datetime.date, decision: str, reason: str = "") -> Step:
        return Step(
            on, "recert_review", actor=RECERT_PROCESSOR, recert=RecertAct(decision=decision, reason=reason)
        )

    @staticmethod
    def _noted(plan: CertPlan, note: str, steps: list[Step]) -> CertPlan:
        plan.steps += steps
        plan.note = note
        return plan

    # --- The recipes ------------------------------------------------------------------------------------

    def draft(self) -> CertPlan:
        """Non-compliant (CCP) since its first cycle ended short; the member started by CCP a week ago."""
        plan = self.t.ccp_failed("RMA", failed_cycle=0, days_ago=120)
        started = self.ago(8)
        claims = [
            _course(
                "Phlebotomy skills refresher", "12", "County Hospital", started - datetime.timedelta(200)
            ),
            _course("CPR and first aid (BLS)", "4", "American Red Cross", started - datetime.timedelta(90)),
        ]
        steps = self._ccp_draft(started, claims[:1]) + [
            Step(started, "recert_activity", claim=claims[1]),
            Step(started + datetime.timedelta(days=2), "recert_felony", recert=RecertAct()),
        ]
        return self._noted(
            plan, "recertifying by CCP points: a draft (points, proof and signature missing)", steps
        )

    def submitted_by_ccp(self) -> CertPlan:
        """Must recertify (fees unpaid 3 years and more); applied by CCP, paid, waiting on review."""
        plan = self.t.lapsed("CMAS", unpaid_since=shift_months(self.t.today, -44), years=5, note="")
        started = self.ago(12)
        claims = [
            Claim(
                "formal-education",
                "Medical office management",
                "Riverside Community College",
                "1",
                completed_on=started - datetime.timedelta(days=500),
            ),  # fmt: skip
            _course("ICD-10-CM coding update", "8", "Coding Academy", started - datetime.timedelta(days=300)),
            _course(
                "HIPAA privacy and security", "10", "County Hospital", started - datetime.timedelta(days=60)
            ),
        ]
        paid_on = started + datetime.timedelta(days=3)
        steps = self._ccp_draft(started, claims)
        steps += self._answered(started + datetime.timedelta(days=2))
        steps += self._sent(started + datetime.timedelta(days=2), paid_on)
        return self._noted(plan, "recertification by CCP points submitted: waiting in the queue", steps)

    def submitted_by_exam(self) -> CertPlan:
        """Must recertify; applied by exam (the RMA eligibility assistant: the education route), paid."""
        plan = self.t.lapsed("RMA", unpaid_since=shift_months(self.t.today, -46), years=4, note="")
        started = self.ago(5)
        steps = self._exam(started, RMA_EDUCATION_ANSWERS) + self._sent(
            started, started + datetime.timedelta(1)
        )
        return self._noted(
            plan, "recertification by exam submitted (RMA assistant): waiting in the queue", steps
        )

    def more_asked(self) -> CertPlan:
        """Non-compliant (CCP); applied by CCP; the processor asked for a certificate showing the hours."""
        plan = self.t.ccp_failed("RDA", failed_cycle=1, days_ago=260)
        started = self.ago(45)
        claims = [
            _course(
                "Dental radiography update",
                "12",
                "Dental Assisting Academy",
                started - datetime.timedelta(400),
            ),
            _course(
                "Infection control in the dental office",
                "10",
                "Dental Assisting Academy",
                started - datetime.timedelta(200),
            ),  # fmt: skip
            _course(
                "Ethics webinar for dental assistants",
                "8",
                "State Dental Association",
                started - datetime.timedelta(30),
            ),  # fmt: skip
        ]
        documents = (("Ethics webinar for dental assistants", "no-hours"),)
        steps = self._ccp_draft(started, claims, documents=documents)
        steps += self._answered(started + datetime.timedelta(days=3))
        steps += self._sent(started + datetime.timedelta(days=3), started + datetime.timedelta(days=4))
        steps.append(self._review(self.ago(30), "more", MORE_HOURS))
        return self._noted(plan, "recertification by CCP points: the processor asked for more", steps)

    def authorized(self) -> CertPlan:
        """Exam required (not Active for over 10 years); applied by exam, approved: authorized to test."""
        plan = self.t.lapsed("MT", unpaid_since=shift_months(self.t.today, -134), years=5, note="")
        started = self.ago(50)
        steps = self._exam(started, MT_ANSWERS) + self._sent(started, started + datetime.timedelta(days=1))
        steps.append(self._review(self.ago(35), "approve"))
        return self._noted(plan, "recertification by exam approved: authorized to test", steps)

    def reinstated(self) -> CertPlan:
        """Lapsed about six years ago (its open annual invoice never paid), Must recertify since; applied by
        CCP and approved last month: reinstated, Active from the approval (the new anchor date)."""
        t = self.t
        unpaid_since = shift_months(t.today, -74)
        plan = t.lapsed("RMA", unpaid_since=unpaid_since, years=6, note="")
        reinstated_on = shift_months(t.today, -1)
        started = reinstated_on - datetime.timedelta(days=40)
        unpaid = rules.next_unpaid_fee_year(first_of_month(unpaid_since) - rules.ONE_DAY)
        # The renewal invoice of the first fee year left unpaid, issued 60 days before its due date.
        plan.steps = [step for step in plan.steps if step.on < started]
        plan.steps.append(Step(unpaid.due_on - datetime.timedelta(days=60), "invoice"))
        claims = [
            _course(
                "Medication administration update",
                "12",
                "AMT Learning Center",
                started - datetime.timedelta(700),
            ),
            _course(
                "Electronic health records essentials",
                "10",
                "Community college",
                started - datetime.timedelta(420),
            ),  # fmt: skip
            _course(
                "Infection prevention in outpatient care",
                "10",
                "County Hospital",
                started - datetime.timedelta(150),
            ),  # fmt: skip
        ]
        steps = self._ccp_draft(started, claims) + self._answered(started + datetime.timedelta(days=3))
        steps += self._sent(started + datetime.timedelta(days=3), started + datetime.timedelta(days=6))
        steps.append(self._review(reinstated_on, "approve"))
        plan = self._noted(
            plan, "reinstated last month by recertification (CCP points); was Must recertify", steps
        )
        plan.expected = Status.ACTIVE
        plan.ccp_note = "cycles of the old anchor date closed; a new first cycle from the reinstatement"
        return plan

    def refused(self) -> CertPlan:
        """Non-compliant (CCP); applied by CCP and declared a felony conviction: refused."""
        plan = self.t.ccp_failed("RPT", failed_cycle=1, days_ago=330)
        started = self.ago(95)
        claims = [
            _course(
                "Venipuncture techniques",
                "12",
                "Phlebotomy Training Center",
                started - datetime.timedelta(300),
            ),
            _course(
                "Specimen handling and transport",
                "12",
                "Phlebotomy Training Center",
                started - datetime.timedelta(120),
            ),  # fmt: skip
        ]
        felony = (shift_months(self.t.today, -30), *FELONY)
        steps = self._ccp_draft(started, claims) + self._answered(
            started + datetime.timedelta(days=3), felony
        )
        steps += self._sent(started + datetime.timedelta(days=3), started + datetime.timedelta(days=4))
        steps.append(self._review(self.ago(70), "refuse", REFUSED_FELONY))
        return self._noted(plan, "recertification refused (a felony declared); may apply again", steps)

    def exam_only(self) -> CertPlan:
        """An RMA not Active for over 10 years, no application yet: by exam only."""
        note = "not Active for over 10 years: recertify by exam only (try the RMA eligibility assistant)"
        return self.t.lapsed("RMA", unpaid_since=shift_months(self.t.today, -128), years=3, note=note)

    def by_member_number(self) -> dict[int, list[CertPlan]]:
        """The demo members recertifying (D00010's reinstatement is the last-month one)."""
        return {
            10: [self.reinstated()],
            30: [self.draft()],
            31: [self.submitted_by_ccp()],
            32: [self.more_asked()],
            33: [self.authorized()],
            34: [self.refused()],
            35: [self.submitted_by_exam()],
            36: [self.exam_only()],
        }
