"""ODK Central's REST API for projects, forms (drafts, versions, media) and app users.

Paths, JSON shapes and problem codes are Central's, so pyodk, ruODK and Central's own
scripts work unchanged. Sapat adds ``year`` and ``stage`` to a project.
"""
from __future__ import annotations

import hashlib
import mimetypes
from datetime import date
from urllib.parse import unquote

from flask import Response, jsonify, request
from sqlalchemy import func, select

from .. import problems
from ..services import app_users, forms as form_service, projects
from ..services.odata_rows import iso
from ..storage import db
from ..storage.forms import Form, FormAttachment, FormDef
from ..storage.projects import Project
from ..storage.submissions import Submission
from ..storage.users import AppUser
from .api import api_actor, api_form, api_project, api_user, bool_arg, bp, success
from .downloads import file_response
from .sessions import json_body

APP_USER_ROLE = 2  # Central's "app-user" role; pyodk hard-codes the number
XLSFORM_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
}
XFORM_TYPES = {"application/xml", "text/xml"}


def _extended() -> bool:
    return request.headers.get("X-Extended-Metadata", "").lower() == "true"


def project_json(project: Project) -> dict:
    body = {"id": project.id, "name": project.name, "description": None, "keyId": None,
            "archived": project.status == "archived", "createdAt": iso(project.created_at), "updatedAt": None,
            "deletedAt": None, "year": project.year, "stage": project.stage}
    if _extended():
        forms = select(Form.id).where(Form.project_id == project.id)
        body.update(
            forms=db.session.scalar(select(func.count()).select_from(forms.subquery())),
            appUsers=db.session.scalar(select(func.count(AppUser.id)).where(AppUser.project_id == project.id,
                                                                            AppUser.revoked_at.is_(None))),
            lastSubmission=iso(db.session.scalar(select(func.max(Submission.created_at))
                                                 .where(Submission.form_id.in_(forms)))))
    return body


def form_json(form: Form, definition: FormDef | None = None) -> dict:
    definition = definition or form.current_def or form.draft_def
    body = {"projectId": form.project_id, "xmlFormId": form.xml_form_id, "state": form.state,
            "enketoId": None, "enketoOnceId": None, "hash": definition.md5,
            "sha": hashlib.sha1(definition.xml).hexdigest(), "sha256": hashlib.sha256(definition.xml).hexdigest(),
            "version": definition.version, "keyId": None, "draftToken": None,
            "publishedAt": iso(definition.published_at), "name": definition.title,
            "createdAt": iso(form.created_at), "updatedAt": None, "webformsEnabled": False}
    if _extended():
        rows = db.session.execute(select(Submission.review_state, func.count(Submission.id),
                                         func.max(Submission.created_at))
                                  .where(Submission.form_id == form.id).group_by(Submission.review_state)).all()
        states = {state: count for state, count, _ in rows}
        body.update(submissions=sum(states.values()),
                    lastSubmission=iso(max((last for *_, last in rows), default=None)),
                    reviewStates={"received": states.get("received", 0), "hasIssues": states.get("hasIssues", 0),
                                  "edited": states.get("edited", 0)})
    return body


def attachment_json(attachment: FormAttachment) -> dict:
    kind = (mimetypes.guess_type(attachment.name)[0] or "").split("/")[0]
    return {"name": attachment.name, "type": kind if kind in ("image", "audio", "video") else "file",
            "hash": attachment.blob.md5 if attachment.blob else None, "exists": attachment.blob is not None,
            "blobExists": attachment.blob is not None, "datasetExists": False,
            "updatedAt": iso(attachment.updated_at)}


def app_user_json(user: AppUser) -> dict:
    return {"projectId": user.project_id, "id": user.id, "type": "field_key", "displayName": user.display_name,
            "token": app_users.token_of(user), "createdAt": iso(user.created_at), "updatedAt": None,
            "deletedAt": iso(user.revoked_at)}


# Projects ----------------------------------------------------------------------------------

@bp.get("/v1/projects")
def list_projects():
    user = api_user("project.read")
    return jsonify([project_json(p) for p in projects.list_projects(user)])


@bp.post("/v1/projects")
def create_project():
    api_user("project.create")
    body = json_body()
    project = projects.create_project(body.get("name"), body.get("year") or date.today().year,
                                      body.get("stage") or "main", api_actor())
    return jsonify(project_json(project))


@bp.get("/v1/projects/<int:project_id>")
def get_project(project_id: int):
    return jsonify(project_json(api_project(project_id)))


@bp.patch("/v1/projects/<int:project_id>")
def update_project(project_id: int):
    project = api_project(project_id, "project.manage")
    body = json_body()
    if "archived" in body:
        if not isinstance(body["archived"], bool):
            raise problems.invalid_data("archived", "expected true or false")
        projects.set_status(project, "archived" if body["archived"] else "open", api_actor())
    return jsonify(project_json(project))


