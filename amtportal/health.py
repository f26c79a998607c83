"""The readiness check a load balancer polls: can this web process answer and reach its database?

One query (`SELECT 1`), no login, no session, nothing about any member: a 200 "ok" when the database
answers, a 503 when it does not (the balancer then stops sending traffic to this process). Never cached, so
every probe is a real one.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

logger = logging.getLogger(__name__)


@never_cache
@require_http_methods(["GET", "HEAD"])
def ready(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # The cause goes to the log for the operators, never to the caller.
        logger.exception("Readiness check: the database did not answer")
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
