"""core.uploads: a document is judged by its whole content, and stored as rewritten by its library."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image
from pypdf import PdfReader

from core import uploads
from tests.files import HTML, SVG, active_pdf_bytes, image_bytes, pdf_bytes

UNREADABLE = "This file is not a readable PDF, JPEG or PNG image: "
UNDECODABLE = "the image could not be decoded"


def check(content: bytes, *, max_bytes: int = 1024 * 1024) -> uploads.CheckedDocument:
    return uploads.checked_document(io.BytesIO(content), max_bytes=max_bytes)


def refusal(content: bytes, **options) -> str:
    with pytest.raises(ValidationError) as refused:
        check(content, **options)
    [message] = refused.value.messages
    return message


def test_a_real_pdf_with_html_appended_is_kept_as_rewritten_without_the_html():
    checked = check(pdf_bytes() + HTML)

    assert (checked.content_type, checked.extension) == ("application/pdf", ".pdf")
    assert len(PdfReader(io.BytesIO(checked.content)).pages) == 1
    assert checked.content.rstrip().endswith(b"%%EOF")
    assert b"<script>" not in checked.content and b"<html>" not in checked.content


def test_scripts_actions_and_embedded_files_are_dropped_from_a_pdf_and_web_links_kept():
    checked = check(active_pdf_bytes())

    for marker in (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/EmbeddedFiles", b"/FileAttachment"):
        assert marker not in checked.content, marker
    reader = PdfReader(io.BytesIO(checked.content))
    assert reader.attachments == {}
    assert "/Names" not in reader.trailer["/Root"]
    # the file attachment is gone, the script link is left inert, the web link still leads to its page
    annotations = [annotation.get_object() for annotation in reader.pages[0]["/Annots"]]
    assert [annotation["/Subtype"] for annotation in annotations] == ["/Link", "/Link"]
    assert [link["/A"]["/URI"] for link in annotations if "/A" in link] == ["https://amt1.com"]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(pdf_bytes(password=""), id="empty-user-password"),
        pytest.param(pdf_bytes(), id="plain"),
    ],
)
def test_a_pdf_that_opens_without_a_password_is_accepted(content):
    assert PdfReader(io.BytesIO(check(content).content)).pages


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"%PDF-1.7\n" + HTML, "the PDF could not be read", id="pdf-header-then-html"),
        pytest.param(pdf_bytes()[:200], "the PDF could not be read", id="truncated-pdf"),
        pytest.param(pdf_bytes(password="secret"), "the PDF is protected by a password", id="encrypted-pdf"),
        pytest.param(b"\xff\xd8\xff\xe0" + HTML, "the image could not be decoded", id="jpeg-magic-then-html"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + SVG, "the image could not be decoded", id="png-magic-then-svg"),
        pytest.param(image_bytes("PNG", size=(64, 48))[:-20], UNDECODABLE, id="truncated-png"),
        pytest.param(image_bytes("JPEG")[:-40], "the image could not be decoded", id="truncated-jpeg"),
        pytest.param(SVG, "other kinds of file", id="svg"),
        pytest.param(HTML, "other kinds of file", id="html"),
        pytest.param(image_bytes("GIF"), "other kinds of file", id="gif"),
    ],
)
def test_anything_but_a_readable_pdf_jpeg_or_png_is_refused_with_the_reason(content, reason):
    message = refusal(content)

    assert message.startswith(UNREADABLE + reason), message


@pytest.mark.parametrize(("format_name", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_an_image_is_re_encoded_in_its_format_without_trailing_bytes_or_metadata(format_name, content_type):
    original = image_bytes(format_name, exif=True)

    checked = check(original + HTML)

    assert checked.content_type == content_type
    assert HTML not in checked.content
    assert b"Secret Camera" not in checked.content
    with Image.open(io.BytesIO(checked.content)) as stored:
        assert (stored.format, stored.size) == (format_name, (4, 3))
        assert "exif" not in stored.info


def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 11)

    assert refusal(image_bytes("PNG", size=(4, 3))).startswith(UNREADABLE + "the image has more than")
    assert check(image_bytes("PNG", size=(11, 1))).content_type == "image/png"


def test_an_empty_or_oversize_file_is_refused():
    assert refusal(b"") == "The file is empty."
    oversize = pdf_bytes() + b" " * (1024 * 1024)
    assert refusal(oversize, max_bytes=1024 * 1024) == "The file is larger than 1 MB."


@pytest.mark.parametrize(
    ("name", "content_type", "download_name"),
    [
        ("report.html", "application/pdf", "report.pdf"),
        ("scan.PNG", "image/png", "scan.PNG"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("photo.gif", "image/jpeg", "photo.jpg"),
        ("certificate", "application/pdf", "certificate.pdf"),
        ("invoice\u202egnp.exe", "image/png", "invoicegnp.png"),
        ("bell\x07\r\n.pdf", "application/pdf", "bell.pdf"),
        ("C:\\Users\\ann\\..\\proof.pdf", "application/pdf", "proof.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("\u202e\u200b", "application/pdf", "document.pdf"),
        ("a" * 300 + ".pdf", "application/pdf", "a" * 251 + ".pdf"),
        ("old.exe", "text/html", "old.bin"),
    ],
)
def test_a_download_name_has_the_checked_types_extension_and_no_invisible_characters(
    name, content_type, download_name
):
    assert uploads.download_name(name, content_type=content_type) == download_name


def test_only_a_checked_type_is_served_as_itself():
    assert uploads.download_type("image/png") == "image/png"
    assert uploads.download_type("text/html") == "application/octet-stream"