@bp.get("/v1/roles")
def list_roles():
    api_user("project.read")
    return jsonify([{"id": APP_USER_ROLE, "name": "App User", "system": "app-user", "verbs": ["form.read",
                                                                                            "submission.create"],
                     "createdAt": None, "updatedAt": None}])


# Forms -------------------------------------------------------------------------------------

def _upload() -> tuple[bytes, str]:
    """The form file in the request body, and a file name telling its kind (as Central reads it)."""
    content_type = (request.mimetype or "").lower()
    data = request.get_data(cache=False)
    if not data:
        raise problems.unparseable("xlsform or xform", "the request body is empty")
    if content_type in XLSFORM_TYPES:
        stem = unquote(request.headers.get("X-XlsForm-FormId-Fallback", "")) or "form"
        return data, stem + XLSFORM_TYPES[content_type]
    if content_type in XFORM_TYPES or data.lstrip()[:1] == b"<":
        return data, "form.xml"
    raise problems.unexpected_value("Content-Type", content_type or "(none)",
                                    "send an XForm (application/xml) or an XLSForm (.xlsx or .xls type)")


@bp.get("/v1/projects/<int:project_id>/forms")
def list_forms(project_id: int):
    project = api_project(project_id)
    return jsonify([form_json(f) for f in form_service.list_forms(project) if f.current_def or f.draft_def])


@bp.post("/v1/projects/<int:project_id>/forms")
def create_form(project_id: int):
    project = api_project(project_id, "form.manage")
    data, filename = _upload()
    form = form_service.create_form(project, data, filename, bool_arg("publish"), api_actor())
    return jsonify(form_json(form))


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>")
def get_form(project_id: int, xml_form_id: str):
    _, form = api_form(project_id, xml_form_id, "project.read")
    if form.current_def is None and form.draft_def is None:
        raise problems.not_found()
    return jsonify(form_json(form))


@bp.patch("/v1/projects/<int:project_id>/forms/<xml_form_id>")
def update_form(project_id: int, xml_form_id: str):
    _, form = api_form(project_id, xml_form_id, "form.manage")
    state = json_body().get("state")
    if state is None:
        raise problems.missing_parameter("state")
    form_service.set_state(form, state)
    return jsonify(form_json(form))


def _xml_response(definition: FormDef | None) -> Response:
    if definition is None:
        raise problems.not_found()
    return Response(definition.xml, content_type="application/xml; charset=utf-8")


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>.xml")
def form_xml(project_id: int, xml_form_id: str):
    return _xml_response(api_form(project_id, xml_form_id, "project.read")[1].current_def)


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/versions")
def form_versions(project_id: int, xml_form_id: str):
    _, form = api_form(project_id, xml_form_id, "project.read")
    return jsonify([form_json(form, d) for d in form_service.published_defs(form)])


def _published_version(project_id: int, xml_form_id: str, version: str) -> FormDef | None:
    _, form = api_form(project_id, xml_form_id, "project.read")
    return next((d for d in form_service.published_defs(form) if d.version == version), None)


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/versions/<version>.xml")
def form_version_xml(project_id: int, xml_form_id: str, version: str):
    return _xml_response(_published_version(project_id, xml_form_id, version))


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/versions/<version>/attachments")
def form_version_attachments(project_id: int, xml_form_id: str, version: str):
    return _attachments(_published_version(project_id, xml_form_id, version))


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/versions/<version>/attachments/<name>")
def form_version_attachment(project_id: int, xml_form_id: str, version: str, name: str):
    return _attachment_file(_published_version(project_id, xml_form_id, version), name)


def _attachments(definition: FormDef | None):
    if definition is None:
        raise problems.not_found()
    return jsonify([attachment_json(a) for a in definition.attachments])


def _attachment_file(definition: FormDef | None, name: str):
    attachment = form_service.media_file(definition, name)
    return file_response(attachment.blob, attachment.name, etag=attachment.blob.md5)


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/attachments")
def form_attachments(project_id: int, xml_form_id: str):
    return _attachments(api_form(project_id, xml_form_id, "project.read")[1].current_def)


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/attachments/<name>")
def form_attachment(project_id: int, xml_form_id: str, name: str):
    return _attachment_file(api_form(project_id, xml_form_id, "project.read")[1].current_def, name)


# Drafts ------------------------------------------------------------------------------------

def _draft(project_id: int, xml_form_id: str, verb: str = "form.manage") -> Form:
    form = api_form(project_id, xml_form_id, verb)[1]
    if form.draft_def is None:
        raise problems.not_found()
    return form


