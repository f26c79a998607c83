"""The members app's tables, one module per part: people (logins, profiles, profile history),
certifications (credentials, certifications, status history, the certification policy) and notices (the
outbox and the daily mail batch). Every model is imported here, so Django finds it and
`from members.models import X` keeps working."""

from members.models.certifications import (
    Certification,
    CertificationPolicy,
    Credential,
    StatusChange,
    new_verification_token,
)
from members.models.notices import MailBatch, MailBatchPart, MailBatchRun, Notice
from members.models.people import MAILING_ADDRESS_FIELDS, Member, PortalUserManager, ProfileChange, User

__all__ = [
    "MAILING_ADDRESS_FIELDS",
    "Certification",
    "CertificationPolicy",
    "Credential",
    "MailBatch",
    "MailBatchPart",
    "MailBatchRun",
    "Member",
    "Notice",
    "PortalUserManager",
    "ProfileChange",
    "StatusChange",
    "User",
    "new_verification_token",
]
