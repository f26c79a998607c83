"""The recert app's tables, one module per part: applications (the dated rules, the RMA routes, the
application and its timeline) and badges (certification events with their Credly badge and status-list
entry, the badge templates, the signed status lists, the credentials handed out). Every model is imported
here, so Django finds it and `from recert.models import X` keeps working."""

from recert.models.applications import ROUTE_DEFAULTS, Application, ApplicationEvent, RecertRule, RmaRoutes
from recert.models.badges import (
    Badge,
    BadgeEvent,
    BadgeTemplate,
    IssuedCredential,
    StatusList,
    default_template_id,
)

__all__ = [
    "ROUTE_DEFAULTS",
    "Application",
    "ApplicationEvent",
    "Badge",
    "BadgeEvent",
    "BadgeTemplate",
    "IssuedCredential",
    "RecertRule",
    "RmaRoutes",
    "StatusList",
    "default_template_id",
]
