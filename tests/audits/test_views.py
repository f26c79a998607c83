"""The member's audit page (DOMAIN.md "Annual CCP audit"): the deadline, each activity's proof status, the
reviewer's words, the timeline, and what the member does there (upload proof, list the activities behind an
attestation, ask once for an extension, submit); what the member reads and what the database then holds."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audits import services
from audits.models import Audit, AuditEvent, AuditItem
from ccp.models import Activity, ActivityCategory, ActivityDocument, CcpPolicy
from tests.audits.conftest import DEADLINE, START_DAY, rolled_certification, start_campaign
from tests.factories import MemberFactory, make_staff
from tests.files import HTML, image_bytes, pdf_bytes
from tests.pages import assert_sign_in_asked, at, get_in_queries, page_text

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()
ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Campaigns start, and the pages are read, on START_DAY (January 15, 2026) unless a test moves on."""
    at(time_machine, START_DAY)


@pytest.fixture
def member_client(client, audit):
    client.force_login(audit.certification.member.user)
    return client


def url(audit: Audit, name: str = "audit", *extra) -> str:
    return reverse(f"audits:{name}", args=[audit.pk, *extra])


def item_titled(audit: Audit, title: str) -> AuditItem:
    return audit.items.select_related("activity").get(activity__title=title)


def upload(client, audit: Audit, item: AuditItem, name: str = "certificate.pdf", content: bytes = PDF):
    return client.post(
        url(audit, "proof_upload", item.pk), {"file": SimpleUploadedFile(name, content)}, follow=True
    )


def attach_all(audit: Audit) -> None:
    for item in audit.items.filter(state=AuditItem.State.NEEDS_PROOF):
        services.audit_attach_proof(
            audit=audit,
            item_id=item.pk,
            upload=SimpleUploadedFile("proof.pdf", PDF),
            user=audit.certification.member.user,
            today=START_DAY,
        )


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


# --- What the page shows --------------------------------------------------------------------------------


def test_the_page_shows_the_cycle_the_deadline_the_days_left_and_each_activity_needing_proof(
    member_client, audit
):
    text = page_text(member_client.get(url(audit)))

    assert "Your CCP audit Waiting on you" in text
    assert (
        "selected your Registered Medical Assistant (RMA) CCP cycle of January 10, 2022 to January 9, 2025. "
        "It needs 30.00 points." in text
    )
    assert "Submit by March 16, 2026 : 61 days left, counting today and the deadline." in text
    for title in ("Course A", "Course B", "Course C"):
        assert f"{title} Needs proof" in text
        assert f"Upload proof for “{title}”" in text
    assert (
        "Proof is still missing for 3 activities: “Course A”, “Course B”, “Course C”. "
        "You can submit once every activity has proof." in text
    )
    assert "Submit my audit" not in text
    assert "Need more time? You can ask once for an extension." in text


def read_on(client, audit: Audit, day: datetime.date, time_machine) -> str:
    """The audit page as its member reads it on `day` (signed in again: sessions expire meanwhile)."""
    at(time_machine, day)
    client.force_login(audit.certification.member.user)
    return page_text(client.get(url(audit)))


def test_days_left_count_down_to_the_deadline_and_the_page_says_once_it_has_passed(
    client, audit, time_machine
):
    assert "Submit by March 16, 2026 : 7 days left" in read_on(
        client, audit, DEADLINE - ONE_DAY * 6, time_machine
    )
    assert "Submit by March 16, 2026 : 1 day left" in read_on(client, audit, DEADLINE, time_machine)

    text = read_on(client, audit, DEADLINE + ONE_DAY, time_machine)
    assert "The deadline was March 16, 2026." in text
    assert "Upload proof for" not in text and "Need more time?" not in text


