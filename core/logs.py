"""Logging filters named in settings.LOGGING."""

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A refused request (4xx: a 403 from PermissionDenied, a 400) is the client's doing and expected: log
    it as one line. Django attaches the exception, which would print a traceback nobody needs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
