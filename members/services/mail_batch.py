"""The day's postal letters (every app's), gathered into print files and a CSV manifest for the mail house.

A batch is one row per day, built in parts of `MAIL_BATCH_PART_SIZE` letters. Each part is one
transaction: its letters are numbered, marked sent and rendered together, so a run killed half-way keeps
the parts it finished and a rerun continues with the letters still waiting. Rerunning a finished day
rebuilds missing files from the stored letters: the same batch, never a second one.
"""

import csv
import datetime
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q

from core import clock
from core.exports import spreadsheet_cell
from core.pdf import render_pdf
from members.models import MAILING_ADDRESS_FIELDS, MailBatch, MailBatchPart, MailBatchRun, Notice, User

NO_ADDRESS = "No usable mailing address (street, city and ZIP or postal code are needed)."
WINDOW_LINE_CHARS = 48  # what one line of the envelope window holds without wrapping (10.5 pt, 4 in)
TOO_LONG = f"An address line is longer than the envelope window holds ({WINDOW_LINE_CHARS} characters)."


def unprintable_reason(member) -> str:
    """Why a letter to `member` cannot be printed for a window envelope ("" when it can)."""
    if not member.has_mailing_address:
        return NO_ADDRESS
    if any(len(line) > WINDOW_LINE_CHARS for line in member.address_lines):
        return TOO_LONG
    return ""


MANIFEST_COLUMNS = [
    "sequence",
    "part",
    "member_number",
    "name",
    *MAILING_ADDRESS_FIELDS,
    "kind",
    "subject",
    "notice_id",
]


def _waiting(batch: MailBatch):
    """Letters this batch takes: pending ones written before its cutoff, and exceptions of earlier days
    (listed again each day until the member's address is fixed, then printed)."""
    earlier_exception = Q(state=Notice.State.FAILED, mail_batch__day__lt=batch.day)
    return Notice.objects.filter(
        Q(state=Notice.State.PENDING, mail_batch__isnull=True) | earlier_exception,
        channel=Notice.Channel.LETTER,
        created_at__lt=batch.cutoff,
    )


def _exception_entry(letter: Notice, batch: MailBatch, reason: str) -> dict:
    member = letter.member
    since = letter.mail_batch.day if letter.mail_batch is not None else batch.day
    return {
        "notice_id": letter.pk,
        "member_number": member.member_number,
        "name": member.full_name,
        "subject": letter.subject,
        "reason": reason,
        "waiting_since": since.isoformat(),
    }


def _list_exceptions(batch: MailBatch) -> None:
    """Letters whose member has no usable address are this batch's exceptions. A letter stays with the
    batch that first listed it (failed) and is listed again by each later batch until its address is fixed;
    then it goes back to pending and is printed. The batch keeps its list as it was: a rerun only adds."""
    with transaction.atomic():
        locked = MailBatch.objects.select_for_update().get(pk=batch.pk)
        letters = list(
            _waiting(locked)
            .select_related("member", "mail_batch")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        listed = {entry["notice_id"]: entry for entry in locked.exceptions}
        changed = []
        for letter in letters:
            reason = unprintable_reason(letter.member)
            if reason:
                listed.setdefault(letter.pk, _exception_entry(letter, locked, reason))
                if letter.state == Notice.State.PENDING:
                    letter.state, letter.mail_batch, letter.last_error = Notice.State.FAILED, locked, reason
                    changed.append(letter)
            elif letter.state == Notice.State.FAILED:  # the address was fixed: print it in this batch
                letter.state, letter.mail_batch, letter.last_error = Notice.State.PENDING, None, ""
                changed.append(letter)
        Notice.objects.bulk_update(changed, ["state", "mail_batch", "last_error"], batch_size=500)
        locked.exceptions = sorted(listed.values(), key=lambda entry: entry["notice_id"])
        locked.save(update_fields=["exceptions"])


def _part_path(batch: MailBatch, number: int) -> str:
    return f"mail-batches/{batch.day:%Y-%m-%d}/letters-{number:03d}.pdf"


def _render_part(batch: MailBatch, letters: list[Notice]) -> bytes:
    """One print file: a page per letter (the stylesheet and fonts are loaded once per process)."""
    context = {"batch": batch, "letters": letters, "sender": settings.MAIL_SENDER}
    return render_pdf("pdf/letters.html", context, stylesheets=("pdf/letters.css",))


def _save(name: str, content: bytes) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))


