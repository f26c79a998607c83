from django.conf import settings


def absolute_url(path: str) -> str:
    """A link for e-mails and letters, on the portal's public base URL."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path
