"""`manage.py audit_verify_selection YEAR`: re-derives a campaign's population and selection from the
database and the stored seed, says whether they match, and exits with 1 when they don't."""

import io

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connections

from audits.models import Audit, AuditCampaign
from audits.services.campaigns import population
from tests.audits.conftest import rolled_certification, start_campaign

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def campaign() -> AuditCampaign:
    """The 2025 campaign: 4 certifications rolled, half of them selected (N = 2)."""
    for _ in range(4):
        rolled_certification()
    start_campaign(rate="0.5")
    return AuditCampaign.objects.get(year=2025)


def verify(year: int = 2025) -> str:
    out = io.StringIO()
    call_command("audit_verify_selection", str(year), stdout=out)
    return out.getvalue()


def refused(year: int = 2025) -> tuple[CommandError, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("audit_verify_selection", str(year), stdout=out)
    return error.value, out.getvalue()


def test_a_campaign_as_stored_matches(campaign):
    output = verify()

    assert f"Campaign 2025: seed {campaign.seed}" in output
    assert "Population: 4 certifications now, 4 stored; digest matches" in output
    assert "Selection: N = 2, 2 audits stored; matches, in rank order." in output
    assert "The 2025 campaign re-derives exactly." in output


def test_a_replaced_selected_certification_is_a_mismatch_naming_the_ids(campaign):
    selected = list(campaign.audits.order_by("rank").values_list("certification_id", flat=True))
    outsider = next(pk for pk in sorted(population(2025)) if pk not in selected)
    Audit.objects.filter(campaign=campaign, rank=2).update(certification_id=outsider)

    error, output = refused()

    assert error.returncode == 1
    assert str(error) == "The 2025 campaign does not re-derive: the selection differs from the stored audits."
    assert "digest matches" in output
    assert "Selection: N = 2, 2 audits stored; DOES NOT MATCH." in output
    assert f"selected by the rule but not stored (missing): {selected[1]}" in output
    assert f"stored but not selected by the rule (extra): {outsider}" in output


def test_swapped_ranks_are_a_mismatch(campaign):
    first, second = campaign.audits.order_by("rank")
    Audit.objects.filter(pk=first.pk).update(rank=99)
    Audit.objects.filter(pk=second.pk).update(rank=1)
    Audit.objects.filter(pk=first.pk).update(rank=2)

    error, output = refused()

    assert error.returncode == 1
    assert "missing): none" in output and "extra): none" in output
    assert "the same certifications, in another rank order" in output


def test_a_tampered_digest_is_a_mismatch(campaign):
    AuditCampaign.objects.filter(pk=campaign.pk).update(population_digest="0" * 64)

    error, output = refused()

    assert error.returncode == 1
    assert str(error) == (
        "The 2025 campaign does not re-derive: the population differs from the stored count and digest."
    )
    assert "digest DOES NOT MATCH (" + "0" * 64 + ")" in output
    assert "Selection: N = 2, 2 audits stored; matches" in output


def test_a_certification_added_to_the_population_later_is_a_mismatch(campaign):
    rolled_certification()  # rolled in 2025 too, but after the selection was made

    error, output = refused()

    assert "Population: 5 certifications now, 4 stored; digest DOES NOT MATCH" in output
    assert "the population differs" in str(error)


def test_the_exit_code_is_1_on_a_mismatch_and_0_on_a_match(campaign, capsys, monkeypatch):
    # manage.py's own path (run_from_argv), which closes the connections when the command ends: keep
    # the test's, whose transaction holds the data.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    execute_from_command_line(["manage.py", "audit_verify_selection", "2025"])  # no SystemExit: 0
    assert "re-derives exactly" in capsys.readouterr().out

    AuditCampaign.objects.filter(pk=campaign.pk).update(population_digest="0" * 64)
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "audit_verify_selection", "2025"])

    assert exit_.value.code == 1
    assert "CommandError: The 2025 campaign does not re-derive: the population" in capsys.readouterr().err


def test_a_year_without_a_campaign_is_an_error(campaign):
    error, output = refused(2019)

    assert str(error) == "There is no 2019 audit campaign."
    assert error.returncode == 1
    assert output == ""
