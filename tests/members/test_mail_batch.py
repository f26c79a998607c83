"""The day's mail batch (members/services/mail_batch.py): print-ready PDF parts, one letter per page, a CSV
manifest, exceptions for members without a usable address; a rerun rebuilds the same batch.

The letters are the at-issue renewal letters the billing jobs write (RMA certified in May, the 2026 fee year
invoiced on 2026-04-01). Letters are written at 14:00 UTC and the batch runs at 15:00 UTC (both Apr 1 in
Chicago), because a batch takes the letters written before it started.
"""

import csv
import datetime
import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from billing import services as billing
from members.models import MailBatch, Notice
from members.services import mail_batch, member_update_profile
from members.services.mail_batch import MANIFEST_COLUMNS, NO_ADDRESS, TOO_LONG, mail_batch_build
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = D(2026, 4, 1)
NEXT_DAY = D(2026, 4, 2)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def clock(time_machine):
    def move(day: D, hour: int) -> None:
        moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)
        time_machine.move_to(moment, tick=False)

    return move


def members_with_letters(count: int, *, without_address: int = 0) -> list:
    """`count` members with a certification whose at-issue letter is written on DAY; the last
    `without_address` of them have no street address."""
    members = []
    for number in range(count):
        address = "" if number >= count - without_address else f"{100 + number} Oak Avenue"
        member = MemberFactory(
            first_name="Alex", address_line1=address, city="Peoria", postal_code=f"616{number:02d}"
        )
        make_certification(
            member, certified_on=D(2019, 5, 14), today=D(2026, 3, 1), paid_through=D(2026, 4, 30)
        )
        members.append(member)
    billing.invoices_issue_due(today=DAY)
    billing.renewal_notices_send(today=DAY)
    return members


def pages(batch: MailBatch) -> list[str]:
    texts = []
    for part in batch.parts.order_by("number"):
        reader = PdfReader(default_storage.open(part.pdf))
        assert len(reader.pages) == part.letter_count
        texts += [page.extract_text() for page in reader.pages]
    return texts


def manifest(batch: MailBatch) -> list[dict]:
    with default_storage.open(batch.manifest) as file:
        rows = list(csv.reader(io.StringIO(file.read().decode("utf-8"))))
    assert rows[0] == MANIFEST_COLUMNS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_seven_letters_in_parts_of_three(clock):
    """Given 7 letters written today, when the batch runs with parts of 3, then there are 3 print files of
    3, 3 and 1 pages; page n is letter n, with that member's name and address; the manifest lists the 7
    letters in sequence order with their part, the member and the address columns."""
    clock(DAY, 14)
    members = members_with_letters(7)
    clock(DAY, 15)
    batch = mail_batch_build(day=DAY, part_size=3)

    assert (batch.letter_count, batch.exception_count) == (7, 0)
    assert [(p.number, p.first_sequence, p.letter_count) for p in batch.parts.order_by("number")] == [
        (1, 1, 3),
        (2, 4, 3),
        (3, 7, 1),
    ]
    texts = pages(batch)
    assert len(texts) == 7
    rows = manifest(batch)
    assert [row["sequence"] for row in rows] == [str(n) for n in range(1, 8)]
    assert [row["part"] for row in rows] == ["1", "1", "1", "2", "2", "2", "3"]
    by_number = {member.member_number: member for member in members}
    assert sorted(row["member_number"] for row in rows) == sorted(by_number)
    for text, row in zip(texts, rows, strict=True):
        member = by_number[row["member_number"]]
        for line in member.address_lines:
            assert line in text
        assert f"Member {member.member_number}" in text and f"Letter {row['sequence']}" in text
        assert (row["name"], row["address_line1"], row["city"], row["postal_code"], row["country"]) == (
            member.full_name,
            member.address_line1,
            "Peoria",
            member.postal_code,
            "US",
        )
        assert row["kind"] == "renewal"
        assert row["subject"] == "Your RMA annual fee of $50.00 is due May 31, 2026"
        letter = Notice.objects.get(pk=row["notice_id"])
        assert (letter.member_id, letter.state, letter.batch_sequence) == (
            member.pk,
            "sent",
            int(row["sequence"]),
        )
        assert letter.mail_batch_id == batch.pk


def test_five_letters_make_one_print_file(clock):
    clock(DAY, 14)
    members_with_letters(5)
    clock(DAY, 15)
    batch = mail_batch_build(day=DAY)

    assert batch.parts.count() == 1
    assert len(pages(batch)) == 5
    assert len(manifest(batch)) == 5


