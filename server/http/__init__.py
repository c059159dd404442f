"""HTTP: one blueprint per resource, OpenRosa apart; errors rendered by who is asking.

One request is one transaction: the session is committed after the view returned a
success and before the response leaves, so a 201 is only sent for data on disk.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .. import problems
from ..crypto import CryptoError
from ..problems import Problem
from ..storage import db, set_write_intent
from .api import PURPOSE_HEADER
from . import api, api_projects, api_submissions, odata, openrosa, sessions, staff, web  # noqa: F401 (api_* add views to api.bp)

log = logging.getLogger("sapat.http")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# GET pages that write an audit entry for every view of personal data.
AUDITED_READS = {"staff.submission", "staff.submission_attachment", "staff.coding_task",
                 "staff.coding_disagreements"}


def register(app: Flask) -> None:
    app.register_blueprint(openrosa.bp)
    app.register_blueprint(sessions.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(odata.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(web.bp)
    web.init_app(app)
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)
    app.register_error_handler(Problem, render_problem)
    app.register_error_handler(CryptoError, _undecryptable)
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(Exception, _unknown)


def _begin() -> None:
    # An API read with a stated purpose may open personal data, and that read is audited (a write).
    # So is a sign-in with a password (Basic, on the feeds): it is audited and counts failures.
    set_write_intent(request.method in WRITES or request.endpoint in AUDITED_READS
                     or PURPOSE_HEADER in request.headers or sessions.basic_auth_request())


def _finish(response: Response) -> Response:
    if response.status_code < 400 or g.pop("sapat_keep_changes", False):
        try:
            db.session.commit()
        except Exception:  # noqa: BLE001 - the client must not see a success for unsaved data
            log.exception("commit failed")
            db.session.rollback()
            return render_problem(problems.unknown())
    else:
        db.session.rollback()
    return response


def _teardown(_exc) -> None:
    set_write_intent(False)


def render_problem(problem: Problem) -> Response:
    if problem.keep_changes:
        g.sapat_keep_changes = True
    if request.blueprint == openrosa.bp.name:
        return openrosa.render_problem(problem)
    if request.blueprint == staff.bp.name:
        return staff.render_problem(problem)
    if request.blueprint == web.bp.name:
        return web.render_problem(problem)
    response = jsonify(problem.to_json())
    response.status_code = problem.status
    if problem.status == 401 and request.blueprint in sessions.BASIC_BLUEPRINTS:
        response.headers["WWW-Authenticate"] = 'Basic realm="Sapat", charset="UTF-8"'
    return response


def _http_exception(exc: HTTPException):
    if isinstance(exc, RequestEntityTooLarge):
        return render_problem(problems.too_large("request", current_app.config["MAX_CONTENT_LENGTH"]))
    if exc.code == 404:
        return render_problem(problems.not_found())
    code = f"{exc.code}.1"
    return render_problem(Problem(code, exc.description or exc.name))


def _undecryptable(exc: CryptoError):
    # The reason names keys and places, never data; the rule, not the path (paths carry tokens).
    log.error("stored data failed to open on %s: %s", request.url_rule.rule if request.url_rule else "?", exc)
    return render_problem(problems.undecryptable())


def _unknown(exc: Exception):
    # The rule, not the path: paths carry app-user tokens, which never go to a log.
    log.exception("unhandled error on %s %s", request.method, request.url_rule.rule if request.url_rule else "?")
    return render_problem(problems.unknown())
