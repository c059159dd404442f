"""Staff web pages: server-rendered HTML in Kyrgyz, Russian and English.

One blueprint, ``staff``. This module holds what every page shares (the
signed-in user, the language, CSRF, security headers, the error page) and the
sign-in and project-list pages; ``staff_projects`` and ``staff_submissions``
attach the other pages to the same blueprint.

The signed cookie carries only the staff session token (plus the chosen
language and the CSRF token); who the user is and what they may do is looked
up on every request, so revoking a session or a role takes effect at once.
Views never commit: a success is committed after the view, a page answered
with status >= 400 is rolled back (``server.http``).
"""
from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime, timezone
from functools import wraps
from urllib.parse import quote, urlencode, urlsplit

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for

from .. import i18n, problems
from ..problems import Problem
from ..services import projects as project_service
from ..services import audit, staff_users
from ..storage import db
from ..storage.projects import STAGES
from ..storage.users import StaffUser

bp = Blueprint("staff", __name__)
log = logging.getLogger("sapat.http.staff")

CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Problems a person fixes on the page they came from (bad input, a conflict); others get the error page.
INLINE_STATUSES = {400, 409, 413}
NOTICES = {"signed_out", "project_created", "draft_uploaded", "media_uploaded", "published", "state_changed",
           "app_user_created", "app_user_revoked", "reviewed", "flagged_marked", "comment_added", "export_started",
           "web_opened", "web_closed", "web_link_created", "web_link_revoked", "coded", "resolved"}


# ---- what every staff request shares -------------------------------------------------------------

def language() -> str:
    return i18n.normalise_language(session.get("lang")) or i18n.DEFAULT_LANGUAGE


def csrf_token() -> str:
    """This browser session's CSRF token, made on first use."""
    if not session.get("csrf"):
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def signed_in_user() -> StaffUser | None:
    """The staff user whose live session token is in the cookie, if any."""
    if "staff_web_user" not in g:
        token = session.get("token")
        found = staff_users.session_for_token(token) if token else None
        if token and found is None:
            session.pop("token", None)  # expired or ended elsewhere
        g.staff_web_user = found.user if found else None
    return g.staff_web_user


def page(verb: str):
    """Guard a view: sign-in first (coming back here afterwards), then the permission ``verb``."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            user = signed_in_user()
            if user is None:
                back = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("staff.login", next=back) if back else url_for("staff.login"))
            staff_users.require(user, verb)
            return view(*args, **kwargs)
        return guarded
    return decorate


def actor() -> audit.Actor:
    """The signed-in user, as the audit log names them."""
    return audit.Actor("staff", signed_in_user().id)


def staff_project(project_id: int):
    """The project of the URL, if the signed-in user may see it (404 otherwise, never 403)."""
    return project_service.visible_project(signed_in_user(), project_id)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site; anything that could leave the site is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def render(template: str, status: int = 200, **context):
    """A page of the staff UI with the given status."""
    return render_template(template, **context), status


def done(endpoint: str, notice: str, **values):
    """After a successful POST, go to a page (303: the browser then GETs it) that says what happened."""
    return redirect(url_for(endpoint, notice=notice, **values), code=303)


def recover(problem: Problem, show_page):
    """Show a problem the person can fix on the page itself; let the error page show any other.

    The transaction is rolled back first, so the page shows the data as it was
    before the failed action (the response status rolls back again, harmlessly).
    """
    if problem.status not in INLINE_STATUSES:
        raise problem
    db.session.rollback()
    return show_page(problem)


def when(moment: datetime | None) -> str:
    """A timestamp as staff read it across time zones: UTC, to the minute."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _lang_url(code: str) -> str:
    """This page in another language (the page behind a POST when the current request was one)."""
    if request.method == "GET":
        args = request.args.to_dict(flat=False)
        args["lang"] = [code]
        return quote(request.path, safe="/:@!$&'()*+,;=-._~") + "?" + urlencode(args, doseq=True)
    return f"{g.get('page_url') or url_for('staff.index')}?lang={code}"


@bp.before_request
def _remember_language() -> None:
    chosen = i18n.normalise_language(request.args.get("lang"))
    if chosen and session.get("lang") != chosen:
        session["lang"] = chosen


