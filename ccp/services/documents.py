"""Documents attached to an activity (proof of CE): checked by content (a PDF, JPEG or PNG by its first
bytes, within the policy's size limit) and stored under a generated name whose suffix follows the content.
A document may be attached at any time, also to an activity that is locked."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ccp.models import Activity, ActivityDocument, CcpPolicy
from members.models import User

SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}


def sniff_content_type(head: bytes) -> str | None:
    """The type of a file from its first bytes, not from its name or the browser's claim."""
    for signature, (content_type, _) in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def activity_attach_document(*, activity: Activity, upload, uploaded_by: User) -> ActivityDocument:
    """Attach a PDF, JPEG or PNG (checked by content and size). Allowed at any time, also when locked."""
    limit = CcpPolicy.current().max_document_mb * 1024 * 1024
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    if upload.size > limit:
        raise ValidationError(f"The file is larger than {limit // (1024 * 1024)} MB.")
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError("Only PDF, JPEG or PNG files are accepted (this file is none of those).")
    original = (upload.name or "document").rsplit("/", 1)[-1][:255]
    with transaction.atomic():
        document = ActivityDocument(
            activity=activity,
            original_name=original,
            content_type=content_type,
            size=upload.size,
            uploaded_by=uploaded_by,
        )
        # The stored name is generated; its suffix follows the content, not the member's file name.
        suffix = dict(SIGNATURES.values())[content_type]
        document.file.save(f"document{suffix}", upload, save=False)
        try:
            document.save()
        except Exception:
            document.file.delete(save=False)
            raise
    return document
