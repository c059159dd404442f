"""Sapat: the collection server. ``create_app`` is the application factory."""
from __future__ import annotations

import logging
from io import BytesIO
from pathlib import Path

from flask import Flask, Request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, crypto
from .storage import db, load_models
from .storage.blobs import BlobStore


class SapatRequest(Request):
    """Uploads never touch the disk in clear: parts beyond 512 KiB spool to an ephemerally keyed file."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if total_content_length is not None and total_content_length <= 512 * 1024:
            return BytesIO()
        return crypto.EphemeralFile()


def create_app(overrides: dict | None = None) -> Flask:
    overrides = dict(overrides or {})
    instance = Path(overrides.pop("INSTANCE_PATH", None) or config.instance_path())
    instance.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(instance))
    app.request_class = SapatRequest
    config.load(app, overrides)
    logging.getLogger("sapat").setLevel(app.config["SAPAT_LOG_LEVEL"])
    if app.config["SAPAT_PROXY_HOPS"]:
        hops = app.config["SAPAT_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    load_models()
    # Connections are recycled hourly instead of pinged before every checkout (a round trip each).
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_recycle": 3600})
    db.init_app(app)
    app.extensions["sapat_blobs"] = BlobStore(instance / "blobs")

    from . import http, scheduler
    http.register(app)
    scheduler.init_app(app)
    return app
