"""PDF documents (invoices, receipts, letters, transcripts): templates/pdf/ rendered by WeasyPrint."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint import HTML
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


def render_pdf(template: str, context: dict) -> bytes:
    """The PDF of `template` (a path under templates/, e.g. "pdf/transcript.html") rendered with `context`."""
    html = render_to_string(template, context)
    root = Path(settings.BASE_DIR)
    return HTML(string=html, base_url=str(root), url_fetcher=LocalFilesOnly(root)).write_pdf()
