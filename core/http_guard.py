"""Text the database cannot store, refused at the door.

PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), and a lone surrogate cannot be
encoded as UTF-8: either one reaching a query is a 500. Refused first, it is the client's 400.
"""

import re
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Paths answered in JSON (the API's clients read JSON errors); everything else gets the 400 page.
JSON_PATH_PREFIXES = ("/api/",)


def is_storable(text: str) -> bool:
    """No NUL and no lone surrogate: the text can be sent to PostgreSQL."""
    return UNSTORABLE.search(text) is None


def json_is_storable(value) -> bool:
    """Every string of a parsed JSON value, keys included, is storable. Walked without recursion, so a
    deeply nested value cannot exhaust the stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_storable(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def json_depth(value) -> int:
    """How deeply a parsed JSON value nests (a scalar is 0), walked without recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return deepest


class UnstorableTextMiddleware:
    """400 for a request whose path or query string holds NUL or a lone surrogate (`/invoices/AB%00CD/`),
    before any view looks it up. Placed first, so nothing (sessions, the user) is read for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = unquote_plus(request.META.get("QUERY_STRING", ""))
        if is_storable(request.path) and is_storable(query):
            return self.get_response(request)
        detail = "The address contains characters that are not allowed (NUL or invalid Unicode)."
        if request.path.startswith(JSON_PATH_PREFIXES):
            return JsonResponse({"error": "invalid", "detail": detail}, status=400)
        return bad_request(request, ValueError(detail))
