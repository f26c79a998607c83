"""Members: creation by staff, invitations, and profile changes with their history."""

from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from core import clock
from core.links import absolute_url
from members.models import MAILING_ADDRESS_FIELDS, Member, ProfileChange, User
from members.rules.contact import contact_details_clean
from members.services.notices import notice_email_enqueue
from members.tokens import invitation_path_args

# The fields a member may change themselves. The legal name is on the credential: staff change it.
MEMBER_EDITABLE_FIELDS = ("phone", *MAILING_ADDRESS_FIELDS)
STAFF_EDITABLE_FIELDS = ("first_name", "middle_name", "last_name", *MEMBER_EDITABLE_FIELDS)


def member_create(
    *,
    member_number: str,
    email: str,
    first_name: str,
    last_name: str,
    middle_name: str = "",
    invite: bool = True,
    **contact: Any,
) -> Member:
    """A member with a login that has no password yet; the invitation lets them set one. The phone and the
    address in `contact` are checked and normalized as a profile change is (`contact_details_clean`)."""
    email = email.strip().lower()
    try:
        User._meta.get_field("email").run_validators(email)  # the address's form and the column's length
    except ValidationError:
        raise ValidationError(f"{email!r} is not a valid e-mail address.") from None
    if Member.objects.filter(member_number=member_number).exists():
        raise ValidationError(f"Member number {member_number} is already in use.")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(f"The e-mail address {email} is already in use.")
    contact = contact_details_clean(contact)
    member = Member(
        member_number=member_number,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        **contact,
    )
    # Checked before the login is written: a value too long for a column is a ValidationError, not a crash.
    member.full_clean(exclude=["user"])
    with transaction.atomic():
        member.user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
        EmailAddress.objects.create(user=member.user, email=email, primary=True, verified=False)
        member.save()
        if invite:
            member_invite(member=member, key="first")
    return member


def member_invite(*, member: Member, key: str):
    """Queue the invitation e-mail (once per key) with a link to set a password."""
    uidb64, token = invitation_path_args(member.user)
    link = absolute_url(reverse("members:invitation", args=[uidb64, token]))
    return notice_email_enqueue(
        member=member,
        kind="invitation",
        key=key,
        template="email/invitation",
        context={"member": member, "link": link},
    )


def member_accept_invitation(*, user: User, password: str) -> User:
    """Following the invitation link proves the address: set the password and verify the e-mail."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True, primary=True)
    return user


def member_update_profile(
    *, member: Member, changed_by: User, fields: dict[str, str], reason: str = ""
) -> list[ProfileChange]:
    """Change profile fields, checked and normalized (`contact_details_clean`); one history row per field
    that really changed (with staff's `reason`). A wrong value raises ValidationError (an error per field)
    and changes nothing."""
    allowed = STAFF_EDITABLE_FIELDS if changed_by.is_staff else MEMBER_EDITABLE_FIELDS
    if unknown := set(fields) - set(allowed):
        raise ValidationError(f"These fields can't be changed here: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        changes = []
        for field, value in _profile_fields_clean(locked, fields).items():
            old = getattr(locked, field)
            if old != value:
                setattr(locked, field, value)
                changes.append(
                    ProfileChange(
                        member=locked,
                        field=field,
                        old_value=old,
                        new_value=value,
                        changed_by=changed_by,
                        changed_at=clock.now(),
                        reason=reason,
                    )
                )
        locked.full_clean(exclude=["user"])
        locked.save()
        ProfileChange.objects.bulk_create(changes)
    return changes


def member_fix_mailing_address(
    *, member: Member, changed_by: User, fields: dict[str, str], reason: str
) -> list[ProfileChange]:
    """Staff fix a member's mailing address (a mail-batch exception, a returned letter), saying why: the
    change is in the profile history with who and why, and the next mail batch prints the letters that
    waited for it."""
    if unknown := set(fields) - set(MAILING_ADDRESS_FIELDS):
        raise ValidationError(f"Only the mailing address is changed here, not: {', '.join(sorted(unknown))}.")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            {"reason": "Say why the address changes (for example, what the member told you)."}
        )
    return member_update_profile(member=member, changed_by=changed_by, fields=fields, reason=reason)


def _profile_fields_clean(member: Member, fields: dict[str, str]) -> dict[str, str]:
    """`fields` checked within the address they change: a new country checks the state and ZIP kept too
    (they may not fit it); a field not given is left as it is."""
    if "country" in fields:
        fields = {"state": member.state, "postal_code": member.postal_code} | fields
    return contact_details_clean(fields, country=member.country)


def member_record_email_change(*, member: Member, old: str, new: str, changed_by: User) -> ProfileChange:
    """The login e-mail is changed (and verified) through the account pages; keep it in the history."""
    return ProfileChange.objects.create(
        member=member,
        field="email",
        old_value=old,
        new_value=new,
        changed_by=changed_by,
        changed_at=clock.now(),
    )
