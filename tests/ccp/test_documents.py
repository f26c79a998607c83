"""Hostile and harmless documents sent through the member's pages: what the member reads, what is stored, and
what a download is called. Every file here is real or hand-built hostile bytes; nothing is mocked."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from ccp import services
from ccp.models import Activity, ActivityCategory, ActivityDocument
from core import clock
from tests.ccp.test_views import course_form, page_text
from tests.factories import MemberFactory, make_certification
from tests.files import HTML, SVG, active_pdf_bytes, image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

REFUSED = "The document was not attached to “Webinar”: This file is not a readable PDF, JPEG or PNG image: "


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def webinar(client, time_machine, media):
    """Ann Lee's recorded webinar (certified May 14, 2025; today is March 2, 2026), Ann signed in."""
    time_machine.move_to(datetime.datetime(2026, 3, 2, 15, tzinfo=datetime.UTC), tick=False)
    member = MemberFactory(first_name="Ann", last_name="Lee")
    client.force_login(member.user)
    certification = make_certification(member, certified_on=datetime.date(2025, 5, 14))
    return services.activity_record(
        certification=certification,
        today=clock.today(),
        recorded_by=None,
        category=ActivityCategory.objects.get(code="professional-education"),
        title="Webinar",
        completed_on=datetime.date(2026, 2, 10),
        quantity=Decimal("1"),
        helps_job=True,
    )


def upload(client, activity, name: str, content: bytes):
    """The activity page's document form, as a member sends it."""
    url = reverse("ccp:document_upload", args=[activity.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def stored(media, document: ActivityDocument) -> bytes:
    return (media / document.file.name).read_bytes()


HOSTILE = [
    pytest.param("report.pdf", b"%PDF-1.7\n" + HTML, "the PDF could not be read", id="pdf-header-then-html"),
    pytest.param(
        "photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML, "the image", id="jpeg-magic-then-html"
    ),
    pytest.param("scan.png", b"\x89PNG\r\n\x1a\n" + SVG, "the image", id="png-magic-then-svg-script"),
    pytest.param("scan.png", b"\x89PNG\r\n\x1a\n" + HTML, "the image", id="png-magic-then-html"),
    pytest.param("drawing.svg", SVG, "other kinds of file", id="svg"),
    pytest.param("page.html", HTML, "other kinds of file", id="html"),
    pytest.param(
        "locked.pdf", pdf_bytes(password="secret"), "the PDF is protected by a password", id="encrypted"
    ),
    pytest.param("cut.pdf", pdf_bytes()[:200], "the PDF could not be read", id="truncated-pdf"),
    pytest.param("cut.jpg", image_bytes("JPEG")[:-40], "the image could not be decoded", id="truncated-jpeg"),
]


@pytest.mark.parametrize(("name", "content", "reason"), HOSTILE)
def test_a_hostile_or_unreadable_file_is_refused_with_a_message_and_nothing_is_stored(
    client, webinar, media, name, content, reason
):
    response = upload(client, webinar, name, content)

    assert REFUSED + reason in page_text(response)
    assert ActivityDocument.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.parametrize(("name", "content", "reason"), HOSTILE[:3])
def test_a_hostile_file_on_the_add_form_is_refused_there_and_no_activity_is_left(
    client, webinar, media, name, content, reason
):
    form = course_form(document=SimpleUploadedFile(name, content))

    response = client.post(reverse("ccp:activity_add", args=[webinar.certification_id]), form)

    assert "This file is not a readable PDF, JPEG or PNG image: " + reason in page_text(response)
    assert Activity.objects.count() == 1  # only the webinar of the fixture
    assert ActivityDocument.objects.count() == 0
    assert stored_files(media) == []


def test_a_real_pdf_with_html_appended_is_stored_rewritten_without_the_html(client, webinar, media):
    response = upload(client, webinar, "certificate.pdf", pdf_bytes() + HTML)

    assert "Document attached to “Webinar”: certificate.pdf." in page_text(response)
    document = ActivityDocument.objects.get()
    content = stored(media, document)
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    assert content.rstrip().endswith(b"%%EOF")
    assert b"<script>" not in content and b"<html>" not in content
    assert (document.content_type, document.size) == ("application/pdf", len(content))
    assert stored_files(media) == [media / document.file.name]


def test_a_pdf_is_stored_without_its_javascript_open_action_or_embedded_file(client, webinar, media):
    upload(client, webinar, "certificate.pdf", active_pdf_bytes())

    content = stored(media, ActivityDocument.objects.get())
    for marker in (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/EmbeddedFiles", b"/FileAttachment"):
        assert marker not in content, marker
    reader = PdfReader(io.BytesIO(content))
    assert reader.attachments == {}
    assert "/OpenAction" not in reader.trailer["/Root"]


@pytest.mark.parametrize(
    ("format_name", "name", "suffix"), [("PNG", "scan.png", ".png"), ("JPEG", "a.jpg", ".jpg")]
)
def test_an_image_with_trailing_html_is_stored_re_encoded_without_it(
    client, webinar, media, format_name, name, suffix
):
    response = upload(client, webinar, name, image_bytes(format_name, exif=True) + HTML)

    assert f"Document attached to “Webinar”: {name}." in page_text(response)
    document = ActivityDocument.objects.get()
    content = stored(media, document)
    assert document.file.name.endswith(suffix)
    assert HTML not in content and b"Secret Camera" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert (image.format, image.size) == (format_name, (4, 3))


def disposition_name(response) -> str:
    return re.fullmatch(r'attachment; filename="(.*)"', response["Content-Disposition"]).group(1)


def test_a_download_is_named_by_its_checked_type_without_control_or_bidi_characters(client, webinar, media):
    # Given a PDF sent as report.html, and a PNG whose name hides ".exe" behind a right-to-left override
    upload(client, webinar, "report.html", pdf_bytes())
    upload(client, webinar, "proof\u202egnp.exe\x07", image_bytes("PNG"))

    # Then the stored names and the downloads say what the files are
    pdf, png = ActivityDocument.objects.order_by("id")
    assert (pdf.original_name, png.original_name) == ("report.pdf", "proofgnp.png")
    for document, name, content_type in [
        (pdf, "report.pdf", "application/pdf"),
        (png, "proofgnp.png", "image/png"),
    ]:
        download = client.get(reverse("ccp:document_download", args=[document.pk]))
        assert disposition_name(download) == name
        assert download["Content-Type"] == content_type
        assert download["X-Content-Type-Options"] == "nosniff"
        assert b"".join(download.streaming_content) == stored(media, document)


def test_a_document_stored_before_names_were_cleaned_downloads_under_a_clean_name(client, webinar, media):
    # Given a row from before: the uploader's name and extension kept as sent
    document = ActivityDocument(
        activity=webinar, original_name="report\u202e\x07.html", content_type="application/pdf", size=10
    )
    document.file.save("document.pdf", ContentFile(pdf_bytes()))

    download = client.get(reverse("ccp:document_download", args=[document.pk]))

    assert disposition_name(download) == "report.pdf"
    assert (download["Content-Type"], download["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
