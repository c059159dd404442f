"""Configuration: defaults, then ``<instance>/sapat.cfg``, then ``SAPAT_*`` environment variables.

The instance folder (``./instance`` unless ``SAPAT_INSTANCE_PATH`` says otherwise)
holds everything that is local to one installation and never committed: the
SQLite database, the blob store, keys, generated QR codes.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

MIB = 1024 * 1024

DEFAULTS = {
    # OpenRosa: what Collect is told it may send in one POST, and what we accept.
    "SAPAT_MAX_REQUEST_BYTES": 100 * MIB,
    "SAPAT_MAX_XML_BYTES": 10 * MIB,
    "SAPAT_SESSION_HOURS": 24,
    "SAPAT_PUBLIC_URL": None,  # e.g. https://sapat.example.kg when behind a proxy
    "SAPAT_PROXY_HOPS": 0,
    "SAPAT_VALIDATE_FORMS": True,  # run ODK Validate (java) on every uploaded form
    "SAPAT_LOG_LEVEL": "INFO",
    # Online questionnaires: who processes the data (shown on every landing page), and rate limits.
    "SAPAT_DATA_CONTROLLER": None,     # e.g. "ОсОО «…», Бишкек, … (по договору с Министерством просвещения)"
    "SAPAT_DATA_CONTACT": None,        # a phone or e-mail for participants' questions
    "SAPAT_WEB_RATE_LIMIT": "300 per minute",        # per client address, all /w/ pages
    "SAPAT_WEB_LOOKUP_LIMIT": "20 per 10 minutes",   # unknown links per client address (token guessing)
    "SAPAT_WEB_SUBMIT_LIMIT": "30 per 10 minutes",   # submission attempts per link
    "SAPAT_RATE_LIMIT_STORAGE": "memory://",         # per worker; redis://… shares the counts
    "SAPAT_DOUBLE_CODING_PERCENT": 20,   # share of open test answers coded a second time, blind
}

# Environment variables read as integers or booleans rather than strings.
_INTS = {"SAPAT_MAX_REQUEST_BYTES", "SAPAT_MAX_XML_BYTES", "SAPAT_SESSION_HOURS", "SAPAT_PROXY_HOPS",
         "SAPAT_DOUBLE_CODING_PERCENT"}
_BOOLS = {"SAPAT_VALIDATE_FORMS"}


def instance_path() -> Path:
    return Path(os.environ.get("SAPAT_INSTANCE_PATH", "instance")).resolve()


def load(app, overrides: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment and ``overrides``."""
    app.config.update(DEFAULTS)
    cfg_file = Path(app.instance_path) / "sapat.cfg"
    if cfg_file.exists():
        app.config.from_pyfile(str(cfg_file))
    for key, value in os.environ.items():
        if key.startswith("SAPAT_"):
            app.config[key] = _coerce(key, value)
    app.config.update(overrides or {})
    if not app.config.get("SAPAT_DATABASE_URL"):
        app.config["SAPAT_DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'sapat.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SAPAT_DATABASE_URL"])
    app.config["MAX_CONTENT_LENGTH"] = app.config["SAPAT_MAX_REQUEST_BYTES"]
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or _secret_key(Path(app.instance_path))
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SAPAT_SESSION_HOURS"] * 3600
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")


def normalise_database_url(url: str) -> str:
    """Let people write ``postgresql://`` and still get the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _coerce(key: str, value: str):
    if key in _INTS:
        return int(value)
    if key in _BOOLS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def _secret_key(folder: Path) -> str:
    """The cookie-signing key: made once per installation, kept in a 0600 file."""
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
            fh.flush()
            os.fsync(fh.fileno())
        try:  # link() is atomic and refuses to overwrite: concurrent workers agree on one key
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
