"""The organization profile (settings ORGANIZATION_*, issue 12): the footer of every page and every e-mail
say who the body is and how to reach member services. The PDFs are read back in tests/billing/test_pdfs.py
and tests/ccp/test_transcript.py."""

import datetime
import re

import pytest
from django.urls import reverse

from billing import services as billing_services
from ccp import services as ccp_services
from ccp.services.notices import ccp_compliance_notices_send
from members import services as member_services
from tests.billing.conftest import FIXED_ISSUE_DAY, fixed_invoice
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

CONTACT = "Questions? Contact member services: help@bah.example.org · (312) 555-0177"


@pytest.fixture(autouse=True)
def organization(settings):
    """Another body's profile: pages and e-mails must print these settings, not words in a template."""
    settings.ORGANIZATION_NAME = "Board of Allied Health (BAH)"
    settings.ORGANIZATION_EMAIL = "help@bah.example.org"
    settings.ORGANIZATION_PHONE = "(312) 555-0177"
    settings.ORGANIZATION_ADDRESS = ["200 Main Street", "Suite 4", "Evanston, IL 60201"]


def footer(response) -> str:
    html = re.search(r"<footer.*?</footer>", response.content.decode(), re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_member_page_has_member_services_in_its_footer(client):
    client.force_login(MemberFactory().user)

    response = client.get(reverse("home"))

    assert "AMT Member Portal of Board of Allied Health (BAH)" in footer(response)
    assert CONTACT in footer(response)
    assert '<a href="mailto:help@bah.example.org">' in response.content.decode()
    assert '<a href="tel:+13125550177">' in response.content.decode()


def test_a_public_page_has_member_services_in_its_footer(client):
    for path in (reverse("members:verify"), reverse("account_login")):
        assert CONTACT in footer(client.get(path)), path


def assert_signed_by_member_services(message) -> None:
    """The text and the HTML part both end with how to reach member services."""
    html = message.alternatives[0].content
    for part in (message.body, html):
        assert "Member services, Board of Allied Health (BAH)" in part, message.subject
    assert (
        "Questions? Contact member services:\n  E-mail: help@bah.example.org\n  Phone:  (312) 555-0177\n"
        "  Mail:   200 Main Street, Suite 4, Evanston, IL 60201"
    ) in message.body, message.subject
    assert '<a href="mailto:help@bah.example.org">help@bah.example.org</a>' in html
    assert '<a href="tel:+13125550177">(312) 555-0177</a>' in html


def test_the_invitation_e_mail_says_how_to_reach_member_services(
    django_capture_on_commit_callbacks, mailoutbox
):
    member = MemberFactory(first_name="Pat", last_name="O'Brien")
    with django_capture_on_commit_callbacks(execute=True):
        member_services.member_invite(member=member, key="first")

    [message] = mailoutbox
    assert_signed_by_member_services(message)
    assert message.body.startswith("Dear Pat O'Brien,\n")  # the text part is not HTML-escaped


def test_the_renewal_and_receipt_e_mails_say_how_to_reach_member_services(
    django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    # Given an invoice issued on April 1, 2026, its at-issue notice sent, then paid by check
    time_machine.move_to(datetime.datetime(2026, 4, 1, 15, tzinfo=datetime.UTC), tick=False)
    invoice = fixed_invoice(MemberFactory())
    with django_capture_on_commit_callbacks(execute=True):
        billing_services.renewal_notices_send(today=FIXED_ISSUE_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        billing_services.invoice_record_check(
            invoice=invoice, check_number="55", received_on=FIXED_ISSUE_DAY, today=FIXED_ISSUE_DAY,
            actor=make_staff("Billing staff"),
        )  # fmt: skip

    renewal, receipt = mailoutbox
    assert renewal.subject.startswith("Your RMA annual fee")
    assert receipt.subject.startswith("Receipt R-")
    for message in (renewal, receipt):
        assert_signed_by_member_services(message)
        assert f"(member number {invoice.certification.member.member_number})" in message.body


def test_the_ccp_compliance_notice_says_how_to_reach_member_services(
    django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    # Given an RMA cycle ending May 13, 2028 with no points, 180 days before its end
    notice_day = datetime.date(2027, 11, 15)
    time_machine.move_to(datetime.datetime(2027, 11, 15, 15, tzinfo=datetime.UTC), tick=False)
    certification = make_certification(
        certified_on=datetime.date(2025, 5, 14), today=notice_day, paid_through=datetime.date(2028, 4, 30)
    )
    ccp_services.cycle_open_current(certification=certification, today=notice_day)

    with django_capture_on_commit_callbacks(execute=True):
        assert ccp_compliance_notices_send(today=notice_day) == 1

    [message] = mailoutbox
    assert "CCP points still missing" in message.subject
    assert_signed_by_member_services(message)


def test_account_e_mails_say_how_to_reach_member_services(client, mailoutbox):
    member = MemberFactory()

    client.post(reverse("account_reset_password"), {"email": member.user.email})

    [message] = mailoutbox
    assert (
        "Questions? Contact member services of Board of Allied Health (BAH): help@bah.example.org, "
        "(312) 555-0177.\n\nThank you for using AMT Member Portal!"
    ) in message.body
