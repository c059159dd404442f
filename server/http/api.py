"""What every ``/v1`` API view needs: who is asking, what they may see, and paging.

Authentication is a bearer token from ``POST /v1/sessions`` (as in ODK Central).
Projects the user was not granted answer 404 exactly like projects that do not
exist. Personal fields (every class but ``none`` and ``quasi_identifier``) are
masked (``null``) unless the user's role may read personal data *and* the request
states why in the ``X-Sapat-Purpose`` header (percent-encoded UTF-8, since headers are
Latin-1); each such read is audited.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import unquote

from flask import Blueprint, Response, g, jsonify, request, stream_with_context

from .. import problems
from ..services import audit, forms as form_service, projects, staff_users
from ..storage.forms import Form
from ..storage.projects import Project
from ..storage.users import StaffUser
from .sessions import bearer_user

bp = Blueprint("api", __name__)  # views in api_projects.py and api_submissions.py

PURPOSE_HEADER = "X-Sapat-Purpose"
MIN_PURPOSE = 10
MAX_PAGE = 10_000


def api_user(verb: str) -> StaffUser:
    """The signed-in staff user, who must hold ``verb`` (401.2 without a session, 403.1 without the right)."""
    return staff_users.require(bearer_user(), verb)


def api_actor() -> audit.Actor:
    return audit.Actor("staff", bearer_user().id)


def api_project(project_id: int, verb: str = "project.read") -> Project:
    user = api_user(verb)
    return projects.visible_project(user, project_id)


def api_form(project_id: int, xml_form_id: str, verb: str = "submission.read") -> tuple[Project, Form]:
    project = api_project(project_id, verb)
    return project, form_service.get_form(project, xml_form_id)


def personal_allowed(project: Project, target: str) -> bool:
    """May this request see personal answers? Audited once per request when it may."""
    user = bearer_user()
    if user is None or not staff_users.can(user, "personal.read"):
        return False
    purpose = unquote(request.headers.get(PURPOSE_HEADER) or "").strip()  # percent-encoded UTF-8 allowed
    if len(purpose) < MIN_PURPOSE:
        return False
    if not g.get("sapat_personal_audited"):
        audit.record("personal.read", api_actor(), project_id=project.id, target=target, purpose=purpose[:500],
                     via="api")
        g.sapat_personal_audited = True
    return True


def require_personal(project: Project, target: str) -> None:
    """For resources that are personal data as a whole (the submission XML, its files)."""
    user = bearer_user()
    if user is None or not staff_users.can(user, "personal.read"):
        raise problems.insufficient_rights()
    if not personal_allowed(project, target):
        raise problems.purpose_required()


def int_arg(name: str, default: int | None, minimum: int = 0, maximum: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise problems.invalid_data(name, f"expected a whole number, got {raw[:40]!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise problems.invalid_data(name, f"expected a number {bound}")
    return value


def bool_arg(name: str, default: bool = False) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise problems.invalid_data(name, "expected true or false")


def paging() -> tuple[int | None, int]:
    """``?limit=&offset=`` as Central takes them on its lists; no limit means stream everything."""
    return int_arg("limit", None, 0, MAX_PAGE), int_arg("offset", 0)


def success() -> Response:
    return jsonify({"success": True})


def stream_json_array(items: Iterable[dict], total: int | None = None) -> Response:
    """A JSON array written as it is produced (lists of any length in flat memory)."""
    def generate() -> Iterator[str]:
        yield "["
        for index, item in enumerate(items):
            yield ("," if index else "") + json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        yield "]"

    response = Response(stream_with_context(generate()), content_type="application/json")
    if total is not None:
        response.headers["X-Total-Count"] = str(total)
    return response


def batched(fetch: Callable[[int | None, int], list], size: int = 500) -> Iterator:
    """Rows from ``fetch(after_id, size)`` in keyset batches: never a whole table in memory."""
    after = None
    while True:
        rows = fetch(after, size)
        yield from rows
        if len(rows) < size:
            return
        after = rows[-1].id
