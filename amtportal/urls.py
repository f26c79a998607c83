from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from amtportal import health, staff_member, staff_worklists, views
from core.permissions import is_administrator


def admin_entry_allowed(request) -> bool:
    """The admin's door: administrators only. Other staff have their own pages, and a signed-in user who
    is not an administrator gets a 403 on every admin URL (the index and the login page included) rather
    than the admin's login form; a visitor who is not signed in is sent to sign in."""
    if not request.user.is_authenticated:
        return False
    if not (request.user.is_staff and is_administrator(request.user)):
        raise PermissionDenied("The administration is open to administrators only.")
    return True


# The admin's own login would bypass allauth (no two-factor, no rate limit): send it through allauth.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.has_permission = admin_entry_allowed
admin.site.site_header = "AMT Member Portal administration"

urlpatterns = [
    path("", views.home, name="home"),
    # Load balancers' readiness probe: one query, no login (amtportal.health).
    path("health/", health.ready, name="health"),
    # Browsers ask for /favicon.ico before reading any page; the file is a static one (lazy: the hashed
    # name is known only once the manifest is read).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico"), permanent=True)),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/nightly-runs/", views.nightly_runs, name="nightly_runs"),
    path("staff/lapsing/", staff_worklists.lapsing_certifications, name="lapsing_certifications"),
    path("staff/reports/", include("amtportal.reports.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # The whole member record (the later apps' sections, recert's badges in each certification's card)
    # ahead of members' own page at this address.
    path("staff/members/<member_number>/", staff_member.member_record),
    path("", include("members.urls")),
    path("", include("ccp.urls")),
    path("", include("billing.urls")),
    path("staff/billing/", include("billing.staff_urls")),
    path("", include("audits.urls")),
    path("", include("recert.urls")),
    path("", include("recert.credential_urls")),
]