def test_verified_online_ce_needs_no_proof_and_counts_as_ready_in_the_submit_summary(client, seeded):
    certification = rolled_certification(online=1)
    start_campaign()
    audit = Audit.objects.get(certification=certification)
    attach_all(audit)
    client.force_login(certification.member.user)

    text = page_text(client.get(url(audit)))

    assert "Course A Verified online CE" in text
    assert "Recorded from the body's online CE: verified, no proof needed." in text
    assert "Upload proof for “Course A”" not in text
    assert "Course B Proof uploaded" in text and "Proof: proof.pdf" in text
    assert (
        "You will send 3 activities to the reviewers, each with its proof or verified as online CE." in text
    )
    assert "Submit my audit" in text


def test_the_member_reads_the_reviewer_s_reason_and_request_and_a_timeline_without_claims(client, audit):
    attach_all(audit)
    member_user = audit.certification.member.user
    services.audit_submit(audit=audit, user=member_user, today=START_DAY)
    reviewer = make_staff("Audit reviewer")
    services.audit_claim(audit=audit, user=reviewer, today=START_DAY)
    decisions = [("Course A", "accept", ""), ("Course B", "more", "The certificate is unreadable"),
                 ("Course C", "refuse", "Not related to health care")]  # fmt: skip
    for title, decision, message in decisions:
        services.audit_item_decide(
            audit=audit, item_id=item_titled(audit, title).pk, decision=decision, message=message,
            user=reviewer, today=START_DAY,
        )  # fmt: skip
    services.audit_return_to_member(audit=audit, user=reviewer, today=START_DAY)
    client.force_login(member_user)

    text = page_text(client.get(url(audit)))

    assert "Your CCP audit More requested" in text
    assert "The reviewer asks for more. Submit by January 29, 2026 : 15 days left" in text
    assert "Course A Accepted" in text
    assert "Course B More asked" in text and "The reviewer asks: The certificate is unreadable" in text
    assert "Course C Refused" in text and "Reason: Not related to health care" in text
    assert "Upload proof for “Course B”" in text
    assert "Upload proof for “Course A”" not in text and "Upload proof for “Course C”" not in text
    assert "Proof is still missing for 1 activity: “Course B”." in text
    timeline = text.split("Timeline", 1)[1]
    assert "Selected: 2025 campaign, proof due March 16, 2026. (test)" in timeline
    assert "Proof uploaded: proof.pdf for “Course A” (you)" in timeline
    assert "Moved: Submitted for review. (you)" in timeline
    assert "Decision on an activity: “Course C”: refused: Not related to health care (a reviewer)" in timeline
    assert "Moved: More asked, due January 29, 2026" in timeline
    assert "Claimed" not in timeline and "Audit Reviewer" not in text and reviewer.email not in text


def test_a_passed_audit_says_so_with_its_reason(client, seeded):
    certification = rolled_certification(online=3)
    start_campaign()
    client.force_login(certification.member.user)

    text = page_text(client.get(url(Audit.objects.get(certification=certification))))

    assert "Your CCP audit Passed" in text
    assert "Your audit passed on January 15, 2026." in text
    assert "Submit" not in text and "Upload proof" not in text


# --- Uploading proof ------------------------------------------------------------------------------------


def test_uploading_proof_stores_the_document_and_marks_the_activity(member_client, audit, media):
    item = item_titled(audit, "Course A")

    response = upload(member_client, audit, item, "certificate.pdf")

    text = page_text(response)
    assert response.redirect_chain == [(url(audit), 302)]
    assert "Proof uploaded for “Course A”." in text
    assert "Course A Proof uploaded" in text and "Proof: certificate.pdf" in text
    assert "Upload proof for “Course A”" in text  # more can be added until a reviewer decides
    item.refresh_from_db()
    assert item.state == AuditItem.State.UPLOADED
    document = ActivityDocument.objects.get(activity=item.activity)
    assert (document.original_name, document.content_type) == ("certificate.pdf", "application/pdf")
    assert len(stored_files(media)) == 1
    event = audit.events.get(kind=AuditEvent.Kind.UPLOAD)
    assert (event.actor, event.message) == (audit.certification.member.user, "certificate.pdf for “Course A”")


