from django.urls import path

from ccp import api, staff_views, transcript, views

app_name = "ccp"

urlpatterns = [
    path("ccp/", views.overview, name="overview"),
    path("ccp/certifications/<int:certification_pk>/", views.certification, name="certification"),
    path("ccp/certifications/<int:certification_pk>/add/", views.activity_add, name="activity_add"),
    path("ccp/cycles/<int:cycle_pk>/", views.cycle_detail, name="cycle"),
    path("ccp/cycles/<int:cycle_pk>/attest/", views.attest, name="attest"),
    path("ccp/cycles/<int:cycle_pk>/transcript.pdf", transcript.cycle_transcript, name="transcript"),
    path("ccp/activities/<int:activity_pk>/edit/", views.activity_edit, name="activity_edit"),
    path("ccp/activities/<int:activity_pk>/remove/", views.activity_remove, name="activity_remove"),
    path("ccp/activities/<int:activity_pk>/documents/", views.document_upload, name="document_upload"),
    path("ccp/documents/<int:document_pk>/", views.document_download, name="document_download"),
    path("api/ccp/completions/", api.completions, name="api_completions"),
    path("staff/members/<member_number>/ccp/", staff_views.member_ccp, name="staff_member_ccp"),
]
