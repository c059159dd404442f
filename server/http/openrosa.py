"""OpenRosa 1.0 for ODK Collect, on ODK Central's URL scheme.

``/v1/key/{token}/projects/{id}/…`` (or ``/v1/projects/{id}/…?st={token}``): form list,
form download, media manifest and media, and the submission endpoint.
"""
from __future__ import annotations

from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import problems
from ..problems import Problem
from ..services import app_users, forms as form_service, submissions
from ..storage import db
from ..storage.forms import Form
from ..storage.users import AppUser, AppUserForm
from .downloads import file_response

bp = Blueprint("openrosa", __name__)

XML = "text/xml; charset=utf-8"
RESPONSE_NS = "http://openrosa.org/http/response"


def _route(rule: str, methods=("GET",), with_st: bool = True):
    """Register a view on the key-in-path and (``with_st``) the ``?st=`` form of a URL.

    Form and media downloads have no ``?st=`` form: there the bare path is the staff API's
    (``/v1/projects/{id}/forms/{id}.xml``), and the form list advertises the key-in-path URLs.
    """
    def decorate(view):
        bp.add_url_rule(f"/v1/key/<token>/projects/<int:project_id>{rule}", view.__name__, view, methods=methods)
        if with_st:
            bp.add_url_rule(f"/v1/projects/<int:project_id>{rule}", view.__name__ + "_st", view, methods=methods,
                            defaults={"token": None})
        return view
    return decorate


@bp.after_request
def _openrosa_headers(response: Response) -> Response:
    # Date comes from the HTTP server itself (gunicorn and werkzeug both set it; adding it here would double it).
    response.headers["X-OpenRosa-Version"] = "1.0"
    if request.endpoint and request.endpoint.startswith("openrosa.submission"):
        response.headers["X-OpenRosa-Accept-Content-Length"] = str(current_app.config["MAX_CONTENT_LENGTH"])
    return response


def render_problem(problem: Problem) -> Response:
    body = (f'<OpenRosaResponse xmlns="{RESPONSE_NS}" items="0">'
            f'<message nature="error">{escape(problem.message)} ({problem.code})</message></OpenRosaResponse>')
    return Response(body, status=problem.status, content_type=XML)


def _require_openrosa_header() -> None:
    if request.headers.get("X-OpenRosa-Version") is None:
        raise problems.invalid_header("X-OpenRosa-Version", None)


def _app_user(token: str | None, project_id: int) -> AppUser:
    return app_users.authenticate(token or request.args.get("st", ""), project_id)


def public_base_url() -> str:
    """The address tablets reach this server at (behind a proxy it is configured, not guessed)."""
    return current_app.config["SAPAT_PUBLIC_URL"] or request.host_url


def _base_path(user: AppUser) -> str:
    return app_users.collect_server_url(public_base_url(), user)


def _assigned_form(user: AppUser, xml_form_id: str) -> Form:
    """The published form, if assigned to this app user: one query (with its current version)."""
    assigned = (select(AppUserForm.id).where(AppUserForm.app_user_id == user.id, AppUserForm.form_id == Form.id)
                .exists())
    row = db.session.execute(select(Form, assigned).options(joinedload(Form.current_def))
                             .where(Form.project_id == user.project_id, Form.xml_form_id == xml_form_id)).first()
    if row is None or row[0].current_def_id is None:
        raise problems.form_not_found(xml_form_id)
    if not row[1]:
        raise problems.insufficient_rights()
    return row[0]


@_route("/formList")
def form_list(project_id: int, token: str | None):
    _require_openrosa_header()
    user = _app_user(token, project_id)
    project = user.project
    wanted = request.args.get("formID")
    assigned = app_users.assigned_form_ids(user)
    base = _base_path(user)
    items = []
    for form in form_service.list_forms(project):
        if not form.listed or form.id not in assigned or project.status != "open":
            continue
        if wanted and form.xml_form_id != wanted:
            continue
        items.append(_form_list_item(form, base))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(items) + "</xforms>")
    return Response(body, content_type=XML)


