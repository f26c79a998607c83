"""The daily CCP jobs: closing cycles of inactive certifications, the cycle roll, opening missing cycles and
the compliance notices; one by one on a few certifications, then together over a few hundred (PostgreSQL),
twice in a row and interrupted part-way."""

import datetime
import io
import itertools
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from ccp import services, tasks
from ccp.models import ActivityCategory, CcpPolicy, Cycle
from ccp.services import cycles as cycle_services
from ccp.services import notices as notice_services
from ccp.services.notices import ccp_compliance_notices_send
from members import services as member_services
from members.models import Certification, Notice, StatusChange
from tests.factories import MemberFactory, credential, make_certification
from tests.integration.conftest import require

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)

# Certified May 14, 2022: cycle 0 runs May 14, 2022 .. May 13, 2025; fees are due May 31 each year.
CERTIFIED_ON = datetime.date(2022, 5, 14)
CYCLE_END = datetime.date(2025, 5, 13)
ROLL_DAY = datetime.date(2025, 5, 14)
PAID = datetime.date(2025, 4, 30)  # the fee year May 2024 - April 2025 is paid: Active through May 31, 2025
UNPAID = None  # only the covered first fee year: Lapsed (fees) since June 1, 2023


def move_to(time_machine, day: datetime.date) -> datetime.date:
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC), tick=False)
    return day


def record_hours(certification, hours, *, on: datetime.date, today: datetime.date):
    return services.activity_record(
        certification=certification,
        today=today,
        recorded_by=certification.member.user,
        category=ActivityCategory.objects.get(code="professional-education"),
        title=f"Course of {hours} hours",
        completed_on=on,
        quantity=Decimal(hours),
        helps_job=True,
    )


def attest(certification, *, today: datetime.date):
    cycle = services.cycle_open_current(certification=certification, today=today)
    member = certification.member
    return services.cycle_attest(cycle=cycle, signed_name=member.full_name, today=today, user=member.user)


def certification(*, code="RMA", certified_on=CERTIFIED_ON, paid_through=PAID, today, hours=None, on=None):
    """A certification made through the services, with its open cycle and `hours` of courses in it."""
    made = make_certification(
        MemberFactory(), code=code, certified_on=certified_on, paid_through=paid_through, today=today
    )
    services.cycle_open_current(certification=made, today=today)
    if hours:
        record_hours(made, hours, on=on or today - datetime.timedelta(days=100), today=today)
    return Certification.objects.get(pk=made.pk)


def cycles_of(certification) -> list[tuple]:
    return list(
        Cycle.objects.filter(certification=certification)
        .order_by("start_on")
        .values_list("number", "start_on", "end_on", "state", "closed_on")
    )


def reloaded(certification) -> Certification:
    return Certification.objects.get(pk=certification.pk)


# --- The roll, one certification at a time ---------------------------------------------------------------


def test_a_compliant_cycle_closes_compliant_and_the_next_opens_the_next_day(time_machine):
    # Given Ann has 32 of the 30 points her RMA needs in the cycle ending May 13, 2025
    setup_day = move_to(time_machine, datetime.date(2025, 3, 1))
    ann = certification(today=setup_day, hours=32)

    # When the daily roll runs the day after the cycle's last day
    report = services.cycles_roll(today=move_to(time_machine, ROLL_DAY))

    # Then the cycle closed compliant with its result frozen, and cycle 1 opened that day
    assert str(report) == "1 rolled, 0 not compliant, 0 ended (not active)"
    assert cycles_of(ann) == [
        (0, CERTIFIED_ON, CYCLE_END, "compliant", ROLL_DAY),
        (1, ROLL_DAY, datetime.date(2028, 5, 13), "open", None),
    ]
    closed = Cycle.objects.get(certification=ann, number=0)
    assert (closed.required_points, closed.counted_points) == (Decimal("30.00"), Decimal("32.00"))
    assert closed.closing_result["counted"] == "32.00"
    # and the certification is compliant through the closed cycle's last day, still Active
    ann = reloaded(ann)
    assert (ann.status, ann.ccp_compliant_through, ann.ccp_failed_on) == ("active", CYCLE_END, None)


