"""ODK Central's REST API for submissions: list, get, create, edit, review, comments, files, versions.

The XML of a submission and its files are personal data as a whole: they need a role that
may read personal data and a stated purpose (``X-Sapat-Purpose``); metadata, review and
comments do not. ``instanceName`` is masked the same way.
"""
from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import problems
from ..services import review, submissions
from ..services.odata_rows import iso
from ..services.submission_xml import parse_submission
from ..storage import db
from ..storage.projects import Project
from ..storage.submissions import Submission, SubmissionDef
from .api import (api_actor, api_form, api_user, batched, bp, paging, personal_allowed,
                  require_personal, stream_json_array, success)
from .downloads import file_response
from .sessions import json_body

SUBMISSION = "/v1/projects/<int:project_id>/forms/<xml_form_id>/submissions/<path:instance_id>"


def _submitter_id(row: Submission | SubmissionDef) -> int:
    """The app user's id, else the staff user's; 0 for a copy a scheduled sync made (pyodk needs a number)."""
    if row.submitter_app_user_id is not None:
        return row.submitter_app_user_id
    return row.submitter_staff_id if row.submitter_staff_id is not None else 0


def version_json(version: SubmissionDef, personal: bool) -> dict:
    name = _instance_name(version) if personal else None
    return {"instanceId": version.instance_id, "instanceName": name, "submitterId": _submitter_id(version),
            "deviceId": version.device_id, "userAgent": version.user_agent, "createdAt": iso(version.created_at),
            "current": version.current}


def _instance_name(version: SubmissionDef) -> str | None:
    return next((value for path, value in submissions.personal_values(version).items()
                 if path.count("/") == 3 and path.endswith("/meta/instanceName")), None)


def submission_json(submission: Submission, personal: bool) -> dict:
    current = submissions.current_version(submission)
    return {"instanceId": submission.instance_id, "submitterId": _submitter_id(submission),
            "deviceId": submission.device_id, "userAgent": submission.user_agent,
            "reviewState": None if submission.review_state == "received" else submission.review_state,
            "createdAt": iso(submission.created_at), "updatedAt": iso(submission.updated_at), "deletedAt": None,
            "currentVersion": version_json(current, personal)}


def _submission(project_id: int, xml_form_id: str, instance_id: str, verb: str = "submission.read"):
    project, form = api_form(project_id, xml_form_id, verb)
    return project, form, submissions.get_submission(form, instance_id)


def _version(submission: Submission, version_id: str) -> SubmissionDef:
    version = next((v for v in submission.versions if v.instance_id == version_id), None)
    if version is None:
        raise problems.not_found()
    return version


@bp.get("/v1/projects/<int:project_id>/forms/<xml_form_id>/submissions")
def list_submissions(project_id: int, xml_form_id: str):
    project, form = api_form(project_id, xml_form_id)
    personal = personal_allowed(project, f"form:{form.id}")
    limit, offset = paging()
    query = (select(Submission).where(Submission.form_id == form.id)
             .options(selectinload(Submission.versions)).order_by(Submission.id.desc()))
    total = db.session.scalar(select(func.count(Submission.id)).where(Submission.form_id == form.id))

    def rows():
        if limit is not None:
            found = db.session.scalars(query.limit(limit).offset(offset))
        else:
            found = batched(lambda after, size: list(db.session.scalars(
                (query.where(Submission.id < after) if after else query).limit(size))))
        for submission in found:
            yield submission_json(submission, personal)
            db.session.expunge(submission)

    return stream_json_array(rows(), total)


@bp.post("/v1/projects/<int:project_id>/forms/<xml_form_id>/submissions")
def create_submission(project_id: int, xml_form_id: str):
    project, form = api_form(project_id, xml_form_id, "submission.create")
    if project.status != "open":
        raise problems.not_accepting_submissions()
    xml = _xml_body()
    parsed = parse_submission(xml)
    if parsed.xml_form_id != form.xml_form_id:
        raise problems.unexpected_value("form id", parsed.xml_form_id,
                                        f"the submission is for another form than {form.xml_form_id}")
    if parsed.deprecated_id:
        raise problems.unexpected_value("deprecatedID", parsed.deprecated_id,
                                        "edits are sent with PUT to the submission they change")
    version, new = submissions.ingest(lambda _: form, xml, [], _submitter())
    if not new:
        raise problems.uniqueness_violation("instanceId", parsed.instance_id)
    return _submission_response(project, version.submission)


@bp.get(SUBMISSION)
def get_submission(project_id: int, xml_form_id: str, instance_id: str):
    project, form, submission = _submission(project_id, xml_form_id, instance_id)
    return _submission_response(project, submission)


def _submission_response(project: Project, submission: Submission):
    return jsonify(submission_json(submission, personal_allowed(project, f"submission:{submission.id}")))


@bp.put(SUBMISSION)
def edit_submission(project_id: int, xml_form_id: str, instance_id: str):
    project, form, submission = _submission(project_id, xml_form_id, instance_id, "submission.create")
    xml = _xml_body()
    parsed = parse_submission(xml)
    if not parsed.deprecated_id:
        raise problems.missing_meta("deprecatedID")
    if parsed.deprecated_id not in {v.instance_id for v in submission.versions}:
        raise problems.unexpected_value("deprecatedID", parsed.deprecated_id,
                                        f"it is not a version of submission {submission.instance_id}")
    version, _ = submissions.ingest(lambda _: form, xml, [], _submitter())
    return _submission_response(project, version.submission)


