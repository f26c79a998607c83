from django.urls import path

from members import proof_views, public_views, staff_views, views

app_name = "members"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("certifications/<int:pk>/", views.certification_detail, name="certification"),
    path("certifications/<int:pk>/certificate.pdf", proof_views.certificate_pdf, name="certificate_pdf"),
    path("certifications/<int:pk>/wallet-card.pdf", proof_views.wallet_card_pdf, name="wallet_card_pdf"),
    path("invitation/<uidb64>/<token>/", views.invitation, name="invitation"),
    path("check-status/", public_views.verify, name="verify"),
    # Before the verification link's pattern: "list" is not a token (tokens are 32 characters).
    path("check-status/list/", public_views.verify_list, name="verify_list"),
    path("check-status/list/<slug:key>.csv", public_views.verify_list_csv, name="verify_list_csv"),
    path("check-status/<token>/", public_views.verify_token, name="verify_token"),
    path("check-status/<token>/qr.svg", public_views.verify_qr, name="verify_qr"),
    path("staff/members/", staff_views.member_search, name="staff_member_search"),
    path("staff/members/<member_number>/", staff_views.member_detail, name="staff_member"),
    path("staff/members/<member_number>/address/", staff_views.member_fix_address, name="staff_fix_address"),
    path(
        "staff/members/<member_number>/resend-invitation/",
        staff_views.member_resend_invitation,
        name="staff_resend_invitation",
    ),
]
