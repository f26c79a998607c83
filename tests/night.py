"""A small body for tests of the whole nightly run, and its end state in a form two runs can be compared by
(no ids, timestamps or Message-IDs: the rows, pages and manifest lines a person would check)."""

import csv
import datetime
import io
import re

from django.core.files.storage import default_storage
from pypdf import PdfReader

from billing.models import Invoice
from members.models import Certification, MailBatch, Notice
from tests.factories import MemberFactory, make_certification


def _first_of_month(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def make_night(day: datetime.date, count: int) -> None:
    """`count` RMA certifications whose fee years start from three months before `day`'s month to two
    after: tonight some are invoiced (due within 60 days), some are in arrears or lapse (letters and
    e-mails of every renewal step); every seventh member has no street address (a mail-batch exception)."""
    for number in range(count):
        fee_year_start = _first_of_month(day, number % 6 - 3)
        paid_through = fee_year_start - datetime.timedelta(days=1)
        member = MemberFactory(address_line1="" if number % 7 == 3 else f"{number + 1} Main Street")
        make_certification(
            member,
            certified_on=fee_year_start.replace(year=fee_year_start.year - 5, day=10),
            today=min(fee_year_start, day),
            paid_through=paid_through,
        )


def _pages(batch: MailBatch) -> list[str]:
    texts = []
    for part in batch.parts.order_by("number"):
        reader = PdfReader(default_storage.open(part.pdf))
        assert len(reader.pages) == part.letter_count, part
        # Without the letter's sequence number: it follows the order the letters were written in
        texts += [re.sub(r"Letter \d+", "Letter N", page.extract_text()) for page in reader.pages]
    return texts


def _manifest(batch: MailBatch) -> list[tuple]:
    """The manifest's lines without the columns that depend on the order letters were written in."""
    with default_storage.open(batch.manifest) as file:
        rows = list(csv.DictReader(io.StringIO(file.read().decode("utf-8"))))
    return sorted(
        tuple(v for k, v in row.items() if k not in {"sequence", "part", "notice_id"}) for row in rows
    )


def night_state() -> dict:
    batches = []
    for batch in MailBatch.objects.order_by("day"):
        batches.append(
            {
                "day": batch.day,
                "letters": batch.letter_count,
                "completed": batch.completed_at is not None,
                "exceptions": sorted((e["member_number"], e["reason"]) for e in batch.exceptions),
                "parts": list(
                    batch.parts.order_by("number").values_list("number", "first_sequence", "letter_count")
                ),
                "pages": sorted(_pages(batch)),
                "manifest": _manifest(batch),
                "runs": list(batch.runs.values_list("outcome", flat=True)),
            }
        )
    return {
        "statuses": sorted(
            Certification.objects.values_list(
                "member__member_number", "status", "lapse_date", "active_through"
            )
        ),
        "invoices": sorted(
            Invoice.objects.values_list("number", "state", "amount_cents", "issued_on", "due_on")
        ),
        "notices": sorted(
            Notice.objects.values_list("member__member_number", "kind", "key", "channel", "state", "attempts")
        ),
        "batches": batches,
    }