@bp.patch(SUBMISSION)
def review_submission(project_id: int, xml_form_id: str, instance_id: str):
    project, form, submission = _submission(project_id, xml_form_id, instance_id, "submission.review")
    body = json_body()
    if "reviewState" not in body:
        raise problems.missing_parameter("reviewState")
    review.set_review_state(submission, body["reviewState"] or "received", api_actor(), project.id)
    return _submission_response(project, submission)


@bp.get(SUBMISSION + ".xml")
def submission_xml(project_id: int, xml_form_id: str, instance_id: str):
    project, _, submission = _submission(project_id, xml_form_id, instance_id)
    return _version_xml(project, submission, submissions.current_version(submission))


def _version_xml(project: Project, submission: Submission, version: SubmissionDef):
    require_personal(project, f"submission:{submission.id}")
    return current_app.response_class(submissions.submission_xml(version),
                                      content_type="application/xml; charset=utf-8")


# Comments ----------------------------------------------------------------------------------

def comment_json(comment: review.Comment) -> dict:
    return {"id": comment.id, "body": comment.body, "actorId": comment.actor_id, "createdAt": iso(comment.created_at)}


@bp.get(SUBMISSION + "/comments")
def list_comments(project_id: int, xml_form_id: str, instance_id: str):
    _, _, submission = _submission(project_id, xml_form_id, instance_id)
    return jsonify([comment_json(c) for c in review.comments(submission)])


@bp.post(SUBMISSION + "/comments")
def add_comment(project_id: int, xml_form_id: str, instance_id: str):
    project, _, submission = _submission(project_id, xml_form_id, instance_id, "submission.review")
    body = json_body().get("body")
    if body is None:
        raise problems.missing_parameter("body")
    if not isinstance(body, str):
        raise problems.invalid_data("body", "expected text")
    return jsonify(comment_json(review.add_comment(submission, body, api_actor(), project.id)))


@bp.get(SUBMISSION + "/audits")
def submission_audits(project_id: int, xml_form_id: str, instance_id: str):
    _, _, submission = _submission(project_id, xml_form_id, instance_id)
    return jsonify([{"actorId": e.actor_id, "action": e.action, "details": e.details, "loggedAt": iso(e.at)}
                    for e in review.events(submission)])


# Versions and attachments ------------------------------------------------------------------

@bp.get(SUBMISSION + "/versions")
def list_versions(project_id: int, xml_form_id: str, instance_id: str):
    project, _, submission = _submission(project_id, xml_form_id, instance_id)
    personal = personal_allowed(project, f"submission:{submission.id}")
    return jsonify([version_json(v, personal) for v in reversed(submission.versions)])


@bp.get(SUBMISSION + "/versions/<version_id>")
def get_version(project_id: int, xml_form_id: str, instance_id: str, version_id: str):
    project, _, submission = _submission(project_id, xml_form_id, instance_id)
    return jsonify(version_json(_version(submission, version_id),
                                personal_allowed(project, f"submission:{submission.id}")))


@bp.get(SUBMISSION + "/versions/<version_id>.xml")
def version_xml(project_id: int, xml_form_id: str, instance_id: str, version_id: str):
    project, _, submission = _submission(project_id, xml_form_id, instance_id)
    return _version_xml(project, submission, _version(submission, version_id))


def _attachment_list(version: SubmissionDef):
    return jsonify([{"name": a.name, "exists": a.blob_id is not None} for a in version.attachments])


def _attachment_file(project: Project, submission: Submission, version: SubmissionDef, name: str):
    require_personal(project, f"submission:{submission.id}")
    attachment = submissions.get_attachment(version, name)
    return file_response(attachment.blob, attachment.name)


@bp.get(SUBMISSION + "/attachments")
def list_attachments(project_id: int, xml_form_id: str, instance_id: str):
    _, _, submission = _submission(project_id, xml_form_id, instance_id)
    return _attachment_list(submissions.current_version(submission))


@bp.get(SUBMISSION + "/versions/<version_id>/attachments")
def list_version_attachments(project_id: int, xml_form_id: str, instance_id: str, version_id: str):
    _, _, submission = _submission(project_id, xml_form_id, instance_id)
    return _attachment_list(_version(submission, version_id))


@bp.get(SUBMISSION + "/attachments/<name>")
def get_attachment(project_id: int, xml_form_id: str, instance_id: str, name: str):
    project, _, submission = _submission(project_id, xml_form_id, instance_id)
    return _attachment_file(project, submission, submissions.current_version(submission), name)


@bp.get(SUBMISSION + "/versions/<version_id>/attachments/<name>")
def get_version_attachment(project_id: int, xml_form_id: str, instance_id: str, version_id: str, name: str):
    project, _, submission = _submission(project_id, xml_form_id, instance_id)
    return _attachment_file(project, submission, _version(submission, version_id), name)


@bp.post(SUBMISSION + "/attachments/<name>")
def upload_attachment(project_id: int, xml_form_id: str, instance_id: str, name: str):
    _, _, submission = _submission(project_id, xml_form_id, instance_id, "submission.create")
    incoming = submissions.IncomingFile(submissions.safe_file_name(name), request.stream,
                                        request.mimetype or "application/octet-stream")
    submissions.attach_files(submissions.current_version(submission), [incoming])
    return success()


def _xml_body() -> bytes:
    limit = current_app.config["SAPAT_MAX_XML_BYTES"]
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise problems.too_large("submission XML", limit)
    if not data.strip():
        raise problems.unparseable("xml", "the request body is empty")
    return data


def _submitter() -> submissions.Submitter:
    user = api_user("submission.read")
    agent = request.user_agent.string or None
    return submissions.Submitter(staff_id=user.id, device_id=request.args.get("deviceID"),
                                 user_agent=agent[:300] if agent else None)
