"""The daily mail batch: ms per page of a batch of letters beside the ms of a one-page PDF, same run.

Takes the renewal letters that bench/billing_cohort.py left pending (run it first, same DATABASE_URL). For
each size (default 500 and 2,000 letters), inside a transaction that is rolled back: every other pending
letter is set aside, `mail_batch_build(day=..., part_size=500)` prints the chosen ones (members with a
street address), and the part files are opened with pypdf to check that the pages equal the letters. The
one-page baseline is one of the same letters through the same template (pdf/letters.html) by
`render_pdf`, and an invoice PDF (pdf/invoice.html) of the bench day, each the median of --repeat renders
after one warm-up render (the first render of a process loads fonts: shown apart).

Files go to a temporary MEDIA_ROOT that is removed at the end; the database is left as it was.
"""

import argparse
import datetime
import io
import os
import shutil
import statistics
import tempfile
import time

MEDIA = tempfile.mkdtemp(prefix="amt-letter-bench-")
os.environ["MEDIA_ROOT"] = MEDIA  # before the settings are read: the part files stay out of var/private

from _setup import Rollback, timed  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from pypdf import PdfReader  # noqa: E402

import members.services.mail_batch as mail_batch  # noqa: E402
from billing.models import Invoice  # noqa: E402
from billing.views import _pdf_context  # noqa: E402
from core.pdf import render_pdf  # noqa: E402
from members.models import MailBatch, Notice  # noqa: E402

SPENT = {"render": 0.0}


def measure_rendering() -> None:
    render = mail_batch.render_pdf

    def timed_render(template, context):
        began = time.perf_counter()
        try:
            return render(template, context)
        finally:
            SPENT["render"] += time.perf_counter() - began

    mail_batch.render_pdf = timed_render


def pending_letters():
    return (
        Notice.objects.filter(
            channel=Notice.Channel.LETTER, state=Notice.State.PENDING, mail_batch__isnull=True
        )
        .exclude(member__address_line1="")
        .exclude(member__city="")
        .exclude(member__postal_code="")
        .order_by("pk")
    )


def pages(name: str) -> int:
    with default_storage.open(name, "rb") as handle:
        return len(PdfReader(io.BytesIO(handle.read())).pages)


def batch_of(size: int, *, day: datetime.date, part_size: int) -> dict:
    """mail_batch_build over `size` pending letters (the others set aside), rolled back."""
    chosen = list(pending_letters().values_list("pk", flat=True)[:size])
    if len(chosen) < size:
        raise SystemExit(
            f"only {len(chosen)} pending letters with an address: run bench/billing_cohort.py first"
        )
    result = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE members_notice SET state = 'cancelled' WHERE channel = 'letter' "
                    "AND state IN ('pending', 'failed') AND NOT (id = ANY(%s))",
                    [chosen],
                )
            SPENT["render"] = 0.0
            seconds, batch = timed(lambda: mail_batch.mail_batch_build(day=day, part_size=part_size))
            parts = list(batch.parts.order_by("number"))
            counted = [pages(part.pdf) for part in parts]
            with default_storage.open(batch.manifest, "rb") as handle:
                manifest_rows = handle.read().decode().count("\n") - 1
            result = {
                "seconds": seconds,
                "render": SPENT["render"],
                "letters": batch.letter_count,
                "exceptions": batch.exception_count,
                "parts": len(parts),
                "pages": sum(counted),
                "pages_per_part": counted,
                "bytes": sum(part.pdf_bytes for part in parts),
                "manifest_rows": manifest_rows,
            }
            raise Rollback
    except Rollback:
        pass
    assert result["pages"] == result["letters"] == size == result["manifest_rows"], result
    return result


def one_page(render, repeat: int) -> tuple[float, float, int]:
    """(first render s, median of `repeat` renders s, pages) of one document."""
    first, content = timed(render)
    times = [timed(render)[0] for _ in range(repeat)]
    return first, statistics.median(times), len(PdfReader(io.BytesIO(content)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--date", default="2026-11-01", help="The batch day (the bench day of billing_cohort)."
    )
    parser.add_argument("--letters", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--part-size", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20, help="Renders of each one-page PDF.")
    args = parser.parse_args()
    day = datetime.date.fromisoformat(args.date)
    measure_rendering()
    try:
        letter = pending_letters().select_related("member").first()
        if letter is None:
            raise SystemExit("no pending letter: run bench/billing_cohort.py first (same DATABASE_URL)")
        letter.batch_sequence = 1
        context = {"batch": MailBatch(day=day), "letters": [letter], "sender": settings.MAIL_SENDER}
        invoice = (
            Invoice.objects.filter(issued_on=day, kind=Invoice.Kind.ANNUAL)
            .select_related("certification__member", "certification__credential")
            .first()
        )
        singles = [("one letter, pdf/letters.html", lambda: render_pdf("pdf/letters.html", context))]
        if invoice is not None:
            invoice_context = _pdf_context(invoice)
            singles.append(
                ("one invoice, pdf/invoice.html", lambda: render_pdf("pdf/invoice.html", invoice_context))
            )
        measured = [(label, *one_page(render, args.repeat)) for label, render in singles]
        batches = [(size, batch_of(size, day=day, part_size=args.part_size)) for size in args.letters]
    finally:
        shutil.rmtree(MEDIA, ignore_errors=True)

    letter_ms = measured[0][2] * 1000
    print(f"database {connection.settings_dict['NAME']}; batch day {day}; part size {args.part_size}")
    for label, first, median, page_count in measured:
        print(f"{label}: {page_count} page, first render {first * 1000:.0f} ms, "
              f"median of {args.repeat} {median * 1000:.1f} ms")  # fmt: skip
    for size, r in batches:
        per_page = r["seconds"] * 1000 / r["pages"]
        print(
            f"mail_batch_build, {size} letters: {r['seconds']:.2f}s, "
            f"{r['parts']} parts {r['pages_per_part']} "
            f"= {r['pages']} pages (pypdf) = {r['letters']} letters = {r['manifest_rows']} manifest rows, "
            f"{r['bytes'] / r['pages'] / 1024:.1f} KiB/page; {per_page:.1f} ms/page, "
            f"{r['pages'] / r['seconds']:.1f} pages/s, x{per_page / letter_ms:.2f} the one-page letter; "
            f"render_pdf {r['render']:.2f}s ({r['render'] * 1000 / r['pages']:.1f} ms/page), "
            f"the rest {r['seconds'] - r['render']:.2f}s"
        )


if __name__ == "__main__":
    main()
