"""The organization profile (settings ORGANIZATION_*): who the portal speaks for and how a member reaches its
member services. Pages get it from the context processor, PDFs and e-mails (rendered without a request) from
`{% organization as organization %}`: both read `organization()`, so every place says the same."""

import re
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Organization:
    name: str
    email: str
    phone: str
    address_lines: tuple[str, ...]
    check_payee: str
    check_address_lines: tuple[str, ...]

    @property
    def address(self) -> str:
        """The postal address on one line: "PO Box 1000, Springfield, IL 62701"."""
        return ", ".join(self.address_lines)

    @property
    def check_address(self) -> str:
        return ", ".join(self.check_address_lines)

    @property
    def phone_uri(self) -> str:
        """A tel: link; a ten-digit number is a US one (+1)."""
        digits = re.sub(r"[^\d+]", "", self.phone)
        return f"tel:+1{digits}" if len(digits) == 10 else f"tel:{digits}"


def organization() -> Organization:
    """The profile as the settings give it now (tests change settings, so it is read on every call)."""
    return Organization(
        name=settings.ORGANIZATION_NAME,
        email=settings.ORGANIZATION_EMAIL,
        phone=settings.ORGANIZATION_PHONE,
        address_lines=tuple(line for line in settings.ORGANIZATION_ADDRESS if line.strip()),
        check_payee=settings.ORGANIZATION_CHECK_PAYEE,
        check_address_lines=tuple(line for line in settings.ORGANIZATION_CHECK_ADDRESS if line.strip()),
    )