def test_an_image_is_accepted_as_proof(member_client, audit):
    item = item_titled(audit, "Course B")

    text = page_text(upload(member_client, audit, item, "scan.png", image_bytes("PNG")))

    assert "Proof uploaded for “Course B”." in text
    assert ActivityDocument.objects.get(activity=item.activity).content_type == "image/png"


def test_a_file_of_another_type_is_refused_and_nothing_is_stored(member_client, audit, media):
    item = item_titled(audit, "Course A")

    text = page_text(upload(member_client, audit, item, "page.html", HTML))

    assert (
        "The proof was not uploaded: This file is not a readable PDF, JPEG or PNG image: other kinds of file "
        "(HTML, SVG, Word, text...) are not accepted." in text
    )
    assert "Course A Needs proof" in text
    item.refresh_from_db()
    assert item.state == AuditItem.State.NEEDS_PROOF
    assert not ActivityDocument.objects.exists() and stored_files(media) == []
    assert not audit.events.filter(kind=AuditEvent.Kind.UPLOAD).exists()


def test_a_file_too_big_is_refused_and_nothing_is_stored(member_client, audit, media):
    CcpPolicy.objects.update(max_document_mb=1)
    item = item_titled(audit, "Course A")
    too_big = PDF + b"\n%" + b"x" * (1024 * 1024)

    text = page_text(upload(member_client, audit, item, "big.pdf", too_big))

    assert "The proof was not uploaded: The file is larger than 1 MB." in text
    assert "PDF, JPEG or PNG, at most 1 MB" in text  # said before the next try too
    item.refresh_from_db()
    assert item.state == AuditItem.State.NEEDS_PROOF
    assert not ActivityDocument.objects.exists() and stored_files(media) == []


def test_an_upload_without_a_file_asks_for_one(member_client, audit):
    item = item_titled(audit, "Course A")

    response = member_client.post(url(audit, "proof_upload", item.pk), follow=True)

    assert "The proof was not uploaded: Choose a file to upload." in page_text(response)
    assert not ActivityDocument.objects.exists()


def test_proof_for_an_item_of_another_member_s_audit_is_refused_and_nothing_is_written(client, seeded, media):
    mine = rolled_certification()
    theirs = rolled_certification()
    start_campaign()
    my_audit, their_audit = (Audit.objects.get(certification=c) for c in (mine, theirs))
    their_item = item_titled(their_audit, "Course A")
    client.force_login(mine.member.user)

    text = page_text(upload(client, my_audit, their_item))

    assert "The proof was not uploaded: This activity is not part of your audit." in text
    their_item.refresh_from_db()
    assert their_item.state == AuditItem.State.NEEDS_PROOF
    assert not ActivityDocument.objects.exists() and stored_files(media) == []
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.UPLOAD).exists()


# --- Activities behind an attestation -------------------------------------------------------------------


@pytest.fixture
def attested_audit(seeded) -> Audit:
    """Pat Member attested the audited cycle without listing an activity."""
    member = MemberFactory(first_name="Pat", last_name="Member")
    certification = rolled_certification(member=member, claims=(), attest=True)
    start_campaign()
    return Audit.objects.get(certification=certification)


def attested_course(**overrides) -> dict:
    data = {
        "category": ActivityCategory.objects.get(code="professional-education").pk,
        "title": "Wound care seminar",
        "provider": "County hospital",
        "completed_on": "2024-05-02",
        "quantity": "30",
        "quantity_unit": "unit",
        "helps_job": "on",
    }
    return {**data, **overrides}


def test_an_attested_cycle_asks_for_the_activities_behind_it(client, attested_audit):
    client.force_login(attested_audit.certification.member.user)

    text = page_text(client.get(url(attested_audit)))

    assert "You signed a CCP attestation for this cycle. List the activities behind it" in text
    assert "Add an activity behind your attestation" in text