def _build_next_part(batch: MailBatch, part_size: int) -> bool:
    """Print the next `part_size` waiting letters with a usable address; False when none is left."""
    with transaction.atomic():
        locked = MailBatch.objects.select_for_update().get(pk=batch.pk)
        letters = list(
            _waiting(locked)
            .filter(state=Notice.State.PENDING)
            .select_related("member")
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("pk")[:part_size]
        )
        letters = [letter for letter in letters if not unprintable_reason(letter.member)]
        if not letters:
            return False
        number = (locked.parts.aggregate(last=Max("number"))["last"] or 0) + 1
        first = locked.letter_count + 1
        sent_at = clock.now()
        for offset, letter in enumerate(letters):
            letter.mail_batch = locked
            letter.batch_sequence = first + offset
            letter.recipient = "\n".join(letter.member.address_lines)
            letter.state = Notice.State.SENT
            letter.sent_at = sent_at
            letter.attempts += 1
        Notice.objects.bulk_update(
            letters, ["mail_batch", "batch_sequence", "recipient", "state", "sent_at", "attempts"]
        )
        content = _render_part(locked, letters)
        name = _save(_part_path(locked, number), content)
        MailBatchPart.objects.create(
            batch=locked,
            number=number,
            first_sequence=first,
            letter_count=len(letters),
            pdf=name,
            pdf_bytes=len(content),
        )
        locked.letter_count += len(letters)
        locked.save(update_fields=["letter_count"])
    return True


def batch_letters(batch: MailBatch):
    return batch.letters.filter(state=Notice.State.SENT).select_related("member").order_by("batch_sequence")


def _restore_missing_files(batch: MailBatch) -> int:
    """A rerun rebuilds any part whose file is gone from the letters stored with it (same pages); returns
    how many it rebuilt."""
    restored = 0
    for part in batch.parts.all():
        if default_storage.exists(part.pdf):
            continue
        letters = list(
            batch_letters(batch).filter(
                batch_sequence__gte=part.first_sequence, batch_sequence__lte=part.last_sequence
            )
        )
        content = _render_part(batch, letters)
        part.pdf = _save(_part_path(batch, part.number), content)
        part.pdf_bytes = len(content)
        part.save(update_fields=["pdf", "pdf_bytes"])
        restored += 1
    return restored


def _manifest(batch: MailBatch) -> bytes:
    parts = list(batch.parts.all())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MANIFEST_COLUMNS)
    for letter in batch_letters(batch).iterator(chunk_size=2000):
        member = letter.member
        part = next(p.number for p in parts if p.first_sequence <= letter.batch_sequence <= p.last_sequence)
        row = [
            letter.batch_sequence,
            part,
            member.member_number,
            member.full_name,
            *(getattr(member, name) for name in MAILING_ADDRESS_FIELDS),
            letter.kind,
            letter.subject,
            letter.pk,
        ]
        writer.writerow([spreadsheet_cell(value) for value in row])
    return out.getvalue().encode("utf-8")


def mail_batch_build(
    *, day: datetime.date, part_size: int | None = None, built_by: User | None = None
) -> MailBatch:
    """Build (or finish, or rebuild) the mail batch of `day`; returns it with its counts.

    `built_by` is the staff member building it by hand (None: the nightly job). It is kept on the batch
    when this call starts it, as its cutoff is: finishing or restoring a batch later does not change who
    built it. Every call, by whoever, is one row of the batch's runs: who, when and what it did."""
    part_size = part_size or settings.MAIL_BATCH_PART_SIZE
    batch, started = MailBatch.objects.get_or_create(
        day=day, defaults={"cutoff": clock.now(), "built_by": built_by}
    )
    finished_before = batch.completed_at is not None
    if not finished_before:  # a finished batch may be printed already: it only gets its files back
        _list_exceptions(batch)
        while _build_next_part(batch, part_size):
            pass
    restored = _restore_missing_files(batch)
    with transaction.atomic():
        batch = MailBatch.objects.select_for_update().get(pk=batch.pk)
        batch.manifest = _save(f"mail-batches/{day:%Y-%m-%d}/manifest.csv", _manifest(batch))
        batch.completed_at = clock.now()
        batch.save(update_fields=["manifest", "completed_at"])
        outcome = _run_outcome(batch, started=started, finished_before=finished_before, restored=restored)
        MailBatchRun.objects.create(batch=batch, run_by=built_by, run_at=clock.now(), outcome=outcome)
    return batch


def _run_outcome(batch: MailBatch, *, started: bool, finished_before: bool, restored: int) -> str:
    letters = f"{batch.letter_count} letter(s) in {batch.parts.count()} file(s)"
    if started:
        return f"Built: {letters}, {batch.exception_count} exception(s)"
    if not finished_before:
        return f"Finished an interrupted build: {letters}"
    missing = f"{restored} missing file(s) restored" if restored else "no file was missing"
    return f"Already built: files checked, {missing}"
