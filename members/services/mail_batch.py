"""The day's postal letters (every app's), gathered into print files and a CSV manifest for the mail house.

A batch is one row per day, built in three steps that the nightly run fans out over Celery workers and
`mail_batch_build` runs in a row:

1. `mail_batch_assign`, in one transaction and without rendering: the exceptions are listed, and every
   waiting letter is numbered, marked sent and given its part of `MAIL_BATCH_PART_SIZE` letters (the
   parts' rows are written without a file). Rerun, it takes only letters still waiting.
2. `mail_batch_part_render`, one call per part, any worker: the part's PDF from its stored letters, under
   the part's row lock; a part whose file exists is skipped, so a part redone after a kill is written once.
3. `mail_batch_complete`: the manifest, the completion and one row of the batch's runs.

A run killed anywhere keeps what it committed and a rerun finishes it; rerunning a finished day rebuilds
missing files from the stored letters: the same batch, never a second one.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q

from core import clock
from core.bulk import bulk_update_rows, chunked
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


ASSIGN_SLICE = 2000  # letters read and written at a time inside the assignment's transaction


@dataclass(frozen=True)
class MailBatchPlan:
    """What `mail_batch_assign` found: the parts to render, and what the completion reports."""

    day: datetime.date
    parts: list[int]  # numbers of the parts whose print file is missing
    started: bool  # this call created the batch
    finished_before: bool  # the batch was complete already (only its missing files are rebuilt)


def _assign_letters(batch: MailBatch, part_size: int) -> None:
    """Number the waiting printable letters of the (locked) batch after its last one, mark them sent and
    cut them into new parts of `part_size` (rows without a file yet)."""
    ids = list(_waiting(batch).filter(state=Notice.State.PENDING).order_by("pk").values_list("pk", flat=True))
    number = batch.parts.aggregate(last=Max("number"))["last"] or 0
    sequence, in_part, parts, sent_at = batch.letter_count, part_size, [], clock.now()
    for ids_slice in chunked(ids, ASSIGN_SLICE):
        letters = list(
            Notice.objects.filter(pk__in=ids_slice, state=Notice.State.PENDING, mail_batch__isnull=True)
            .select_related("member")
            .defer("body_text", "body_html")
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("pk")
        )
        letters = [letter for letter in letters if not unprintable_reason(letter.member)]
        for letter in letters:
            if in_part == part_size:
                number, in_part = number + 1, 0
                parts.append(MailBatchPart(batch=batch, number=number, first_sequence=sequence + 1, pdf=""))
            sequence, in_part = sequence + 1, in_part + 1
            parts[-1].letter_count = in_part
            letter.mail_batch, letter.batch_sequence = batch, sequence
            letter.recipient = "\n".join(letter.member.address_lines)
            letter.state, letter.sent_at, letter.attempts = Notice.State.SENT, sent_at, letter.attempts + 1
        bulk_update_rows(
            Notice, letters, ["mail_batch", "batch_sequence", "recipient", "state", "sent_at", "attempts"]
        )
    MailBatchPart.objects.bulk_create(parts, batch_size=500)
    batch.letter_count = sequence
    batch.save(update_fields=["letter_count"])


def _has_file(part: MailBatchPart) -> bool:
    return bool(part.pdf) and default_storage.exists(part.pdf)


def mail_batch_assign(
    *, day: datetime.date, part_size: int | None = None, built_by: User | None = None
) -> MailBatchPlan:
    """Step 1 (one transaction, no rendering): start or resume the batch of `day`. An unfinished batch lists
    its exceptions and takes its waiting letters into new parts; a finished one takes nothing (it may be
    printed already). Returns the parts whose file is missing."""
    part_size = part_size or settings.MAIL_BATCH_PART_SIZE
    with transaction.atomic():
        batch, started = MailBatch.objects.get_or_create(
            day=day, defaults={"cutoff": clock.now(), "built_by": built_by}
        )
        batch = MailBatch.objects.select_for_update().get(pk=batch.pk)
        finished_before = batch.completed_at is not None
        if not finished_before:
            _list_exceptions(batch)
            batch.refresh_from_db()
            _assign_letters(batch, part_size)
        missing = [part.number for part in batch.parts.order_by("number") if not _has_file(part)]
    return MailBatchPlan(day=day, parts=missing, started=started, finished_before=finished_before)


def batch_letters(batch: MailBatch):
    return batch.letters.filter(state=Notice.State.SENT).select_related("member").order_by("batch_sequence")


def mail_batch_part_render(*, day: datetime.date, number: int) -> int:
    """Step 2, one part: render its letters to its print file unless the file exists; returns the letters
    rendered (0: skipped). The part's row is locked meanwhile, so the same part redone at once by two
    workers (a redelivered chunk) is written once."""
    with transaction.atomic():
        part = (
            MailBatchPart.objects.select_for_update(of=("self",))
            .select_related("batch")
            .get(batch__day=day, number=number)
        )
        if _has_file(part):
            return 0
        batch = part.batch
        letters = list(
            batch_letters(batch).filter(
                batch_sequence__gte=part.first_sequence, batch_sequence__lte=part.last_sequence
            )
        )
        content = _render_part(batch, letters)
        part.pdf = _save(_part_path(batch, part.number), content)
        part.pdf_bytes = len(content)
        part.save(update_fields=["pdf", "pdf_bytes"])
    return len(letters)


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
    """Build (or finish, or rebuild) the mail batch of `day` in this process; returns it with its counts.

    `built_by` is the staff member building it by hand (None: the nightly job). It is kept on the batch
    when this call starts it, as its cutoff is: finishing or restoring a batch later does not change who
    built it. Every call, by whoever, is one row of the batch's runs: who, when and what it did."""
    plan = mail_batch_assign(day=day, part_size=part_size, built_by=built_by)
    for number in plan.parts:
        mail_batch_part_render(day=day, number=number)
    return mail_batch_complete(
        day=day,
        built_by=built_by,
        started=plan.started,
        finished_before=plan.finished_before,
        restored=len(plan.parts) if plan.finished_before else 0,
    )


def mail_batch_complete(
    *, day: datetime.date, built_by: User | None, started: bool, finished_before: bool, restored: int
) -> MailBatch:
    """Step 3, once every part is rendered: the manifest, the completion and the run's row (what
    `mail_batch_assign` found: `started`, `finished_before`; `restored`: missing files rebuilt)."""
    with transaction.atomic():
        batch = MailBatch.objects.select_for_update().get(day=day)
        unrendered = [part.number for part in batch.parts.all() if not _has_file(part)]
        if unrendered:
            raise RuntimeError(f"Mail batch {day}: part(s) {unrendered} have no print file yet.")
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
