"""People: the login (`User`, e-mail as the login, no username), the member's profile (legal name, postal
address, the address lines letters print) and the history of profile changes."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst

from core.history import FieldChange


class PortalUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A login: a member or a staff user. E-mail is the login; there is no username."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)

    USERNAME_FIELD = "email"  # type: ignore[misc]
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    objects = PortalUserManager()  # type: ignore[misc,assignment]

    def __str__(self):
        return self.email


# A member's postal address, in the order of forms, imports and the mail-batch manifest.
MAILING_ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "postal_code", "country")


class Member(models.Model):
    """A certified person's profile. The legal name is what appears on the credential."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="member")
    member_number = models.CharField(max_length=20, unique=True)
    first_name = models.CharField("legal first name", max_length=100)
    middle_name = models.CharField("legal middle name", max_length=100, blank=True)
    last_name = models.CharField("legal last name", max_length=100)
    phone = models.CharField(max_length=30, blank=True)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField("state or region", max_length=100, blank=True)
    postal_code = models.CharField("ZIP or postal code", max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="Two-letter country code.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "member_number"]
        permissions = [
            ("search_members", "Can search members and view their records"),
            ("fix_mailing_address", "Can fix a member's mailing address, with a reason"),
        ]
        indexes = [models.Index(fields=["last_name"])]

    def __str__(self):
        return f"{self.full_name} ({self.member_number})"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)

    def signs_as(self, signed_name: str) -> bool:
        """Whether a typed signature is the member's legal name (with or without the middle name; case and
        spacing don't matter)."""

        def normalized(name: str) -> str:
            return " ".join(name.split()).casefold()

        names = {normalized(self.full_name), normalized(f"{self.first_name} {self.last_name}")}
        return normalized(signed_name or "") in names

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def has_mailing_address(self) -> bool:
        return all((self.address_line1, self.city, self.postal_code, self.country))

    @property
    def address_lines(self) -> list[str]:
        locality = " ".join(
            part for part in (self.city + ",", self.state, self.postal_code) if part.strip(",")
        )
        lines = [self.full_name, self.address_line1, self.address_line2, locality]
        if self.country != "US":
            lines.append(self.country)
        return [line for line in lines if line]


class ProfileChange(FieldChange):
    """One changed profile field: who changed it, when, from what to what."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="profile_changes")
    reason = models.CharField(max_length=300, blank=True, help_text="Why staff changed it.")

    def __str__(self):
        return f"{self.member.member_number} {self.field}: {self.old_value!r} -> {self.new_value!r}"

    @property
    def field_label(self) -> str:
        """The field as the forms name it ("ZIP or postal code", "Phone"); the row keeps the field's name."""
        model = User if self.field == "email" else Member  # the login e-mail is the user's
        try:
            field = model._meta.get_field(self.field)
        except FieldDoesNotExist:  # a field since removed: its name is all there is
            return self.field
        return str(capfirst(getattr(field, "verbose_name", self.field)))
