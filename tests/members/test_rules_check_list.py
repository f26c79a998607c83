"""Check a list: the employer's text or file read into rows, each row read on its own."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from members.rules.check_list import MAX_ROWS, RowKind, check_list_rows, check_list_text, check_row

TOKEN = "NdJhVXX7WPmvIfI9aUzeIdI35UP5fUsH"


@pytest.mark.parametrize(
    "cell",
    [
        f"https://portal.example.org/check-status/{TOKEN}/",
        f"http://127.0.0.1:8000/check-status/{TOKEN}",
        f"/check-status/{TOKEN}/",
        f"https://portal.example.org/check-status/{TOKEN}/qr.svg",
        TOKEN,
    ],
)
def test_a_link_or_its_token_asks_for_that_certification(cell):
    row = check_row(3, [cell])

    assert (row.kind, row.token, row.line) == (RowKind.LINK, TOKEN, 3)


@pytest.mark.parametrize(
    "cells",
    [["200123", "Lee-Smith"], ["Lee-Smith", "200123"], ["200123 Lee-Smith"], ["D00012", "O’Brien"]],
)
def test_a_number_and_a_last_name_in_either_order_ask_for_that_member(cells):
    row = check_row(1, cells)

    assert row.kind == RowKind.NAME
    assert row.member_number in ("200123", "D00012")
    assert row.last_name in ("Lee-Smith", "O’Brien")


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        (["200123"], "the last name is missing"),
        (["https://portal.example.org/profile/"], "not a verification link"),
        (["https://portal.example.org/check-status/short/"], "not a verification link"),
        (["Lee-Smith"], "write a verification link, or a member number and a last name separated by a comma"),
        (["200123", "Lee", "Ann"], "write a verification link, or a member number and a last name"),
        (["200123", "200124"], "write a verification link, or a member number and a last name"),
        (["200123 Lee", "Smith"], "write a verification link, or a member number and a last name"),
    ],
)
def test_a_row_that_cannot_be_read_says_why(cells, problem):
    row = check_row(7, cells)

    assert row.kind == RowKind.MALFORMED
    assert row.problem.startswith(problem)
    assert row.text == ", ".join(cells)


def test_a_pasted_list_keeps_its_order_and_line_numbers_and_skips_blanks_and_titles():
    text = f"Member number,Last name\n200123, Lee-Smith\n\n{TOKEN}\n200124\n"

    rows = check_list_rows(text)

    assert [(row.line, row.kind) for row in rows] == [
        (2, RowKind.NAME),
        (4, RowKind.LINK),
        (5, RowKind.MALFORMED),
    ]


@pytest.mark.parametrize("separator", ["\t", ";"])
def test_a_spreadsheet_paste_with_tabs_or_semicolons_reads_like_commas(separator):
    rows = check_list_rows(f"200123{separator}Lee-Smith\n200124{separator}O’Brien\n")

    assert [(row.member_number, row.last_name) for row in rows] == [
        ("200123", "Lee-Smith"),
        ("200124", "O’Brien"),
    ]


def test_up_to_100_rows_are_read_and_101_are_refused():
    assert len(check_list_rows("\n".join(f"{200000 + n}, Lee" for n in range(MAX_ROWS)))) == MAX_ROWS

    with pytest.raises(ValidationError) as refused:
        check_list_rows("\n".join(f"{200000 + n}, Lee" for n in range(MAX_ROWS + 1)))

    assert refused.value.messages == ["The list has 101 rows: check at most 100 at a time (split the list)."]


@pytest.mark.parametrize("text", ["", "\n\n  \n", "Member number, Last name\n"])
def test_an_empty_list_is_refused(text):
    with pytest.raises(ValidationError, match="The list is empty"):
        check_list_rows(text)


def test_broken_csv_quoting_is_refused():
    with pytest.raises(ValidationError, match="not a readable CSV list"):
        check_list_rows('200123,"Lee"-Smith\n200124, Ray')


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"PK\x03\x04\x14\x00\x06\x00",  # a spreadsheet (.xlsx) is a zip, not CSV
        "200123, Lee".encode("utf-16"),
        b"200123, Lee\x00\x01\x02",
        b"200123, L\xe9e",  # Latin-1, not UTF-8
    ],
)
def test_a_file_that_is_not_utf8_text_is_refused(content):
    with pytest.raises(ValidationError, match="not a CSV file"):
        check_list_text(content)


def test_a_utf8_file_with_a_byte_order_mark_is_text():
    assert check_list_text("\ufeff200123, O’Brien\r\n".encode()) == "200123, O’Brien\r\n"


def test_a_file_larger_than_a_list_can_be_is_refused():
    with pytest.raises(ValidationError, match="larger than a list of 100 rows"):
        check_list_text(b"200123, Lee\n" * 10_000)


ANY_LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80)


@given(st.lists(ANY_LINE, min_size=1, max_size=MAX_ROWS))
def test_any_text_is_either_refused_whole_or_answered_row_by_row_in_order(lines):
    try:
        rows = check_list_rows("\n".join(lines))
    except ValidationError:
        return
    assert 1 <= len(rows) <= MAX_ROWS
    assert [row.line for row in rows] == sorted({row.line for row in rows})
    for row in rows:
        assert row.kind != RowKind.MALFORMED or row.problem
        assert row.kind != RowKind.LINK or row.token
        assert row.kind != RowKind.NAME or (row.member_number and row.last_name)
