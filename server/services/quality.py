"""Data-quality flags of arriving submissions (forms/quality.py), with the checks cached per form version.

A published form version's XForm never changes, so its checks are derived once per process
and kept by (form_def id, md5). The minimum interview duration is ``SAPAT_MIN_INTERVIEW_SECONDS``
(default 180 s) unless the form sets its own with ``bind::sapat:min_seconds``.
"""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import current_app

from forms.errors import FormError
from forms.quality import DEFAULT_MIN_SECONDS, QualityChecks, check_submission, derive_checks

from ..storage.forms import FormDef

CACHE_SIZE = 256
_cache: OrderedDict[tuple[int, str], QualityChecks] = OrderedDict()
_lock = Lock()


def checks_for(form_def: FormDef) -> QualityChecks:
    key = (form_def.id, form_def.md5)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        checks = derive_checks(form_def.xml)
    except FormError:  # the XForm was accepted on upload; nothing to check against if it no longer parses
        checks = QualityChecks()
    with _lock:
        _cache[key] = checks
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return checks


def flags_for(form_def: FormDef, clear: dict[str, str], personal: dict[str, str]) -> list[dict]:
    """The flags of one submission version; they hold paths and counts, never answers."""
    minimum = int(current_app.config.get("SAPAT_MIN_INTERVIEW_SECONDS", DEFAULT_MIN_SECONDS))
    return check_submission(checks_for(form_def), {**clear, **personal}, min_seconds=minimum)
