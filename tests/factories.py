"""factory_boy factories. Certifications are made through the service so their status is real."""

import datetime

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from ccp import services as ccp_services
from core import clock
from members import services
from members.models import Credential, Member, User

DEFAULT_PASSWORD = "correct-horse-battery-9"


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


def make_staff(role: str, *, email: str | None = None, two_factor_secret: str | None = "JBSWY3DPEHPK3PXP"):
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
