"""Online questionnaires for participants: ``/w/<token>``, in Kyrgyz and Russian.

The landing page says what the survey is for, who processes the data, and asks for
consent; the form page runs ODK Web Forms (``server/static/webforms``, built by
``server/web/build.sh``) on the XForm served here; answers are POSTed as the same
multipart body Collect sends and ingested like Collect's. Participants have no account
and get no cookie: the token in the path is the only credential, the language is a
query parameter.

Security: every page has a strict Content-Security-Policy (the form page adds what
Web Forms needs: ``'wasm-unsafe-eval'`` for its XPath engine, a per-page nonce for the
styles it injects, ``blob:`` images for form media). Link endpoints are rate limited
per client address, failed lookups much harder than the rest; the address is kept
only as a keyed hash. Tokens never reach a log (gunicorn redacts ``/w/<token>``).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from .. import i18n, problems
from ..problems import Problem
from ..services import forms as form_service, submissions, web_questionnaires as web
from .downloads import file_response

bp = Blueprint("web", __name__, url_prefix="/w")

LANGUAGES = ("ky", "ru")
# States a link can be in, each explained by its own page; the submission answer points there.
STATE_CODES = {"404.8", "409.24", "409.25", "410.1", "410.2"}
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
FORM_CSP = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# The English phrases of Web Forms a participant meets, and our message keys for them ({n}: a count).
WEB_FORMS_PHRASES = {"Send": "web.wf.send", "1 question with error.": "web.wf.errors_one",
                     "{n} questions with errors.": "web.wf.errors_many",
                     "Condition not satisfied: required": "web.wf.required",
                     "Condition not satisfied: constraint": "web.wf.constraint",
                     "Select…": "web.wf.select", "Required": "web.wf.required_mark"}


def _keyed_hash(value: str) -> str:
    """Rate limits need equality only: counters and logs hold keyed hashes, never addresses or tokens."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:24]


def _client_key() -> str:
    return _keyed_hash(request.remote_addr or "")


def _token_key() -> str:
    return _keyed_hash((request.view_args or {}).get("token", ""))


limiter = Limiter(key_func=_client_key, key_prefix="sapat-web")
# Guessing tokens: after this many unknown links from one address, every link endpoint answers 429.
limiter.limit(lambda: current_app.config["SAPAT_WEB_LOOKUP_LIMIT"], scope="web-lookups",
              deduct_when=lambda response: response.status_code == 404)(bp)
limiter.limit(lambda: current_app.config["SAPAT_WEB_RATE_LIMIT"], scope="web")(bp)


def init_app(app) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["SAPAT_RATE_LIMIT_STORAGE"])
    limiter.init_app(app)


# ---- language, texts, headers --------------------------------------------------------------------

def language() -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "ky"


def _t(key: str, **values) -> str:
    return i18n.translate(key, language(), **values)


@bp.context_processor
def _helpers() -> dict:
    lang = language()
    return {"t": _t, "lang": lang, "languages": {c: i18n.LANGUAGE_NAMES[c] for c in LANGUAGES},
            "lang_url": _lang_url, "query": _query}


def _query(lang: str | None = None) -> str:
    return urlencode({"lang": lang or language()})


def _lang_url(lang: str) -> str:
    """This page in the other language (on the form page: the form starts again in it)."""
    args = request.args.to_dict()
    args["lang"] = lang
    return request.path + "?" + urlencode(args)


@bp.after_request
def _security_headers(response: Response) -> Response:
    nonce = g.pop("web_nonce", None)
    response.headers["Content-Security-Policy"] = FORM_CSP.format(nonce=nonce) if nonce else PAGE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"    # the token is in the path: never in a Referer
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept-Language")
    return response


def render_problem(problem: Problem) -> Response:
    """A link's state page (used, closed, revoked, unknown), or a JSON answer to the form page's POST."""
    lang = language()
    text, _ = i18n.problem_text(problem, lang)
    if request.endpoint == "web.submission":
        body = {"code": problem.code, "message": text}
        if problem.code in STATE_CODES:
            body["next"] = url_for("web.landing", token=request.view_args["token"]) + "?" + _query()
        response = jsonify(body)
    else:
        response = Response(render_template("web_state.html", problem=problem, text=text),
                            content_type="text/html; charset=utf-8")
    response.status_code = problem.status
    if problem.code == "429.1":
        response.headers["Retry-After"] = str(problem.details["retryAfter"])
    return response


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(exc: RateLimitExceeded):
    limit = limiter.current_limit
    retry = max(1, int(limit.reset_at - time.time())) if limit else 60
    return render_problem(problems.rate_limited(retry))


