"""Private pages and files are never kept by a browser's or a proxy's cache.

A signed-in member's pages (dashboard, profile, invoices, CCP pages), every staff page and every download
(invoice, receipt and transcript PDFs, documents) carry personal data: after signing out on a shared
computer, the back button or a proxy must not show them again.
"""

from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in user and on every download,
    unless the view chose its own Cache-Control. Public pages (the status check) and static files
    (served by WhiteNoise before this middleware) keep theirs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" in response:
            return response
        user = getattr(request, "user", None)
        is_download = "Content-Disposition" in response
        if is_download or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response