def test_an_activity_behind_the_attestation_is_added_with_its_proof(client, attested_audit):
    client.force_login(attested_audit.certification.member.user)
    data = attested_course(document=SimpleUploadedFile("seminar.pdf", PDF))

    response = client.post(url(attested_audit, "activity_add"), data, follow=True)

    text = page_text(response)
    assert "Activity added to your audit: Wound care seminar." in text
    assert "Wound care seminar Proof uploaded" in text and "Proof: seminar.pdf" in text
    item = attested_audit.items.get()
    assert item.added_during_audit and item.state == AuditItem.State.UPLOADED
    assert item.activity.source == Activity.Source.MEMBER
    assert item.activity.completed_on == datetime.date(2024, 5, 2)


def test_an_activity_outside_the_audited_cycle_is_refused(client, attested_audit):
    client.force_login(attested_audit.certification.member.user)

    response = client.post(url(attested_audit, "activity_add"), attested_course(completed_on="2025-06-01"))

    assert response.status_code == 200
    assert "There is a problem with this activity" in page_text(response)
    assert not attested_audit.items.exists()
    assert not Activity.objects.filter(title="Wound care seminar").exists()


def test_an_activity_whose_proof_is_refused_is_not_added_either(client, attested_audit, media):
    client.force_login(attested_audit.certification.member.user)
    data = attested_course(document=SimpleUploadedFile("seminar.html", HTML))

    text = page_text(client.post(url(attested_audit, "activity_add"), data))

    assert "This file is not a readable PDF, JPEG or PNG image" in text
    assert not attested_audit.items.exists()
    assert not Activity.objects.filter(title="Wound care seminar").exists()
    assert stored_files(media) == []


def test_an_audit_of_a_cycle_not_attested_takes_no_new_activity(member_client, audit):
    text = page_text(member_client.post(url(audit, "activity_add"), attested_course()))

    assert "Activities can be added only to an audit of a cycle you attested" in text
    assert audit.items.count() == 3
    assert "Add an activity behind your attestation" not in page_text(member_client.get(url(audit)))


# --- Extension ------------------------------------------------------------------------------------------


def test_an_extension_is_asked_once(member_client, audit):
    ask = {"days": "20", "reason": "I was in hospital"}

    first = page_text(member_client.post(url(audit, "extension"), ask, follow=True))

    assert "Your extension request was sent. Your deadline stays until a reviewer decides." in first
    assert (
        "Extension asked (20 days asked; your deadline stays March 16, 2026 until a reviewer "
        "decides)." in first
    )
    assert "Need more time?" not in first
    assert "Extension: 20 more days asked: I was in hospital (you)" in first

    second = page_text(
        member_client.post(url(audit, "extension"), {"days": "5", "reason": "Again"}, follow=True)
    )

    assert (
        "The extension was not requested: You already asked for an extension: it can be asked once per audit."
        in second
    )
    audit.refresh_from_db()
    assert (audit.extension, audit.extension_days, audit.deadline) == ("asked", 20, DEADLINE)
    assert audit.events.filter(kind=AuditEvent.Kind.EXTENSION).count() == 1


def test_an_extension_longer_than_allowed_or_without_a_reason_is_refused(member_client, audit):
    too_long = page_text(
        member_client.post(url(audit, "extension"), {"days": "31", "reason": "Busy"}, follow=True)
    )
    no_reason = page_text(
        member_client.post(url(audit, "extension"), {"days": "10", "reason": " "}, follow=True)
    )

    assert "The extension was not requested: Ask for 1 to 30 days." in too_long
    assert "The extension was not requested: Say why you need more time." in no_reason
    audit.refresh_from_db()
    assert audit.extension == ""


# --- Submitting -----------------------------------------------------------------------------------------


def test_submitting_with_proof_missing_is_refused_naming_the_activities(member_client, audit):
    upload(member_client, audit, item_titled(audit, "Course B"))

    text = page_text(member_client.post(url(audit, "submit"), follow=True))

    assert (
        "The audit was not submitted: Upload proof for every activity before submitting. "
        "Missing: “Course A”; “Course C”." in text
    )
    audit.refresh_from_db()
    assert audit.state == Audit.State.SELECTED and audit.submitted_on is None


