"""Staff pages of one project: its forms (upload, drafts, media, publishing, state) and app users (QR codes)."""
from __future__ import annotations

from flask import Response, g, request, url_for

from .. import problems
from ..problems import Problem
from ..services import app_users, overview
from ..services import forms as form_service
from ..services import staff_users
from ..storage.forms import FORM_STATES
from .openrosa import public_base_url
from .staff import actor, bp, staff_project, done, page, recover, render, signed_in_user


@bp.get("/projects/<int:project_id>")
@page("project.read")
def project(project_id: int):
    return _project_page(project_id)


def _project_page(project_id: int, problem: Problem | None = None, entered=None):
    """The project page; ``problem`` is shown at the top when the page answers a failed action."""
    g.page_url = url_for("staff.project", project_id=project_id)
    project = staff_project(project_id)
    user = signed_in_user()
    app_user_list, assigned = [], {}
    if staff_users.can(user, "app_user.manage"):
        app_user_list = app_users.list_app_users(project)
        assigned = overview.assigned_forms(project)
    summaries = overview.form_summaries(project)
    return render("project.html", problem.status if problem else 200, problem=problem, project=project,
                  summaries=summaries, drafts=[s.form for s in summaries if s.form.draft_def is not None],
                  form_states=FORM_STATES, app_users=app_user_list, assigned=assigned,
                  entered=entered or {})


def _uploaded_file(field: str = "file"):
    """The uploaded file of a multipart form, or 400.7 when none was chosen."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise problems.missing_multipart_field(field)
    return upload


@bp.post("/projects/<int:project_id>/forms")
@page("form.manage")
def upload_form(project_id: int):
    """An XLSForm or XForm becomes a draft; pyxform's complaints are listed by sheet and row."""
    project = staff_project(project_id)
    try:
        upload = _uploaded_file()
        form_service.create_draft(project, upload.read(), upload.filename)
    except Problem as problem:
        return recover(problem, lambda p: _project_page(project_id, p))
    return done("staff.project", "draft_uploaded", project_id=project_id, _anchor="drafts")


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/draft/media")
@page("form.manage")
def upload_media(project_id: int, xml_form_id: str):
    form = form_service.get_form(staff_project(project_id), xml_form_id)
    try:
        upload = _uploaded_file()
        form_service.upload_attachment(form, request.form.get("name", ""), upload.stream, upload.mimetype)
    except Problem as problem:
        return recover(problem, lambda p: _project_page(project_id, p))
    return done("staff.project", "media_uploaded", project_id=project_id, _anchor="drafts")


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/publish")
@page("form.manage")
def publish_form(project_id: int, xml_form_id: str):
    form = form_service.get_form(staff_project(project_id), xml_form_id)
    try:
        form_service.publish(form, actor())
    except Problem as problem:
        return recover(problem, lambda p: _project_page(project_id, p))
    return done("staff.project", "published", project_id=project_id)


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/state")
@page("form.manage")
def set_form_state(project_id: int, xml_form_id: str):
    form = form_service.get_form(staff_project(project_id), xml_form_id)
    try:
        form_service.set_state(form, request.form.get("state", ""))
    except Problem as problem:
        return recover(problem, lambda p: _project_page(project_id, p))
    return done("staff.project", "state_changed", project_id=project_id)


@bp.post("/projects/<int:project_id>/app-users")
@page("app_user.manage")
def create_app_user(project_id: int):
    """A new tablet identity with the ticked forms; the next page shows its QR code."""
    project = staff_project(project_id)
    try:
        ids = request.form.getlist("form_id")
        if not all(i.isdigit() for i in ids):
            raise problems.invalid_data("forms", "expected form numbers from this page")
        chosen = [form_service.get_form_by_id(project, int(i)) for i in dict.fromkeys(ids)]
        user = app_users.create_app_user(project, request.form.get("display_name", ""), chosen, actor=actor())
    except Problem as problem:
        return recover(problem, lambda p: _project_page(project_id, p, request.form))
    return done("staff.app_user", "app_user_created", project_id=project_id, app_user_id=user.id)


@bp.post("/projects/<int:project_id>/app-users/<int:app_user_id>/revoke")
@page("app_user.manage")
def revoke_app_user(project_id: int, app_user_id: int):
    user = app_users.get_app_user(staff_project(project_id), app_user_id)
    app_users.revoke(user, actor())
    return done("staff.project", "app_user_revoked", project_id=project_id, _anchor="app-users")


@bp.get("/projects/<int:project_id>/app-users/<int:app_user_id>")
@page("app_user.manage")
def app_user(project_id: int, app_user_id: int):
    g.page_url = url_for("staff.app_user", project_id=project_id, app_user_id=app_user_id)
    project = staff_project(project_id)
    user = app_users.get_app_user(project, app_user_id)
    server_url = app_users.collect_server_url(public_base_url(), user) if user.token_sealed else None
    return render("app_user.html", project=project, app_user=user, server_url=server_url,
                  forms=overview.assigned_forms(project).get(user.id, []))


@bp.get("/projects/<int:project_id>/app-users/<int:app_user_id>/qr.png")
@page("app_user.manage")
def app_user_qr(project_id: int, app_user_id: int):
    """Collect's settings as a QR code; the code is a credential, so it is never cached."""
    project = staff_project(project_id)
    user = app_users.get_app_user(project, app_user_id)
    png = app_users.qr_png(app_users.collect_settings(public_base_url(), user, project))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})
