"""The dashboard's "What's coming" of a certification: the next fee (members' rules), the CCP cycle's end
with the points missing and the pace (ccp's rules), and the day the certification would stop being Active
if nothing is done, with the reason. The composer only puts the apps' pure results together, sorted by date.

Audit deadlines and recertification application deadlines have no data yet (later issues): they join the
list through `deadline_events`, each app returning its own `TimelineEvent`s.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ccp import rules as ccp_rules
from ccp.selectors import CycleSummary
from members import rules
from members.models import Certification


@dataclass(frozen=True)
class CertificationTimeline:
    events: list[rules.TimelineEvent]
    stop: rules.StopDate | None  # only while Active: the last day Active if nothing is done, and why

    @property
    def stop_urgency(self) -> rules.Urgency:
        """As urgent as the event that would end the Active status."""
        if self.stop is None:
            return rules.Urgency.OK
        return _worst(event.urgency for event in self.events if event.kind == self.stop.kind)

    @property
    def urgency(self) -> rules.Urgency:
        return _worst(event.urgency for event in self.events)


def _worst(levels) -> rules.Urgency:
    return max(levels, key=lambda level: level.rank, default=rules.Urgency.OK)


def deadline_events(certification: Certification) -> list[rules.TimelineEvent]:
    """Audit response deadlines (audits) and application deadlines (recert) go here once those apps
    exist; nothing is invented meanwhile."""
    return []


def certification_timeline(
    certification: Certification,
    ccp: CycleSummary | None,
    *,
    fee_payable: bool,
    grace_days: int,
    today: datetime.date,
) -> CertificationTimeline | None:
    """What is coming for a certification still being renewed (Active or Lapsed (fees)); None for the
    others, whose way back is recertification. `ccp`: the open cycle's live summary, if any;
    `fee_payable`: the next fee's invoice is issued (it can be paid now)."""
    if certification.status not in rules.RENEWING_STATUSES:
        return None
    due_on = certification.next_fee_due_on
    events = [
        rules.fee_event(next_fee_due_on=due_on, grace_days=grace_days, today=today, payable=fee_payable)
    ]
    stops: list[rules.StopDate | None] = [rules.fee_stop(next_fee_due_on=due_on, grace_days=grace_days)]
    if certification.ccp_required and ccp is not None:
        end, missing = ccp.cycle.end_on, ccp.result.missing
        events.append(
            ccp_rules.cycle_end_event(cycle_end=end, missing=missing, attested=ccp.attested, today=today)
        )
        stops.append(ccp_rules.ccp_stop(cycle_end=end, missing=missing, attested=ccp.attested))
    events += deadline_events(certification)
    events.sort(key=lambda event: event.on)
    stop = rules.earliest_stop(stops) if certification.status == rules.Status.ACTIVE else None
    return CertificationTimeline(events, stop)
