"""Uploaded documents (proof of CE, audit proof, application attachments), judged by their whole content.

A PDF must parse with pypdf and is kept as pypdf rewrites it from its pages, so what a file carries besides
its pages (JavaScript, open actions, embedded files, HTML after the last %%EOF) is left behind. A JPEG or PNG
must decode fully with Pillow and is kept re-encoded by Pillow, without its metadata or trailing bytes.
Anything else is refused. The first bytes only choose which library reads the file: they prove nothing.

The ground floor: no app is imported here, so ccp, audits and recert check their documents the same way.
"""

import io
import re
import unicodedata
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from PIL import Image, ImageOps
from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
# A member's own spelling of the right extension is kept ("scan.PNG", "photo.jpeg").
SUFFIXES = {PDF: {".pdf"}, JPEG: {".jpg", ".jpeg"}, PNG: {".png"}}
UNKNOWN_TYPE, UNKNOWN_EXTENSION = "application/octet-stream", ".bin"

# Pillow's own guard (about 89 megapixels) is global and shared with the PDF renderer; documents get a lower
# one, checked from the header before any pixel is decoded. A 48-megapixel phone photo fits.
MAX_IMAGE_PIXELS = 60_000_000
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")

# What is dropped from every object of the rewritten PDF: scripts, actions run on opening or on events, files.
ACTIVE_KEYS = ("/JS", "/JavaScript", "/OpenAction", "/AA", "/EmbeddedFiles", "/EF", "/RichMediaContent")
SAFE_ACTIONS = {"/URI", "/GoTo"}
SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")
UNSAFE_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
# Unicode control and format characters (bidi overrides such as U+202E among them) and line separators.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


@dataclass(frozen=True)
class CheckedDocument:
    """What is stored: the rewritten content, and the type and extension it was checked as."""

    content: bytes
    content_type: str
    extension: str


def checked_document(upload: IO[bytes], *, max_bytes: int) -> CheckedDocument:
    """The upload as it may be stored (a rewritten PDF, a re-encoded JPEG or PNG), or a ValidationError
    saying why not."""
    content = _read_within(upload, max_bytes=max_bytes)
    if content.startswith(b"%PDF-"):
        return CheckedDocument(_rewritten_pdf(content), PDF, EXTENSIONS[PDF])
    if content.startswith(IMAGE_SIGNATURES):
        content_type, reencoded = _reencoded_image(content)
        return CheckedDocument(reencoded, content_type, EXTENSIONS[content_type])
    raise _refused("other kinds of file (HTML, SVG, Word, text...) are not accepted")


def download_name(name: str, *, content_type: str) -> str:
    """The member's file name as it may be shown and sent: no folders, no control or bidi characters, and
    the extension of the checked type (`report.html` holding a PDF is `report.pdf`)."""
    base = re.split(r"[/\\]", name)[-1]
    visible = "".join(char for char in base if unicodedata.category(char) not in INVISIBLE_CATEGORIES)
    visible = visible.strip().lstrip(".").strip()
    stem, dot, suffix = visible.rpartition(".")
    if not dot:
        stem, suffix = visible, ""
    extension = f".{suffix}" if f".{suffix.lower()}" in SUFFIXES.get(content_type, set()) else ""
    extension = extension or EXTENSIONS.get(content_type, UNKNOWN_EXTENSION)
    stem = stem.strip() or "document"
    return stem[: 255 - len(extension)] + extension


def download_type(content_type: str) -> str:
    """The type a stored document is served as: one it was checked as, else an opaque download."""
    return content_type if content_type in EXTENSIONS else UNKNOWN_TYPE


def _refused(reason: str) -> ValidationError:
    return ValidationError(
        f"This file is not a readable PDF, JPEG or PNG image: {reason}.", code="unreadable"
    )


def _read_within(upload: IO[bytes], *, max_bytes: int) -> bytes:
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    upload.seek(0)
    if not content:
        raise ValidationError("The file is empty.", code="empty")
    if len(content) > max_bytes:
        raise ValidationError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.", code="too_large")
    return content


# --- PDF -----------------------------------------------------------------------------------------------


