"""Pages that combine apps: the home page (a visitor's welcome or the member dashboard), the staff home and
the record of the nightly runs."""

from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from amtportal.models import JobRun, NightlyRun
from amtportal.staff_worklists import staff_work
from amtportal.timeline import certification_timeline
from audits.selectors import open_member_audits
from billing.selectors import open_invoices_by_certification
from ccp.selectors import open_cycle_summaries
from core import clock
from core.permissions import staff_required
from members import selectors
from recert.selectors import recertifying_applications


@require_http_methods(["GET"])
def home(request):
    """A visitor reads what the portal is (sign in, or check a certification); staff go to their home."""
    if not request.user.is_authenticated:
        return render(request, "amtportal/welcome.html")
    if request.user.is_staff:
        return redirect("staff_home")
    return _dashboard(request)


def _dashboard(request):
    today = clock.today()
    certifications = selectors.user_certifications(request.user)
    member = certifications[0].member if certifications else selectors.member_for_user(request.user)
    ccp = open_cycle_summaries(certifications, today=today)
    fees = open_invoices_by_certification(certifications)
    grace_days = selectors.grace_days() if certifications else 0
    cards = []
    for certification in certifications:
        summary, invoices = ccp.get(certification.pk), fees.get(certification.pk, [])
        timeline = certification_timeline(
            certification, summary, fee_payable=bool(invoices), grace_days=grace_days, today=today
        )
        cards.append((certification, summary, invoices, timeline))
    context = {
        "member": member,
        "cards": cards,
        "today": today,
        "audits": open_member_audits(certifications, today=today),
        "applications": recertifying_applications(certifications),
    }
    return render(request, "amtportal/dashboard.html", context)


STAFF_SECTIONS = [
    # (title, description, url name, permission)
    (
        "Find a member",
        "Search by member number, name or e-mail; see certifications and status history.",
        "members:staff_member_search",
        "members.search_members",
    ),
    (
        "Invoices and payments",
        "Find invoices by member or number; record checks; waive, void or refund.",
        "billing_staff:invoice_search",
        "billing.view_invoice",
    ),
    (
        "Payments for accounting",
        "Every payment received in a date range, with refunds, as CSV or Excel.",
        "billing_staff:payments_export",
        "billing.view_payment",
    ),
    (
        "Mail batches",
        "The day's renewal letters as print-ready PDF and CSV manifest, and the members without an address.",
        "billing_staff:mail_batches",
        "members.download_mailbatch",
    ),
    (
        "Reports",
        "The board's figures: certificants, renewals, revenue, the lapse forecast, CCP and audits, "
        "recertification, the accreditor's annual counts; charts and exports.",
        "reports:index",
        "amtportal.view_reports",
    ),
    (
        "Audit queue",
        "The yearly CCP audit: audits waiting on review, more asked and extensions; claim one and decide.",
        "audits:queue",
        "audits.review_audit",
    ),
    (
        "Audit campaigns",
        "Start the year's campaign, re-derive its selection, and see counts by state and credential.",
        "audits:campaigns",
        "audits.review_audit",
    ),
    (
        "Recertification queue",
        "Applications by CCP and by exam: review proof, ask for more, approve or refuse, record results.",
        "recert:queue",
        "recert.process_application",
    ),
    (
        "RMA eligibility assistant",
        "The public questionnaire: which route to the RMA exam a person qualifies by, and why.",
        "recert:rma_assistant",
        "recert.process_application",
    ),
    (
        "Last night's jobs",
        "Each nightly run of the last 30 nights and the running one: every job's time, rows, e-mails and "
        "letters, with failed or unusually slow jobs flagged.",
        "nightly_runs",
        "amtportal.view_nightlyrun",
    ),
    (
        "Administration",
        "Configuration data (credentials, policies), staff accounts and every record.",
        "admin:index",
        "auth.change_group",
    ),
]


@staff_required()
@require_http_methods(["GET"])
def staff_home(request):
    sections = [
        {"title": title, "description": description, "url_name": url_name}
        for title, description, url_name, permission in STAFF_SECTIONS
        if request.user.has_perm(permission)
    ]
    roles = list(request.user.groups.values_list("name", flat=True))
    work = staff_work(request.user, today=clock.today())
    return render(request, "amtportal/staff_home.html", {"sections": sections, "roles": roles, "work": work})


NIGHTS_SHOWN = 30


@staff_required("amtportal.view_nightlyrun")
@require_http_methods(["GET"])
def nightly_runs(request):
    """The last 30 nightly runs (and any run still going), newest first, each with its jobs: two queries."""
    runs = list(
        NightlyRun.objects.prefetch_related(Prefetch("jobs", queryset=JobRun.objects.order_by("position")))[
            : NIGHTS_SHOWN + 1
        ]
    )
    running = [run for run in runs if run.state == NightlyRun.State.RUNNING]
    finished = [run for run in runs if run.state != NightlyRun.State.RUNNING][:NIGHTS_SHOWN]
    return render(request, "amtportal/nightly_runs.html", {"running": running, "finished": finished})
