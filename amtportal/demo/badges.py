"""The Credly badges of the demo, through the recert services, against the Credly stand-in that `make run`
starts (scripts/credly_server.py):

- every Active member's event is issued (the status-change task queued when the certification was made);
- D00005's CMAS badge, issued while Active (a step of the replay), is revoked now that the certification is
  Non-compliant (CCP);
- D00010's original RMA badge, issued while Active, is revoked by the reinstatement, whose own badge is
  issued;
- D00016's MDT badge was refused by Credly (a 422 the stand-in is told to answer): in error, for an
  administrator to retry from the staff member record.

If the stand-in is not running the demo still finishes: the badges wait (to issue, with the reason) and the
daily reconcile, or an administrator's retry, sends them once Credly answers."""

import dataclasses
import datetime
import logging

import requests
from django.conf import settings

from amtportal.demo.plan import CertPlan, Step
from members.models import Certification, Member
from recert import services
from recert.credly import CredlyUnavailable

logger = logging.getLogger(__name__)

# member number (as in people.py) -> (credential, the step)
BADGE_STEPS = {5: ("CMAS", "badge"), 10: ("RMA", "badge"), 16: ("MDT", "badge_refused")}
REFUSAL = "Validation failed: Recipient email address is undeliverable (bounced)"


def with_badges(plans: dict[int, list[CertPlan]]) -> dict[int, list[CertPlan]]:
    """The members' plans with their badge steps, 30 days after the certification (while Active)."""
    for number, (code, action) in BADGE_STEPS.items():
        plans[number] = [
            _with_step(plan, Step(on=plan.certified_on + datetime.timedelta(days=30), action=action))
            if plan.code == code
            else plan
            for plan in plans[number]
        ]
    return plans


def _with_step(plan: CertPlan, step: Step) -> CertPlan:
    return dataclasses.replace(plan, steps=sorted([*plan.steps, step], key=lambda item: item.on))


def issue(member: Member, certification: Certification, step: Step) -> Certification:
    """The replay's step: the event recorded and its badge issued that day (not on commit: the replay is one
    transaction, and the badge must exist before the certification's later life ends it)."""
    badge = services.badge_record(certification=certification, today=step.on, source="demo")
    if badge is not None:
        try:
            services.badge_issue(badge_id=badge.pk, today=step.on, source="demo")
        except CredlyUnavailable as error:
            logger.warning("Credly stand-in not answering (%s): the badge waits to be issued.", error.message)
    return Certification.objects.get(pk=certification.pk)


def issue_refused(member: Member, certification: Certification, step: Step) -> Certification:
    """As `issue`, with the stand-in told to refuse this one request (422), as Credly refuses an address."""
    _stand_in_refuses_next_issue()
    return issue(member, certification, step)


def _stand_in_refuses_next_issue() -> None:
    base = settings.CREDLY_API_BASE.rstrip("/").removesuffix("/v1")
    if not base.startswith("http://127.0.0.1"):
        return  # a real Credly (the sandbox) is never told to fail
    try:
        order = {"endpoint": "issue", "mode": "422", "times": 1, "message": REFUSAL}
        requests.post(f"{base}/_control/fail", json=order, timeout=5).raise_for_status()
    except requests.RequestException as error:
        logger.warning("Credly stand-in not answering (%s).", error)


def seed(*, today: datetime.date) -> dict[str, int]:
    """The daily reconcile once the demo's history is written: what the on-event tasks left is caught up."""
    return services.badges_reconcile(today=today)
