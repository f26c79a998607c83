"""The CCP app's tables, one module per part: categories (the point rules as data, the CCP policy), cycles
(three-year windows and attestations), activities (claims, their documents and change history) and api_clients
(the learning platform's clients and used signatures). Every model is imported here, so Django finds it and
`from ccp.models import X` keeps working."""

from ccp.models.activities import Activity, ActivityChange, ActivityDocument, document_path
from ccp.models.api_clients import ApiClient, ApiNonce
from ccp.models.categories import ActivityCategory, CcpPolicy
from ccp.models.cycles import Attestation, Cycle

__all__ = [
    "Activity",
    "ActivityCategory",
    "ActivityChange",
    "ActivityDocument",
    "ApiClient",
    "ApiNonce",
    "Attestation",
    "CcpPolicy",
    "Cycle",
    "document_path",
]
