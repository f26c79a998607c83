"""QR codes of verification links: an SVG for the status page, a data: URI for the PDFs (WeasyPrint fetches
nothing over the network)."""

import base64
import io

import qrcode
import qrcode.image.svg


def qr_svg(text: str) -> bytes:
    """`text` (an absolute verification link) as an SVG QR code."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def qr_data_uri(text: str) -> str:
    """The SVG QR code of `text` as a data: URI, to embed in a PDF."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text)).decode("ascii")
