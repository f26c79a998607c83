"""Check a list (the public "Check your status"): an employer's pasted text or uploaded CSV read into rows,
each a verification link (or its token), or a member number and a last name. Pure: no ORM, no clock.

A file is checked by its content: it must decode as UTF-8 text (a byte-order mark is allowed) without
control characters, and parse with the csv module; an image, a PDF or any other binary file is refused.
Blank lines are skipped, and so is a first line of column titles ("Member number, Last name"). Cells may be
separated by commas, or by semicolons or tabs when the text has no comma (a spreadsheet's copy and paste).
"""

from __future__ import annotations

import csv
import enum
import io
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

MAX_ROWS = 100
MAX_UPLOAD_BYTES = 64 * 1024  # 100 rows of links are under 10 KB
CELL_SHOWN_CHARACTERS = 200
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
BINARY_SIGNATURES = (b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x00")
HEADER_WORDS = ("number", "name", "link", "url", "token")
ALLOWED_CONTROLS = frozenset("\t\n\r")

NOT_TEXT = "This file is not a CSV file (text): upload a .csv saved from a spreadsheet, or paste the list."
EMPTY = "The list is empty: paste verification links or member numbers and last names, one per line."
ROW_FORMAT = "write a verification link, or a member number and a last name separated by a comma"


class RowKind(enum.StrEnum):
    LINK = "link"
    NAME = "name"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class CheckRow:
    """One row of the employer's list: the line it is on, the text as given, and what it asks."""

    line: int
    text: str
    kind: RowKind
    token: str = ""
    member_number: str = ""
    last_name: str = ""
    problem: str = ""  # why a MALFORMED row is not read, in words ("the last name is missing")


def check_list_text(content: bytes) -> str:
    """An uploaded file's text, or a ValidationError when it is not text (checked by content, not name)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is larger than a list of {MAX_ROWS} rows can be ({MAX_UPLOAD_BYTES // 1024} KB)."
        )
    if content.startswith(BINARY_SIGNATURES):
        raise ValidationError(NOT_TEXT)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(NOT_TEXT) from error
    if any(unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS for c in text):
        raise ValidationError(NOT_TEXT)
    return text


def check_list_rows(text: str) -> list[CheckRow]:
    """The rows of a list, in order, each read on its own (a bad row is a MALFORMED row, not an error);
    a ValidationError when the list is empty, is not CSV, or has more than MAX_ROWS rows."""
    lines = [(number, cells) for number, cells in _csv_lines(text) if any(cells)]
    if lines and _is_header(lines[0][1]):
        lines = lines[1:]
    if not lines:
        raise ValidationError(EMPTY)
    if len(lines) > MAX_ROWS:
        raise ValidationError(
            f"The list has {len(lines)} rows: check at most {MAX_ROWS} at a time (split the list)."
        )
    return [check_row(number, cells) for number, cells in lines]


def _csv_lines(text: str) -> list[tuple[int, list[str]]]:
    delimiter = ","
    if "," not in text:
        delimiter = "\t" if "\t" in text else ";" if ";" in text else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error as error:
        raise ValidationError(
            f"This is not a readable CSV list (line {reader.line_num}: {error})."
        ) from error
    return rows


def _is_header(cells: list[str]) -> bool:
    joined = " ".join(cells).casefold()
    return not any(c.isdigit() for c in joined) and any(word in joined for word in HEADER_WORDS)


def check_row(line: int, cells: list[str]) -> CheckRow:
    """What one row asks: a link, a number and a name, or nothing readable (with what was wrong)."""
    cells = [cell for cell in cells if cell]
    text = ", ".join(cells)[:CELL_SHOWN_CHARACTERS]
    if len(cells) == 1 and (token := _token(cells[0])):
        return CheckRow(line, text, RowKind.LINK, token=token)
    if len(cells) == 1 and len(words := cells[0].split(maxsplit=1)) == 2:
        cells = words  # "200001 Lee-Smith": the number has no space, the name follows
    if len(cells) == 2:
        number, name = cells if _has_digit(cells[0]) else reversed(cells)
        if _has_digit(number) and len(number.split()) == 1 and not _has_digit(name):
            return CheckRow(line, text, RowKind.NAME, member_number=number, last_name=name)
        return CheckRow(line, text, RowKind.MALFORMED, problem=ROW_FORMAT)
    if len(cells) == 1 and _looks_like_link(cells[0]):
        return CheckRow(line, text, RowKind.MALFORMED, problem="not a verification link")
    if len(cells) == 1 and _has_digit(cells[0]):
        return CheckRow(line, text, RowKind.MALFORMED, problem="the last name is missing")
    return CheckRow(line, text, RowKind.MALFORMED, problem=ROW_FORMAT)


def _has_digit(text: str) -> bool:
    return any(character.isdigit() for character in text)


def _looks_like_link(cell: str) -> bool:
    return "/" in cell or cell.casefold().startswith(("http", "www."))


def _token(cell: str) -> str:
    """The token of a verification link (…/check-status/<token>/), or of a bare token; "" for neither."""
    if _looks_like_link(cell):
        segments = [segment for segment in urlsplit(cell).path.split("/") if segment]
        if "check-status" in segments[:-1]:
            candidate = segments[segments.index("check-status") + 1]
        else:
            return ""
    else:
        candidate = cell
    return candidate if TOKEN.fullmatch(candidate) and not candidate.isdigit() else ""
