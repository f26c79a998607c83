from django.urls import path

from billing import checkout_views, views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/pay-all/", checkout_views.pay_all, name="pay_all"),
    path("invoices/pay-all/authenticate/", checkout_views.pay_all_authenticate, name="pay_all_authenticate"),
    path("invoices/pay-all/return/", checkout_views.pay_all_return, name="pay_all_return"),
    path("invoices/<str:number>/", views.invoice_detail, name="invoice"),
    path("invoices/<str:number>/pay/", views.pay, name="pay"),
    path("invoices/<str:number>/pay/authenticate/", views.pay_authenticate, name="pay_authenticate"),
    path("invoices/<str:number>/pay/return/", views.pay_return, name="pay_return"),
    path("invoices/<str:number>/invoice.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<str:number>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("billing/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
