"""Reads of the proof page and the public status list documents."""

from dataclasses import dataclass

from members import selectors as member_selectors
from members.models import Certification, Member
from members.rules import Status
from recert.models import StatusList


@dataclass(frozen=True)
class ProofRow:
    certification: Certification
    offered: bool
    why_not: str


def proof_rows(*, member: Member) -> list[ProofRow]:
    """Each of the member's certifications: proof is offered for Active ones; for the others, the status in
    words says why not."""
    rows = []
    for certification in member_selectors.member_certifications(member):
        offered = certification.status == Status.ACTIVE
        why_not = "" if offered else f"{certification.status_enum.label}: {certification.status_meaning}"
        rows.append(ProofRow(certification=certification, offered=offered, why_not=why_not))
    return rows


def status_list_jwt(*, purpose: str) -> str | None:
    return StatusList.objects.filter(purpose=purpose).values_list("credential_jwt", flat=True).first()
