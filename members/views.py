"""Member pages (profile, certification, invitation). The public "Check your status" is in public_views,
the certificate and wallet card in proof_views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_http_methods

from members import selectors, services
from members.forms import ProfileForm
from members.models import User
from members.rules.verification import proof_refusal
from members.selectors import member_or_404
from members.services.mail_batch import unprintable_reason
from members.tokens import invitation_token_generator


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    member = member_or_404(request)
    # The address as saved: a refused form below must not hide (or raise) the warning.
    mailing_problem = unprintable_reason(member)
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.member_update_profile(
                member=member, changed_by=request.user, fields=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)  # field errors go beside their fields
        else:
            if changes:
                messages.success(request, f"Profile saved ({len(changes)} change(s)).")
            else:
                messages.info(request, "Nothing was changed.")
            return redirect("members:profile")
    history = member.profile_changes.select_related("changed_by")[:50]
    context = {"member": member, "form": form, "history": history, "mailing_problem": mailing_problem}
    return render(request, "members/profile.html", context)


@login_required
@require_http_methods(["GET"])
def certification_detail(request, pk):
    """One of the member's own certifications: its status explained and its history (another's: 404)."""
    member = member_or_404(request)
    certification = selectors.member_certification(member=member, pk=pk)
    if certification is None:
        raise Http404("No such certification.")
    context = {"certification": certification, "proof_refusal": proof_refusal(certification.status_enum)}
    return render(request, "members/certification_detail.html", context)


@require_http_methods(["GET", "POST"])
def invitation(request, uidb64, token):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not invitation_token_generator.check_token(user, token):
        return render(request, "members/invitation_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.member_accept_invitation(user=user, password=form.cleaned_data["new_password1"])
        messages.success(
            request, "Your password is set. Sign in with your e-mail address and the new password."
        )
        return redirect("account_login")
    return render(request, "members/invitation.html", {"form": form, "invited": user})
