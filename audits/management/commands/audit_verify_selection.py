from django.core.management.base import BaseCommand, CommandError

from audits.models import AuditCampaign
from audits.services import campaign_verify


def _ids(ids: list[int]) -> str:
    return ", ".join(str(pk) for pk in ids) or "none"


class Command(BaseCommand):
    help = (
        "Re-derive a campaign's population and selection from the database and the stored seed, and say "
        'whether they match what was stored (DOMAIN.md "Annual CCP audit"). Exits with 1 when they don\'t.'
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="The year the population rolled (the campaign's year).")

    def handle(self, *args, year: int, **options):
        campaign = AuditCampaign.objects.filter(year=year).first()
        if campaign is None:
            raise CommandError(f"There is no {year} audit campaign.")
        check = campaign_verify(campaign=campaign)
        self.stdout.write(f"Campaign {year}: seed {campaign.seed}, started {campaign.started_on}.")
        self._population(campaign, check)
        self._selection(campaign, check)
        if not check.ok:
            failed = [
                reason
                for reason, ok in (
                    ("the population differs from the stored count and digest", check.population_matches),
                    ("the selection differs from the stored audits", check.selection_matches),
                )
                if not ok
            ]
            raise CommandError(f"The {year} campaign does not re-derive: {'; '.join(failed)}.")
        self.stdout.write(self.style.SUCCESS(f"The {year} campaign re-derives exactly."))

    def _population(self, campaign, check) -> None:
        verdict = "matches" if check.population_matches else "DOES NOT MATCH"
        self.stdout.write(
            f"Population: {check.population_count} certifications now, {campaign.population_count} stored; "
            f"digest {verdict} ({campaign.population_digest})."
        )

    def _selection(self, campaign, check) -> None:
        counts = f"N = {campaign.selected_count}, {check.selected_count} audits stored"
        if check.selection_matches:
            self.stdout.write(f"Selection: {counts}; matches, in rank order.")
            return
        self.stdout.write(f"Selection: {counts}; DOES NOT MATCH.")
        self.stdout.write(f"  selected by the rule but not stored (missing): {_ids(check.missing)}")
        self.stdout.write(f"  stored but not selected by the rule (extra): {_ids(check.extra)}")
        if not check.missing and not check.extra:
            self.stdout.write("  the same certifications, in another rank order")
