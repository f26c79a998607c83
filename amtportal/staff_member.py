"""The member's whole record for staff, as the composer shows it: members' page (profile, certifications,
status history, profile history) with, inside each certification's card, recert's Credly badges and the
credential status of each event, and the sections of the later apps (amtportal.member_record). Members
imports no later app, so this view, routed at the same URL ahead of members' own, adds them through the
blocks of members' template."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from amtportal.member_record import record_sections
from core.permissions import staff_required
from members import selectors as member_selectors
from recert import selectors as recert_selectors
from recert.credentials.status_lists import credential_status


@staff_required("members.search_members")
@require_http_methods(["GET"])
def member_record(request, member_number):
    member = member_selectors.member_record(member_number)
    if member is None:
        raise Http404("No member has this number.")
    certifications = list(member.certifications.all())  # the prefetched rows the template iterates
    badges = recert_selectors.badges_by_certification(certification_ids=[c.pk for c in certifications])
    for certification in certifications:
        certification.badge_rows = [(badge, credential_status(badge)) for badge in badges[certification.pk]]
    context = {"member": member, "sections": record_sections(member, request.GET, user=request.user)}
    return render(request, "amtportal/staff_member_detail.html", context)
