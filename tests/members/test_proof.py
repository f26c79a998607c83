"""The certificate and the wallet card: an Active certification's PDFs, read back; another member's is a
404; one that is not Active gets the reason and what to do instead."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from ccp import services as ccp_services
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 3, 2, 16, tzinfo=datetime.UTC)
LETTER_POINTS = {612, 792}
WALLET_POINTS = (243, 153)  # 3.375 x 2.125 in


@pytest.fixture
def today(time_machine):
    time_machine.move_to(TODAY, tick=False)
    return TODAY.date()


@pytest.fixture
def holder(today, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    member = MemberFactory(first_name="Zoë", last_name="O’Brien-Núñez", user__email="zoe@example.org")
    return make_certification(member, code="RMA", certified_on=datetime.date(2025, 5, 14))


def pdf_of(response) -> PdfReader:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def text_of(reader: PdfReader) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def page_size(page) -> tuple[int, int]:
    return round(float(page.mediabox.width)), round(float(page.mediabox.height))


def test_the_certificate_names_the_holder_credential_number_dates_and_link_on_letter_paper(client, holder):
    client.force_login(holder.member.user)

    response = client.get(reverse("members:certificate_pdf", args=[holder.pk]))

    reader = pdf_of(response)
    text = text_of(reader)
    assert "Zoë O’Brien-Núñez" in text
    assert "Registered Medical Assistant (RMA)" in text
    assert f"Member number {holder.member.member_number}" in text
    assert "Certified since May 14, 2025" in text
    assert "Active through May 31, 2026" in text
    assert f"https://portal.example.org/check-status/{holder.verification_token}/" in text
    assert len(reader.pages) == 1
    assert set(page_size(reader.pages[0])) == LETTER_POINTS
    assert response["Content-Disposition"].startswith("attachment;")
    assert "certificate-RMA-" in response["Content-Disposition"]


def test_the_wallet_card_is_wallet_sized_with_the_facts_in_front_and_the_link_on_the_back(client, holder):
    client.force_login(holder.member.user)

    reader = pdf_of(client.get(reverse("members:wallet_card_pdf", args=[holder.pk])))

    assert [page_size(page) for page in reader.pages] == [WALLET_POINTS, WALLET_POINTS]
    front, back = (" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "Zoë O’Brien-Núñez" in front
    assert "Registered Medical Assistant (RMA)" in front
    assert f"Member number {holder.member.member_number}" in front
    assert "Certified since May 14, 2025" in front
    assert "Active through May 31, 2026" in front
    # The link may wrap on the narrow card: it reads whole once the line breaks are taken out.
    link = f"https://portal.example.org/check-status/{holder.verification_token}/"
    assert link in re.sub(r"\s+", "", back)


def moves(page) -> int:
    """The number of path segments a page draws (`m` operators): the QR code's modules are hundreds."""
    return page.get_contents().get_data().count(b" m\n")


def test_the_qr_code_is_drawn_in_the_pdfs_not_fetched(client, holder):
    client.force_login(holder.member.user)

    certificate = pdf_of(client.get(reverse("members:certificate_pdf", args=[holder.pk])))
    front, back = pdf_of(client.get(reverse("members:wallet_card_pdf", args=[holder.pk]))).pages

    # WeasyPrint draws the embedded SVG code as vector paths: hundreds on the pages that carry it
    assert moves(certificate.pages[0]) > 300
    assert moves(back) > 300
    assert moves(front) < 10


def test_a_reinstated_certification_shows_both_dates_as_certified_since(client, today):
    # Given a certification of 2010, lapsed long ago and reinstated on February 1, 2026
    certification = make_certification(certified_on=datetime.date(2010, 5, 14), today=today)
    certification = ccp_services.certification_reenrol(
        certification=certification, reinstated_on=datetime.date(2026, 2, 1), actor=None, source="test"
    )
    assert certification.status == "active"
    client.force_login(certification.member.user)

    # When the member downloads the certificate
    text = text_of(pdf_of(client.get(reverse("members:certificate_pdf", args=[certification.pk]))))

    # Then it says since when the member was certified, and since when again
    assert "Certified since May 14, 2010; reinstated February 1, 2026" in text


def test_another_members_certification_is_not_found(client, holder):
    stranger = make_certification(MemberFactory(), certified_on=datetime.date(2025, 5, 14))
    client.force_login(holder.member.user)

    for name in ("members:certificate_pdf", "members:wallet_card_pdf"):
        assert client.get(reverse(name, args=[stranger.pk])).status_code == 404
        assert client.get(reverse(name, args=[stranger.pk + 1000])).status_code == 404


def test_a_visitor_is_asked_to_sign_in(client, holder):
    response = client.get(reverse("members:certificate_pdf", args=[holder.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def lapsed(today):
    """Certified in March 2022: the fee due March 31, 2025 is unpaid, so Lapsed (fees) on March 2, 2026."""
    certification = make_certification(certified_on=datetime.date(2022, 3, 14), today=today)
    assert certification.status == "lapsed"
    return certification


def test_a_certification_that_is_not_active_gets_no_pdf_but_the_reason_and_what_to_do(client, lapsed):
    client.force_login(lapsed.member.user)

    for name, document in (
        ("members:certificate_pdf", "certificate"),
        ("members:wallet_card_pdf", "wallet card"),
    ):
        response = client.get(reverse(name, args=[lapsed.pk]))

        assert response.status_code == 409
        assert response["Content-Type"].startswith("text/html")
        text = page_text(response)
        assert f"No {document} for this certification" in text
        assert "Lapsed (fees)" in text
        assert "What this means: An annual fee is unpaid past its due date." in text
        assert "Pay all unpaid annual fees: the certificate and wallet card are available again" in text
        assert f'href="{reverse("billing:invoices")}"' in response.content.decode()


def test_a_certification_that_must_be_recertified_points_to_the_application(client, today):
    certification = make_certification(certified_on=datetime.date(2019, 5, 14), today=today)
    assert certification.status == "must_recertify"
    client.force_login(certification.member.user)

    response = client.get(reverse("members:wallet_card_pdf", args=[certification.pk]))

    assert response.status_code == 409
    assert "this one is Must recertify. Apply to recertify" in page_text(response)
    assert f'href="{reverse("recert:apply", args=[certification.pk])}"' in response.content.decode()


def test_the_certification_page_offers_both_pdfs_when_active(client, holder):
    client.force_login(holder.member.user)

    response = client.get(reverse("members:certification", args=[holder.pk]))

    html = response.content.decode()
    assert f'href="{reverse("members:certificate_pdf", args=[holder.pk])}"' in html
    assert f'href="{reverse("members:wallet_card_pdf", args=[holder.pk])}"' in html
    assert "Download the certificate (PDF, letter)" in page_text(response)


def test_the_certification_page_says_why_there_is_no_certificate_when_not_active(client, lapsed):
    client.force_login(lapsed.member.user)

    response = client.get(reverse("members:certification", args=[lapsed.pk]))

    assert "A certificate and a wallet card prove an Active certification; this one is Lapsed (fees)." in (
        page_text(response)
    )
    assert reverse("members:certificate_pdf", args=[lapsed.pk]) not in response.content.decode()