def _opened_pdf(content: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise _refused("the PDF is protected by a password (save it without one and try again)")
    if not reader.pages:
        raise _refused("the PDF has no pages")
    return reader


def _rewritten_pdf(content: bytes) -> bytes:
    try:
        reader = _opened_pdf(content)
        writer = PdfWriter()
        for page in reader.pages:
            # Cleaned before the copy: what is dropped from a page is then never copied into the new file.
            _strip_active_content(page)
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001 -- hostile input: whatever the parser trips on is a refusal
        raise _refused("the PDF could not be read (it may be damaged or incomplete)") from error
    return out.getvalue()


def _strip_active_content(root: PdfObject) -> None:
    """Walk every object reachable from a page (what it shows and uses), dropping scripts, event actions,
    file attachments and actions other than plain links."""
    seen: set[int] = set()
    stack: list[PdfObject] = [root]
    while stack:
        popped = stack.pop()
        node = popped.get_object() if isinstance(popped, IndirectObject) else popped
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, DictionaryObject):
            _clean_dictionary(node)
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def _clean_dictionary(node: DictionaryObject) -> None:
    for key in ACTIVE_KEYS:
        node.pop(key, None)
    if "/S" in node:  # an action: no chained actions behind a harmless first one
        node.pop("/Next", None)
    action = node.get("/A")
    if action is not None and not _is_plain_link(action.get_object()):
        del node["/A"]
    annotations = node.get("/Annots")
    if annotations is not None and isinstance(annotations.get_object(), ArrayObject):
        kept = [each for each in annotations.get_object() if not _is_unsafe_annotation(each.get_object())]
        node[NameObject("/Annots")] = ArrayObject(kept)


def _is_plain_link(action: PdfObject) -> bool:
    if not isinstance(action, DictionaryObject) or action.get("/S") not in SAFE_ACTIONS:
        return False
    uri = action.get("/URI")
    return uri is None or str(uri.get_object()).strip().lower().startswith(SAFE_URI_SCHEMES)


def _is_unsafe_annotation(annotation: PdfObject) -> bool:
    return not isinstance(annotation, DictionaryObject) or annotation.get("/Subtype") in UNSAFE_ANNOTATIONS


# --- Images ---------------------------------------------------------------------------------------------


def _reencoded_image(content: bytes) -> tuple[str, bytes]:
    try:
        with Image.open(io.BytesIO(content), formats=["JPEG", "PNG"]) as image:
            image.verify()  # the structure to the end (a PNG's chunk checksums), before decoding
        with Image.open(io.BytesIO(content), formats=["JPEG", "PNG"]) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise _refused(f"the image has more than {MAX_IMAGE_PIXELS // 1_000_000} million pixels")
            image.load()
            return _reencoded(image)
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise _refused(f"the image has more than {MAX_IMAGE_PIXELS // 1_000_000} million pixels") from error
    except Exception as error:  # noqa: BLE001 -- hostile input: whatever the decoder trips on is a refusal
        raise _refused("the image could not be decoded (it may be damaged or incomplete)") from error


def _reencoded(image: Image.Image) -> tuple[str, bytes]:
    """Same format, turned upright (the orientation tag goes with the metadata), no metadata kept."""
    image_format = image.format
    upright = ImageOps.exif_transpose(image) or image
    upright.info = {key: image.info[key] for key in ("transparency",) if key in image.info}
    out = io.BytesIO()
    if image_format == "JPEG":
        upright.save(out, format="JPEG", quality=90)
        return JPEG, out.getvalue()
    upright.save(out, format="PNG")
    return PNG, out.getvalue()


INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def document_response(file, *, original_name: str, content_type: str, inline: bool = False):
    """A stored document as a download: the checked type's extension and MIME type, nosniff, and shown
    inline only for PDF and images, framed by a page of this site (a reviewer's or processor's review page)
    and by no other, with nothing of its own allowed to run. Raises Http404 when the file is gone."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The stored file is missing.") from missing
    served_type = download_type(content_type)
    response = FileResponse(
        handle,
        as_attachment=not (inline and served_type in INLINE_TYPES),
        filename=download_name(original_name, content_type=content_type),
        content_type=served_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    if not response.as_attachment:
        response["X-Frame-Options"] = "SAMEORIGIN"  # the middleware leaves a header already set
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    return response