def test_a_february_29_anchor_rolls_into_a_cycle_starting_february_29(time_machine):
    # Given Bo certified on Feb 29, 2016: cycle 3 runs Feb 28, 2025 .. Feb 28, 2028 (Feb 29 + 12 years - 1)
    setup_day = move_to(time_machine, datetime.date(2027, 6, 1))
    bo = certification(
        certified_on=datetime.date(2016, 2, 29),
        paid_through=datetime.date(2029, 1, 31),
        today=setup_day,
        hours=30,
    )
    assert cycles_of(bo) == [(3, datetime.date(2025, 2, 28), datetime.date(2028, 2, 28), "open", None)]

    # When the roll runs on Feb 29, 2028
    services.cycles_roll(today=move_to(time_machine, datetime.date(2028, 2, 29)))

    # Then cycle 4 starts on the anniversary itself and ends the day before Feb 28, 2031
    assert cycles_of(bo)[1] == (4, datetime.date(2028, 2, 29), datetime.date(2031, 2, 27), "open", None)
    assert reloaded(bo).ccp_compliant_through == datetime.date(2028, 2, 28)


def test_an_attested_cycle_rolls_without_points(time_machine):
    setup_day = move_to(time_machine, datetime.date(2025, 3, 1))
    cy = certification(today=setup_day)
    attest(cy, today=setup_day)

    services.cycles_roll(today=move_to(time_machine, ROLL_DAY))

    assert [state for *_, state, _closed in cycles_of(cy)] == ["compliant", "open"]
    assert Cycle.objects.get(certification=cy, number=0).closing_result["attested"] is True


def test_a_short_cycle_closes_not_compliant_and_the_certification_becomes_non_compliant(time_machine):
    # Given Dee has 10 of 30 points when her cycle ends on May 13, 2025
    setup_day = move_to(time_machine, datetime.date(2025, 3, 1))
    dee = certification(today=setup_day, hours=10)

    report = services.cycles_roll(today=move_to(time_machine, ROLL_DAY))

    # Then the cycle closed not compliant, no cycle opened, and Dee is Non-compliant (CCP) from May 14
    assert str(report) == "0 rolled, 1 not compliant, 0 ended (not active)"
    assert cycles_of(dee) == [(0, CERTIFIED_ON, CYCLE_END, "noncompliant", ROLL_DAY)]
    dee = reloaded(dee)
    assert (dee.status, dee.lapse_date, dee.ccp_failed_on) == ("noncompliant", ROLL_DAY, ROLL_DAY)
    assert dee.status_reason.startswith("Non-compliant (CCP): not CCP compliant since May 14, 2025")
    change = StatusChange.objects.filter(certification=dee).latest("pk")
    assert (change.from_status, change.to_status, change.source) == (
        "active",
        "noncompliant",
        "daily cycle roll",
    )
    # and the next morning's jobs open no cycle for it
    assert services.cycles_open_missing(today=ROLL_DAY) == 0


def test_a_lapsed_certification_with_the_points_rolls_and_stays_lapsed(time_machine):
    # Given Eli owes the fee due May 31, 2023 (Lapsed since June 1, 2023) but has the points
    setup_day = move_to(time_machine, datetime.date(2025, 3, 1))
    eli = certification(paid_through=UNPAID, today=setup_day, hours=31)
    assert (eli.status, eli.lapse_date) == ("lapsed", datetime.date(2023, 6, 1))
    history = StatusChange.objects.filter(certification=eli).count()

    services.cycles_roll(today=move_to(time_machine, ROLL_DAY))

    # Then the cycle rolled (fees are a separate axis) and Eli is still Lapsed (fees) from the same day
    assert [state for *_, state, _closed in cycles_of(eli)] == ["compliant", "open"]
    eli = reloaded(eli)
    assert (eli.status, eli.lapse_date, eli.ccp_compliant_through) == (
        "lapsed",
        datetime.date(2023, 6, 1),
        CYCLE_END,
    )
    assert StatusChange.objects.filter(certification=eli).count() == history


