"""The members part of the demo, through the members services: staff logins (one per role, with TOTP), the
demo members' profiles, the steps of a certification's life the members app owns (fee payments, the daily
status job), and the mail batches; plus the lines the command prints about them."""

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.management.base import CommandError

from amtportal.demo.plan import DEMO_PASSWORD, SOURCE, STAFF, TOTP_SECRET, MemberPlan, Step
from core.links import absolute_url
from members import services
from members.models import Certification, CertificationPolicy, MailBatch, Member, Notice, User
from members.rules import Status
from members.services.mail_batch import mail_batch_build

# --- Before anything is made ------------------------------------------------------------------------


def grace_days() -> int:
    return CertificationPolicy.current().grace_days


def roles_check() -> None:
    missing = {role for *_, role in STAFF} - set(Group.objects.values_list("name", flat=True))
    if missing:
        raise CommandError(f"Roles missing (run migrate first): {', '.join(sorted(missing))}.")


# --- Staff and members ------------------------------------------------------------------------------


def staff_ensure() -> int:
    """The demo staff, one per role; returns how many were created."""
    return sum(_staff_ensure(*row) for row in STAFF)


def _staff_ensure(email: str, first_name: str, last_name: str, role: str) -> bool:
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
            is_staff=True,
            is_superuser=role == "Administrator",
        )
    if not user.groups.filter(name=role).exists():
        user.groups.add(Group.objects.get(name=role))
    if not EmailAddress.objects.filter(user=user, email__iexact=email).exists():
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, TOTP_SECRET)
    return created


def staff_user(email: str) -> User:
    return User.objects.get(email=email)


def member_ensure(plan: MemberPlan) -> Member | None:
    """The demo member of `plan`, with the demo password; None when it exists already."""
    if Member.objects.filter(member_number=plan.member_number).exists():
        return None
    if User.objects.filter(email__iexact=plan.email).exists():
        raise CommandError(f"{plan.email} is in use by a login that is not demo member {plan.member_number}.")
    contact = {"phone": plan.phone}
    if plan.address:
        line1, line2, city, state, postal_code = plan.address
        contact.update(
            address_line1=line1, address_line2=line2, city=city, state=state, postal_code=postal_code
        )
    member = services.member_create(
        member_number=plan.member_number,
        email=plan.email,
        first_name=plan.first_name,
        middle_name=plan.middle_name,
        last_name=plan.last_name,
        invite=False,
        **contact,
    )
    services.member_accept_invitation(user=member.user, password=DEMO_PASSWORD)
    return member


# --- Steps of a certification's life (amtportal.demo.replay.STEPS) -----------------------------------


def _actor(step: Step) -> User | None:
    return staff_user(step.actor) if step.actor else None


def pay(member: Member, certification: Certification, step: Step) -> Certification:
    return services.certification_record_paid_through(
        certification=certification,
        paid_through=step.value,
        today=step.on,
        actor=_actor(step),
        source=f"{SOURCE}: payment",
    )


def daily(member: Member, certification: Certification, step: Step) -> Certification:
    return status_refresh(certification, step.on)


def status_refresh(certification: Certification, today: datetime.date) -> Certification:
    """The daily status job's part for one certification."""
    return services.certification_refresh_status(
        certification=certification, today=today, source=f"{SOURCE}: daily status job"
    )


# --- The outbox: e-mails and letters ---------------------------------------------------------------


def mail_batch(day: datetime.date) -> None:
    """The mail batch of `day` (the nightly job's): the letters waiting, e.g. today's renewal notices; its
    exceptions are the members without a usable address."""
    mail_batch_build(day=day)


def day_end(day: datetime.date) -> None:
    """What leaves the outbox by the end of a past day: its e-mails (sent within seconds in real life; in
    the demo's one transaction they would wait for the commit, and a later step could withdraw them as
    never sent) and its letters, in the day's mail batch."""
    waiting = Notice.objects.filter(state=Notice.State.PENDING)
    if waiting.filter(channel=Notice.Channel.EMAIL).exists():
        services.notices_deliver_pending()
    if waiting.filter(channel=Notice.Channel.LETTER, mail_batch__isnull=True).exists():
        mail_batch(day)


def mail_batch_summary(today: datetime.date) -> list[str]:
    batch = MailBatch.objects.filter(day=today).first()
    if batch is None:
        return []
    return [f"today's mail batch: {batch.letter_count} letter(s), {batch.exception_count} exception(s)"]


# --- What the command prints ------------------------------------------------------------------------


def demo_members_by_number(plans: list[MemberPlan]) -> dict[str, Member]:
    numbers = [plan.member_number for plan in plans]
    members = Member.objects.filter(member_number__in=numbers).select_related("user")
    return {member.member_number: member for member in members}


def certifications_by_code(member: Member) -> dict[str, Certification]:
    return {c.credential.code: c for c in member.certifications.select_related("credential")}


def member_line(member: Member) -> str:
    line = f"{member.user.email:<28} {member.member_number}  {member.full_name}"
    if not member.has_mailing_address:
        line += "  [no usable mailing address]"
    return line


def status_text(certification: Certification) -> str:
    label = certification.status_enum.label
    if certification.status == Status.ACTIVE and certification.active_through:
        return f"{label} through {certification.active_through}"
    if certification.lapse_date:
        return f"{label} since {certification.lapse_date}"
    return label


def employer_list_lines(plans: list[MemberPlan]) -> list[str]:
    """Ten lines an employer could paste into "Check a list": verification links and member number + last
    name pairs of the demo members, typed as people type them (O’Brien with a curly apostrophe, lower
    case, a lapsed member, one that matches no one)."""
    members = demo_members_by_number(plans)
    certifications = [
        certification
        for plan in plans[:8]
        if (member := members.get(plan.member_number))
        for certification in member.certifications.select_related("credential").order_by("pk")[:1]
    ]
    lines = []
    for index, certification in enumerate(certifications):
        member = certification.member
        if index % 2 == 0:
            lines.append(absolute_url(certification.get_verification_url()))
        else:
            typed = (
                member.last_name.replace("'", "’").lower() if "'" in member.last_name else member.last_name
            )
            lines.append(f"{member.member_number}, {typed}")
    lines.append(f"{plans[0].member_number}, Smith")  # a wrong name: not found
    lines.append("D0000X")  # malformed: no last name
    return lines[:10]
