"""The daily mail batch: ms per page of the real letters beside a minimal WeasyPrint letter, same run.

Takes the renewal letters that bench/billing_cohort.py left pending (run it first, same DATABASE_URL). For
each size (default 500 and 2,000 letters), inside a transaction that is rolled back: every other pending
letter is set aside, `mail_batch_build(day=..., part_size=500)` prints the chosen ones (members with a
street address), and the part files are opened with pypdf to check that the pages equal the letters.

The floor is a minimal letter: the same envelope layout (US Letter, the sender block from 0.5 in, the
address block at 2 in from the top and 7/8 in from the left), the same words on the same lines (sender,
address, date and numbers, subject, the letter's own text block by block, footer), in one font at one size,
plain paragraphs: no table, box, bold, positioning or stylesheet file. The first --letters size of them
(500) rendered to one file by WeasyPrint with one FontConfiguration kept for the run (as the portal keeps
its own). It is rendered before the first batch, between the batches and after the last, and the median
is the floor; each batch's ratio is to it. Wall-clock and CPU time (this process) are both printed: on a
shared machine the CPU time is the steadier of the two. pypdf's text of both is counted, so a reader can
see the floor carries the same text as the real letters.

Also, as before: one real letter through `render_pdf` and an invoice PDF, each the median of --repeat
renders after one warm-up render (the first render of a process loads fonts: shown apart).

Files go to a temporary MEDIA_ROOT that is removed at the end; the database is left as it was.
"""

import argparse
import datetime
import io
import os
import re
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
from django.template import engines  # noqa: E402
from django.utils.html import strip_tags  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

import members.services.mail_batch as mail_batch  # noqa: E402
from billing.models import Invoice  # noqa: E402
from billing.views import _pdf_context  # noqa: E402
from core.organization import organization as organization_profile  # noqa: E402
from core.pdf import render_pdf  # noqa: E402
from members.models import MailBatch, Notice  # noqa: E402

SPENT = {"render": 0.0}

