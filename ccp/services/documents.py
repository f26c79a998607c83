"""Documents attached to an activity (proof of CE): checked by their whole content within the policy's size
limit (core.uploads: a PDF is stored as rewritten by pypdf, a JPEG or PNG as re-encoded by Pillow) and stored
under a generated name whose suffix follows the checked type. A document may be attached at any time, also to
an activity that is locked."""

from django.core.files.base import ContentFile
from django.db import transaction

from ccp.models import Activity, ActivityDocument, CcpPolicy
from core import uploads
from members.models import User


def activity_attach_document(*, activity: Activity, upload, uploaded_by: User | None) -> ActivityDocument:
    """Attach a PDF, JPEG or PNG (checked and rewritten). Allowed at any time, also when locked.

    Raises ValidationError, with nothing stored, for an unreadable, hostile, empty or oversize file."""
    checked = uploads.checked_document(upload, max_bytes=CcpPolicy.current().max_document_mb * 1024 * 1024)
    name = uploads.download_name(upload.name or "document", content_type=checked.content_type)
    with transaction.atomic():
        document = ActivityDocument(
            activity=activity,
            original_name=name,
            content_type=checked.content_type,
            size=len(checked.content),
            uploaded_by=uploaded_by,
        )
        # The stored name is generated; its suffix follows the checked type, not the member's file name.
        document.file.save(f"document{checked.extension}", ContentFile(checked.content), save=False)
        try:
            document.save()
        except Exception:
            document.file.delete(save=False)
            raise
    return document
