"""The member's whole record for staff (issue "Staff operations"): besides the profile and the
certifications with their status history (members' page), one section per app, newest first, each
paginated on its own (`?<section>_page=N`), in a fixed number of queries whatever the member's history.
Each section is shown to the staff whose role covers it (DOMAIN.md "People and rights"): invoices to
billing, audits to reviewers, applications to processors, CCP cycles to whoever reads them."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from audits import selectors as audit_selectors
from billing import selectors as billing_selectors
from ccp import selectors as ccp_selectors
from members import selectors as member_selectors
from recert import selectors as recert_selectors

SECTION_SIZE = 10


@dataclass(frozen=True)
class RecordSection:
    key: str  # the anchor and the page parameter's prefix
    title: str
    template: str
    page: Page
    empty: str

    @property
    def page_parameter(self) -> str:
        return f"{self.key}_page"


def _section(key: str, title: str, rows, params, *, empty: str) -> RecordSection:
    page = Paginator(rows, SECTION_SIZE).get_page(params.get(f"{key}_page"))
    return RecordSection(key, title, f"amtportal/record/_{key}.html", page, empty)


# Who reads each section: its permission.
SECTION_PERMISSIONS = {
    "invoices": "billing.view_invoice",
    "cycles": "ccp.view_cycle",
    "audits": "audits.review_audit",
    "applications": "recert.view_application",
    "notices": "members.view_member",
}


def record_sections(member, params, *, user) -> list[RecordSection]:
    """The record's sections `user` may read: invoices and payments, CCP cycles, audits, recertification
    applications and every notice sent, each newest first (a section not shown costs no query)."""
    sections = [
        (
            "invoices",
            "Invoices and payments",
            lambda: billing_selectors.member_invoices(member).order_by("-issued_on", "-id"),
            "No invoice.",
        ),
        (
            "cycles",
            "CCP cycles",
            lambda: ccp_selectors.certification_cycles_of_member(member).order_by("-start_on", "-id"),
            "No CCP cycle.",
        ),
        ("audits", "CCP audits", lambda: audit_selectors.member_audits(member), "Never audited."),
        (
            "applications",
            "Recertification applications",
            lambda: recert_selectors.member_applications(member),
            "No application.",
        ),
        (
            "notices",
            "Notices sent (e-mails and letters)",
            lambda: member_selectors.member_notices(member),
            "No notice.",
        ),
    ]
    return [
        _section(key, title, rows(), params, empty=empty)
        for key, title, rows, empty in sections
        if user.has_perm(SECTION_PERMISSIONS[key])
    ]