def test_members_without_an_address_are_exceptions_until_it_is_fixed(clock):
    """Given 4 letters, one to a member with no street address, when the batch runs, then 3 are printed and
    the fourth is listed as an exception (failed, with the reason), in neither the PDF nor the manifest; the
    next day it is listed again; once the member enters an address, the next batch prints it."""
    clock(DAY, 14)
    *addressed, homeless = members_with_letters(4, without_address=1)
    clock(DAY, 15)
    batch = mail_batch_build(day=DAY)

    assert (batch.letter_count, batch.exception_count) == (3, 1)
    exception = Notice.objects.get(member=homeless, channel="letter")
    assert (exception.state, exception.last_error, exception.mail_batch_id) == (
        "failed",
        NO_ADDRESS,
        batch.pk,
    )
    assert not any(homeless.full_name in text for text in pages(batch))
    assert homeless.member_number not in {row["member_number"] for row in manifest(batch)}

    clock(NEXT_DAY, 15)
    again = mail_batch_build(day=NEXT_DAY)
    assert (again.letter_count, again.exception_count) == (0, 1)

    member_update_profile(
        member=homeless, changed_by=homeless.user, fields={"address_line1": "9 Pine Road", "city": "Peoria"}
    )
    clock(D(2026, 4, 3), 15)
    fixed = mail_batch_build(day=D(2026, 4, 3))
    assert (fixed.letter_count, fixed.exception_count) == (1, 0)
    [text] = pages(fixed)
    assert "9 Pine Road" in text and homeless.full_name in text
    exception.refresh_from_db()
    assert (exception.state, exception.mail_batch_id, exception.batch_sequence) == ("sent", fixed.pk, 1)
    assert exception.recipient.splitlines()[1] == "9 Pine Road"


def test_rerunning_a_day_gives_the_same_batch(clock):
    clock(DAY, 14)
    members_with_letters(5, without_address=1)
    clock(DAY, 15)
    first = mail_batch_build(day=DAY, part_size=2)
    parts = [(p.number, p.first_sequence, p.letter_count, p.pdf) for p in first.parts.order_by("number")]
    first_manifest = manifest(first)
    first_pages = pages(first)

    clock(DAY, 18)
    again = mail_batch_build(day=DAY, part_size=2)

    assert MailBatch.objects.count() == 1 and again.pk == first.pk
    assert (again.letter_count, again.exception_count) == (4, 1)
    assert [
        (p.number, p.first_sequence, p.letter_count, p.pdf) for p in again.parts.order_by("number")
    ] == parts
    assert manifest(again) == first_manifest
    assert pages(again) == first_pages and len(first_pages) == 4


def test_a_deleted_print_file_is_rebuilt_by_a_rerun(clock):
    clock(DAY, 14)
    members_with_letters(5)
    clock(DAY, 15)
    batch = mail_batch_build(day=DAY, part_size=3)
    second = batch.parts.get(number=2)
    before = [page.extract_text() for page in PdfReader(default_storage.open(second.pdf)).pages]
    default_storage.delete(second.pdf)

    clock(DAY, 16)
    batch = mail_batch_build(day=DAY, part_size=3)

    second.refresh_from_db()
    reader = PdfReader(default_storage.open(second.pdf))
    assert len(reader.pages) == second.letter_count == 2
    assert [page.extract_text() for page in reader.pages] == before
    assert batch.letter_count == 5 and batch.parts.count() == 2
    assert [(run.run_at.hour, run.run_by, run.outcome) for run in batch.runs.all()] == [
        (15, None, "Built: 5 letter(s) in 2 file(s), 0 exception(s)"),
        (16, None, "Already built: files checked, 1 missing file(s) restored"),
    ]


