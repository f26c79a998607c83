from django.urls import path

from amtportal.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.report, name="report"),
    path("<slug:slug>/<slug:table>.<str:fmt>", views.export, name="export"),
]
