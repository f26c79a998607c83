"""factory_boy factories. Certifications are made through the service so their status is real."""

import datetime
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from ccp import services as ccp_services
from ccp.models import Activity, ActivityCategory
from core import clock
from members import services
from members.models import Credential, Member, User

DEFAULT_PASSWORD = "correct-horse-battery-9"
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Pat"
    last_name = "Doe"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)
            self.save()


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    member_number = factory.Sequence(lambda n: f"{200000 + n}")
    first_name = factory.SelfAttribute("user.first_name")
    last_name = factory.Sequence(lambda n: f"Member{n}")
    address_line1 = "12 Elm Street"
    city = "Springfield"
    state = "IL"
    postal_code = "62701"


def credential(code: str = "RMA") -> Credential:
    return Credential.objects.get(code=code)


def make_certification(
    member: Member | None = None,
    *,
    code: str = "RMA",
    certified_on: datetime.date = datetime.date(2019, 5, 14),
    today: datetime.date | None = None,
    paid_through: datetime.date | None = None,
):
    """A certification made through the services; `paid_through` then reports fees paid up to a date."""
    member = member or MemberFactory()
    today = today or clock.today()
    certification = ccp_services.certification_enrol(
        member=member, credential=credential(code), certified_on=certified_on, today=today, source="test"
    )
    if paid_through:
        certification = services.certification_record_paid_through(
            certification=certification, paid_through=paid_through, today=today, source="test"
        )
    return certification


def make_staff(role: str, *, email: str | None = None, two_factor_secret: str | None = STAFF_TOTP_SECRET):
    """A staff user in a role group, with a TOTP authenticator unless `two_factor_secret` is None."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = UserFactory(email=email or f"{role.lower().replace(' ', '-')}@staff.example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if role == "Administrator":
        user.is_superuser = True
        user.save()
    if two_factor_secret:
        TOTP.activate(user, two_factor_secret)
    return user


def staff_named(role: str, first_name: str, last_name: str, **options):
    """`make_staff` with a name (pages show who holds or decided what), its e-mail made of the first name so
    that one test can make two people of a role."""
    user = make_staff(role, email=f"{first_name.lower()}@staff.example.org", **options)
    user.first_name, user.last_name = first_name, last_name
    user.save()
    return user


def course_fields(*, title: str, on: datetime.date, hours: str, online: bool = False) -> dict:
    """The fields of a professional-education activity helping the job: `hours` contact hours completed `on`;
    `online`: a course of the body's online CE (its source and external id)."""
    fields = {
        "category": ActivityCategory.objects.get(code="professional-education"),
        "title": title,
        "completed_on": on,
        "quantity": Decimal(hours),
        "helps_job": True,
    }
    if online:
        fields |= {"source": Activity.Source.ONLINE, "external_id": f"course-{title}"}
    return fields
