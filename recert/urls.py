from django.urls import path

from recert import badge_staff_views, staff_views, views

app_name = "recert"

urlpatterns = [
    path("recertification/rma-eligibility/", views.rma_assistant, name="rma_assistant"),
    path("recertification/certifications/<int:certification_pk>/", views.apply, name="apply"),
    path("recertification/applications/<int:application_pk>/", views.application_detail, name="application"),
    path("recertification/applications/<int:application_pk>/felony/", views.felony, name="felony"),
    path("recertification/applications/<int:application_pk>/sign/", views.sign, name="sign"),
    path(
        "recertification/applications/<int:application_pk>/eligibility/",
        views.exam_answers,
        name="exam_answers",
    ),
    path(
        "recertification/applications/<int:application_pk>/activities/add/",
        views.activity_add,
        name="activity_add",
    ),
    path("recertification/applications/<int:application_pk>/pay/", views.checkout, name="checkout"),
    path("recertification/applications/<int:application_pk>/send/", views.resubmit, name="resubmit"),
    path("recertification/applications/<int:application_pk>/withdraw/", views.withdraw, name="withdraw"),
    path("staff/recertification/", staff_views.queue, name="queue"),
    path("staff/recertification/<int:application_pk>/", staff_views.review, name="review"),
    path("staff/recertification/<int:application_pk>/claim/", staff_views.claim, name="claim"),
    path("staff/recertification/<int:application_pk>/release/", staff_views.release, name="release"),
    path("staff/recertification/<int:application_pk>/more/", staff_views.ask_more, name="ask_more"),
    path("staff/recertification/<int:application_pk>/approve/", staff_views.approve, name="approve"),
    path("staff/recertification/<int:application_pk>/refuse/", staff_views.refuse, name="refuse"),
    path("staff/recertification/<int:application_pk>/exam/", staff_views.exam_result, name="exam_result"),
    path("staff/recertification/documents/<int:document_pk>/", staff_views.document, name="document"),
    path("staff/badges/<int:badge_pk>/retry/", badge_staff_views.badge_retry, name="badge_retry"),
]
