"""Administrators put an errored Credly badge back (permission recert.change_badge; two-factor through the
middleware, as every staff page). The badges themselves are shown on the staff member record, composed by
amtportal.staff_member."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core import clock
from core.permissions import staff_required
from recert import services
from recert.models import Badge


@staff_required("recert.change_badge")
@require_POST
def badge_retry(request, badge_pk: int):
    badge = Badge.objects.select_related("certification__member").filter(pk=badge_pk).first()
    if badge is None:
        raise Http404("No such badge.")
    try:
        services.badge_retry(
            badge=badge, actor=request.user, today=clock.today(), source="staff member record"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"The {badge.certification.credential.code} badge will be sent to Credly again."
        )
    return redirect("members:staff_member", member_number=badge.certification.member.member_number)
