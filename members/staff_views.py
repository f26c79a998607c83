"""Staff pages of the members app: member search and a member's record."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core import clock
from core.permissions import staff_required
from members import selectors, services
from members.forms import MemberSearchForm

SEARCH_LIMIT = 50


@staff_required("members.search_members")
@require_http_methods(["GET"])
def member_search(request):
    form = MemberSearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = list(selectors.member_search(form.cleaned_data["q"])[: SEARCH_LIMIT + 1])
    more = results is not None and len(results) > SEARCH_LIMIT
    return render(
        request,
        "members/staff/member_search.html",
        {"form": form, "results": results[:SEARCH_LIMIT] if results else results, "more": more},
    )


@staff_required("members.search_members")
@require_http_methods(["GET"])
def member_detail(request, member_number):
    member = selectors.member_record(member_number)
    if member is None:
        raise Http404("No member has this number.")
    return render(request, "members/staff/member_detail.html", {"member": member})


@staff_required("members.change_member")
@require_POST
def member_resend_invitation(request, member_number):
    member = selectors.member_record(member_number)
    if member is None:
        raise Http404("No member has this number.")
    if member.user.has_usable_password():
        messages.info(request, "This member has already set a password; they can use “Forgot password”.")
    else:
        services.member_invite(member=member, key=f"resend-{clock.now():%Y%m%d%H%M%S}")
        messages.success(request, f"Invitation sent again to {member.user.email}.")
    return redirect("members:staff_member", member_number=member.member_number)
