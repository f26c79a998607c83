"""PDF documents (invoices, receipts, letters, transcripts): templates/pdf/ rendered by WeasyPrint."""

import functools
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher


class LocalFilesOnly(URLFetcher):
    """Resources come from the project's own files (or inline data:), never from the network: a PDF must
    render offline, and text a member typed must not make the server fetch anything."""

    def __init__(self, root: Path, **kwargs):
        super().__init__(allowed_protocols=("file", "data"), **kwargs)
        self.root = root.resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError(f"PDF resources must lie inside the project: {url} refused.")
        return super().fetch(url, headers)


def pdf_response(content: bytes, filename: str, *, as_attachment: bool = False) -> HttpResponse:
    """A PDF for the browser: shown inline (or downloaded) under `filename`."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename) or ""
    return response


_per_thread = threading.local()


def _font_config() -> FontConfiguration:
    """The fonts of this thread, loaded once: a new FontConfiguration per document would load them again
    (Pango's font map is not shared between threads, so neither is this)."""
    if not hasattr(_per_thread, "font_config"):
        _per_thread.font_config = FontConfiguration()
    return _per_thread.font_config


def _url_fetcher() -> LocalFilesOnly:
    return LocalFilesOnly(Path(settings.BASE_DIR))


@functools.cache
def _stylesheet(name: str) -> CSS:
    """A stylesheet under templates/ (e.g. "pdf/letters.css"), parsed once per process."""
    path = Path(settings.BASE_DIR) / "templates" / name
    return CSS(string=path.read_text(encoding="utf-8"), base_url=str(path), url_fetcher=_url_fetcher())


def render_pdf(template: str, context: dict, *, stylesheets: tuple[str, ...] = ()) -> bytes:
    """The PDF of `template` (a path under templates/, e.g. "pdf/transcript.html") rendered with `context`,
    with `stylesheets` (paths under templates/, parsed once per process) after the template's own styles."""
    html = render_to_string(template, context)
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_url_fetcher())
    return document.write_pdf(
        stylesheets=[_stylesheet(name) for name in stylesheets], font_config=_font_config()
    )