def test_a_build_killed_half_way_is_finished_by_the_next_one(clock, monkeypatch):
    # Given a build that dies while rendering its second print file (the first holds three letters of five)
    clock(DAY, 14)
    members_with_letters(5)
    clock(DAY, 15)
    real_render_part, calls = mail_batch._render_part, []

    def dies_in_the_second_part(batch, letters):
        calls.append(len(letters))
        if len(calls) > 1:
            raise KeyboardInterrupt("killed")
        return real_render_part(batch, letters)

    monkeypatch.setattr(mail_batch, "_render_part", dies_in_the_second_part)
    with pytest.raises(KeyboardInterrupt):
        mail_batch_build(day=DAY, part_size=3)
    monkeypatch.setattr(mail_batch, "_render_part", real_render_part)
    assert calls == [3, 2]

    # When a clerk builds it again
    clerk = make_staff("Billing staff")
    clock(DAY, 16)
    batch = mail_batch_build(day=DAY, part_size=3, built_by=clerk)

    # Then it holds all five letters, still the nightly job's batch, with the clerk's run saying so
    assert (batch.letter_count, batch.parts.count(), batch.built_by) == (5, 2, None)
    assert [(run.run_by, run.outcome) for run in batch.runs.all()] == [
        (clerk, "Finished an interrupted build: 5 letter(s) in 2 file(s)")
    ]


def test_a_letter_written_after_the_cutoff_goes_to_the_next_days_batch(clock):
    clock(DAY, 14)
    members_with_letters(2)
    clock(DAY, 15)
    mail_batch_build(day=DAY)

    clock(DAY, 16)  # still Apr 1 in Chicago: a late letter written after the batch started
    [late] = members_with_letters(1)
    clock(DAY, 17)
    rerun = mail_batch_build(day=DAY)
    assert rerun.letter_count == 2
    assert Notice.objects.get(member=late, channel="letter").state == "pending"

    clock(NEXT_DAY, 15)
    following = mail_batch_build(day=NEXT_DAY)
    assert following.letter_count == 1
    assert late.full_name in pages(following)[0]


def test_a_batch_keeps_who_built_it_and_the_nightly_rerun_does_not_change_it(clock):
    # Given a clerk builds today's batch by hand at 15:00
    clock(DAY, 14)
    members_with_letters(2)
    clerk = make_staff("Billing staff")
    clock(DAY, 15)
    by_hand = mail_batch_build(day=DAY, built_by=clerk)

    # When the nightly job runs the same day later, and builds the next day's on its own
    clock(DAY, 23)
    mail_batch_build(day=DAY)
    clock(NEXT_DAY, 23)
    nightly = mail_batch_build(day=NEXT_DAY)

    # Then today's batch is still the clerk's, with its cutoff; the next day's is the nightly job's
    assert MailBatch.objects.get(pk=by_hand.pk).built_by == clerk
    assert by_hand.cutoff == datetime.datetime(2026, 4, 1, 15, tzinfo=datetime.UTC)
    assert MailBatch.objects.get(pk=nightly.pk).built_by is None


def letter_to(**address) -> Notice:
    """The at-issue renewal letter (written on DAY) to a new member with this mailing address."""
    member = MemberFactory(**address)
    make_certification(member, certified_on=D(2019, 5, 14), today=D(2026, 3, 1), paid_through=D(2026, 4, 30))
    billing.invoices_issue_due(today=DAY)
    billing.renewal_notices_send(today=DAY)
    return Notice.objects.get(member=member, channel=Notice.Channel.LETTER)


def test_the_manifest_never_starts_a_cell_with_a_formula(clock):
    # Given a member whose typed address starts like a spreadsheet formula
    clock(DAY, 14)
    letter_to(address_line1='=HYPERLINK("http://evil")', city="Springfield", postal_code="62701")

    # When the day's batch is built
    clock(DAY, 15)
    batch = mail_batch_build(day=DAY)

    # Then the manifest carries the text, quoted so that a spreadsheet shows it as text
    assert [row["address_line1"] for row in manifest(batch)] == ['\'=HYPERLINK("http://evil")']


def test_a_long_address_is_an_exception_not_a_clipped_letter(clock):
    # Given a member whose two address lines are as long as the form allows: the letter is written with
    # the whole address (nothing stops the notices)
    clock(DAY, 14)
    letter = letter_to(
        address_line1="A" * 200, address_line2="B" * 200, city="Springfield", postal_code="62701"
    )
    member = letter.member
    assert letter.recipient.splitlines() == [member.full_name, "A" * 200, "B" * 200, "Springfield, IL 62701"]

    # When the batch runs, staff find it listed instead of an address the envelope window would cut
    clock(DAY, 15)
    batch = mail_batch_build(day=DAY)
    assert (batch.letter_count, batch.exception_count) == (0, 1)
    assert (batch.exceptions[0]["reason"], batch.exceptions[0]["member_number"]) == (
        TOO_LONG,
        member.member_number,
    )

    # And once the address fits, the next day's batch prints it with every line on the page
    member_update_profile(
        member=member,
        changed_by=member.user,
        fields={"address_line1": "1200 North Lake Shore Drive", "address_line2": "Apartment 4B"},
    )
    member.refresh_from_db()
    clock(NEXT_DAY, 15)
    next_day = mail_batch_build(day=NEXT_DAY)
    assert next_day.letter_count == 1
    text = pages(next_day)[0]
    for line in member.address_lines:
        assert line in text, line


