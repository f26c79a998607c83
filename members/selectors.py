"""Read queries shared by views, with their joins done once."""

from collections.abc import Collection

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from members.models import Certification, CertificationPolicy, Member, Notice, ProfileChange, StatusChange
from members.rules.verification import (
    VerificationAnswer,
    certified_since,
    member_number_key,
    names_match,
)


def member_for_user(user) -> Member | None:
    return Member.objects.filter(user=user).select_related("user").first()


def member_or_404(request) -> Member:
    """The signed-in member (views of every app): a login without a member profile gets a 404."""
    member = member_for_user(request.user)
    if member is None:
        raise Http404("No member profile is linked to this account.")
    return member


def user_certifications(user) -> list[Certification]:
    """The signed-in user's certifications with their credential and their member, in one query (the
    dashboard: the member comes with them)."""
    return list(
        Certification.objects.filter(member__user=user)
        .select_related("credential", "member")
        .order_by("credential__code")
    )


def member_certifications(member: Member) -> QuerySet[Certification]:
    return member.certifications.select_related("credential").order_by("credential__code")


def grace_days() -> int:
    """The grace after a fee's due date before the certification lapses (data, CertificationPolicy)."""
    return CertificationPolicy.current().grace_days


def member_certification(*, member: Member, pk: int) -> Certification | None:
    """One of `member`'s own certifications with its status history; None for anybody else's."""
    return (
        member_certifications(member)
        .prefetch_related(
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by"))
        )
        .filter(pk=pk)
        .first()
    )


def number_or_name(query: str, *, prefix: str = "") -> Q:
    """A member's number (exact) or name (each of the first words must match a part of the first or last
    name), as a filter on `prefix` ("certification__member__" from a certification's audit or application)."""
    query = query.strip()
    by_name = Q()
    for word in query.split()[:3]:
        by_name &= Q(**{f"{prefix}first_name__icontains": word}) | Q(
            **{f"{prefix}last_name__icontains": word}
        )
    return Q(**{f"{prefix}member_number__iexact": query}) | by_name


def member_search(query: str) -> QuerySet[Member]:
    """By member number (exact), e-mail, or name (each word must match a part of the name)."""
    members = Member.objects.select_related("user")
    query = query.strip()
    if not query:
        return members.none()
    condition = Q(member_number__iexact=query) | Q(user__email__iexact=query)
    name_condition = Q()
    for word in query.split():
        name_condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return members.filter(condition | name_condition).order_by("last_name", "first_name", "member_number")


def member_record(member_number: str) -> Member | None:
    """A member with certifications, each with its status history, and the profile history."""
    certifications = Certification.objects.select_related("credential").prefetch_related(
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by"))
    )
    return (
        Member.objects.select_related("user")
        .prefetch_related(
            Prefetch("certifications", queryset=certifications),
            Prefetch("profile_changes", queryset=ProfileChange.objects.select_related("changed_by")),
        )
        .filter(member_number=member_number)
        .first()
    )


def _public_certifications() -> QuerySet[Certification]:
    return Certification.objects.select_related("member", "credential").order_by("credential__code")


def certifications_for_lookup(*, member_number: str, last_name: str) -> list[Certification]:
    """Public lookup: the member's certifications only when both the number and the last name match.

    One indexed query by member number (unique); the names are then compared as people type them
    (`names_match`: case, accents and apostrophe styles don't matter), never by scanning members."""
    certifications = _public_certifications().filter(member__member_number=member_number_key(member_number))
    return [each for each in certifications if names_match(last_name, each.member.last_name)]


def certification_by_token(token: str) -> Certification | None:
    return _public_certifications().filter(verification_token=token).first()


def certifications_by_token(tokens: Collection[str]) -> dict[str, Certification]:
    """The certifications of many verification links, in one query: {token: certification}."""
    found = _public_certifications().filter(verification_token__in=set(tokens))
    return {certification.verification_token: certification for certification in found}


def certifications_by_member_number(member_numbers: Collection[str]) -> dict[str, list[Certification]]:
    """The certifications of many members, in one query: {member number: certifications}; the names are
    for the caller to compare (`names_match`)."""
    found: dict[str, list[Certification]] = {}
    keys = {member_number_key(number) for number in member_numbers}
    for certification in _public_certifications().filter(member__member_number__in=keys):
        found.setdefault(certification.member.member_number, []).append(certification)
    return found


def verification_answer(certification: Certification) -> VerificationAnswer:
    """What the public answer shows about `certification` (DOMAIN.md "Check your status"), and only that."""
    credential = certification.credential
    return VerificationAnswer(
        name=certification.member.full_name,
        credential=f"{credential.name} ({credential.code})",
        member_number=certification.member.member_number,
        certified_since=certified_since(certification.certified_on, certification.reinstated_on),
        status=certification.status_enum,
        active_through=certification.active_through,
    )


def notices_sent_between(start, end) -> dict[str, int]:
    """E-mails and letters marked sent in [start, end), by channel (the nightly run's record)."""
    counts = (
        Notice.objects.filter(state=Notice.State.SENT, sent_at__gte=start, sent_at__lt=end)
        .values("channel")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["channel"]: row["count"] for row in counts}


def letters_waiting_for_address(member: Member) -> int:
    """The member's letters that mail batches could not print for want of a usable address."""
    return member.notices.filter(channel=Notice.Channel.LETTER, state=Notice.State.FAILED).count()


def member_notices(member: Member) -> QuerySet[Notice]:
    """Every e-mail and letter to the member, newest first (the staff record)."""
    return member.notices.select_related("mail_batch").order_by("-created_at", "-id")
