"""Check a list (the public "Check your status"): each row of an employer's list answered on its own, in
order, with the same rate limits as one lookup counted per row, and the answer kept for a short time so
its CSV download is exactly the table shown, without looking anything up again.

The answer is kept in the cache (Redis in production, shared by every web process) under an unguessable
key for RESULT_SECONDS: the download link carries the key. A second submit button producing the CSV in
the same POST would look everything up again (and count it again against the limits).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from core.formatting import format_date_time
from members import selectors
from members.ratelimit import RateDecision
from members.rules.check_list import CheckRow, RowKind
from members.rules.verification import VerificationAnswer, member_number_key, names_match

RESULT_SECONDS = 30 * 60
CACHE_PREFIX = "status-check-list:"
FOUND, NOT_FOUND, MALFORMED, RATE_LIMITED = "Found", "Not found", "Malformed row", "Rate limited"
NO_LINK_MATCH = "No certification has this verification link."
NO_NAME_MATCH = "No certification matches this member number and last name."
COLUMNS = (
    "Row",
    "Given",
    "Answer",
    "Name",
    "Credential",
    "Member number",
    "Certified since",
    "Status",
    "What it means",
    "Active through",
)


@dataclass(frozen=True)
class ListAnswerLine:
    """One line of the answer table: a row of the list and its answer (a number and name of a holder of
    several credentials answers with one line per certification, under the same row)."""

    row: int
    given: str
    outcome: str
    detail: str = ""
    answer: VerificationAnswer | None = None

    @property
    def cells(self) -> list[str]:
        """The line as the table shows it and the CSV writes it, column by column (COLUMNS)."""
        answer_text = f"{self.outcome}: {self.detail}" if self.detail else self.outcome
        first = [str(self.row), self.given, answer_text]
        if self.answer is None:
            return first + [""] * (len(COLUMNS) - len(first))
        found = self.answer
        return first + [
            found.name,
            found.credential,
            found.member_number,
            found.certified_since,
            found.status_label,
            found.meaning,
            found.active_through_text,
        ]

    @property
    def labelled_cells(self) -> list[tuple[str, str]]:
        return list(zip(COLUMNS, self.cells, strict=True))


@dataclass(frozen=True)
class ListAnswer:
    answered_at: datetime.datetime
    lines: list[ListAnswerLine]

    @property
    def rows_checked(self) -> int:
        return len({line.row for line in self.lines})


def check_list(
    *,
    rows: list[CheckRow],
    link_hit: Callable[[], RateDecision],
    lookup_hit: Callable[[], RateDecision],
    answered_at: datetime.datetime,
) -> ListAnswer:
    """Every row answered: found (with the public answer), not found, malformed, or rate limited (a link
    row counted by `link_hit`, a number and name row by `lookup_hit`; a malformed row is not counted).
    Two queries whatever the number of rows: the links', the member numbers'."""
    refused = {}
    for row in rows:
        hit = {RowKind.LINK: link_hit, RowKind.NAME: lookup_hit}.get(row.kind)
        if hit and not (decision := hit()).allowed:
            refused[row.line] = f"try again after {format_date_time(timezone.localtime(decision.retry_at))}."
    asked = [row for row in rows if row.line not in refused]
    tokens = [row.token for row in asked if row.kind == RowKind.LINK]
    numbers = [row.member_number for row in asked if row.kind == RowKind.NAME]
    by_token = selectors.certifications_by_token(tokens) if tokens else {}
    by_number = selectors.certifications_by_member_number(numbers) if numbers else {}
    lines: list[ListAnswerLine] = []
    for row in rows:
        if row.line in refused:
            lines.append(ListAnswerLine(row.line, row.text, RATE_LIMITED, refused[row.line]))
        elif row.kind == RowKind.MALFORMED:
            lines.append(ListAnswerLine(row.line, row.text, MALFORMED, f"{row.problem}."))
        elif row.kind == RowKind.LINK:
            lines.extend(
                _answer_lines(row, [by_token[row.token]] if row.token in by_token else [], NO_LINK_MATCH)
            )
        else:
            holders = by_number.get(member_number_key(row.member_number), [])
            matched = [each for each in holders if names_match(row.last_name, each.member.last_name)]
            lines.extend(_answer_lines(row, matched, NO_NAME_MATCH))
    return ListAnswer(answered_at=answered_at, lines=lines)


def _answer_lines(row: CheckRow, certifications: list, not_found: str) -> list[ListAnswerLine]:
    if not certifications:
        return [ListAnswerLine(row.line, row.text, NOT_FOUND, not_found)]
    return [
        ListAnswerLine(row.line, row.text, FOUND, answer=selectors.verification_answer(certification))
        for certification in certifications
    ]


def list_answer_keep(answer: ListAnswer) -> str:
    """Keep `answer` for RESULT_SECONDS; the unguessable key its download link carries."""
    key = secrets.token_urlsafe(24)
    cache.set(CACHE_PREFIX + key, answer, timeout=RESULT_SECONDS)
    return key


def list_answer_kept(key: str) -> ListAnswer | None:
    """The answer kept under `key`, or None once it expired (or for a key never given)."""
    return cache.get(CACHE_PREFIX + key)
