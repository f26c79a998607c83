from django.urls import path

from members import staff_views, views

app_name = "members"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("certifications/<int:pk>/", views.certification_detail, name="certification"),
    path("invitation/<uidb64>/<token>/", views.invitation, name="invitation"),
    path("check-status/", views.verify, name="verify"),
    path("check-status/<token>/", views.verify_token, name="verify_token"),
    path("check-status/<token>/qr.svg", views.verify_qr, name="verify_qr"),
    path("staff/members/", staff_views.member_search, name="staff_member_search"),
    path("staff/members/<member_number>/", staff_views.member_detail, name="staff_member"),
    path("staff/members/<member_number>/address/", staff_views.member_fix_address, name="staff_fix_address"),
    path(
        "staff/members/<member_number>/resend-invitation/",
        staff_views.member_resend_invitation,
        name="staff_resend_invitation",
    ),
]
