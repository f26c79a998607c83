"""Recertification fixtures: a certification that became Non-compliant (CCP) when its first cycle ended
without points (certified 2019-05-14; the cycle ran to 2022-05-13), and one lapsed 10 years or more."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing import services as billing_services
from billing.models import Invoice, InvoiceEvent
from ccp import services as ccp_services
from ccp.models import Activity, ActivityCategory, ActivityDocument, Cycle
from members import services as member_services
from members.models import Certification, Notice, StatusChange
from recert import services
from recert.models import Application, ApplicationEvent
from tests.factories import course_fields, make_certification
from tests.files import pdf_bytes

CERTIFIED_ON = datetime.date(2019, 5, 14)
NONCOMPLIANT_FROM = datetime.date(2022, 5, 14)
TODAY = datetime.date(2026, 11, 29)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded documents are stored in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def noncompliant_certification(
    member=None,
    *,
    code: str = "RMA",
    certified_on: datetime.date = CERTIFIED_ON,
    paid_through: datetime.date = datetime.date(2023, 5, 31),
    failed_on: datetime.date = NONCOMPLIANT_FROM,
):
    """Fees paid, no points: Non-compliant (CCP) since `failed_on`, the day after its first cycle ended (by
    default paid through 2023, Non-compliant from 2022-05-14: under the 10-year gate)."""
    certification = make_certification(member, code=code, certified_on=certified_on, today=certified_on)
    member_services.certification_record_paid_through(
        certification=certification,
        paid_through=paid_through,
        today=certified_on,
        source="test",
    )
    ccp_services.cycles_roll(today=failed_on)
    ccp_services.cycles_close_inactive(today=failed_on)
    certification.refresh_from_db()
    assert certification.status == "noncompliant", certification.status_reason
    return certification


def window_activity(
    certification, *, on: datetime.date, hours: str, title: str, online: bool = False
) -> Activity:
    """A professional-education activity inside the application window, recorded for recertification."""
    from ccp.rules import Window

    fields = course_fields(title=title, on=on, hours=hours, online=online)
    if online:
        return Activity.objects.create(certification=certification, **fields)
    return ccp_services.activity_record_for_recertification(
        certification=certification,
        window=Window(datetime.date(2023, 11, 30), TODAY),
        today=TODAY,
        recorded_by=None,
        **fields,
    )


@pytest.fixture
def noncompliant(seeded):
    return noncompliant_certification()


# --- Shared by the service and job tests ------------------------------------------------------------------

IN_WINDOW = datetime.date(2025, 3, 1)


def on(time_machine, day: datetime.date) -> None:
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(18), tzinfo=datetime.UTC), tick=False)


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    """Pay an invoice by check as billing staff would; the paid-fee task billing queues runs at commit."""

    def paying(invoice: Invoice, *, day: datetime.date = TODAY) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            billing_services.invoice_record_payment(
                invoice=invoice,
                method="check",
                received_on=day,
                reference="no. 1001",
                today=day,
                source="test",
            )

    return paying


def database_state() -> dict:
    """Everything a recertification service may write, to show that a refusal wrote nothing."""
    return {
        "applications": list(Application.objects.order_by("pk").values()),
        "events": list(ApplicationEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "activities": list(Activity.objects.order_by("pk").values_list("pk", flat=True)),
        "documents": list(ActivityDocument.objects.order_by("pk").values_list("pk", flat=True)),
        "invoices": list(Invoice.objects.order_by("pk").values_list("pk", "state")),
        "invoice_events": InvoiceEvent.objects.count(),
        "notices": list(Notice.objects.order_by("pk").values_list("pk", "state")),
        "certifications": list(
            Certification.objects.order_by("pk").values("pk", "status", "lapse_date", "reinstated_on")
        ),
        "status_changes": StatusChange.objects.count(),
        "cycles": list(Cycle.objects.order_by("pk").values_list("pk", "state")),
    }


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def user_of(certification: Certification):
    return certification.member.user


def pdf(name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def professional_education() -> ActivityCategory:
    return ActivityCategory.objects.get(code="professional-education")


def start(certification: Certification, route: str = "ccp", *, today: datetime.date = TODAY) -> Application:
    return services.application_start(
        certification=certification, route=route, today=today, user=user_of(certification)
    )


def record(
    application: Application,
    title: str,
    *,
    on: datetime.date = IN_WINDOW,
    hours: str = "10",
    document: bool = True,
    today: datetime.date = TODAY,
) -> Activity:
    user = user_of(application.certification)
    activity = services.application_record_activity(
        application=application, user=user, today=today, category=professional_education(), title=title,
        completed_on=on, quantity=Decimal(hours), helps_job=True,
    )  # fmt: skip
    if document:
        ccp_services.activity_attach_document(activity=activity, upload=pdf(), uploaded_by=user)
    return activity


def answer_and_sign(application: Application, *, today: datetime.date = TODAY) -> None:
    user = user_of(application.certification)
    services.application_answer_felony(application=application, felony=False, user=user, today=today)
    services.application_sign(
        application=application,
        signed_name=application.certification.member.full_name,
        user=user,
        today=today,
    )


def ready_by_ccp(certification: Certification, *, today: datetime.date = TODAY, activities: int = 3):
    """A draft by CCP with 30 points (three 10-hour courses with their certificates), answered and signed."""
    application = start(certification, today=today)
    for number in range(activities):
        record(
            application, f"Course {number + 1}", on=IN_WINDOW + datetime.timedelta(days=number), today=today
        )
    answer_and_sign(application, today=today)
    return fresh(application)


def checkout(application: Application, *, today: datetime.date = TODAY) -> Invoice:
    return services.application_checkout(
        application=application, user=user_of(application.certification), today=today
    )


def submitted_by_ccp(certification: Certification, pay) -> Application:
    application = ready_by_ccp(certification)
    pay(checkout(application))
    return fresh(application)


def ready_by_exam(certification: Certification, *, today: datetime.date = TODAY) -> Application:
    application = start(certification, "exam", today=today)
    if certification.credential.code == "RMA":
        answers = {"months_employed_experience": 70}
    else:
        answers = {"meets_requirement": True, "details": "BS in medical technology, 2005"}
    services.application_answer_exam(
        application=application, answers=answers, user=user_of(certification), today=today
    )
    return fresh(application)


def submitted_by_exam(certification: Certification, pay) -> Application:
    application = ready_by_exam(certification)
    pay(checkout(application))
    return fresh(application)


def claimed(application: Application, user, *, today: datetime.date = TODAY) -> Application:
    return services.application_claim(application=application, user=user, today=today)


def timeline(application: Application) -> list[tuple[str, str, str]]:
    return list(application.events.order_by("at", "id").values_list("from_state", "to_state", "message"))


def notices_of(application: Application):
    return Notice.objects.filter(kind="recert", key__startswith=f"application-{application.pk}-").order_by(
        "pk"
    )