def _form_list_item(form: Form, base: str) -> str:
    definition = form.current_def
    url_id = quote(form.xml_form_id, safe="")
    manifest = (f"<manifestUrl>{escape(base)}/forms/{url_id}/manifest</manifestUrl>"
                if definition.attachments else "")
    return (f"<xform><formID>{escape(form.xml_form_id)}</formID><name>{escape(definition.title)}</name>"
            f"<version>{escape(definition.version)}</version><hash>md5:{definition.md5}</hash>"
            f"<downloadUrl>{escape(base)}/forms/{url_id}.xml</downloadUrl>{manifest}</xform>")


@_route("/forms/<xml_form_id>.xml", with_st=False)
def form_xml(project_id: int, token: str | None, xml_form_id: str):
    user = _app_user(token, project_id)
    form = _assigned_form(user, xml_form_id)
    return Response(form.current_def.xml, content_type=XML)


@_route("/forms/<xml_form_id>/manifest")
def form_manifest(project_id: int, token: str | None, xml_form_id: str):
    _require_openrosa_header()
    user = _app_user(token, project_id)
    form = _assigned_form(user, xml_form_id)
    base = f"{_base_path(user)}/forms/{quote(form.xml_form_id, safe='')}/attachments/"
    files = "".join(
        f"<mediaFile><filename>{escape(a.name)}</filename><hash>md5:{a.blob.md5}</hash>"
        f"<downloadUrl>{escape(base + quote(a.name, safe=''))}</downloadUrl></mediaFile>"
        for a in form.current_def.attachments if a.blob is not None)
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<manifest xmlns="http://openrosa.org/xforms/xformsManifest">{files}</manifest>')
    return Response(body, content_type=XML)


@_route("/forms/<xml_form_id>/attachments/<name>", with_st=False)
def form_media(project_id: int, token: str | None, xml_form_id: str, name: str):
    user = _app_user(token, project_id)
    form = _assigned_form(user, xml_form_id)
    attachment = form_service.media_file(form.current_def, name)
    return file_response(attachment.blob, attachment.name, etag=attachment.blob.md5)


@_route("/submission", methods=("HEAD", "GET"))
def submission_head(project_id: int, token: str | None):
    _require_openrosa_header()
    _app_user(token, project_id)
    return Response(status=204)


@_route("/submission", methods=("POST",))
def submission(project_id: int, token: str | None):
    _require_openrosa_header()
    user = _app_user(token, project_id)
    if user.project.status != "open":
        raise problems.not_accepting_submissions()
    xml = _read_xml_part()
    files = [submissions.IncomingFile(submissions.safe_file_name(f.filename or key), f.stream, f.mimetype)
             for key, f in request.files.items(multi=True) if key != "xml_submission_file"]
    submitter = submissions.Submitter(app_user_id=user.id, device_id=request.args.get("deviceID"),
                                      user_agent=(request.user_agent.string or None) and request.user_agent.string[:300])
    submissions.ingest(lambda xml_form_id: _assigned_form(user, xml_form_id), xml, files, submitter)
    body = (f'<OpenRosaResponse xmlns="{RESPONSE_NS}" items="0">'
            '<message nature="">full submission upload was successful!</message></OpenRosaResponse>')
    return Response(body, status=201, content_type=XML)


def _read_xml_part() -> bytes:
    limit = current_app.config["SAPAT_MAX_XML_BYTES"]
    part = request.files.get("xml_submission_file")
    if part is not None:
        data = part.stream.read(limit + 1)
    elif "xml_submission_file" in request.form:
        data = request.form["xml_submission_file"].encode("utf-8")
    else:
        raise problems.missing_multipart_field("xml_submission_file")
    if len(data) > limit:
        raise problems.too_large("submission XML", limit)
    if not data.strip():
        raise problems.unparseable("xml", "the xml_submission_file part is empty")
    return data