def test_submitting_sends_the_audit_to_the_reviewers(member_client, audit):
    attach_all(audit)

    text = page_text(member_client.post(url(audit, "submit"), follow=True))

    assert "Your audit was submitted. The reviewers will tell you their decision." in text
    assert "Your CCP audit Waiting on review" in text
    assert "You submitted your audit on January 15, 2026. It is waiting on the reviewers" in text
    assert "Upload proof for" not in text and "Submit my audit" not in text
    audit.refresh_from_db()
    assert (audit.state, audit.submitted_on) == (Audit.State.SUBMITTED, START_DAY)

    again = page_text(member_client.post(url(audit, "submit"), follow=True))
    assert "The audit was not submitted: Your audit was submitted: it is waiting on the reviewers." in again


def test_after_the_deadline_nothing_is_accepted(client, audit, time_machine):
    attach_all(audit)
    at(time_machine, DEADLINE + ONE_DAY)
    client.force_login(audit.certification.member.user)

    text = page_text(client.post(url(audit, "submit"), follow=True))

    assert "The audit was not submitted: The deadline of this audit was March 16, 2026." in text
    audit.refresh_from_db()
    assert audit.state == Audit.State.SELECTED


# --- Who may see the audit ------------------------------------------------------------------------------


def member_urls(audit: Audit) -> list[tuple[str, str]]:
    item = audit.items.first()
    return [
        ("get", url(audit)),
        ("post", url(audit, "proof_upload", item.pk)),
        ("get", url(audit, "activity_add")),
        ("post", url(audit, "activity_add")),
        ("post", url(audit, "extension")),
        ("post", url(audit, "submit")),
    ]


def test_another_member_s_audit_is_not_found_and_nothing_is_written(client, audit):
    client.force_login(MemberFactory().user)

    for method, address in member_urls(audit):
        data = {"days": "10", "reason": "Busy", "file": SimpleUploadedFile("a.pdf", PDF)}
        assert getattr(client, method)(address, data).status_code == 404, address
    audit.refresh_from_db()
    assert (audit.state, audit.extension) == (Audit.State.SELECTED, "")
    assert not ActivityDocument.objects.exists()
    assert audit.events.count() == 1  # the selection


def test_a_visitor_is_asked_to_sign_in(client, audit):
    assert_sign_in_asked(client, member_urls(audit))


# --- Documents ------------------------------------------------------------------------------------------


def test_the_member_downloads_their_own_proof_and_not_another_s(client, seeded):
    mine = rolled_certification()
    theirs = rolled_certification()
    start_campaign()
    my_audit, their_audit = (Audit.objects.get(certification=c) for c in (mine, theirs))
    attach_all(my_audit)
    attach_all(their_audit)
    my_document = ActivityDocument.objects.filter(activity__certification=mine).first()
    their_document = ActivityDocument.objects.filter(activity__certification=theirs).first()
    client.force_login(mine.member.user)

    page = client.get(url(my_audit)).content.decode()
    response = client.get(reverse("ccp:document_download", args=[my_document.pk]))

    assert reverse("ccp:document_download", args=[my_document.pk]) in page
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="proof.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client.get(reverse("ccp:document_download", args=[their_document.pk])).status_code == 404


# --- Queries --------------------------------------------------------------------------------------------

AUDIT_PAGE_QUERIES = 10  # session, user, member, audit, items, documents, attestation, timeline, two policies


@pytest.mark.parametrize("activities", [3, 30])
def test_the_audit_page_makes_a_fixed_number_of_queries(
    client, seeded, django_assert_num_queries, activities
):
    claims = [(str(30 // activities), f"Course {number}") for number in range(activities)]
    certification = rolled_certification(claims=claims)
    start_campaign()
    audit = Audit.objects.get(certification=certification)
    attach_all(audit)
    client.force_login(certification.member.user)

    response = get_in_queries(client, url(audit), AUDIT_PAGE_QUERIES, django_assert_num_queries)

    text = page_text(response)
    assert text.count("Proof: proof.pdf") == activities  # each activity, with its document
    assert text.count("Proof uploaded: proof.pdf") == activities  # each upload in the timeline
