"""Staff page of a project's exports: start one, watch its progress, download it; and the handover packages.

An export runs in a thread of the worker that received the request; the page refreshes
itself while one is running. A raw export (personal data) needs the data manager's
``export.raw`` and a stated purpose; every download is audited.
"""
from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, g, request, url_for

from .. import problems
from ..problems import Problem
from ..services import exports, handovers, staff_users
from ..services import forms as form_service
from ..services.dataset_export import FORMATS, LANGUAGES
from ..storage import db
from .downloads import file_response
from .staff import actor, bp, done, page, recover, render, signed_in_user, staff_project

RUNNING = {"queued", "running"}


@bp.get("/projects/<int:project_id>/exports")
@page("project.read")
def project_exports(project_id: int):
    return _exports_page(project_id)


def _exports_page(project_id: int, problem: Problem | None = None, entered=None):
    g.page_url = url_for("staff.project_exports", project_id=project_id)
    project = staff_project(project_id)
    user = signed_in_user()
    may_export = staff_users.can(user, "export.anonymized")
    jobs = exports.list_exports(project) if may_export else []
    packages = handovers.list_handovers(project) if staff_users.can(user, "report.read") else []
    published = [f for f in form_service.list_forms(project) if f.current_def_id is not None]
    return render("exports.html", problem.status if problem else 200, problem=problem, project=project,
                  jobs=jobs, packages=packages, forms=published, formats=FORMATS, languages=LANGUAGES,
                  may_export=may_export, may_export_raw=staff_users.can(user, "export.raw"),
                  refresh=any(j.status in RUNNING and not exports.interrupted(j) for j in jobs),
                  interrupted=exports.interrupted, entered=entered or {})


@bp.post("/projects/<int:project_id>/exports")
@page("export.anonymized")
def start_export(project_id: int):
    project = staff_project(project_id)
    try:
        form = form_service.get_form(project, request.form.get("form", ""))
        job = exports.request_export(form, signed_in_user(), request.form.get("kind", "anonymized"),
                                     request.form.getlist("formats"), request.form.get("language", "ru"),
                                     request.form.get("purpose"), actor())
    except Problem as problem:
        return recover(problem, lambda p: _exports_page(project_id, p, request.form))
    # The job row must be committed before the thread looks for it.
    db.session.commit()
    exports.start_in_background(current_app._get_current_object(), job.id)
    return done("staff.project_exports", "export_started", project_id=project_id)


@bp.get("/projects/<int:project_id>/exports/<int:job_id>/download")
@page("export.anonymized")
def download_export(project_id: int, job_id: int):
    job = exports.get_export(staff_project(project_id), job_id)
    blob = exports.open_export(job, signed_in_user(), actor())
    db.session.commit()   # the download's audit entry is on disk before the first byte leaves
    return file_response(blob, job.file_name)


@bp.get("/projects/<int:project_id>/handovers/<int:handover_id>/download")
@page("report.read")
def download_handover(project_id: int, handover_id: int):
    record = next((h for h in handovers.list_handovers(staff_project(project_id)) if h.id == handover_id), None)
    if record is None or not Path(record.path).exists():
        raise problems.not_found()
    path = Path(record.path)
    handovers.record_download(record, actor())
    db.session.commit()

    def stream():
        with open(path, "rb") as handle:
            while chunk := handle.read(256 * 1024):
                yield chunk
    return Response(stream(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{path.name}"'})