MINIMAL_LETTER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><style>
@page { size: letter; margin: 0.5in 0.875in; }
body { margin: 0; font-family: "Liberation Sans"; font-size: 10pt; }
section { break-after: page; }
.sender { height: 1.5in; }
.recipient { height: 1.25in; }
p { margin: 0 0 0.5em; }
</style></head><body>{% for letter in letters %}<section>
<div class="sender">{% for line in sender %}<div>{{ line }}</div>{% endfor %}</div>
<div class="recipient">{% for line in letter.member.address_lines %}<div>{{ line }}</div>{% endfor %}</div>
{% for line in letter.lines %}<p>{{ line }}</p>{% endfor %}
</section>{% endfor %}</body></html>"""
BLOCK_TAG = re.compile(r"</?(?:p|div|br|h1)\b[^>]*>")


def text_lines(letter: Notice, day: datetime.date) -> list[str]:
    """The words of a real letter below the address, block by block, as plain lines."""
    organization = organization_profile()
    blocks = (" ".join(strip_tags(block).split()) for block in BLOCK_TAG.split(letter.body_html))
    return [
        f"{day:%B} {day.day}, {day.year} Member {letter.member.member_number} Letter {letter.batch_sequence}",
        letter.subject,
        *(block for block in blocks if block),
        f"{organization.name} - member services {organization.email}, {organization.phone} - "
        f"{letter.kind} {letter.key}",
    ]


def minimal_letters(size: int, *, day: datetime.date):
    """A render function of `size` minimal letters to one file, with the text of the first pending ones."""
    letters = list(pending_letters().select_related("member")[:size])
    for sequence, letter in enumerate(letters, start=1):
        letter.batch_sequence = sequence
        letter.lines = text_lines(letter, day)
    template = engines["django"].from_string(MINIMAL_LETTER)
    fonts = FontConfiguration()

    def render() -> bytes:
        html = template.render({"letters": letters, "sender": settings.MAIL_SENDER})
        return HTML(string=html).write_pdf(font_config=fonts)

    return render


def measure_rendering() -> None:
    render = mail_batch.render_pdf

    def timed_render(template, context, **kwargs):
        began = time.perf_counter()
        try:
            return render(template, context, **kwargs)
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


def pdf_pages(content: bytes) -> tuple[int, int]:
    """(pages, characters of text pypdf extracts, white space left out) of a PDF."""
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), len("".join(text.split()))


def stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def clocked(function):
    """(wall seconds, CPU seconds of this process, result) of function()."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


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
            seconds, cpu, batch = clocked(lambda: mail_batch.mail_batch_build(day=day, part_size=part_size))
            parts = list(batch.parts.order_by("number"))
            counted = [pdf_pages(stored(part.pdf)) for part in parts]
            manifest_rows = stored(batch.manifest).decode().count("\n") - 1
            result = {
                "seconds": seconds,
                "cpu": cpu,
                "render": SPENT["render"],
                "letters": batch.letter_count,
                "exceptions": batch.exception_count,
                "parts": len(parts),
                "pages": sum(pages for pages, _ in counted),
                "pages_per_part": [pages for pages, _ in counted],
                "characters": sum(characters for _, characters in counted),
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
        singles = [
            (
                "one letter, pdf/letters.html",
                lambda: render_pdf("pdf/letters.html", context, stylesheets=("pdf/letters.css",)),
            )
        ]
        if invoice is not None:
            invoice_context = _pdf_context(invoice)
            singles.append(
                ("one invoice, pdf/invoice.html", lambda: render_pdf("pdf/invoice.html", invoice_context))
            )
        measured = [(label, *one_page(render, args.repeat)) for label, render in singles]
        minimal_size = args.letters[0]
        minimal = minimal_letters(minimal_size, day=day)
        minimal()  # warm-up: the fonts
        floors, batches = [clocked(minimal)], []
        for size in args.letters:
            batches.append((size, batch_of(size, day=day, part_size=args.part_size)))
            floors.append(clocked(minimal))
    finally:
        shutil.rmtree(MEDIA, ignore_errors=True)

    floor_pages, floor_characters = pdf_pages(floors[-1][2])
    assert floor_pages == minimal_size, (floor_pages, minimal_size)
    floor_ms = statistics.median(wall for wall, _, _ in floors) * 1000 / minimal_size
    floor_cpu_ms = statistics.median(cpu for _, cpu, _ in floors) * 1000 / minimal_size
    print(f"database {connection.settings_dict['NAME']}; batch day {day}; part size {args.part_size}")
    for label, first, median, page_count in measured:
        print(f"{label}: {page_count} page, first render {first * 1000:.0f} ms, "
              f"median of {args.repeat} {median * 1000:.1f} ms")  # fmt: skip
    print(
        f"minimal letter, {minimal_size} to one file ({len(floors)} renders, around the batches): "
        f"{floor_ms:.1f} ms/page, CPU {floor_cpu_ms:.1f} ms/page "
        f"(each: {', '.join(f'{wall * 1000 / minimal_size:.1f}' for wall, _, _ in floors)} ms/page); "
        f"{floor_characters / floor_pages:.0f} characters of text a page (pypdf)"
    )
    for size, r in batches:
        per_page, cpu_per_page = r["seconds"] * 1000 / r["pages"], r["cpu"] * 1000 / r["pages"]
        print(
            f"mail_batch_build, {size} letters: {r['seconds']:.2f}s, "
            f"{r['parts']} parts {r['pages_per_part']} "
            f"= {r['pages']} pages (pypdf) = {r['letters']} letters = {r['manifest_rows']} manifest rows, "
            f"{r['characters'] / r['pages']:.0f} characters of text a page, "
            f"{r['bytes'] / r['pages'] / 1024:.1f} KiB/page; {per_page:.1f} ms/page, "
            f"{r['pages'] / r['seconds']:.1f} pages/s; render_pdf {r['render']:.2f}s "
            f"({r['render'] * 1000 / r['pages']:.1f} ms/page), the rest {r['seconds'] - r['render']:.2f}s; "
            f"CPU {cpu_per_page:.1f} ms/page"
        )
        print(
            f"  ratio to the minimal letter: x{per_page / floor_ms:.2f} "
            f"(CPU x{cpu_per_page / floor_cpu_ms:.2f}); goal x1.3"
        )


if __name__ == "__main__":
    main()