def test_the_open_cycle_of_a_certification_that_must_recertify_ends_as_inactive(time_machine):
    # Given Fay stopped paying in 2021 (Lapsed since June 1, 2021) and her cycle 1 is open
    setup_day = move_to(time_machine, datetime.date(2023, 1, 10))
    fay = certification(
        certified_on=datetime.date(2019, 5, 14), paid_through=datetime.date(2021, 4, 30), today=setup_day
    )
    assert cycles_of(fay) == [(1, datetime.date(2022, 5, 14), datetime.date(2025, 5, 13), "open", None)]

    # When three years have passed: the status job makes her Must recertify, then the cycles of
    # inactive certifications close
    today = move_to(time_machine, datetime.date(2024, 6, 15))
    member_services.certifications_refresh_statuses(today=today, source="daily status job")
    report = services.cycles_close_inactive(today=today)

    # Then the cycle ended as "certification not active" and no cycle opens again
    assert str(report) == "0 rolled, 0 not compliant, 1 ended (not active)"
    assert reloaded(fay).status == "must_recertify"
    assert cycles_of(fay) == [(1, datetime.date(2022, 5, 14), datetime.date(2025, 5, 13), "inactive", today)]
    assert services.cycles_open_missing(today=today) == 0
    assert services.cycles_close_inactive(today=today).inactive == 0


def test_a_category_change_after_closing_leaves_the_closed_cycle_as_it_closed(time_machine):
    setup_day = move_to(time_machine, datetime.date(2025, 3, 1))
    gus = certification(today=setup_day, hours=32)
    services.cycles_roll(today=move_to(time_machine, ROLL_DAY))
    closed = Cycle.objects.get(certification=gus, number=0)
    stored = (closed.counted_points, closed.closing_result)

    # When administrators halve the points of a contact hour
    ActivityCategory.objects.filter(code="professional-education").update(points_per_unit=Decimal("0.5"))
    services.cycles_roll(today=ROLL_DAY + ONE_DAY)

    # Then the closed cycle keeps the result stored when it closed
    closed.refresh_from_db()
    assert (closed.counted_points, closed.closing_result) == stored
    assert closed.closing_result["categories"][0]["counted"] == "32.00"


def test_the_closing_result_lists_only_the_activities_of_its_cycle(time_machine):
    setup_day = move_to(time_machine, datetime.date(2025, 3, 1))
    hal = certification(today=setup_day, hours=32)
    services.cycles_roll(today=move_to(time_machine, ROLL_DAY))
    later = move_to(time_machine, datetime.date(2025, 9, 1))
    newer = record_hours(hal, 3, on=datetime.date(2025, 8, 1), today=later)
    services.cycles_roll(today=move_to(time_machine, datetime.date(2028, 5, 14)))

    old, new = Cycle.objects.filter(certification=hal).order_by("number")[:2]
    assert str(newer.pk) not in old.closing_result["activities"]
    assert list(new.closing_result["activities"]) == [str(newer.pk)]
    assert new.state == "noncompliant"


def test_a_roll_job_that_was_down_for_years_rolls_cycle_after_cycle(time_machine):
    setup_day = move_to(time_machine, datetime.date(2025, 3, 1))
    ivy = certification(paid_through=datetime.date(2029, 4, 30), today=setup_day)
    attest(ivy, today=setup_day)

    services.cycles_roll(today=move_to(time_machine, datetime.date(2028, 6, 1)))

    # Cycle 0 was attested; cycle 1 opened and ended unattested with no points
    assert [state for *_, state, _closed in cycles_of(ivy)] == ["compliant", "noncompliant"]
    assert reloaded(ivy).lapse_date == datetime.date(2028, 5, 14)


# --- Compliance notices, one certification at a time ------------------------------------------------------


def notices_on(time_machine, day: datetime.date, capture) -> int:
    move_to(time_machine, day)
    with capture(execute=True):
        return ccp_compliance_notices_send(today=day)


def sent_keys(certification) -> list[str]:
    return list(
        Notice.objects.filter(member=certification.member, kind="ccp_compliance")
        .order_by("pk")
        .values_list("key", flat=True)
    )


