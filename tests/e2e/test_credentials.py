"""Proof of certification in the browser: a member opens the page from the navigation, reads what each kind
of proof is, and downloads the verifiable credential, which `verify_credential` accepts."""

import datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from core import clock
from members import rules
from tests.e2e.helpers import log_in
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.e2e


def test_a_member_downloads_the_credential_from_the_proof_page(page, site, tmp_path, capsys):
    today = clock.today()
    certified_on = today - datetime.timedelta(days=400)
    member = MemberFactory(user__first_name="Rosa", last_name="Díaz")
    make_certification(
        member,
        certified_on=certified_on,
        today=today,
        paid_through=rules.fee_year_containing(certified_on, today).end,
    )
    log_in(page, member.user.email)

    page.get_by_role("link", name="Proof of certification").first.click()
    expect(page.get_by_role("heading", name="Proof of certification", level=1)).to_be_visible()
    expect(page.get_by_text("A digital credential (Open Badges 3.0")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the verifiable credential").click()
    download = download_info.value
    assert download.suggested_filename == f"{member.member_number}-RMA-credential.jwt"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    call_command("verify_credential", str(path))
    out = capsys.readouterr().out
    assert out.startswith("valid") and "name: Rosa Díaz" in out
