"""Staff page of the CCP app: a member's CCP history, read-only."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ccp import selectors
from core import clock
from core.permissions import staff_required


@staff_required("ccp.view_cycle")
@require_http_methods(["GET"])
def member_ccp(request, member_number):
    today = clock.today()
    found = selectors.member_ccp_history(member_number=member_number, today=today)
    if found is None:
        raise Http404("No member has this number.")
    member, histories = found
    context = {"member": member, "histories": histories, "today": today}
    return render(request, "ccp/staff_member_ccp.html", context)
