"""Staff pages of one submission and its files (the form's table is in ``staff_review``)."""
from __future__ import annotations

import time

from flask import g, redirect, request, session, url_for

from .. import problems
from ..services import audit, overview, staff_users
from ..services import forms as form_service
from ..services import submissions as submission_service
from .downloads import file_response
from .staff import actor, bp, page, render, signed_in_user, staff_project
from .staff_review import review_context

GRANT_SECONDS = 15 * 60
MIN_PURPOSE = 10


def _grant_key(form_id: int, instance_id: str) -> str:
    return f"{form_id}:{instance_id}"


def _granted_purpose(form_id: int, instance_id: str) -> str | None:
    """The purpose stated for this submission in this browser session, while it is fresh."""
    grant = session.get("grants", {}).get(_grant_key(form_id, instance_id))
    if grant and grant["until"] > time.time() and staff_users.can(signed_in_user(), "personal.read"):
        return grant["purpose"]
    return None


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>")
@page("submission.read")
def submission(project_id: int, xml_form_id: str, instance_id: str):
    """One submission; de-identified unless a data manager stated a purpose (each view is audited)."""
    g.page_url = url_for("staff.submission", project_id=project_id, xml_form_id=xml_form_id,
                         instance_id=instance_id)
    project = staff_project(project_id)
    the_form = form_service.get_form(project, xml_form_id)
    record = submission_service.get_submission(the_form, instance_id)
    version = overview.find_version(record, request.args.get("version"))
    kind, name = overview.submitter_of(record)
    purpose = _granted_purpose(the_form.id, instance_id)
    if purpose:
        audit.record("personal.view", actor(), project_id=project.id, purpose=purpose,
                     target=f"submission_def:{version.id}")
        fields = overview.submission_fields(submission_service.submission_xml(version))
    else:
        fields = overview.clear_fields(version)
    return render("submission.html", project=project, form=the_form, submission=record, version=version,
                  fields=fields, personal_purpose=purpose, submitter_kind=kind, submitter_name=name,
                  may_see_personal=staff_users.can(signed_in_user(), "personal.read"), **review_context(record))


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>/personal")
@page("personal.read")
def reveal_personal(project_id: int, xml_form_id: str, instance_id: str):
    """State a purpose; for a while this browser may see this submission's personal data."""
    the_form = form_service.get_form(staff_project(project_id), xml_form_id)
    submission_service.get_submission(the_form, instance_id)
    purpose = " ".join(request.form.get("purpose", "").split())
    if len(purpose) < MIN_PURPOSE:
        raise problems.purpose_required()
    grants = {k: v for k, v in session.get("grants", {}).items() if v["until"] > time.time()}
    grants[_grant_key(the_form.id, instance_id)] = {"purpose": purpose[:500], "until": time.time() + GRANT_SECONDS}
    session["grants"] = grants
    return redirect(url_for("staff.submission", project_id=project_id, xml_form_id=xml_form_id,
                            instance_id=instance_id, version=request.args.get("version")), code=303)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>/attachments/<name>")
@page("personal.read")
def submission_attachment(project_id: int, xml_form_id: str, instance_id: str, name: str):
    """A submitted file (photos identify people): only with a stated purpose, always audited."""
    project = staff_project(project_id)
    the_form = form_service.get_form(project, xml_form_id)
    record = submission_service.get_submission(the_form, instance_id)
    purpose = _granted_purpose(the_form.id, instance_id)
    if purpose is None:
        raise problems.purpose_required()
    version = overview.find_version(record, request.args.get("version"))
    attachment = submission_service.get_attachment(version, name)
    audit.record("personal.file", actor(), project_id=project.id, purpose=purpose,
                 target=f"submission_attachment:{attachment.id}")
    return file_response(attachment.blob, attachment.name)
