"""A small body whose every report figure is counted by hand (tests/amtportal/test_reports*.py).

Rows are written directly, not through the services: the reports only read, and a fixture whose stored
facts are spelled out here is what makes the expected numbers countable by hand. Today is 2026-06-15.

Certifications (credential, certified on, stored status, active through):
    a RMA 2019-05-14 Active through 2026-07-31 (paid through 2026-06-30: the fee due 2026-07-31)
    b RMA 2024-09-11 Active through 2026-09-10 (cycle end before the fee due 2026-09-30)
    c MT  2025-06-01 Active through 2026-06-30 (fee due 2026-06-30)
    d MT  2025-08-01 Active through 2027-09-30 (beyond the next 12 months)
    e RMA 2024-03-01 Lapsed (fees)
    f MT  2023-04-30 Non-compliant (CCP)
    g RMA 2019-05-14 Active through 2026-05-31 (fee due 2026-05-31: stale, first day not Active June 1)
    h RMA 2024-10-31 Active through 2026-10-31 (fee due the day the cycle ends: the fee is named)
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from audits.models import Audit, AuditCampaign
from billing.models import Invoice, Payment
from ccp.models import Cycle
from members.models import Certification, StatusChange
from recert.models import Application, RecertRule
from tests.factories import MemberFactory, credential

TODAY = datetime.date(2026, 6, 15)
D = datetime.date


def _certification(code, certified_on, status, paid_through, active_through=None):
    return Certification.objects.create(
        member=MemberFactory(),
        credential=credential(code),
        certified_on=certified_on,
        status=status,
        paid_through=paid_through,
        active_through=active_through,
    )


def _change(certification, from_status, to_status, on):
    StatusChange.objects.create(
        certification=certification,
        from_status=from_status,
        to_status=to_status,
        reason="test",
        effective_on=on,
        source="test",
        changed_at=timezone.now(),
    )


def _invoice(certification, number, due_on, state, cents, kind=Invoice.Kind.ANNUAL):
    annual = kind == Invoice.Kind.ANNUAL
    start = due_on.replace(day=1) if annual else None
    return Invoice.objects.create(
        number=number,
        certification=certification,
        kind=kind,
        description="fee",
        amount_cents=cents,
        issued_on=due_on - datetime.timedelta(days=60),
        due_on=due_on,
        state=state,
        fee_year_start=start,
        fee_year_end=start.replace(year=start.year + 1) - datetime.timedelta(days=1) if annual else None,
    )


def _payment(invoice, received_on, refunded_on=None):
    Payment.objects.create(
        invoice=invoice,
        receipt_number=f"R-{invoice.number}",
        method="check",
        amount_cents=invoice.amount_cents,
        received_on=received_on,
        refunded_on=refunded_on,
    )


def _cycle(certification, end_on, state, required, counted, number=0):
    start = end_on.replace(year=end_on.year - 3) + datetime.timedelta(days=1)
    return Cycle.objects.create(
        certification=certification,
        anchor_on=start,
        number=number,
        start_on=start,
        end_on=end_on,
        state=state,
        closed_on=end_on + datetime.timedelta(days=1),
        required_points=required,
        counted_points=counted,
    )


def _audit(campaign, cycle, state, rank, *, verified=False):
    Audit.objects.create(
        campaign=campaign,
        certification=cycle.certification,
        cycle=cycle,
        rank=rank,
        state=state,
        selected_on=D(2025, 1, 20),
        deadline=D(2025, 3, 20),
        waiting_since=timezone.now(),
        required_points=30,
        passed_by_verified=verified,
    )


def _application(certification, route, state, submitted_on, **dates):
    Application.objects.create(
        certification=certification,
        route=route,
        state=state,
        started_on=submitted_on or TODAY,
        lapse_date=D(2026, 3, 1),
        route_reason="test",
        rule=RecertRule.objects.filter(credential=certification.credential).first(),
        submitted_on=submitted_on,
        **dates,
    )


def make_body() -> dict:
    active, lapsed, noncompliant = "active", "lapsed", "noncompliant"
    a = _certification("RMA", D(2019, 5, 14), active, D(2026, 6, 30), D(2026, 7, 31))
    b = _certification("RMA", D(2024, 9, 11), active, D(2026, 8, 31), D(2026, 9, 10))
    c = _certification("MT", D(2025, 6, 1), active, D(2026, 5, 31), D(2026, 6, 30))
    d = _certification("MT", D(2025, 8, 1), active, D(2027, 8, 31), D(2027, 9, 30))
    e = _certification("RMA", D(2024, 3, 1), lapsed, D(2026, 2, 28))
    f = _certification("MT", D(2023, 4, 30), noncompliant, D(2026, 3, 31))
    g = _certification("RMA", D(2019, 5, 14), active, D(2026, 4, 30), D(2026, 5, 31))
    h = _certification("RMA", D(2024, 10, 31), active, D(2026, 9, 30), D(2026, 10, 31))

    # Status history: Active at the month ends Jan 2, Feb 3, Mar 2, Apr 1, May 2, Jun (to the 15th) 2.
    _change(a, "", active, D(2025, 12, 1))
    _change(e, "", active, D(2025, 12, 1))
    _change(e, active, lapsed, D(2026, 3, 1))
    _change(f, "", active, D(2026, 2, 10))
    _change(f, active, noncompliant, D(2026, 4, 30))
    _change(c, "", active, D(2026, 5, 20))

    # Annual fees: Jan 2 due (on time, late), Mar 2 (waived, unpaid), May 1 refunded (+1 void, left out).
    _payment(_invoice(a, "A-1", D(2026, 1, 31), "paid", 5000), D(2026, 1, 20))
    _payment(_invoice(b, "A-2", D(2026, 1, 31), "paid", 5000), D(2026, 2, 3))
    _invoice(c, "A-3", D(2026, 3, 31), "waived", 9000)
    _invoice(d, "A-4", D(2026, 3, 31), "open", 9000)
    _payment(_invoice(e, "A-5", D(2026, 5, 31), "refunded", 5000), D(2026, 5, 1), refunded_on=D(2026, 5, 10))
    _invoice(g, "A-6", D(2026, 5, 31), "void", 5000)
    _invoice(h, "A-7", D(2026, 7, 31), "open", 5000)
    recert_fee = _invoice(e, "R-1", D(2026, 4, 1), "paid", 7500, kind=Invoice.Kind.RECERT_CCP)
    _payment(recert_fee, D(2026, 4, 1))

    # CCP cycles closed: 2024 one ended (not active); 2025 by points, by attestation; 2026 by points, not.
    cy_a = _cycle(a, D(2025, 5, 13), "compliant", Decimal(30), Decimal("32.50"))
    cy_b = _cycle(b, D(2025, 8, 1), "compliant", Decimal(30), Decimal(10))
    _cycle(f, D(2026, 4, 29), "noncompliant", Decimal(45), Decimal(12))
    cy_c = _cycle(c, D(2026, 2, 1), "compliant", Decimal(45), Decimal(45))
    _cycle(e, D(2024, 7, 1), "inactive", None, None)
    _cycle(a, D(2028, 5, 13), "open", None, None, number=1)

    # The 2025 audit campaign: 10 in the population, 3 selected: passed (by online CE), failed, waiting.
    campaign = AuditCampaign.objects.create(
        year=2025,
        seed="s",
        population_count=10,
        population_digest="x",
        selected_count=3,
        started_on=D(2025, 1, 20),
        started_at=timezone.now(),
        source="test",
    )
    _audit(campaign, cy_a, Audit.State.PASSED, 1, verified=True)
    _audit(campaign, cy_b, Audit.State.FAILED, 2)
    _audit(campaign, cy_c, Audit.State.SUBMITTED, 3)

    # Recertification: by CCP reinstated after 31 days and refused after 20; by exam authorized after 10
    # and one expired; a draft (never submitted) is not counted.
    ccp, exam = Application.Route.CCP, Application.Route.EXAM
    _application(e, ccp, "reinstated", D(2026, 4, 1), decided_on=D(2026, 5, 2), reinstated_on=D(2026, 5, 2))
    _application(f, ccp, "refused", D(2026, 3, 1), decided_on=D(2026, 3, 21))
    _application(f, exam, "authorized", D(2026, 5, 1), authorized_on=D(2026, 5, 11))
    _application(e, exam, "expired", D(2025, 10, 1), decided_on=D(2026, 4, 1))
    _application(b, ccp, "draft", None)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "h": h}
