"""The life of each demo certification, replayed in date order: every step goes to the demo module of the
app that owns it (STEPS), which calls that app's services on the step's date.

audits and recert add their steps here (an audit failure, a recertification) with their own modules."""

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from amtportal.demo import ccp as ccp_demo
from amtportal.demo import members as members_demo
from amtportal.demo.plan import CertPlan, Step
from members.models import Certification, Member

StepHandler = Callable[[Member, Certification, Step], Certification]

STEPS: dict[str, StepHandler] = {
    "pay": members_demo.pay,  # an annual fee paid
    "daily": members_demo.daily,  # the daily status job
    "audit_fail": members_demo.audit_fail,
    "claim": ccp_demo.claim,  # a CE activity recorded
    "attest": ccp_demo.attest,
    "roll": ccp_demo.roll,  # the daily cycle roll
    "reinstate": ccp_demo.reinstate,
}


def certification_replay(member: Member, plan: CertPlan, today: datetime.date) -> Certification:
    """The certification of `plan`, from the exam passed to today's daily jobs."""
    certification = ccp_demo.certification_enrol(member, plan)
    for step in sorted(plan.steps, key=lambda step: step.on):
        if not plan.certified_on <= step.on <= today:
            raise CommandError(f"Demo plan error: {step} is outside {plan.certified_on}..{today}.")
        certification = _step(member, certification, plan, step)
    certification = members_demo.status_refresh(certification, today)
    return ccp_demo.cycles_close_inactive(certification, today)


def _step(member: Member, certification: Certification, plan: CertPlan, step: Step) -> Certification:
    handler = STEPS.get(step.action)
    if handler is None:
        raise CommandError(f"Demo plan error: unknown step {step.action!r}.")
    try:
        certification = handler(member, certification, step)
    except ValidationError as error:
        raise CommandError(f"Demo plan error: {plan.code} of {member}, {step}: {error.messages}") from None
    return ccp_demo.cycles_close_inactive(certification, step.on)