# ---- pages ---------------------------------------------------------------------------------------

@bp.get("/<token>")
def landing(token: str):
    access = web.find(token)
    web.check_not_revoked(access)
    choices = []
    for web_form in web.forms_of(access):
        try:
            web.check_usable(access, web_form)
            state = None
        except Problem as problem:
            state = problem
        choices.append((web_form, state))
    usable = [c for c in choices if c[1] is None]
    if len(choices) == 1 and not usable:
        raise choices[0][1]           # the one form this link opens: its state page
    if access.link is not None and not choices:
        raise problems.web_link_expired()
    return render_template("web_landing.html", token=token, access=access, choices=choices,
                           controller=current_app.config["SAPAT_DATA_CONTROLLER"],
                           contact=current_app.config["SAPAT_DATA_CONTACT"])


@bp.get("/<token>/<xml_form_id>")
def form_page(token: str, xml_form_id: str):
    access, web_form = _usable(token, xml_form_id)
    if request.args.get("agree") != "1":        # consent comes first, on the landing page
        return redirect(url_for("web.landing", token=token) + "?" + _query(), code=303)
    g.web_nonce = secrets.token_urlsafe(18)
    base = url_for("web.form_page", token=token, xml_form_id=xml_form_id)
    texts = {"sending": _t("web.sending"), "offline": _t("web.offline"), "failed": _t("web.failed"),
             "webforms": {english: _t(key, n="{n}") for english, key in WEB_FORMS_PHRASES.items()}}
    return render_template("web_form.html", token=token, access=access, web_form=web_form, nonce=g.web_nonce,
                           form_url=f"{base}/form.xml?{_query()}", media_url=f"{base}/media/",
                           submit_url=f"{base}/submission?{_query()}", done_url=f"{base}/done?{_query()}",
                           texts=json.dumps(texts, ensure_ascii=False))


@bp.get("/<token>/<xml_form_id>/form.xml")
def form_xml(token: str, xml_form_id: str):
    access, web_form = _usable(token, xml_form_id)
    return Response(web.served_xform(access, web_form, language()), content_type="text/xml; charset=utf-8")


@bp.get("/<token>/<xml_form_id>/media/<name>")
def form_media(token: str, xml_form_id: str, name: str):
    _, web_form = _usable(token, xml_form_id)
    attachment = form_service.media_file(web_form.form.current_def, name)
    return file_response(attachment.blob, attachment.name, etag=attachment.blob.md5)


@bp.post("/<token>/<xml_form_id>/submission")
@limiter.limit(lambda: current_app.config["SAPAT_WEB_SUBMIT_LIMIT"], key_func=_token_key, scope="web-submit")
def submission(token: str, xml_form_id: str):
    access = web.find(token)
    web_form = web.web_form_of(access, xml_form_id)
    part = request.files.get("xml_submission_file")
    if part is None:
        raise problems.missing_multipart_field("xml_submission_file")
    limit = current_app.config["SAPAT_MAX_XML_BYTES"]
    xml = part.stream.read(limit + 1)
    if len(xml) > limit:
        raise problems.too_large("submission XML", limit)
    files = [submissions.IncomingFile(submissions.safe_file_name(f.filename or key), f.stream, f.mimetype)
             for key, f in request.files.items(multi=True) if key != "xml_submission_file"]
    agent = request.user_agent.string[:300] if request.user_agent.string else None
    web.receive(access, web_form, xml, files, agent)
    done = url_for("web.done", token=token, xml_form_id=xml_form_id) + "?" + _query()
    return jsonify({"next": done}), 201


@bp.get("/<token>/<xml_form_id>/done")
def done(token: str, xml_form_id: str):
    access = web.find(token)
    web_form = web.web_form_of(access, xml_form_id)
    return render_template("web_done.html", token=token, access=access, web_form=web_form,
                           more=access.kind == "personal" and len(web.forms_of(access)) > 1)


@bp.get("/<token>/<path:rest>")
def unknown(token: str, rest: str):
    """Any other address under a link (a mistyped or cut link): the page for an unknown link."""
    raise problems.web_link_not_found()


def _usable(token: str, xml_form_id: str):
    access = web.find(token)
    web_form = web.web_form_of(access, xml_form_id)
    web.check_usable(access, web_form)
    return access, web_form
