"""The demo's history, replayed in date order: every certification's life (its steps, each handed to the
demo module of the app that owns it, STEPS) and the jobs that look at every certification at once (an audit
campaign started, the audits' daily job, the day's mail batch) are merged into one calendar, so that such a
job sees each certification as it stood that day: a campaign's population is every certification that
rolled in its year, and the deadline job fails what was not answered in time.

On each day: the nightly jobs first, then a campaign started that day, then what members and staff did;
at its end the day's e-mails are sent and its letters go to its mail batch."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from amtportal.demo import audits as audits_demo
from amtportal.demo import badges as badges_demo
from amtportal.demo import billing as billing_demo
from amtportal.demo import ccp as ccp_demo
from amtportal.demo import credentials as credentials_demo
from amtportal.demo import members as members_demo
from amtportal.demo import recert as recert_demo
from amtportal.demo.plan import CampaignPlan, CertPlan, Step
from members.models import Certification, Member

StepHandler = Callable[[Member, Certification, Step], Certification]

STEPS: dict[str, StepHandler] = {
    "pay": members_demo.pay,  # an annual fee paid
    "daily": members_demo.daily,  # the daily status job
    "claim": ccp_demo.claim,  # a CE activity recorded
    "attest": ccp_demo.attest,
    "roll": ccp_demo.roll,  # the daily cycle roll
    "invoice": billing_demo.invoice_issue,  # a renewal invoice issued (left unpaid)
    "audit_proof": audits_demo.proof,  # the member uploads proof in the certification's audit
    "audit_list": audits_demo.list_activity,  # ... lists an activity behind the attestation
    "audit_extension": audits_demo.extension,  # ... asks for an extension
    "audit_submit": audits_demo.submit,
    "audit_review": audits_demo.review,  # the reviewer decides, then sends back or finalizes
    "credential": credentials_demo.download,  # the member downloads the verifiable credential
    "badge": badges_demo.issue,  # the event recorded and its Credly badge issued that day
    "badge_refused": badges_demo.issue_refused,  # ... and Credly refuses it (422)
    "recert_start": recert_demo.start,  # the member starts a recertification application by a route
    "recert_activity": recert_demo.record_activity,  # ... records an activity of its window
    "proof": ccp_demo.proof,  # ... attaches proof to the window's activities
    "recert_felony": recert_demo.answer_felony,
    "recert_sign": recert_demo.sign,
    "recert_exam_answers": recert_demo.answer_exam,  # ... answers the exam's eligibility questions
    "recert_checkout": recert_demo.checkout,  # ... completes it: the fee is issued
    "recert_fee_paid": billing_demo.recert_fee_paid,  # billing staff record the check that paid it
    "recert_submit": recert_demo.submit_paid,  # the paid-fee task submits it
    "recert_review": recert_demo.review,  # the processor claims it and decides
}

NIGHT, CAMPAIGN, DAY, EVENING = range(4)  # the order of a day


@dataclass
class _Replay:
    entries: list[tuple[Member, CertPlan]]
    today: datetime.date
    pks: dict[int, int] = field(default_factory=dict)  # entry index: its certification's id, once enrolled

    def enrol(self, index: int, day: datetime.date) -> None:
        member, plan = self.entries[index]
        self.pks[index] = ccp_demo.certification_enrol(member, plan).pk

    def step(self, index: int, step: Step) -> None:
        member, plan = self.entries[index]
        handler = STEPS.get(step.action)
        if handler is None:
            raise CommandError(f"Demo plan error: unknown step {step.action!r}.")
        certification = Certification.objects.get(pk=self.pks[index])  # jobs may have changed it
        try:
            certification = handler(member, certification, step)
        except ValidationError as error:
            raise CommandError(
                f"Demo plan error: {plan.code} of {member}, {step}: {error.messages}"
            ) from None
        ccp_demo.cycles_close_inactive(certification, step.on)

    def campaign(self, plan: CampaignPlan, day: datetime.date) -> None:
        ids = [self.pks[i] for i, (_, cert) in enumerate(self.entries) if cert.selected_in == plan.year]
        audits_demo.campaign_start(plan, certification_ids=ids, day=day)

    def finish(self) -> list[Certification]:
        """Today's daily status job for each certification, in plan order."""
        done = []
        for index in range(len(self.entries)):
            certification = Certification.objects.get(pk=self.pks[index])
            certification = members_demo.status_refresh(certification, self.today)
            done.append(ccp_demo.cycles_close_inactive(certification, self.today))
        return done


def demo_replay(
    entries: list[tuple[Member, CertPlan]], campaigns: list[CampaignPlan], today: datetime.date
) -> list[Certification]:
    """Replay the life of each (member, certification plan) and the campaigns, day by day up to today's
    daily jobs; returns the certifications in the order of `entries`."""
    if not entries:
        return []
    replay = _Replay(entries, today)
    calendar: list[tuple[datetime.date, int, int, Callable[[datetime.date], None]]] = []

    def add(day: datetime.date, part: int, action: Callable[[datetime.date], None]) -> None:
        calendar.append((day, part, len(calendar), action))

    for index, (_member, plan) in enumerate(entries):
        add(plan.certified_on, DAY, lambda day, i=index: replay.enrol(i, day))
        for step in sorted(plan.steps, key=lambda step: step.on):
            if not plan.certified_on <= step.on <= today:
                raise CommandError(f"Demo plan error: {step} is outside {plan.certified_on}..{today}.")
            add(step.on, DAY, lambda day, i=index, s=step: replay.step(i, s))
    for campaign in campaigns:
        add(campaign.started_on, CAMPAIGN, lambda day, c=campaign: replay.campaign(c, day))
    for day in _days(min((c.started_on for c in campaigns), default=today), today):
        add(day, NIGHT, audits_demo.daily)
        if day < today:  # today's letters: after the billing demo has written its notices
            add(day, EVENING, members_demo.day_end)
    for _day, _part, _order, action in sorted(calendar, key=lambda entry: entry[:3]):
        action(_day)
    return replay.finish()


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)
