from django.urls import path

from audits import staff_views, views

app_name = "audits"

urlpatterns = [
    path("audits/<int:audit_pk>/", views.audit_detail, name="audit"),
    path("audits/<int:audit_pk>/items/<int:item_pk>/proof/", views.proof_upload, name="proof_upload"),
    path("audits/<int:audit_pk>/activities/add/", views.activity_add, name="activity_add"),
    path("audits/<int:audit_pk>/extension/", views.extension_request, name="extension"),
    path("audits/<int:audit_pk>/submit/", views.submit, name="submit"),
    path("staff/audits/", staff_views.queue, name="queue"),
    path("staff/audits/campaigns/", staff_views.campaigns, name="campaigns"),
    path("staff/audits/campaigns/<int:year>/", staff_views.campaign_detail, name="campaign"),
    path("staff/audits/campaigns/<int:year>/selection.csv", staff_views.selection_csv, name="selection_csv"),
    path("staff/audits/<int:audit_pk>/", staff_views.review, name="review"),
    path("staff/audits/<int:audit_pk>/claim/", staff_views.claim, name="claim"),
    path("staff/audits/<int:audit_pk>/release/", staff_views.release, name="release"),
    path("staff/audits/<int:audit_pk>/items/<int:item_pk>/decide/", staff_views.decide, name="decide"),
    path("staff/audits/<int:audit_pk>/return/", staff_views.return_to_member, name="return"),
    path("staff/audits/<int:audit_pk>/extension/", staff_views.extension_decide, name="extension_decide"),
    path("staff/audits/<int:audit_pk>/finalize/", staff_views.finalize, name="finalize"),
    path("staff/audits/documents/<int:document_pk>/", staff_views.document, name="document"),
]
