"""The public "Check your status" for employers: names as people type them, the verification link's own
rate limit, and checking a list (pasted or uploaded) with its CSV download."""

import csv
import datetime
import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.exports import spreadsheet_cell
from members.rules.check_list import ROW_FORMAT
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 16, 42, tzinfo=datetime.UTC)  # 10:42 AM in Chicago


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def today(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW.date()


@pytest.fixture
def zoe(today):
    """Zoë O’Brien-Núñez, RMA since May 2025 (Active) and MT since March 2022 (Lapsed (fees))."""
    member = MemberFactory(first_name="Zoë", last_name="O’Brien-Núñez", phone="555-0100")
    make_certification(member, code="RMA", certified_on=datetime.date(2025, 5, 14))
    make_certification(member, code="MT", certified_on=datetime.date(2022, 3, 14))
    return member


def lookup(client, member_number, last_name):
    return client.get(reverse("members:verify"), {"member_number": member_number, "last_name": last_name})


# --- One lookup ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["O'Brien-Nunez", "o’brien núñez", "  OBRIEN-NUNEZ ", "oʼbriennunez"])
def test_a_lookup_finds_the_holder_whatever_the_case_accents_apostrophe_and_hyphen(client, zoe, typed):
    text = page_text(lookup(client, f" {zoe.member_number} ", typed))

    assert "Zoë O’Brien-Núñez Credential Medical Technologist (MT)" in text
    assert "Registered Medical Assistant (RMA)" in text
    assert "Status as of March 2, 2026, 10:42 AM CST." in text


@pytest.mark.parametrize("typed", ["Nunez", "OBrien", "O’Brien-Núñez-Smith"])
def test_a_part_of_the_name_finds_nothing(client, zoe, typed):
    text = page_text(lookup(client, zoe.member_number, typed))

    assert "No certification matches this member number and last name." in text
    assert "Zoë" not in text


def test_the_21st_lookup_by_name_is_limited_while_verification_links_still_work(client, zoe):
    link = zoe.certifications.get(credential__code="RMA").get_verification_url()
    answers = [lookup(client, zoe.member_number, "O'Brien-Nunez").status_code for _ in range(20)]

    refused = lookup(client, zoe.member_number, "O'Brien-Nunez")

    assert answers == [200] * 20
    assert refused.status_code == 429
    assert "Please try again after March 2, 2026, 10:50 AM CST." in page_text(refused)
    assert [client.get(link).status_code for _ in range(25)] == [200] * 25


def test_verification_links_have_their_own_limit(client, zoe, settings):
    settings.STATUS_LINK_RATE = "2/600"
    link = zoe.certifications.get(credential__code="RMA").get_verification_url()

    statuses = [client.get(link).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert lookup(client, zoe.member_number, "O'Brien-Nunez").status_code == 200


def test_the_qr_code_counts_as_a_link_lookup(client, zoe, settings):
    """The QR image answers whether a token exists, so it shares the links' limit."""
    settings.STATUS_LINK_RATE = "2/600"
    certification = zoe.certifications.get(credential__code="RMA")
    qr = reverse("members:verify_qr", args=[certification.verification_token])

    statuses = [client.get(qr).status_code, client.get(certification.get_verification_url()).status_code]

    assert statuses == [200, 200]
    assert client.get(qr).status_code == 429


# --- Check a list -------------------------------------------------------------------------------------


def check_list(client, pasted="", upload=None):
    data = {"pasted": pasted}
    if upload is not None:
        data["upload"] = upload
    return client.post(reverse("members:verify_list"), data)


def table_rows(response) -> list[list[str]]:
    """The answer table's body rows, cell by cell, as a person reads them."""
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    return [
        [
            html.unescape(" ".join(re.sub(r"<[^>]+>", " ", cell).split()))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def download_link(response) -> str:
    return re.search(r'href="(/check-status/list/[^"]+\.csv)"', response.content.decode()).group(1)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def employer_list(zoe):
    """Ten rows: links, numbers and names as people type them, and rows that find nothing or are bad."""
    rma = zoe.certifications.get(credential__code="RMA")
    other = make_certification(
        MemberFactory(first_name="Bo", last_name="Ray"), certified_on=datetime.date(2025, 9, 2)
    )
    return "\n".join(
        [
            f"https://portal.example.org{rma.get_verification_url()}",  # 1: link, Active
            f"{zoe.member_number}, o'brien nunez",  # 2: two certifications
            f"{other.member.member_number}, RAY",  # 3
            other.verification_token,  # 4: a bare token
            "https://portal.example.org/check-status/NoSuchTokenNoSuchTokenNoSuchTok/",  # 5: not found
            f"{zoe.member_number}, Smith",  # 6: wrong name
            "200999",  # 7: no name
            '=HYPERLINK("http://evil.example", "click")',  # 8: a formula, malformed
            f"{other.member.member_number}, Ray, extra",  # 9: three cells
            f"{other.member.member_number} Ray",  # 10: number space name
        ]
    )


def test_each_row_of_a_list_gets_its_own_answer_in_order(client, zoe, employer_list):
    response = check_list(client, employer_list)

    assert response.status_code == 200
    rows = table_rows(response)
    assert [(row[0], row[2]) for row in rows] == [
        ("1", "Found"),
        ("2", "Found"),
        ("2", "Found"),
        ("3", "Found"),
        ("4", "Found"),
        ("5", "Not found: No certification has this verification link."),
        ("6", "Not found: No certification matches this member number and last name."),
        ("7", "Malformed row: the last name is missing."),
        (
            "8",
            f"Malformed row: {ROW_FORMAT}.",
        ),
        (
            "9",
            f"Malformed row: {ROW_FORMAT}.",
        ),
        ("10", "Found"),
    ]
    assert rows[0][3:] == [
        "Zoë O’Brien-Núñez",
        "Registered Medical Assistant (RMA)",
        zoe.member_number,
        "May 14, 2025",
        "Active",
        "Currently certified: in good standing with annual fees and continuing education (CCP) through the "
        "active-through date shown.",
        "May 31, 2026",
    ]
    assert rows[1][4] == "Medical Technologist (MT)" and rows[1][7] == "Lapsed (fees)"
    assert rows[1][9] == "Not active"
    text = page_text(response)
    assert "10 rows checked; status as of March 2, 2026, 10:42 AM CST." in text
    assert "555-0100" not in text and zoe.user.email not in text


def test_the_csv_download_is_the_table_shown_formula_safe_without_looking_anything_up(
    client, zoe, employer_list, django_assert_num_queries
):
    shown = check_list(client, employer_list)
    # Even if a status changes after the answer, the download is the answer that was shown
    zoe.certifications.update(status="exam_required")

    with django_assert_num_queries(0):
        download = client.get(download_link(shown))

    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="status-check-2026-03-02-1042.csv"'
    header, *rows = csv_rows(download)
    assert header[-1] == "Answered at" and header[:3] == ["Row", "Given", "Answer"]
    assert [row[:-1] for row in rows] == [
        [spreadsheet_cell(cell) for cell in row] for row in table_rows(shown)
    ]
    assert {row[-1] for row in rows} == {"March 2, 2026, 10:42 AM CST"}
    formula_row = next(row for row in rows if row[0] == "8")
    assert formula_row[1].startswith("'=HYPERLINK")  # a formula is text in a spreadsheet
    assert rows[0][7] == "Active"


def test_an_unknown_or_expired_download_is_not_found(client, today):
    response = client.get(reverse("members:verify_list_csv", args=["no-such-answer"]))

    assert response.status_code == 404
    assert "The answer to a list is kept for a short time only." in page_text(response)


def test_rows_over_the_limits_are_answered_rate_limited_without_stopping_the_others(client, zoe, settings):
    settings.STATUS_LOOKUP_RATE = "2/600"
    settings.STATUS_LINK_RATE = "1/600"
    rma = zoe.certifications.get(credential__code="RMA")
    pasted = "\n".join(
        [
            f"{zoe.member_number}, O'Brien-Nunez",
            rma.get_verification_url(),
            f"{zoe.member_number}, O'Brien-Nunez",
            rma.verification_token,
            f"{zoe.member_number}, O'Brien-Nunez",
            "200999",  # malformed rows are not counted
        ]
    )

    rows = table_rows(check_list(client, pasted))

    limited = "Rate limited: try again after March 2, 2026, 10:50 AM CST."
    assert [(row[0], row[2]) for row in rows] == [
        ("1", "Found"),
        ("1", "Found"),
        ("2", "Found"),
        ("3", "Found"),
        ("3", "Found"),
        ("4", limited),
        ("5", limited),
        ("6", "Malformed row: the last name is missing."),
    ]


def test_the_21st_name_row_of_a_list_is_limited_while_link_rows_still_work(client, zoe):
    link = zoe.certifications.get(credential__code="RMA").verification_token
    pasted = "\n".join([f"{zoe.member_number}, OBrien-Nunez"] * 21 + [link] * 5)

    rows = table_rows(check_list(client, pasted))

    answers = {}
    for row in rows:
        answers.setdefault(int(row[0]), row[2])
    assert [answers[number] for number in range(1, 21)] == ["Found"] * 20
    assert answers[21].startswith("Rate limited: try again after")
    assert [answers[number] for number in range(22, 27)] == ["Found"] * 5


def test_an_uploaded_csv_is_checked_like_a_pasted_list(client, zoe):
    content = f"Member number,Last name\r\n{zoe.member_number},O’BRIEN-NÚÑEZ\r\n".encode()
    upload = SimpleUploadedFile("staff.csv", b"\xef\xbb\xbf" + content, content_type="text/csv")

    rows = table_rows(check_list(client, upload=upload))

    assert [(row[0], row[2], row[4]) for row in rows] == [
        ("2", "Found", "Medical Technologist (MT)"),
        ("2", "Found", "Registered Medical Assistant (RMA)"),
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("staff.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"),
        ("staff.csv", b"\x00\x01\x02\x03binary"),
    ],
)
def test_a_file_that_is_not_csv_is_refused_with_a_message_and_nothing_looked_up(
    client, zoe, settings, name, content
):
    settings.STATUS_LOOKUP_RATE = "1/600"

    response = check_list(client, upload=SimpleUploadedFile(name, content, content_type="text/csv"))

    text = page_text(response)
    assert "Nothing was checked: This file is not a CSV file (text)" in text
    assert "<tbody>" not in response.content.decode()
    assert lookup(client, zoe.member_number, "OBrien-Nunez").status_code == 200  # nothing was counted


def test_a_list_of_101_rows_is_refused_with_a_message(client, zoe, settings):
    settings.STATUS_LOOKUP_RATE = "1/600"
    pasted = "\n".join(f"{zoe.member_number}, OBrien-Nunez" for _ in range(101))

    response = check_list(client, pasted)

    assert "The list has 101 rows: check at most 100 at a time (split the list)." in page_text(response)
    assert "<tbody>" not in response.content.decode()
    assert lookup(client, zoe.member_number, "OBrien-Nunez").status_code == 200


@pytest.mark.parametrize("pasted", ["", "   \n\n"])
def test_an_empty_list_is_refused_with_a_message(client, today, pasted):
    text = page_text(check_list(client, pasted))

    assert "Nothing was checked: The list is empty" in text


def test_pasting_and_uploading_at_once_is_refused(client, zoe):
    upload = SimpleUploadedFile("staff.csv", f"{zoe.member_number},OBrien-Nunez".encode())

    text = page_text(check_list(client, f"{zoe.member_number}, OBrien-Nunez", upload=upload))

    assert "Paste a list or upload a file, not both." in text


LIST_QUERIES = 2  # the links' certifications, the numbers' certifications: whatever the number of rows


def test_a_list_of_100_rows_makes_a_fixed_number_of_queries(client, zoe, django_assert_num_queries):
    tokens = [certification.verification_token for certification in zoe.certifications.all()]
    pasted = "\n".join(
        f"{zoe.member_number}, OBrien-Nunez" if number % 2 else tokens[number % 4 // 2]
        for number in range(100)
    )

    with django_assert_num_queries(LIST_QUERIES):
        response = check_list(client, pasted)

    assert len({row[0] for row in table_rows(response)}) == 100
