"""The public "Check your status" (DOMAIN.md): how a typed name and member number are compared, what each
status means for an employer, the answer shown (and nothing else about the member), and why a member gets
no certificate or wallet card for a certification that is not Active. Pure: no ORM, no clock.

Name matching: only the letters and digits of a name count, in order, whatever their case and accents.
Apostrophes of every style (' ’ ‘ ʼ ʻ ` ´), hyphens, spaces and other punctuation are ignored, so
"O’Brien", "o'brien" and "OBrien" match, and so do "Reyes-Whitfield", "reyes whitfield" and
"ReyesWhitfield"; a part of a double name ("Whitfield") does not.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass

from core.formatting import format_date
from members.rules.status import Status

# Letters that are apostrophes in names (modifier letters, category Lm): other apostrophe and hyphen
# characters are punctuation or symbols, dropped with every other non-letter.
APOSTROPHE_LETTERS = frozenset("ʼʻʽʹʾʿ")
# Letters with no decomposition into a base letter and an accent, written without it by most people.
PLAIN_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}
)


def name_key(name: str) -> str:
    """`name` as it is compared: compatibility-decomposed (NFKD), case-folded, accents dropped, only its
    letters and digits kept."""
    decomposed = unicodedata.normalize("NFKD", name).casefold().translate(PLAIN_LETTERS)
    return "".join(
        character
        for character in decomposed
        if unicodedata.category(character)[0] in "LN" and character not in APOSTROPHE_LETTERS
    )


def names_match(typed: str, legal: str) -> bool:
    """Whether a typed last name is the legal one; a name with no letter at all matches nothing."""
    key = name_key(typed)
    return bool(key) and key == name_key(legal)


def member_number_key(typed: str) -> str:
    """A member number as stored: no surrounding spaces, letters in capitals ("d00012" is D00012)."""
    return typed.strip().upper()


# What each status means to an employer, in one sentence (DOMAIN.md "Status of a certification").
EMPLOYER_MEANINGS = {
    Status.ACTIVE: (
        "Currently certified: in good standing with annual fees and continuing education (CCP) through the "
        "active-through date shown."
    ),
    Status.LAPSED: (
        "Not currently certified: an annual fee is unpaid; becomes Active again as soon as all unpaid fees "
        "are paid."
    ),
    Status.NONCOMPLIANT: (
        "Not currently certified: the continuing-education (CCP) requirement was not met; becomes Active "
        "again only after recertifying."
    ),
    Status.MUST_RECERTIFY: (
        "Not currently certified: annual fees have been unpaid for 3 years or more; becomes Active again "
        "only after recertifying."
    ),
    Status.EXAM_REQUIRED: (
        "Not currently certified: not Active for 10 years or more; becomes Active again only by passing "
        "the certification exam again."
    ),
}


def certified_since(certified_on: datetime.date, reinstated_on: datetime.date | None) -> str:
    """ "May 14, 2019", or "May 14, 2019; reinstated June 1, 2024" after a recertification."""
    text = format_date(certified_on)
    return f"{text}; reinstated {format_date(reinstated_on)}" if reinstated_on else text


@dataclass(frozen=True)
class VerificationAnswer:
    """Everything the public answer shows about one certification: nothing else about the member."""

    name: str
    credential: str  # "Registered Medical Assistant (RMA)"
    member_number: str
    certified_since: str
    status: Status
    active_through: datetime.date | None

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def meaning(self) -> str:
        return EMPLOYER_MEANINGS[self.status]

    @property
    def active_through_text(self) -> str:
        return format_date(self.active_through) if self.active_through else "Not active"


# --- Certificate and wallet card ---------------------------------------------------------------------

PROOF_WHAT_TO_DO = {
    Status.LAPSED: "Pay all unpaid annual fees: the certificate and wallet card are available again as soon "
    "as the certification is Active.",
    Status.NONCOMPLIANT: "Apply to recertify: the certificate and wallet card are available again once the "
    "certification is reinstated.",
    Status.MUST_RECERTIFY: "Apply to recertify: the certificate and wallet card are available again once the "
    "certification is reinstated.",
    Status.EXAM_REQUIRED: "Apply to recertify by exam: the certificate and wallet card are available again "
    "once the certification is reinstated.",
}


def proof_refusal(status: Status) -> str | None:
    """Why a certificate or wallet card is not offered for a certification in `status` (None: it is)."""
    if status == Status.ACTIVE:
        return None
    return (
        f"A certificate and a wallet card prove an Active certification; this one is {status.label}. "
        f"{PROOF_WHAT_TO_DO[status]}"
    )