@bp.before_request
def _check_csrf() -> None:
    """Every state-changing request must carry this session's token from one of our forms."""
    if request.method in SAFE_METHODS:
        return
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise problems.csrf_failed()


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    # Pages show personal data and secrets (app-user QR codes): no copy in any cache.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


@bp.context_processor
def _template_helpers() -> dict:
    lang = language()
    user = g.get("staff_web_user")
    notice = request.args.get("notice")
    return {
        "t": lambda key, **values: i18n.translate(key, lang, **values),
        "problem_text": lambda problem: i18n.problem_text(problem, lang),
        "lang": lang, "language_names": i18n.LANGUAGE_NAMES, "lang_url": _lang_url,
        "csrf_token": csrf_token, "user": user, "when": when,
        "can": lambda verb: user is not None and staff_users.can(user, verb),
        "notice": notice if notice in NOTICES else None,
    }


def render_problem(problem: Problem) -> Response:
    """The error page: the problem in the chosen language, its code, and the right status."""
    try:
        html = render_template("problem.html", problem=problem)
    except Exception:  # noqa: BLE001 - an error page must never fail; fall back to plain text
        log.exception("could not render the error page for %s", problem.code)
        return Response(f"{problem.message} ({problem.code})", status=problem.status,
                        content_type="text/plain; charset=utf-8")
    return Response(html, status=problem.status, content_type="text/html; charset=utf-8")


# ---- signing in and out --------------------------------------------------------------------------

@bp.get("/")
def index():
    return redirect(url_for("staff.projects") if signed_in_user() else url_for("staff.login"))


@bp.get("/login")
def login():
    if signed_in_user() is not None:
        return redirect(safe_next(request.args.get("next")) or url_for("staff.projects"))
    return render("login.html", next=safe_next(request.args.get("next")) or "", email="", failed=False)


@bp.post("/login")
def login_submit():
    """Check the credentials; on success the cookie gets a fresh session token and CSRF token."""
    email = request.form.get("email", "")
    next_url = safe_next(request.form.get("next"))
    try:
        user = staff_users.check_password(email, request.form.get("password", ""), request.remote_addr or "")
    except Problem as problem:
        if problem.code != "401.2":
            raise
        g.sapat_keep_changes = problem.keep_changes  # the failure counts toward lockout and is audited
        return render("login.html", 401, next=next_url or "", email=email, failed=True)
    token, _ = staff_users.start_session(user, current_app.config["SAPAT_SESSION_HOURS"])
    lang = session.get("lang")
    session.clear()  # nothing from before sign-in survives, the CSRF token included
    if lang:
        session["lang"] = lang
    session["token"] = token
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    return redirect(next_url or url_for("staff.projects"), code=303)


@bp.post("/logout")
def logout():
    token = session.pop("token", None)
    if token:
        staff_users.end_session(token)
    session["csrf"] = secrets.token_urlsafe(32)
    g.staff_web_user = None
    return done("staff.login", "signed_out")


# ---- projects ------------------------------------------------------------------------------------

@bp.get("/projects")
@page("project.read")
def projects():
    return _projects_page()


@bp.post("/projects")
@page("project.create")
def create_project():
    try:
        project = project_service.create_project(request.form.get("name", ""), request.form.get("year", ""),
                                                 request.form.get("stage", ""), actor=actor())
    except Problem as problem:
        return recover(problem, lambda p: _projects_page(p, request.form))
    return done("staff.project", "project_created", project_id=project.id)


def _projects_page(problem: Problem | None = None, entered=None):
    g.page_url = url_for("staff.projects")
    entered = entered or {}
    return render("projects.html", problem.status if problem else 200, problem=problem,
                  projects=project_service.list_projects(signed_in_user()), stages=STAGES,
                  entered={"name": entered.get("name", ""), "year": entered.get("year", datetime.now().year),
                           "stage": entered.get("stage", "main")})


from . import staff_coding, staff_exports, staff_projects, staff_review, staff_sample, staff_submissions  # noqa: E402,F401
from . import staff_sync, staff_tests, staff_web  # noqa: E402,F401  - they attach their pages to ``bp``
