from django.conf import settings

from core.organization import organization


def portal(request):
    return {"portal_name": settings.PORTAL_NAME, "organization": organization()}
