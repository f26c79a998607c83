"""Billing staff fix a member's mailing address from the record or from a mail-batch exception, with a
reason: the change is in the profile history with who and why, and the next batch prints the letter."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members.models import Notice, ProfileChange
from members.services import member_fix_mailing_address
from members.services.mail_batch import NO_ADDRESS, mail_batch_build
from tests.factories import MemberFactory, make_staff
from tests.members.test_mail_batch import DAY, NEXT_DAY, members_with_letters, pages
from tests.pages import assert_forbidden, assert_sign_in_asked, page_text

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def at(time_machine):
    def move(day: D, hour: int) -> None:
        time_machine.move_to(
            datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC), tick=False
        )

    return move


@pytest.fixture
def exception(at, seeded):
    """Yesterday's batch could not print the letter of a member without a street address."""
    at(DAY, 14)
    [homeless] = members_with_letters(1, without_address=1)
    at(DAY, 15)
    batch = mail_batch_build(day=DAY)
    assert batch.exception_count == 1
    return homeless, batch


def test_the_fix_is_in_the_history_with_who_and_why_and_the_next_batch_prints_the_letter(exception, at):
    homeless, _ = exception
    clerk = make_staff("Billing staff")

    changes = member_fix_mailing_address(
        member=homeless,
        changed_by=clerk,
        fields={"address_line1": "9 Pine Road", "city": "Peoria"},
        reason="  Member phoned:   moved in March. ",
    )

    assert sorted((c.field, c.old_value, c.new_value) for c in changes) == [
        ("address_line1", "", "9 Pine Road")
    ]
    row = ProfileChange.objects.get(member=homeless)
    assert (row.changed_by, row.reason) == (clerk, "Member phoned: moved in March.")
    at(NEXT_DAY, 15)
    batch = mail_batch_build(day=NEXT_DAY)
    assert (batch.letter_count, batch.exception_count) == (1, 0)
    [text] = pages(batch)
    assert "9 Pine Road" in text
    assert Notice.objects.get(member=homeless, channel="letter").state == "sent"


def test_no_reason_or_other_fields_change_nothing(exception):
    homeless, _ = exception
    clerk = make_staff("Billing staff")
    with pytest.raises(ValidationError) as refused:
        member_fix_mailing_address(
            member=homeless, changed_by=clerk, fields={"address_line1": "9 Pine"}, reason=" "
        )
    assert refused.value.message_dict == {
        "reason": ["Say why the address changes (for example, what the member told you)."]
    }
    with pytest.raises(ValidationError, match="Only the mailing address is changed here, not: last_name"):
        member_fix_mailing_address(
            member=homeless, changed_by=clerk, fields={"last_name": "X"}, reason="typo"
        )
    with pytest.raises(ValidationError):
        member_fix_mailing_address(
            member=homeless,
            changed_by=clerk,
            fields={"address_line1": "9 Pine", "postal_code": "6"},
            reason="call",
        )
    homeless.refresh_from_db()
    assert homeless.address_line1 == "" and not ProfileChange.objects.exists()


def test_billing_staff_fix_an_exception_from_the_mail_batch_page(client, exception):
    """Given yesterday's batch with one exception, when billing staff follow “Fix the address” from the
    batch page and save a new street with a reason, then they are back on the batch page with a message
    that the letter goes out in the next batch, and the record's history shows the change and the reason."""
    homeless, batch = exception
    client.force_login(make_staff("Billing staff", email="bill@staff.example.org"))
    batch_page = reverse("billing_staff:mail_batch", args=[batch.day.isoformat()])
    fix = reverse("members:staff_fix_address", args=[homeless.member_number])
    listing = client.get(batch_page)
    assert f'href="{fix}?next={batch_page}"' in listing.content.decode()

    form = client.get(fix, {"next": batch_page})
    assert "1 letter waits for it" in page_text(form) and NO_ADDRESS in page_text(form)
    fields = {
        "address_line1": "9 Pine Road",
        "city": "Peoria",
        "state": "IL",
        "postal_code": "61600",
        "country": "US",
    }
    response = client.post(
        fix, {**fields, "reason": "Returned mail: new address from member", "next": batch_page}, follow=True
    )

    assert response.redirect_chain[-1][0] == batch_page
    assert "Letters waiting for it go out in the next mail batch." in page_text(response)
    record = page_text(client.get(reverse("members:staff_member", args=[homeless.member_number])))
    assert "9 Pine Road" in record and "Returned mail: new address from member" in record
    assert "bill@staff.example.org" in record


def test_a_wrong_zip_or_a_missing_reason_is_said_in_the_page_and_nothing_changes(client, seeded):
    member = MemberFactory(
        address_line1="1 Elm", city="Peoria", state="IL", postal_code="61601", country="US"
    )
    client.force_login(make_staff("Billing staff"))
    fix = reverse("members:staff_fix_address", args=[member.member_number])
    fields = {
        "address_line1": "1 Elm",
        "city": "Peoria",
        "state": "IL",
        "postal_code": "6160",
        "country": "US",
    }

    text = page_text(client.post(fix, {**fields, "reason": ""}))

    assert "The address was not saved" in text and "Reason for the change : This field is required." in text
    text = page_text(client.post(fix, {**fields, "reason": "typo"}))
    assert "The address was not saved" in text and "ZIP" in text
    member.refresh_from_db()
    assert member.postal_code == "61601" and not ProfileChange.objects.exists()


def test_after_saving_only_a_page_of_this_site_is_followed(client, seeded):
    member = MemberFactory(address_line1="", city="Peoria", postal_code="61601")
    client.force_login(make_staff("Administrator"))
    fix = reverse("members:staff_fix_address", args=[member.member_number])
    data = {
        "address_line1": "2 Oak",
        "city": "Peoria",
        "state": "IL",
        "postal_code": "61601",
        "country": "US",
    }
    response = client.post(fix, {**data, "reason": "called", "next": "https://evil.example.com/"})
    assert response.url == reverse("members:staff_member", args=[member.member_number])


def test_only_billing_staff_and_administrators_fix_addresses(client, seeded):
    member = MemberFactory()
    fix = reverse("members:staff_fix_address", args=[member.member_number])
    assert_sign_in_asked(client, [("get", fix), ("post", fix)])
    assert_forbidden(
        client,
        [make_staff("Audit reviewer"), make_staff("Recertification processor")],
        [("get", fix), ("post", fix)],
        {},
    )
    client.force_login(make_staff("Billing staff"))
    assert client.get(reverse("members:staff_fix_address", args=["NOPE"])).status_code == 404
    assert "Fix the address" in page_text(
        client.get(reverse("members:staff_member", args=[member.member_number]))
    )
