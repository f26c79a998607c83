"""The proof the demo members upload in their audits: small documents that read like the real thing (a
certificate of completion, a transcript, a letter; or a registration receipt that is no proof), as a PDF or
as a scanned image, so the reviewer's page shows each beside its activity.

Made here rather than read from files: the PDF is written by hand (one page, Helvetica) and the scan is
drawn with Pillow, which the portal already uses to check images; the portal checks and rewrites both."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from ccp.models import Activity
from core.formatting import format_date, format_points
from members.models import Member

# certificate: the usual proof for the category (PDF); scan: the same as a photo (PNG);
# no-hours: a certificate that does not say how many hours; receipt: a registration confirmation.
KINDS = ("certificate", "scan", "no-hours", "receipt")


def proof(activity: Activity, member: Member, kind: str = "certificate") -> SimpleUploadedFile:
    if kind not in KINDS:
        raise ValueError(f"Unknown demo document kind {kind!r} (one of {', '.join(KINDS)}).")
    title, lines = _wording(activity, member, kind)
    name = f"{slugify(title)}-{slugify(activity.title)[:40]}"
    if kind == "scan":
        return SimpleUploadedFile(f"{name}.png", _png(title, lines), content_type="image/png")
    return SimpleUploadedFile(f"{name}.pdf", _pdf(title, lines), content_type="application/pdf")


def _wording(activity: Activity, member: Member, kind: str) -> tuple[str, list[str]]:
    done = format_date(activity.completed_on or activity.period_start)
    unit = activity.category.unit if activity.quantity == 1 else activity.category.unit_plural
    units = f"{format_points(activity.quantity, decimals='significant')} {unit}"
    provider = activity.provider or "AMT Learning Center"
    if kind == "receipt":
        return "Registration confirmation", [
            f"{member.full_name} is registered for",
            f'"{activity.title}" ({provider}).',
            "Payment received. This is not a certificate of completion.",
        ]
    if activity.category.code == "formal-education":
        return "Official transcript", [
            provider,
            f"Student: {member.full_name}",
            f"Course: {activity.title}",
            f"{units}, grade A, term ending {done}",
        ]
    if activity.category.code == "instructional-presentation":
        return "Letter of confirmation", [
            f"We confirm that {member.full_name} presented",
            f'"{activity.title}" on {done},',
            f"{units}, to our clinical staff.",
        ]
    lines = [f"This certifies that {member.full_name}", f'completed "{activity.title}"', f"on {done}"]
    if kind != "no-hours":
        lines.append(f"{units} of continuing education")
    return "Certificate of completion", [*lines, provider]


# --- A one-page PDF, written by hand -----------------------------------------------------------------


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _pdf(title: str, lines: list[str]) -> bytes:
    rows = [(26, 700, title)] + [(14, 640 - 26 * index, line) for index, line in enumerate(lines)]
    text = "\n".join(f"BT /F1 {size} Tf 72 {y} Td ({_pdf_text(line)}) Tj ET" for size, y, line in rows)
    stream = text.encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- A scan: the same words on a picture -------------------------------------------------------------


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def _png(title: str, lines: list[str]) -> bytes:
    image = Image.new("RGB", (1100, 760), (250, 247, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, 1076, 736), outline=(120, 100, 60), width=6)
    draw.text((80, 90), title, fill=(40, 40, 40), font=_font(52))
    for index, line in enumerate(lines):
        draw.text((80, 220 + 62 * index), line, fill=(40, 40, 40), font=_font(34))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
