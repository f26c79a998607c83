"""Two machines sharing files through S3-compatible object storage (a local moto server): a real Celery worker
process, configured only through the environment variables of a deployment, builds the day's mail batch and
writes its print files and manifest to the bucket; the web process (another process, its own settings) then
serves them to billing staff with two-factor. Neither writes to its local disk."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing import services
from members.models import MailBatch, MailBatchRun
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ISSUE_DAY = datetime.date(2026, 4, 1)  # fee year from May 1, 2026, due May 31: invoiced 60 days before
BATCH_DAY = "2026-04-10"
PART_SIZE = 2
NAMES = [("Ann", "Lee"), ("Bo", "Ray"), ("Cy", "Fox")]


@pytest.fixture
def worker_environment(s3_storage, tmp_path):
    """The worker machine: the bucket's variables, its own local folder, parts of two letters."""
    return {
        **s3_storage.environment,
        "MEDIA_ROOT": str(tmp_path / "worker-media"),
        "MAIL_BATCH_PART_SIZE": str(PART_SIZE),
    }


@pytest.fixture
def web_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "web-media"
    return settings.MEDIA_ROOT


@pytest.fixture
def renewal_letters(seeded):
    """Three members with a postal renewal letter waiting (written when their invoice was issued)."""
    members = [MemberFactory(first_name=first, last_name=last) for first, last in NAMES]
    for member in members:
        make_certification(
            member,
            certified_on=datetime.date(2019, 5, 14),
            today=datetime.date(2026, 3, 1),
            paid_through=datetime.date(2026, 4, 30),
        )
    services.invoices_issue_due(today=ISSUE_DAY)
    services.renewal_notices_send(today=ISSUE_DAY)
    return members


def served(client, name: str, *args) -> bytes:
    response = client.get(reverse(f"billing_staff:{name}", args=[BATCH_DAY, *args]))
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_a_worker_writes_the_mail_batch_to_the_bucket_and_the_web_serves_it(
    celery_worker_process, s3_storage, web_media, renewal_letters, client, tmp_path
):
    # When the worker machine builds the day's batch
    outcome = celery_worker_process.run("billing.tasks.build_mail_batch", BATCH_DAY)

    # Then its print files and manifest are in the bucket, and on neither machine's disk
    assert outcome == "3 letters, 0 exceptions"
    folder = f"mail-batches/{BATCH_DAY}"
    assert s3_storage.object_keys() == [
        f"{folder}/letters-001.pdf",
        f"{folder}/letters-002.pdf",
        f"{folder}/manifest.csv",
    ]
    batch = MailBatch.objects.get(day=BATCH_DAY)
    assert [(part.pdf, part.letter_count) for part in batch.parts.order_by("number")] == [
        (f"{folder}/letters-001.pdf", 2),
        (f"{folder}/letters-002.pdf", 1),
    ]
    assert batch.manifest == f"{folder}/manifest.csv"
    assert not (tmp_path / "worker-media").exists() and not web_media.exists()

    # And billing staff (with two-factor) download from the web process exactly what the worker stored
    client.force_login(make_staff("Billing staff"))
    first, second = served(client, "mail_batch_part", 1), served(client, "mail_batch_part", 2)
    assert first == s3_storage.read(f"{folder}/letters-001.pdf")
    assert second == s3_storage.read(f"{folder}/letters-002.pdf")
    ann, bo, cy = renewal_letters
    assert [f"Member {ann.member_number}" in page for page in pdf_text(first)] == [True, False]
    assert [f"Member {bo.member_number}" in page for page in pdf_text(first)] == [False, True]
    [page] = pdf_text(second)
    assert f"Member {cy.member_number}" in page and "12 Elm Street" in page
    rows = list(csv.DictReader(io.StringIO(served(client, "mail_batch_manifest").decode())))
    assert [(row["sequence"], row["part"], row["name"]) for row in rows] == [
        ("1", "1", "Ann Lee"),
        ("2", "1", "Bo Ray"),
        ("3", "2", "Cy Fox"),
    ]


def test_a_print_file_lost_from_the_bucket_is_restored_by_the_worker_s_rerun(
    celery_worker_process, s3_storage, web_media, renewal_letters, client
):
    celery_worker_process.run("billing.tasks.build_mail_batch", BATCH_DAY)
    part = f"mail-batches/{BATCH_DAY}/letters-001.pdf"
    client.force_login(make_staff("Billing staff"))
    before = pdf_text(served(client, "mail_batch_part", 1))

    # Given the first print file deleted from the bucket: the web says it is missing
    s3_storage.server.client().delete_object(Bucket=s3_storage.name, Key=part)
    missing = client.get(reverse("billing_staff:mail_batch_part", args=[BATCH_DAY, 1]))
    assert missing.status_code == 404

    # When the worker runs the day's batch again
    celery_worker_process.run("billing.tasks.build_mail_batch", BATCH_DAY)

    # Then the same letters are back in the bucket under the same name, and nothing was printed twice
    folder = f"mail-batches/{BATCH_DAY}"
    assert s3_storage.object_keys() == [part, f"{folder}/letters-002.pdf", f"{folder}/manifest.csv"]
    assert pdf_text(served(client, "mail_batch_part", 1)) == before
    batch = MailBatch.objects.get(day=BATCH_DAY)
    assert (batch.letter_count, batch.parts.count()) == (3, 2)
    assert list(
        MailBatchRun.objects.filter(batch=batch).order_by("pk").values_list("outcome", flat=True)
    ) == [
        "Built: 3 letter(s) in 2 file(s), 0 exception(s)",
        "Already built: files checked, 1 missing file(s) restored",
    ]
