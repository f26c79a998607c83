from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from amtportal import views

# The admin's own login would bypass allauth (no two-factor, no rate limit): send it through allauth.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "AMT Member Portal administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff_home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("ccp.urls")),
    path("", include("billing.urls")),
    path("staff/billing/", include("billing.staff_urls")),
]
