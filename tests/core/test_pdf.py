"""core.pdf.render_pdf: stylesheets parsed once per process, fonts loaded once per thread, nothing fetched
from the network (read back with pypdf)."""

import io
import threading

import pytest
from django.test import override_settings
from pypdf import PdfReader

from core import pdf
from core.pdf import render_pdf

A5 = (419.53, 595.28)  # PDF points
LOCMEM_TEMPLATES = {
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", {"pdf/probe.html": "<p>Hello</p>"})]},
}


@pytest.fixture
def project(settings, tmp_path):
    """A project folder of its own (templates/pdf/ for stylesheets), with the stylesheet cache emptied."""
    settings.BASE_DIR = tmp_path
    (tmp_path / "templates" / "pdf").mkdir(parents=True)
    pdf._stylesheet.cache_clear()
    yield tmp_path
    pdf._stylesheet.cache_clear()


def page_size(content: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(content)).pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def test_a_stylesheet_applies_is_read_once_per_process_and_fetches_nothing(project, http_hits):
    # Given a stylesheet that sets an A5 page and points at a server on this machine
    port, hits = http_hits
    stylesheet = project / "templates" / "pdf" / "probe.css"
    stylesheet.write_text(
        f'@import url("http://127.0.0.1:{port}/more.css");\n'
        f'@page {{ size: A5; }}\np {{ background: url("http://127.0.0.1:{port}/paper.png"); }}\n'
    )

    with override_settings(TEMPLATES=[LOCMEM_TEMPLATES]):
        first = render_pdf("pdf/probe.html", {}, stylesheets=("pdf/probe.css",))
        # When the file changes on disk, the process keeps the stylesheet it parsed
        stylesheet.write_text("@page { size: letter; }")
        second = render_pdf("pdf/probe.html", {}, stylesheets=("pdf/probe.css",))
        without = render_pdf("pdf/probe.html", {})

    # Then both documents are A5 with their text, the one without the stylesheet is not, and the local
    # server was never asked for anything
    assert page_size(first) == page_size(second) == A5
    assert page_size(without) != A5
    assert "Hello" in PdfReader(io.BytesIO(second)).pages[0].extract_text()
    assert hits == []


def test_fonts_are_loaded_once_per_thread():
    with override_settings(TEMPLATES=[LOCMEM_TEMPLATES]):
        render_pdf("pdf/probe.html", {})
        here = pdf._font_config()
        render_pdf("pdf/probe.html", {})
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(pdf._font_config()))
    thread.start()
    thread.join()

    assert pdf._font_config() is here
    assert elsewhere[0] is not here
