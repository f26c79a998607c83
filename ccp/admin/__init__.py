"""Admin: CCP configuration (categories, policy, API clients) is edited here; cycles, activities and
attestations are only shown, because every write to them goes through ccp.services. One module per part:
configuration, records (shown only) and certifications (adding one enrols it); importing them registers
their admins."""

from ccp.admin import certifications, configuration, records

__all__ = ["certifications", "configuration", "records"]
