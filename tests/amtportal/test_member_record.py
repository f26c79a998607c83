"""The member's whole record for staff: invoices and payments, CCP cycles, audits, applications and every
notice sent (the e-mail's text readable), newest first, each section paginated on its own, in a fixed
number of queries whatever the member's history."""

import datetime

import pytest
from django.urls import reverse

from billing import services as billing_services
from billing.models import Invoice
from members.models import Notice
from tests.factories import MemberFactory, make_certification, make_staff
from tests.pages import assert_forbidden, assert_sign_in_asked, get_in_queries, page_text

pytestmark = pytest.mark.django_db
D = datetime.date


def notices(member, count: int, *, channel=Notice.Channel.EMAIL) -> None:
    for number in range(count):
        Notice.objects.create(
            member=member, kind="renewal", key=f"{channel}-{number:03d}", channel=channel,
            subject=f"Reminder {number}", body_text=f"Dear member, reminder number {number}.",
            recipient="pat@example.org",
        )  # fmt: skip


@pytest.fixture
def member(seeded, time_machine):
    """A member certified in RMA and RPT early in 2025, the 2026 fees unpaid (invoiced), and 12 e-mails."""
    time_machine.move_to(datetime.datetime(2026, 6, 1, 15, tzinfo=datetime.UTC), tick=False)
    member = MemberFactory(first_name="Pat", last_name="Record", user__email="pat@example.org")
    certification = make_certification(member, certified_on=D(2025, 1, 10))
    make_certification(member, code="RPT", certified_on=D(2025, 2, 10))
    billing_services.invoices_issue_due(today=D(2026, 6, 1))
    notices(member, 12)
    return member, certification


def record(client, member, **params):
    return client.get(reverse("members:staff_member", args=[member.member_number]), params)


def test_the_record_lists_each_section_newest_first_paginated(client, member):
    member, _ = member
    invoices = list(Invoice.objects.filter(certification__member=member).order_by("-issued_on", "-id"))
    assert len(invoices) > 1
    client.force_login(make_staff("Administrator"))

    text = page_text(record(client, member))

    assert f"Invoices and payments ({len(invoices)})" in text
    assert text.index(invoices[0].number) < text.index(invoices[-1].number)
    assert "CCP cycles" in text and "CCP audits Never audited." in text
    assert "Recertification applications No application." in text
    assert "Notices sent (e-mails and letters) (12)" in text
    assert (
        "Reminder 11" in text and "Reminder 2" in text and "Reminder 1 " not in text
    )  # 10 a page, newest first
    assert "Dear member, reminder number 11." in text  # the e-mail's text, behind its subject
    older = page_text(record(client, member, notices_page=2))
    assert "Reminder 1 " in older and "Reminder 0" in older and "Reminder 11" not in older


def test_the_record_takes_the_same_queries_for_a_short_or_a_long_history(
    client, member, django_assert_num_queries
):
    member, _ = member
    client.force_login(make_staff("Administrator"))
    address = reverse("members:staff_member", args=[member.member_number])
    short = get_in_queries(client, address, 16, django_assert_num_queries)
    notices(member, 30, channel=Notice.Channel.LETTER)
    other = make_certification(member, code="MT", certified_on=D(2025, 3, 10))
    billing_services.invoices_issue_due(today=D(2026, 6, 1))
    assert Invoice.objects.filter(certification=other).count() == 1
    long = get_in_queries(client, address, 16, django_assert_num_queries)
    assert short.status_code == long.status_code == 200


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("Billing staff", ["Invoices and payments", "Notices sent"],
         ["CCP cycles", "CCP audits", "Recertification"]),
        ("Audit reviewer", ["CCP audits", "Notices sent"], ["Invoices and payments", "Recertification"]),
        ("Recertification processor", ["Recertification applications", "Notices sent"],
         ["Invoices and payments", "CCP audits"]),
    ],
)  # fmt: skip
def test_each_role_reads_the_sections_its_role_covers(client, member, role, shown, hidden):
    """DOMAIN.md "People and rights": billing staff read invoices, reviewers audits, processors
    applications; every staff role reads the notices sent."""
    member, _ = member
    client.force_login(make_staff(role))
    text = page_text(record(client, member))
    assert all(title in text for title in shown), text
    assert not any(title in text for title in hidden), text


def test_the_invitation_text_with_its_set_password_link_is_never_shown(client, member):
    """The invitation e-mail carries the member's personal set-password link: staff see that it was sent,
    not its text (a staff member could otherwise take over an account not yet claimed)."""
    from members.services import member_invite

    member, _ = member
    notice = member_invite(member=member, key="first")
    client.force_login(make_staff("Administrator"))
    text = page_text(record(client, member))
    assert "The text is not shown: it carries the member's personal set-password link." in text
    assert "/invitation/" not in text and "/invitation/" in Notice.objects.get(pk=notice.pk).body_text


def test_a_page_number_out_of_range_shows_the_last_page(client, member):
    member, _ = member
    client.force_login(make_staff("Billing staff"))
    text = page_text(record(client, member, notices_page="999"))
    assert "Reminder 0" in text
    assert "Reminder 11" in page_text(
        record(client, member, notices_page="x2")
    )  # not a number: the first page


def test_the_record_is_for_staff_who_may_search_members(client, member):
    member, _ = member
    address = reverse("members:staff_member", args=[member.member_number])
    assert_sign_in_asked(client, [("get", address)])
    assert_forbidden(client, [member.user], [("get", address)], {})
    client.force_login(make_staff("Billing staff"))
    assert client.get(reverse("members:staff_member", args=["NOPE"])).status_code == 404
