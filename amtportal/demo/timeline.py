"""How a certification's life is planned: fee payments, CE claims and the daily jobs on the dates they would
have happened, relative to today, with one recipe per situation (Active and paid, Lapsed, failed CCP, ...)."""

import calendar
import datetime

from amtportal.demo.plan import CertPlan, Claim, Step, first_of_month, shift_months
from members import rules
from members.rules import Status

ONE_DAY = rules.ONE_DAY
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


class Timeline:
    """Builds the steps of one certification life from a few facts, with today's grace days."""

    def __init__(self, today: datetime.date, grace_days: int):
        self.today = today
        self.grace_days = grace_days

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

    def lapse_date(self, paid_through: datetime.date) -> datetime.date:
        due_on = rules.next_unpaid_fee_year(paid_through).due_on
        return rules.fee_lapse_date(due_on=due_on, grace_days=self.grace_days)

    def daily_jobs(self, lapse_date: datetime.date) -> list[Step]:
        """The daily status job on the days an unpaid fee changes the status: lapse, +3 and +10 years."""
        days = [
            lapse_date,
            rules.add_years(lapse_date, rules.MUST_RECERTIFY_AFTER_YEARS),
            rules.add_years(lapse_date, rules.EXAM_REQUIRED_AFTER_YEARS),
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
        lapse_date = self.lapse_date(paid_through)
        leaves_cycles_on = rules.add_years(lapse_date, rules.MUST_RECERTIFY_AFTER_YEARS)
        steps = self.pay(certified_on, paid_through)
        steps += self.compliant_cycles(certified_on, before=leaves_cycles_on)
        steps += self.daily_jobs(lapse_date)
        expected = Status.LAPSED
        if self.today >= rules.add_years(lapse_date, rules.EXAM_REQUIRED_AFTER_YEARS):
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

    def pre_2006_lapsed(self, code: str, year: int) -> CertPlan:
        """Certified before 2006, never reinstated: exempt from CCP, but the fee is unpaid since 8 months."""
        unpaid_since = shift_months(self.today, -8)
        certified_on = datetime.date(year, unpaid_since.month, 22)
        paid_through = first_of_month(unpaid_since) - ONE_DAY
        steps = self.pay(certified_on, paid_through) + self.daily_jobs(self.lapse_date(paid_through))
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
