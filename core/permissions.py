"""Who may open staff pages: staff users with the page's permission and a two-factor authenticator."""

from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

# Paths a staff user without two-factor authentication may still use: the account pages, where the
# authenticator is set up (allauth asks for a verified e-mail and the password first), and logout.
TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/favicon.ico")


ADMINISTRATOR_ROLE = "Administrator"


def is_administrator(user) -> bool:
    """DOMAIN.md "People and rights": administrators (the role, or a superuser) configure the portal and
    are the only staff who enter the Django admin."""
    return user.is_active and (user.is_superuser or user.groups.filter(name=ADMINISTRATOR_ROLE).exists())


def has_two_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffTwoFactorMiddleware:
    """Sends a signed-in staff user without a TOTP authenticator to the set-up page, from every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            and not has_two_factor(user)
        ):
            messages.warning(
                request, "Staff accounts must use two-factor authentication. Set it up to continue."
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def staff_required(permission: str | None = None):
    """Decorator for staff views: signed in, staff, holding `permission` (two-factor: the middleware)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not request.user.is_staff or (permission and not request.user.has_perm(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
