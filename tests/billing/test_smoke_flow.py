"""A whole renewal on the embedded defaults: issue, notices, a check payment, the mail batch."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from pypdf import PdfReader

from billing import services
from billing.models import Invoice
from members.models import Notice
from members.services.mail_batch import mail_batch_build
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db


def test_issue_notice_pay_and_batch(django_capture_on_commit_callbacks):
    member = MemberFactory(address_line1="1 Main St", city="Springfield", state="IL", postal_code="62701")
    certification = make_certification(
        member,
        certified_on=datetime.date(2019, 5, 14),
        today=datetime.date(2026, 3, 1),
        paid_through=datetime.date(2026, 4, 30),
    )
    day = datetime.date(2026, 4, 1)  # fee year 2026-05-01..2027-04-30 due 2026-05-31: issued 60 days before
    with time_machine.travel(datetime.datetime(2026, 4, 1, 12, tzinfo=datetime.UTC)):
        assert services.invoices_issue_due(today=day) == 1
        assert services.invoices_issue_due(today=day) == 0
        invoice = Invoice.objects.get()
        assert invoice.number == f"RMA-{member.member_number}-202605"
        assert invoice.due_on == datetime.date(2026, 5, 31)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.renewal_notices_send(today=day) == 2
        assert services.renewal_notices_send(today=day) == 0
        assert len(mail.outbox) == 1
        batch = mail_batch_build(day=day)
        assert batch.letter_count == 1
        part = batch.parts.get()
        reader = PdfReader(default_storage.open(part.pdf))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        assert "$50.00" in text and member.last_name in text
        staff = make_staff("Billing staff")
        with django_capture_on_commit_callbacks(execute=True):
            services.invoice_record_check(
                invoice=invoice, check_number="1001", received_on=day, today=day, actor=staff
            )
        certification.refresh_from_db()
        assert certification.paid_through == datetime.date(2027, 4, 30)
        assert len(mail.outbox) == 2
        assert Notice.objects.filter(kind="receipt").count() == 1
