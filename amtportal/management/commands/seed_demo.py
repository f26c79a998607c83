"""Demo data for `make run`: staff logins (one per role) and about twenty members covering every status
and every CCP cycle state, invoices in every state, and an API client for the learning platform.

Idempotent: what exists is left alone (members by member number, staff by e-mail, the API client by key
id), so a second run creates nothing and prints the same logins. Certifications are made and moved only
through the apps' services, by replaying each one's life (payments, CE claims, attestations, the daily
cycle roll, audit decisions, the daily status job) on the dates it would have happened, relative to today,
so the status history and the CCP pages read like the real thing. The parts live in amtportal/demo/, one
module per app; this command runs them in layer order and prints what they made.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from amtportal.demo import billing as billing_demo
from amtportal.demo import ccp as ccp_demo
from amtportal.demo import members as members_demo
from amtportal.demo.people import demo_members
from amtportal.demo.plan import BILLING_STAFF, DEMO_PASSWORD, STAFF, TOTP_SECRET, MemberPlan
from amtportal.demo.replay import certification_replay
from core import clock
from core.links import absolute_url


class Command(BaseCommand):
    help = (
        "Create demo staff (one per role, with TOTP), about twenty demo members whose certifications show "
        "every status and CCP cycle state, and a learning-platform API client. Idempotent: existing demo "
        "data is left as it is."
    )

    def handle(self, *args, **options):
        today = clock.today()
        grace_days = members_demo.grace_days()
        members_demo.roles_check()
        with transaction.atomic():
            staff_created = members_demo.staff_ensure()
            plans = demo_members(today, grace_days)
            members_created = sum(self._member(plan, today) for plan in plans)
            api_created = ccp_demo.api_client_ensure()
        billing_demo.seed(today=today, staff=members_demo.staff_user(BILLING_STAFF))
        members_demo.mail_batch(today)
        if staff_created or members_created or api_created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data created: {members_created} member(s), {staff_created} staff user(s), "
                    f"{int(api_created)} API client(s)."
                )
            )
        else:
            self.stdout.write("Demo data already present: nothing to create.")
        self._print_logins(plans, today)

    def _member(self, plan: MemberPlan, today: datetime.date) -> bool:
        """The member of `plan` and the life of each certification; False when the member exists."""
        member = members_demo.member_ensure(plan)
        if member is None:
            return False
        for cert_plan in plan.certifications:
            certification = certification_replay(member, cert_plan, today)
            if certification.status != cert_plan.expected:
                self.stderr.write(
                    self.style.WARNING(
                        f"{member.member_number} {cert_plan.code}: expected {cert_plan.expected.label}, "
                        f"got {certification.status_enum.label} ({certification.status_reason})"
                    )
                )
        return True

    # --- Output -----------------------------------------------------------------------------------------

    def _print_logins(self, plans: list[MemberPlan], today: datetime.date) -> None:
        write = self.stdout.write
        write("")
        write("=" * 100)
        write(f"Demo logins at {settings.PORTAL_BASE_URL}   password for every login: {DEMO_PASSWORD}")
        write("=" * 100)
        write(f"Staff (two-factor required: TOTP secret {TOTP_SECRET}; a code comes from any")
        write(f"authenticator app given that secret, or from: oathtool --totp -b {TOTP_SECRET})")
        for email, _first, _last, role in STAFF:
            suffix = " (superuser)" if role == "Administrator" else ""
            write(f"  {email:<28} {role}{suffix}")
        write("")
        write("Members (no two-factor):")
        self._print_members(plans, today)
        write("")
        write("Billing (invoices other than void):")
        for line in billing_demo.summary() + members_demo.mail_batch_summary(today):
            write(f"  {line}")
        write("  Pay a fee by test card: sign in as member04@demo.example.org, Invoices, Pay.")
        write("  Today's letter batch: sign in as the billing staff user, Mail batches.")
        write("")
        write(f"Learning-platform API: POST {absolute_url(reverse('ccp:api_completions'))}")
        write(f"  key id {ccp_demo.API_KEY_ID}   secret {ccp_demo.api_client_secret()}")
        write("=" * 100)

    def _print_members(self, plans: list[MemberPlan], today: datetime.date) -> None:
        """Each member, then each certification: its status and what its CCP page shows."""
        members = members_demo.demo_members_by_number(plans)
        for plan in plans:
            member = members.get(plan.member_number)
            if member is None:
                continue
            certifications = members_demo.certifications_by_code(member)
            self.stdout.write(f"  {members_demo.member_line(member)}")
            for cert_plan in plan.certifications:
                certification = certifications.get(cert_plan.code)
                if certification is None:
                    continue
                status = members_demo.status_text(certification)
                self.stdout.write(f"      {cert_plan.code:<5} {status:<42} {cert_plan.note}")
                self.stdout.write(f"            CCP page: {ccp_demo.ccp_text(certification, today)}")
                if cert_plan.ccp_note:
                    self.stdout.write(f"                      {cert_plan.ccp_note}")
