"""Real documents for upload tests, made with the libraries the portal reads them with (pypdf, Pillow)."""

import io

from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def pdf_bytes(*, password: str | None = None) -> bytes:
    """A one-page PDF, optionally encrypted with a user password."""
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    if password is not None:
        writer.encrypt(password)
    return _written(writer)


def _name(value: str) -> NameObject:
    return NameObject(value)


def _javascript_action(code: str) -> DictionaryObject:
    return DictionaryObject({_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject(code)})


def active_pdf_bytes() -> bytes:
    """A PDF with every kind of active content: a script run on opening, an embedded HTML file, a page action,
    a link that runs a script and a file-attachment annotation (besides one plain web link)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=72, height=72)
    writer.add_open_action(JavaScript("app.alert('opened');"))
    writer.add_attachment("payload.html", HTML)
    page[_name("/AA")] = DictionaryObject({_name("/O"): _javascript_action("app.alert('page');")})
    script_link = {_name("/Subtype"): _name("/Link"), _name("/A"): _javascript_action("app.alert('link');")}
    attached = {_name("/Subtype"): _name("/FileAttachment"), _name("/Contents"): TextStringObject("payload")}
    web_link = {
        _name("/Subtype"): _name("/Link"),
        _name("/A"): DictionaryObject(
            {_name("/S"): _name("/URI"), _name("/URI"): TextStringObject("https://amt1.com")}
        ),
    }
    annotations = [{_name("/Type"): _name("/Annot"), **each} for each in (script_link, attached, web_link)]
    page[_name("/Annots")] = ArrayObject(writer._add_object(DictionaryObject(each)) for each in annotations)
    return _written(writer)


def image_bytes(format_name: str, *, size: tuple[int, int] = (4, 3), exif: bool = False) -> bytes:
    """A small image (PNG or JPEG), optionally with EXIF metadata naming a camera."""
    image = Image.new("RGB", size, "teal")
    options = {}
    if exif:
        metadata = Image.Exif()
        metadata[0x0110] = "Secret Camera 3000"  # Model
        options["exif"] = metadata.tobytes()
    out = io.BytesIO()
    image.save(out, format=format_name, **options)
    return out.getvalue()


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
