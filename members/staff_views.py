"""Staff pages of the members app: member search, a member's record, fixing a mailing address."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from core import clock
from core.permissions import staff_required
from members import selectors, services
from members.forms import MailingAddressForm, MemberSearchForm
from members.services.mail_batch import unprintable_reason

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


def _back(request, member) -> str:
    """Where the staff member came from (the mail batch, the record): only a page of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("members:staff_member", args=[member.member_number])


@staff_required("members.fix_mailing_address")
@require_http_methods(["GET", "POST"])
def member_fix_address(request, member_number):
    member = selectors.member_record(member_number)
    if member is None:
        raise Http404("No member has this number.")
    problem = unprintable_reason(member)  # as saved, before this form
    form = MailingAddressForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            changes = services.member_fix_mailing_address(
                member=member, changed_by=request.user, fields=fields, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _saved_message(member, changes))
            return redirect(_back(request, member))
    context = {
        "member": member,
        "form": form,
        "problem": problem,
        "waiting": selectors.letters_waiting_for_address(member),
        "back": _back(request, member),
    }
    return render(request, "members/staff/member_fix_address.html", context)


def _saved_message(member, changes) -> str:
    if not changes:
        return f"The address of {member.full_name} was already as given: nothing changed."
    member.refresh_from_db()
    if reason := unprintable_reason(member):
        return f"Address of {member.full_name} saved, but letters still can't be printed: {reason}"
    return f"Address of {member.full_name} saved. Letters waiting for it go out in the next mail batch."
