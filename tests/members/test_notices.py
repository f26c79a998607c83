"""The notice outbox: one row per key, sent once, with a stable Message-ID, and caught up after a failure."""

import socket

import pytest

from members import services
from members.models import Notice
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local port nobody listens on: an SMTP server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    return settings


def create_member(number="900001", email="ann.lee@example.org"):
    return services.member_create(member_number=number, email=email, first_name="Ann", last_name="Lee")


def test_creating_a_member_sends_one_invitation_with_the_notice_message_id(
    django_capture_on_commit_callbacks, mailoutbox
):
    # When staff create a member
    with django_capture_on_commit_callbacks(execute=True):
        member = create_member()

    # Then one e-mail went to the member, carrying the outbox row's Message-ID, and the row is sent
    notice = Notice.objects.get(member=member)
    assert (notice.kind, notice.channel, notice.state, notice.attempts) == ("invitation", "email", "sent", 1)
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["ann.lee@example.org"]
    assert email.subject == "Your AMT Member Portal account is ready"
    assert email.message()["Message-ID"] == notice.message_id
    assert "member number 900001" in email.body
    assert "/invitation/" in email.body
    assert email.alternatives[0].mimetype == "text/html"


def test_no_e_mail_leaves_before_the_transaction_commits(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create_member()

    assert len(callbacks) == 1
    assert mailoutbox == []
    assert Notice.objects.get().state == "pending"


def test_asking_twice_for_the_same_notice_gives_one_row_and_one_e_mail(
    django_capture_on_commit_callbacks, mailoutbox
):
    member = MemberFactory()

    with django_capture_on_commit_callbacks(execute=True):
        first = services.member_invite(member=member, key="first")
        second = services.member_invite(member=member, key="first")

    assert first.pk == second.pk
    assert Notice.objects.count() == 1
    assert len(mailoutbox) == 1


def test_delivering_a_sent_notice_again_sends_nothing(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        member = create_member()
    notice = Notice.objects.get(member=member)

    assert services.notice_deliver(notice_id=notice.pk) is False
    assert services.notices_deliver_pending() == 0

    assert len(mailoutbox) == 1
    notice.refresh_from_db()
    assert notice.attempts == 1


def test_a_failed_send_is_kept_and_the_catch_up_job_sends_it_with_the_same_message_id(
    django_capture_on_commit_callbacks, mailoutbox, smtp_down
):
    # Given the SMTP server is down when a member is created
    with django_capture_on_commit_callbacks(execute=True):
        member = create_member()

    # Then the invitation is in the outbox, failed, with the error
    notice = Notice.objects.get(member=member)
    assert notice.state == "failed"
    assert notice.attempts == 1
    assert notice.last_error
    assert notice.sent_at is None

    # When the server is back and the catch-up job runs (twice)
    smtp_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = [services.notices_deliver_pending(), services.notices_deliver_pending()]

    # Then the invitation went once, with the Message-ID fixed when it was first written
    assert sent == [1, 0]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].message()["Message-ID"] == notice.message_id
    notice.refresh_from_db()
    assert (notice.state, notice.attempts, notice.last_error) == ("sent", 2, "")
    assert notice.sent_at is not None


def test_a_letter_is_written_to_the_outbox_once_addressed_to_the_mailing_address(mailoutbox):
    member = MemberFactory(first_name="Ann", last_name="Lee", country="CA", postal_code="K1A 0B1")

    first = services.notice_letter_enqueue(
        member=member, kind="invitation", key="first", template="email/invitation", context={"link": "x"}
    )
    second = services.notice_letter_enqueue(
        member=member, kind="invitation", key="first", template="email/invitation", context={"link": "x"}
    )

    assert first.pk == second.pk
    assert first.channel == "letter"
    assert first.recipient == "Ann Lee\n12 Elm Street\nSpringfield, IL K1A 0B1\nCA"
    assert services.notices_deliver_pending() == 0  # letters go out with the mail batch, not by e-mail
    assert mailoutbox == []
