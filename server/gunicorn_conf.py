"""gunicorn settings for Sapat. Access-log lines never carry app-user or web-link tokens."""
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("SAPAT_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("SAPAT_WORKERS", "2"))
threads = int(os.environ.get("SAPAT_THREADS", "4"))
worker_class = "gthread"
timeout = 120          # large attachments over slow field connections
graceful_timeout = 30
accesslog = os.environ.get("SAPAT_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

_SECRETS = re.compile(r"(/v1/key/|/w/)[^/?\s]+|([?&]st=)[^&\s]+")


class RedactingLogger(Logger):
    """Replace the token in ``/v1/key/{token}/``, ``/w/{token}`` and ``?st=`` before an access line is written."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "{raw_uri}e"):
            if key in atoms and isinstance(atoms[key], str):
                atoms[key] = _SECRETS.sub(lambda m: (m.group(1) or m.group(2)) + "***", atoms[key])
        return atoms


logger_class = RedactingLogger
