"""A member's proof of CE on S3-compatible object storage (a local moto server): the upload lands in the
private bucket and nowhere on this machine's disk, the member and an administrator get it back through the
portal's own download view, the bucket never serves it to anybody else, and removing the claim removes it."""

import datetime
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ccp import services
from ccp.models import ActivityCategory, ActivityDocument
from tests.factories import MemberFactory, make_certification, make_staff
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def local_media(settings, tmp_path):
    """The local folder the portal would write to without object storage: it must stay empty."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def webinar(client, time_machine):
    """Ann Lee's webinar (certified May 14, 2025), Ann signed in."""
    time_machine.move_to(datetime.datetime(2026, 3, 2, 15, tzinfo=datetime.UTC))
    member = MemberFactory(first_name="Ann", last_name="Lee")
    client.force_login(member.user)
    certification = make_certification(member, certified_on=datetime.date(2025, 5, 14))
    return services.activity_record(
        certification=certification,
        today=TODAY,
        recorded_by=None,
        category=ActivityCategory.objects.get(code="professional-education"),
        title="Webinar",
        completed_on=datetime.date(2026, 2, 10),
        quantity=Decimal("1"),
        helps_job=True,
    )


def upload(client, activity, name: str, content: bytes):
    url = reverse("ccp:document_upload", args=[activity.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


def download(client, document: ActivityDocument):
    response = client.get(reverse("ccp:document_download", args=[document.pk]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


def anonymous_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_an_uploaded_document_is_stored_in_the_bucket_and_served_back_by_the_portal(
    client, s3_storage, local_media, webinar
):
    # When Ann attaches her certificate on the activity page
    response = upload(client, webinar, "certificate.pdf", pdf_bytes())

    # Then it is stored in the bucket under its generated name, and nothing on this machine's disk
    assert "Document attached to “Webinar”: certificate.pdf." in response.content.decode()
    document = ActivityDocument.objects.get(activity=webinar)
    assert document.file.name.startswith(f"ccp-documents/{webinar.certification_id}/")
    assert s3_storage.object_keys() == [document.file.name]
    stored = s3_storage.read(document.file.name)
    assert stored.startswith(b"%PDF-") and len(stored) == document.size
    assert [path for path in local_media.rglob("*") if path.is_file()] == []

    # And Ann, then an administrator (with two-factor), download exactly what is stored
    served, content = download(client, document)
    assert served.status_code == 200 and content == stored
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"] == 'attachment; filename="certificate.pdf"'
    assert served["X-Content-Type-Options"] == "nosniff"
    client.force_login(make_staff("Administrator"))
    served, content = download(client, document)
    assert served.status_code == 200 and content == stored

    # And another member is refused by the portal, and nobody gets it from the bucket without its keys
    client.force_login(MemberFactory().user)
    assert download(client, document)[0].status_code == 404
    assert anonymous_status(s3_storage.public_url(document.file.name)) == 403
    assert [grant["Permission"] for grant in s3_storage.grants(document.file.name)] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in s3_storage.grants(document.file.name))


def test_removing_the_claim_removes_its_document_from_the_bucket(
    client, s3_storage, webinar, django_capture_on_commit_callbacks
):
    document = services.activity_attach_document(
        activity=webinar, upload=SimpleUploadedFile("certificate.pdf", pdf_bytes()), uploaded_by=None
    )
    assert s3_storage.object_keys() == [document.file.name]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ccp:activity_remove", args=[webinar.pk]), follow=True)

    assert "Activity removed: Webinar." in response.content.decode()
    assert s3_storage.object_keys() == []


def test_a_document_gone_from_the_bucket_is_not_found(client, s3_storage, webinar):
    document = services.activity_attach_document(
        activity=webinar, upload=SimpleUploadedFile("certificate.pdf", pdf_bytes()), uploaded_by=None
    )
    s3_storage.server.client().delete_object(Bucket=s3_storage.name, Key=document.file.name)

    assert download(client, document)[0].status_code == 404
