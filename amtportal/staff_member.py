"""The member's whole record for staff, as the composer shows it: members' page (profile, certifications,
status history, profile history) with the sections of the later apps (amtportal.member_record). Members
imports no later app, so this view, routed at the same URL ahead of members' own, adds them through the
blocks of members' template."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from amtportal.member_record import record_sections
from core.permissions import staff_required
from members import selectors as member_selectors


@staff_required("members.search_members")
@require_http_methods(["GET"])
def member_record(request, member_number):
    member = member_selectors.member_record(member_number)
    if member is None:
        raise Http404("No member has this number.")
    context = {"member": member, "sections": record_sections(member, request.GET)}
    return render(request, "amtportal/staff_member_detail.html", context)
