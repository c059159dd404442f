"""Staff pages of one form: its published versions, its submissions, one submission and its files."""
from __future__ import annotations

from flask import g, request, send_file, url_for

from ..services import forms as form_service
from ..services import overview
from ..services import projects as project_service
from ..services import submissions as submission_service
from ..storage.blobs import blob_store
from .staff import bp, page, render

PAGE_SIZE = 50


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>")
@page("submission.read")
def form(project_id: int, xml_form_id: str):
    """Versions, then the submissions newest first, ``PAGE_SIZE`` to a page (``?page=``, from 1)."""
    g.page_url = url_for("staff.form", project_id=project_id, xml_form_id=xml_form_id)
    project = project_service.get_project(project_id)
    the_form = form_service.get_form(project, xml_form_id)
    total = submission_service.count_submissions(the_form)
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = overview.submission_rows(the_form, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render("form.html", project=project, form=the_form, versions=overview.published_versions(the_form),
                  rows=rows, total=total, page=number, pages=pages)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>")
@page("submission.read")
def submission(project_id: int, xml_form_id: str, instance_id: str):
    """One submission's fields and files; ``?version=<instanceID>`` shows an earlier edit."""
    g.page_url = url_for("staff.submission", project_id=project_id, xml_form_id=xml_form_id,
                         instance_id=instance_id)
    project = project_service.get_project(project_id)
    the_form = form_service.get_form(project, xml_form_id)
    record = submission_service.get_submission(the_form, instance_id)
    version = overview.find_version(record, request.args.get("version"))
    kind, name = overview.submitter_of(record)
    return render("submission.html", project=project, form=the_form, submission=record, version=version,
                  fields=overview.submission_fields(version.xml), submitter_kind=kind, submitter_name=name)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>/attachments/<name>")
@page("submission.read")
def submission_attachment(project_id: int, xml_form_id: str, instance_id: str, name: str):
    """A submitted file, always as a download (never rendered inside our origin)."""
    the_form = form_service.get_form(project_service.get_project(project_id), xml_form_id)
    record = submission_service.get_submission(the_form, instance_id)
    version = overview.find_version(record, request.args.get("version"))
    attachment = submission_service.get_attachment(version, name)
    return send_file(blob_store().path_of(attachment.blob.sha256), mimetype=attachment.blob.content_type,
                     as_attachment=True, download_name=attachment.name, etag=attachment.blob.sha256)
