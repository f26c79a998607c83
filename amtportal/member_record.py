"""The member's whole record for staff (issue "Staff operations"): besides the profile and the
certifications with their status history (members' page), one section per app, newest first, each
paginated on its own (`?<section>_page=N`), in a fixed number of queries whatever the member's history."""

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


def record_sections(member, params) -> list[RecordSection]:
    """The record's sections beside the certifications: invoices and payments, CCP cycles, audits,
    recertification applications and every notice sent, each newest first."""
    return [
        _section(
            "invoices",
            "Invoices and payments",
            billing_selectors.member_invoices(member).order_by("-issued_on", "-id"),
            params,
            empty="No invoice.",
        ),
        _section(
            "cycles",
            "CCP cycles",
            ccp_selectors.certification_cycles_of_member(member).order_by("-start_on", "-id"),
            params,
            empty="No CCP cycle.",
        ),
        _section(
            "audits", "CCP audits", audit_selectors.member_audits(member), params, empty="Never audited."
        ),
        _section(
            "applications",
            "Recertification applications",
            recert_selectors.member_applications(member),
            params,
            empty="No application.",
        ),
        _section(
            "notices",
            "Notices sent (e-mails and letters)",
            member_selectors.member_notices(member),
            params,
            empty="No notice.",
        ),
    ]