@bp.post("/v1/projects/<int:project_id>/forms/<xml_form_id>/draft")
def create_draft(project_id: int, xml_form_id: str):
    _, form = api_form(project_id, xml_form_id, "form.manage")
    data, filename = _upload() if request.content_length or request.headers.get("Transfer-Encoding") else (None, "")
    form_service.new_draft(form, data, filename)
    return success()


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/draft")
def get_draft(project_id: int, xml_form_id: str):
    form = _draft(project_id, xml_form_id)
    return jsonify(form_json(form, form.draft_def))


@bp.delete("/v1/projects/<int:project_id>/forms/<xml_form_id>/draft")
def delete_draft(project_id: int, xml_form_id: str):
    form_service.discard_draft(_draft(project_id, xml_form_id))
    return success()


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/draft.xml")
def draft_xml(project_id: int, xml_form_id: str):
    return _xml_response(_draft(project_id, xml_form_id).draft_def)


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/draft/attachments")
def draft_attachments(project_id: int, xml_form_id: str):
    return _attachments(_draft(project_id, xml_form_id).draft_def)


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/draft/attachments/<name>")
def draft_attachment(project_id: int, xml_form_id: str, name: str):
    return _attachment_file(_draft(project_id, xml_form_id).draft_def, name)


@bp.post("/v1/projects/<int:project_id>/forms/<xml_form_id>/draft/attachments/<name>")
def upload_draft_attachment(project_id: int, xml_form_id: str, name: str):
    form = _draft(project_id, xml_form_id)
    attachment = form_service.upload_attachment(form, name, request.stream,
                                                request.mimetype or "application/octet-stream")
    return jsonify(attachment_json(attachment))


@bp.post("/v1/projects/<int:project_id>/forms/<xml_form_id>/draft/publish")
def publish_draft(project_id: int, xml_form_id: str):
    _, form = api_form(project_id, xml_form_id, "form.manage")
    version = request.args.get("version")
    form_service.publish(form, api_actor(), version)
    return success()


# App users and their form assignments -------------------------------------------------------

@bp.get("/v1/projects/<int:project_id>/app-users")
def list_app_users(project_id: int):
    project = api_project(project_id, "app_user.manage")
    return jsonify([app_user_json(u) for u in app_users.list_app_users(project)])


@bp.post("/v1/projects/<int:project_id>/app-users")
def create_app_user(project_id: int):
    project = api_project(project_id, "app_user.manage")
    user = app_users.create_app_user(project, json_body().get("displayName"), actor=api_actor())
    return jsonify(app_user_json(user))


@bp.delete("/v1/projects/<int:project_id>/app-users/<int:app_user_id>")
def delete_app_user(project_id: int, app_user_id: int):
    project = api_project(project_id, "app_user.manage")
    app_users.revoke(app_users.get_app_user(project, app_user_id), api_actor())
    return success()


def _assignment(project_id: int, xml_form_id: str, role_id: int, actor_id: int | None = None):
    project, form = api_form(project_id, xml_form_id, "app_user.manage")
    if role_id != APP_USER_ROLE:
        raise problems.not_found()
    return form, app_users.get_app_user(project, actor_id) if actor_id is not None else None


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/assignments")
def list_assignments(project_id: int, xml_form_id: str):
    form, _ = _assignment(project_id, xml_form_id, APP_USER_ROLE)
    return jsonify([{"actorId": i, "roleId": APP_USER_ROLE} for i in app_users.form_assignees(form)])


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/assignments/<int:role_id>")
def list_role_assignments(project_id: int, xml_form_id: str, role_id: int):
    form, _ = _assignment(project_id, xml_form_id, role_id)
    assigned = app_users.form_assignees(form)
    users = db.session.scalars(select(AppUser).where(AppUser.id.in_(assigned)).order_by(AppUser.id))
    return jsonify([{"id": u.id, "type": "field_key", "displayName": u.display_name,
                     "createdAt": iso(u.created_at), "updatedAt": None, "deletedAt": iso(u.revoked_at)}
                    for u in users])


@bp.post("/v1/projects/<int:project_id>/forms/<xml_form_id>/assignments/<int:role_id>/<int:actor_id>")
def assign(project_id: int, xml_form_id: str, role_id: int, actor_id: int):
    form, user = _assignment(project_id, xml_form_id, role_id, actor_id)
    app_users.assign_form(user, form, api_actor())
    return success()


@bp.delete("/v1/projects/<int:project_id>/forms/<xml_form_id>/assignments/<int:role_id>/<int:actor_id>")
def unassign(project_id: int, xml_form_id: str, role_id: int, actor_id: int):
    form, user = _assignment(project_id, xml_form_id, role_id, actor_id)
    app_users.unassign_form(user, form, api_actor())
    return success()