def test_a_finished_batch_rerun_takes_no_new_letters(clock):
    # Given a finished batch with an exception (no street address)
    clock(DAY, 14)
    letter = letter_to(address_line1="", city="Springfield", postal_code="62701")
    clock(DAY, 15)
    first = mail_batch_build(day=DAY)
    assert (first.letter_count, first.exception_count) == (0, 1)

    # When the address is fixed and the same day is rebuilt
    member_update_profile(
        member=letter.member, changed_by=letter.member.user, fields={"address_line1": "1 Main St"}
    )
    clock(DAY, 16)
    again = mail_batch_build(day=DAY)

    # Then that (possibly printed) batch is unchanged, and the letter goes out in the next day's batch
    assert (again.letter_count, again.exception_count) == (0, 1)
    clock(NEXT_DAY, 15)
    next_day = mail_batch_build(day=NEXT_DAY)
    assert next_day.letter_count == 1
    assert MailBatch.objects.count() == 2
    assert Notice.objects.get(pk=letter.pk).mail_batch == next_day


# --- The printed page: the envelope windows --------------------------------------------------------------

INCH = 72  # PDF points


def page_lines(page) -> dict[str, tuple[float, float]]:
    """Each line of text on `page` -> (inches from the left, inches from the top) of where it starts."""
    height = float(page.mediabox.height)
    positions: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            positions.setdefault(" ".join(text.split()), (x / INCH, (height - y) / INCH))

    page.extract_text(visitor_text=visit)
    return positions


def test_every_page_has_its_own_address_in_the_lower_window_and_the_sender_in_the_upper_one(clock, settings):
    """Given three letters, one to an address of four lines whose longest line is as long as the window
    holds, when the batch prints them in one file, then on each US Letter page the sender's block starts
    1/2 in from the top and the member's whole address lies in the lower window (2 to 3 in from the top,
    7/8 in from the left); the date and numbers, the subject, the amount box, how to pay and the footer
    follow below the window, on the same page."""
    clock(DAY, 14)
    longest = "9" * (mail_batch.WINDOW_LINE_CHARS - len(" Long Boulevard")) + " Long Boulevard"
    members = members_with_letters(3)
    fields = {"address_line1": longest, "address_line2": "Suite 1200"}
    member_update_profile(member=members[1], changed_by=members[1].user, fields=fields)
    clock(DAY, 15)

    batch = mail_batch_build(day=DAY)

    reader = PdfReader(default_storage.open(batch.parts.get().pdf))
    assert len(reader.pages) == 3
    for sequence, (page, member) in enumerate(zip(reader.pages, members, strict=True), start=1):
        member.refresh_from_db()
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (8.5 * INCH, 11 * INCH)
        lines = page_lines(page)
        sender_x, sender_top = lines[settings.MAIL_SENDER[0]]
        assert 0.8 < sender_x < 1.0 and 0.5 < sender_top < 0.75
        assert len(member.address_lines) == (4 if sequence == 2 else 3)
        for line in member.address_lines:
            x, top = lines[line]
            assert 0.8 < x < 1.0 and 2.0 < top < 3.0, (line, x, top)
        [meta] = [line for line in lines if line.endswith(f"Letter {sequence}")]
        assert meta == f"April 1, 2026 Member {member.member_number} Letter {sequence}"
        invoice = member.certifications.get().invoices.get()
        below_the_window = [
            meta,
            "Your RMA annual fee of $50.00 is due May 31, 2026",
            f"Invoice {invoice.number}",
            "Amount due $50.00",
            "Due date May 31, 2026",
        ]
        for line in below_the_window:
            assert 3.0 < lines[line][1] < 10.5, line
        words = " ".join(page.extract_text().split())
        assert f"Dear Alex {member.last_name}," in words
        assert f"Pay online by card at http://127.0.0.1:8000/invoices/{invoice.number}/pay/" in words
        letter = Notice.objects.get(member=member, channel=Notice.Channel.LETTER)
        assert f"{letter.kind} {letter.key}" in words  # the footer
