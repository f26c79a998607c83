"""Demo data for `make run`: staff logins (one per role) and about forty members covering every status,
every CCP cycle state, every audit state (two audit campaigns) and the recertification applications' states,
invoices in every state, and an API client for the learning platform.

Idempotent: what exists is left alone (members by member number, staff by e-mail, the API client by key
id, campaigns by year), so a second run creates nothing and prints the same logins. Certifications are made
and moved only through the apps' services, by replaying their lives (payments, CE claims, attestations, the
daily cycle roll, the audit campaigns with what members and the reviewer did, the recertification
applications with what members and the processor did, the daily status job) day by day on the dates they
would have happened, relative to today, so the status history, the CCP pages, the audits and the
applications read like the real thing. The parts live in amtportal/demo/, one module per app; this
command runs them in layer order and prints what they made.
"""

import datetime
import io

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from amtportal.demo import audits as audits_demo
from amtportal.demo import badges as badges_demo
from amtportal.demo import billing as billing_demo
from amtportal.demo import ccp as ccp_demo
from amtportal.demo import credentials as credentials_demo
from amtportal.demo import members as members_demo
from amtportal.demo import recert as recert_demo
from amtportal.demo.audit_plan import demo_campaigns
from amtportal.demo.people import demo_members
from amtportal.demo.plan import (
    AUDIT_REVIEWER,
    BILLING_STAFF,
    DEMO_PASSWORD,
    RECERT_PROCESSOR,
    STAFF,
    TOTP_SECRET,
    MemberPlan,
)
from amtportal.demo.replay import demo_replay
from amtportal.models import NightlyRun
from core import clock
from core.links import absolute_url


class Command(BaseCommand):
    help = (
        "Create demo staff (one per role, with TOTP), about forty demo members whose certifications show "
        "every status, CCP cycle state, audit state and recertification application state, and a "
        "learning-platform API client. Idempotent: "
        "existing demo data is left as it is."
    )

    def handle(self, *args, **options):
        today = clock.today()
        grace_days = members_demo.grace_days()
        members_demo.roles_check()
        with transaction.atomic():
            staff_created = members_demo.staff_ensure()
            plans = demo_members(today, grace_days)
            members_created = self._members(plans, today)
            api_created = ccp_demo.api_client_ensure()
        billing_demo.seed(today=today, staff=members_demo.staff_user(BILLING_STAFF))
        members_demo.mail_batch(today)
        badges_demo.seed(today=today)
        credentials_demo.seed(now=clock.now(), member_numbers=[plan.member_number for plan in plans])
        self._nightly_run(today)
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

    def _members(self, plans: list[MemberPlan], today: datetime.date) -> int:
        """The members not made yet and the lives of their certifications; returns how many were made."""
        made = [(member, plan) for plan in plans if (member := members_demo.member_ensure(plan))]
        entries = [(member, cert_plan) for member, plan in made for cert_plan in plan.certifications]
        certifications = demo_replay(entries, demo_campaigns(today), today)
        for (member, cert_plan), certification in zip(entries, certifications, strict=True):
            if certification.status != cert_plan.expected:
                self.stderr.write(
                    self.style.WARNING(
                        f"{member.member_number} {cert_plan.code}: expected {cert_plan.expected.label}, "
                        f"got {certification.status_enum.label} ({certification.status_reason})"
                    )
                )
        return len(made)

    def _nightly_run(self, today: datetime.date) -> None:
        """Today's daily jobs, once, run as the nightly chain runs them (recorded: "Last night's jobs").
        They find the demo already up to date, bar the notices of the day and the letter batch."""
        if not NightlyRun.objects.exists():
            call_command("run_daily_jobs", date=today.isoformat(), stdout=io.StringIO())

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
        write(
            "  Last night's jobs (today's daily jobs, run once by the demo): Staff home, Last night's jobs."
        )
        write("")
        write(f"CCP audits (review queue: sign in as {AUDIT_REVIEWER}, Audit queue; members: Dashboard):")
        for line in audits_demo.summary(today):
            write(f"  {line}")
        write("")
        write(
            f"Recertification (queue: sign in as {RECERT_PROCESSOR}, Recertification queue; members: "
            "Dashboard, the application's link):"
        )
        for line in recert_demo.summary(today):
            write(f"  {line}")
        write("")
        write("Verifiable credentials (check with: manage.py verify_credential FILE):")
        for line in credentials_demo.summary():
            write(f"  {line}")
        write("")
        check_list = absolute_url(reverse("members:verify_list"))
        write(f"An employer checks a list: paste these lines at {check_list}")
        for line in members_demo.employer_list_lines(plans):
            write(f"  {line}")
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