def test_notices_go_180_90_and_30_days_before_the_end_each_once(
    time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    # Given Jo has 10.5 of 30 points in the cycle ending May 13, 2025
    jo = certification(today=move_to(time_machine, datetime.date(2024, 10, 1)), hours="10.5")
    cycle = Cycle.objects.get(certification=jo)
    step_days = {
        180: datetime.date(2024, 11, 14),
        90: datetime.date(2025, 2, 12),
        30: datetime.date(2025, 4, 13),
    }

    # When the job runs every day from the day before the 180-day step to the day after the last day
    sent_on = {}
    day = datetime.date(2024, 11, 13)
    while day <= CYCLE_END + ONE_DAY:
        if notices_on(time_machine, day, django_capture_on_commit_callbacks):
            sent_on[day] = sent_keys(jo)[-1]
        day += ONE_DAY

    # Then exactly three notices went, each on its step's day
    assert sent_on == {when: f"cycle-{cycle.pk}-{step}" for step, when in step_days.items()}
    assert len(mailoutbox) == 3
    first = mailoutbox[0]
    assert first.to == [jo.member.user.email]
    assert (
        first.subject
        == "19.5 CCP points still missing for your RMA certification: your cycle ends May 13, 2025"
    )
    assert "ends on\nMay 13, 2025: 181 days left" in first.body
    assert "Required:      30 CCP points" in first.body
    assert "Counted:       10.5 CCP points" in first.body
    assert "Still missing: 19.5 CCP points" in first.body
    # the dashboard's words for the points missing and the pace (issue 12)
    assert "To be compliant in time: 19.5 points missing, about 3.3 points a month." in first.body
    assert "19.5 points missing, about 3.3 points a month</strong>." in first.alternatives[0].content
    assert f"http://127.0.0.1:8000/ccp/certifications/{jo.pk}/" in first.body
    assert "Non-compliant (CCP) on\nMay 14, 2025" in first.body
    assert "19.5 CCP points" in first.alternatives[0].content
    assert "31 days left" in mailoutbox[2].body
    assert Notice.objects.filter(kind="ccp_compliance", state="sent").count() == 3


def test_a_job_catching_up_sends_only_the_latest_due_step(
    time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    kim = certification(today=move_to(time_machine, datetime.date(2024, 10, 1)), hours=5)
    cycle = Cycle.objects.get(certification=kim)

    # When the job first runs 23 days before the end (the 180, 90 and 30 day steps are all past)
    assert notices_on(time_machine, datetime.date(2025, 4, 20), django_capture_on_commit_callbacks) == 1
    assert notices_on(time_machine, datetime.date(2025, 4, 21), django_capture_on_commit_callbacks) == 0

    # Then only the 30-day notice went, saying what is missing now
    assert sent_keys(kim) == [f"cycle-{cycle.pk}-30"]
    assert len(mailoutbox) == 1
    assert "Still missing: 25 CCP points" in mailoutbox[0].body
    pace = "To be compliant in time: 25 points missing, all of them within the 24 days left."
    assert pace in mailoutbox[0].body
    assert "24 days left" in mailoutbox[0].body


def test_members_with_the_points_or_an_attestation_get_no_notice(
    time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    setup_day = move_to(time_machine, datetime.date(2024, 10, 1))
    with_points = certification(code="MT", today=setup_day, hours=45)
    attested = certification(today=setup_day, hours=3)
    attest(attested, today=setup_day)
    exempt = make_certification(MemberFactory(), certified_on=datetime.date(2004, 3, 10), today=setup_day)

    for day in (datetime.date(2024, 11, 14), datetime.date(2025, 2, 12), datetime.date(2025, 4, 13)):
        assert notices_on(time_machine, day, django_capture_on_commit_callbacks) == 0

    assert not Notice.objects.filter(kind="ccp_compliance").exists()
    assert mailoutbox == []
    assert not Cycle.objects.filter(certification__in=[exempt]).exists()
    assert with_points.cycles.get().state == "open"


def test_a_member_who_catches_up_gets_no_further_notice(
    time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    lee = certification(today=move_to(time_machine, datetime.date(2024, 10, 1)), hours=5)
    notices_on(time_machine, datetime.date(2024, 11, 14), django_capture_on_commit_callbacks)
    record_hours(
        lee, 25, on=datetime.date(2025, 1, 5), today=move_to(time_machine, datetime.date(2025, 1, 6))
    )

    assert notices_on(time_machine, datetime.date(2025, 2, 12), django_capture_on_commit_callbacks) == 0
    assert len(mailoutbox) == 1


def test_no_notice_after_the_last_day_of_the_cycle(
    time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    # Given a short cycle that ended on May 13, 2025 and was not rolled yet
    certification(today=move_to(time_machine, datetime.date(2024, 10, 1)), hours=5)

    assert notices_on(time_machine, CYCLE_END + ONE_DAY, django_capture_on_commit_callbacks) == 0
    assert notices_on(time_machine, datetime.date(2025, 6, 30), django_capture_on_commit_callbacks) == 0
    assert mailoutbox == []


def test_the_notice_steps_are_data(time_machine, django_capture_on_commit_callbacks, mailoutbox):
    CcpPolicy.objects.filter(pk=1).update(notice_days="60, 7")
    mo = certification(today=move_to(time_machine, datetime.date(2024, 10, 1)), hours=5)

    assert notices_on(time_machine, datetime.date(2024, 11, 14), django_capture_on_commit_callbacks) == 0
    assert notices_on(time_machine, datetime.date(2025, 3, 14), django_capture_on_commit_callbacks) == 1
    assert notices_on(time_machine, datetime.date(2025, 5, 6), django_capture_on_commit_callbacks) == 1
    assert [key.rsplit("-", 1)[1] for key in sent_keys(mo)] == ["60", "7"]


def test_the_celery_task_sends_the_notices_of_the_day_and_returns_the_count(
    time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    certification(today=move_to(time_machine, datetime.date(2024, 10, 1)), hours=5)
    move_to(time_machine, datetime.date(2024, 11, 14))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_compliance_notices() == 1
        assert tasks.send_compliance_notices("2024-11-14") == 0

    assert len(mailoutbox) == 1


NOTICE_STEP_QUERIES = 8  # absolute, measured with 40 members evaluated


def test_notices_evaluate_compliance_in_a_fixed_number_of_queries_for_40_members(
    time_machine, django_assert_num_queries
):
    setup_day = move_to(time_machine, datetime.date(2024, 10, 1))
    for _ in range(40):
        certification(today=setup_day, hours=31)  # compliant: evaluated, nothing sent
    move_to(time_machine, datetime.date(2024, 11, 14))

    with django_assert_num_queries(NOTICE_STEP_QUERIES):
        assert ccp_compliance_notices_send(today=datetime.date(2024, 11, 14)) == 0


# --- Volume: a few hundred certifications, the daily jobs twice, and a run interrupted -------------------


@pytest.fixture
def postgres():
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL) for the volume tests")


# The due cohort's cycle ends on CYCLE_END; the notice cohort's ends Aug 10, 2025: on ROLL_DAY it is 88 days
# before the end, so its 90-day step is due.
NOTICE_COHORT = datetime.date(2022, 8, 11)
NOTICE_CYCLE_END = datetime.date(2025, 8, 10)
PAID_THROUGH = {"due": datetime.date(2025, 4, 30), "notice": datetime.date(2025, 7, 31)}
CODES = ["RMA", "RPT", "MT", "CMAS"]  # 30, 24, 45 and 30 points
SHORT_BY = 7  # points the short members miss


@dataclass
class Holder:
    """One certification of the population, and what kind of member holds it."""

    kind: str  # "points", "attested", "short", "lapsed with points", "lapsed short", "exempt"
    cohort: str  # "due" (cycle ends CYCLE_END), "notice" (ends NOTICE_CYCLE_END) or "exempt"
    certification: Certification


POPULATION = {
    "due": {"points": 50, "attested": 30, "short": 40, "lapsed with points": 30, "lapsed short": 20},
    "notice": {"points": 30, "attested": 15, "short": 30, "lapsed short": 15},
}
NOTIFIED = 45  # the short members of the notice cohort
EXEMPT = 20


def make_holder(kind: str, cohort: str, code: str, setup_day: datetime.date) -> Holder:
    if kind == "exempt":
        exempt = make_certification(
            MemberFactory(),
            certified_on=datetime.date(2004, 3, 10),
            paid_through=datetime.date(2026, 2, 28),
            today=setup_day,
        )
        return Holder(kind, cohort, exempt)
    required = credential(code).ccp_points_required
    made = certification(
        code=code,
        certified_on=CERTIFIED_ON if cohort == "due" else NOTICE_COHORT,
        paid_through=None if kind.startswith("lapsed") else PAID_THROUGH[cohort],
        today=setup_day,
        hours=None if kind == "attested" else required + (-SHORT_BY if "short" in kind else 1),
        on=datetime.date(2024, 9, 1),
    )
    if kind == "attested":
        attest(made, today=setup_day)
    return Holder(kind, cohort, made)


@pytest.fixture
def population(postgres, time_machine) -> list[Holder]:
    """280 certifications made through the services on March 1, 2025, in a shuffled order so that every
    chunk of the jobs holds a mix; time then stands on ROLL_DAY."""
    setup_day = move_to(time_machine, datetime.date(2025, 3, 1))
    specs = [
        (kind, cohort) for cohort, kinds in POPULATION.items() for kind, n in kinds.items() for _ in range(n)
    ]
    specs += [("exempt", "exempt")] * EXEMPT
    random.Random(3).shuffle(specs)
    codes = itertools.cycle(CODES)
    holders = [make_holder(kind, cohort, next(codes), setup_day) for kind, cohort in specs]
    assert len(holders) == 280
    move_to(time_machine, ROLL_DAY)
    return holders


def end_state() -> dict:
    """Everything the jobs write: cycles, certification status and CCP facts, history, notices, in rows."""
    return {
        "cycles": list(
            Cycle.objects.order_by("pk").values_list(
                "pk", "certification_id", "number", "start_on", "end_on", "state", "closed_on",
                "counted_points", "closing_result",
            )
        ),
        "certifications": list(
            Certification.objects.order_by("pk").values_list(
                "pk", "status", "status_reason", "lapse_date", "active_through", "ccp_failed_on",
                "ccp_compliant_through",
            )
        ),
        "history": StatusChange.objects.count(),
        "notices": list(Notice.objects.order_by("pk").values_list("member_id", "kind", "key", "state")),
    }  # fmt: skip


def ccp_mails(mailoutbox) -> list:
    """The CCP compliance e-mails (the daily jobs also send billing's renewal notices)."""
    return [email for email in mailoutbox if "CCP points still missing" in email.subject]


def assert_jobs_done(population: list[Holder], mailoutbox) -> None:
    """The end state the daily jobs of ROLL_DAY must reach, whatever the runs it took."""
    expected_status = {
        "points": "active",
        "attested": "active",
        "short": "noncompliant",
        "lapsed with points": "lapsed",
        "lapsed short": "noncompliant",
        "exempt": "active",
    }
    notified = {}
    for holder in population:
        certification = reloaded(holder.certification)
        cycles = cycles_of(certification)
        label = f"{holder.cohort} {holder.kind} #{certification.pk}"
        expected = expected_status[holder.kind]
        if holder.cohort == "notice":  # nothing ended: all still Active or Lapsed, cycle 0 open
            expected = "lapsed" if holder.kind.startswith("lapsed") else "active"
            assert cycles == [(0, NOTICE_COHORT, NOTICE_CYCLE_END, "open", None)], label
        elif holder.cohort == "exempt":
            assert cycles == [], label
        elif expected == "noncompliant":
            assert cycles == [(0, CERTIFIED_ON, CYCLE_END, "noncompliant", ROLL_DAY)], label
            assert certification.ccp_failed_on == ROLL_DAY, label
        else:
            assert cycles == [
                (0, CERTIFIED_ON, CYCLE_END, "compliant", ROLL_DAY),
                (1, ROLL_DAY, datetime.date(2028, 5, 13), "open", None),
            ], label
            assert certification.ccp_compliant_through == CYCLE_END, label
        assert certification.status == expected, label
        if holder.kind.startswith("lapsed"):  # the stretch of not being Active began with the unpaid fee
            assert certification.lapse_date == datetime.date(2023, 6 if holder.cohort == "due" else 9, 1), (
                label
            )
        elif expected == "noncompliant":
            assert certification.lapse_date == ROLL_DAY, label
        keys = sent_keys(certification)
        if holder.cohort == "notice" and "short" in holder.kind:
            cycle = certification.cycles.get()
            assert keys == [f"cycle-{cycle.pk}-90"], label
            notified[certification.member.user.email] = certification
        else:
            assert keys == [], label

    # one e-mail per notice, each sent once, stating the missing points of that member
    assert sorted(email.to[0] for email in ccp_mails(mailoutbox)) == sorted(notified)
    for email in ccp_mails(mailoutbox):
        certification = notified[email.to[0]]
        required = certification.credential.ccp_points_required
        assert f"Still missing: {SHORT_BY} CCP points" in email.body
        assert f"Required:      {required.normalize():f} CCP points" in email.body
        assert "August 10, 2025: 89 days left" in email.body.replace("\n", " ")
    assert Notice.objects.filter(kind="ccp_compliance").exclude(state="sent").count() == 0


def test_the_daily_jobs_twice_in_a_row_over_a_few_hundred_certifications(
    population, django_capture_on_commit_callbacks, mailoutbox
):
    # When the daily jobs run on ROLL_DAY
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_daily_jobs", date=ROLL_DAY.isoformat(), stdout=io.StringIO())

    # Then every cycle that ended is closed, rolled or not, and the short members of the notice cohort
    # got their 90-day notice
    assert_jobs_done(population, mailoutbox)
    after_first = end_state()
    mails = len(mailoutbox)
    assert len(ccp_mails(mailoutbox)) == NOTIFIED

    # When they run again the same day, they change nothing and send nothing
    output = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_daily_jobs", date=ROLL_DAY.isoformat(), stdout=output)

    assert "roll cycles: 0 rolled, 0 not compliant, 0 ended (not active)" in output.getvalue()
    assert "CCP compliance notices: 0" in output.getvalue()
    assert end_state() == after_first
    assert len(mailoutbox) == mails


class Killed(Exception):
    pass


def killed_after_the_first_chunk(monkeypatch, module, name: str) -> list[int]:
    """Make module.name do its second chunk's work and then die before the chunk commits."""
    original = getattr(module, name)
    calls = []

    def dies_in_the_second_chunk(*args, **kwargs):
        calls.append(1)
        result = original(*args, **kwargs)
        if len(calls) == 2:
            raise Killed
        return result

    monkeypatch.setattr(module, name, dies_in_the_second_chunk)
    return calls


def test_jobs_killed_part_way_and_run_again_reach_the_same_end_state(
    population, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True), monkeypatch.context() as patch:
        # Given the roll dies in its second chunk of 25
        killed_after_the_first_chunk(patch, cycle_services, "_roll_chunk")
        with pytest.raises(Killed):
            services.cycles_roll(today=ROLL_DAY, chunk_size=25)
        # (only the first chunk was kept)
        assert Cycle.objects.exclude(state="open").count() == 25
        patch.undo()

        # When it runs again, and then the notices die in their second chunk of 20
        services.cycles_roll(today=ROLL_DAY, chunk_size=25)
        services.cycles_open_missing(today=ROLL_DAY)
        killed_after_the_first_chunk(patch, notice_services, "_send_chunk")
        with pytest.raises(Killed):
            ccp_compliance_notices_send(today=ROLL_DAY, chunk_size=20)
        partly = Notice.objects.filter(kind="ccp_compliance").count()
        assert 0 < partly < NOTIFIED
        patch.undo()
        ccp_compliance_notices_send(today=ROLL_DAY, chunk_size=20)

    # Then the end state is the one of an uninterrupted run, and no notice went twice
    assert_jobs_done(population, mailoutbox)
    assert len(ccp_mails(mailoutbox)) == NOTIFIED
    after = end_state()
    with django_capture_on_commit_callbacks(execute=True):
        services.cycles_roll(today=ROLL_DAY, chunk_size=25)
        assert ccp_compliance_notices_send(today=ROLL_DAY, chunk_size=20) == 0
    assert end_state() == after


def test_the_daily_refresh_moves_active_through_when_an_ongoing_role_completes_the_points(db):
    """Given 25 contact hours and an ongoing organizational role since the cycle start, when the role's
    days bring the cycle to 30 points without any edit, then the daily refresh makes the cycle compliant
    for the members app: active through moves from the cycle's last day to the fee limit."""
    from ccp.services import cycles_refresh_compliance

    start = datetime.date(2022, 5, 14)
    certification = make_certification(
        certified_on=start, today=datetime.date(2022, 6, 1), paid_through=datetime.date(2026, 4, 30)
    )
    cycle = services.cycle_open_current(certification=certification, today=datetime.date(2022, 6, 1))
    for code, fields in (
        ("professional-education", {"completed_on": datetime.date(2022, 6, 1), "quantity": Decimal("25")}),
        ("organizational-participation", {"period_start": start, "period_end": None}),
    ):
        services.activity_record(
            certification=certification, today=datetime.date(2022, 6, 1), recorded_by=None,
            category=ActivityCategory.objects.get(code=code), title=code, helps_job=True, **fields,
        )  # fmt: skip
    certification.refresh_from_db()
    assert certification.active_through == cycle.end_on  # 25.04 of 30 points then

    assert cycles_refresh_compliance(today=datetime.date(2025, 1, 1)) == 1  # 25 + 2 x 964/365 = 30.28

    certification.refresh_from_db()
    assert certification.ccp_compliant_through == cycle.end_on
    assert certification.active_through == datetime.date(2026, 5, 31)
    assert cycles_refresh_compliance(today=datetime.date(2025, 1, 1)) == 0
