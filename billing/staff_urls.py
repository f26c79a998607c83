"""Billing staff pages, mounted at "staff/billing/"."""

from django.urls import path

from billing import staff_mail_batch_views as mail_batch_views
from billing import staff_views
from billing import staff_worklist_views as worklist_views

app_name = "billing_staff"

urlpatterns = [
    path("invoices/", staff_views.invoice_search, name="invoice_search"),
    path("invoices/<str:number>/", staff_views.invoice_detail, name="invoice"),
    path(
        "invoices/<str:number>/record-check/", staff_views.invoice_record_check, name="invoice_record_check"
    ),
    path("invoices/<str:number>/waive/", staff_views.invoice_waive, name="invoice_waive"),
    path("invoices/<str:number>/void/", staff_views.invoice_void, name="invoice_void"),
    path("invoices/<str:number>/refund/", staff_views.invoice_refund, name="invoice_refund"),
    path("invoices/<str:number>/invoice.pdf", staff_views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<str:number>/receipt.pdf", staff_views.receipt_pdf, name="receipt_pdf"),
    path("open-invoices/", worklist_views.open_invoices, name="open_invoices"),
    path("failed-card-payments/", worklist_views.failed_payments, name="failed_payments"),
    path("letters-waiting-for-an-address/", worklist_views.address_exceptions, name="address_exceptions"),
    path("payments-export/", worklist_views.payments_export, name="payments_export"),
    path("mail-batches/", mail_batch_views.mail_batches, name="mail_batches"),
    path("mail-batches/build-today/", mail_batch_views.mail_batch_build_today, name="mail_batch_build_today"),
    path("mail-batches/<str:day>/", mail_batch_views.mail_batch_detail, name="mail_batch"),
    path(
        "mail-batches/<str:day>/manifest.csv",
        mail_batch_views.mail_batch_manifest,
        name="mail_batch_manifest",
    ),
    path(
        "mail-batches/<str:day>/part-<int:number>.pdf",
        mail_batch_views.mail_batch_part,
        name="mail_batch_part",
    ),
]
