"""Read-only views over projects, forms and submissions for the staff pages.

The other services return single resources; a page needs a table of them
(counts, who sent what, which files arrived). These queries fetch a whole table
in a few statements instead of one per row, and never write.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring
from sqlalchemy import func, select

from .. import problems
from ..storage import db
from ..storage.forms import Form, FormDef
from ..storage.projects import Project
from ..storage.submissions import Submission, SubmissionAttachment, SubmissionDef
from ..storage.users import AppUser, AppUserForm, StaffUser
from . import forms as form_service
from . import submissions as submission_service
from .submission_xml import local


@dataclass(frozen=True)
class FormSummary:
    form: Form
    submissions: int


@dataclass(frozen=True)
class SubmissionRow:
    submission: Submission
    current: SubmissionDef
    attachments_present: int
    attachments_expected: int
    submitter_kind: str | None  # "app_user", "staff" or None
    submitter_name: str | None


def form_summaries(project: Project) -> list[FormSummary]:
    """The project's forms with their submission counts (one count query for all forms)."""
    forms = form_service.list_forms(project)
    counts = dict(db.session.execute(
        select(Submission.form_id, func.count(Submission.id))
        .where(Submission.form_id.in_([f.id for f in forms])).group_by(Submission.form_id)).all())
    return [FormSummary(form=f, submissions=counts.get(f.id, 0)) for f in forms]


def published_versions(form: Form) -> list[FormDef]:
    """Every published version of the form, newest first (Collect may still send to older ones)."""
    return list(db.session.scalars(select(FormDef).where(FormDef.form_id == form.id,
                                                         FormDef.published_at.is_not(None))
                                   .order_by(FormDef.published_at.desc(), FormDef.id.desc())))


def assigned_forms(project: Project) -> dict[int, list[str]]:
    """For each app user of the project, the xmlFormIds of the forms assigned to it."""
    rows = db.session.execute(
        select(AppUserForm.app_user_id, Form.xml_form_id).join(Form, Form.id == AppUserForm.form_id)
        .where(Form.project_id == project.id).order_by(Form.xml_form_id)).all()
    result: dict[int, list[str]] = {}
    for user_id, xml_form_id in rows:
        result.setdefault(user_id, []).append(xml_form_id)
    return result


def submission_rows(form: Form, limit: int, offset: int) -> list[SubmissionRow]:
    """One page of the form's submissions, newest first, with their current version's file counts."""
    page = submission_service.list_submissions(form, limit=limit, offset=offset)
    if not page:
        return []
    ids = [s.id for s in page]
    current = {v.submission_id: v for v in db.session.scalars(
        select(SubmissionDef).where(SubmissionDef.submission_id.in_(ids), SubmissionDef.current.is_(True)))}
    counts = _attachment_counts([v.id for v in current.values()])
    app_names = _names(AppUser, {s.submitter_app_user_id for s in page} - {None})
    staff_names = _names(StaffUser, {s.submitter_staff_id for s in page} - {None})
    rows = []
    for submission in page:
        version = current.get(submission.id) or submission_service.current_version(submission)
        present, expected = counts.get(version.id, (0, 0))
        rows.append(SubmissionRow(submission, version, present, expected,
                                  *_submitter(submission, app_names, staff_names)))
    return rows


def _submitter(submission: Submission, app_names: dict, staff_names: dict) -> tuple[str | None, str | None]:
    if submission.submitter_app_user_id is not None:
        return "app_user", app_names.get(submission.submitter_app_user_id)
    if submission.submitter_staff_id is not None:
        return "staff", staff_names.get(submission.submitter_staff_id)
    return None, None


def _attachment_counts(version_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For each submission version: (files received, files the XML names)."""
    rows = db.session.execute(
        select(SubmissionAttachment.submission_def_id, func.count(SubmissionAttachment.blob_id),
               func.count(SubmissionAttachment.id))
        .where(SubmissionAttachment.submission_def_id.in_(version_ids))
        .group_by(SubmissionAttachment.submission_def_id)).all()
    return {version_id: (present, expected) for version_id, present, expected in rows}


def _names(model, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.display_name).where(model.id.in_(ids))).all())


def submitter_of(submission: Submission) -> tuple[str | None, str | None]:
    """Who sent the submission: ("app_user" | "staff" | None, display name)."""
    return _submitter(submission, _names(AppUser, {submission.submitter_app_user_id} - {None}),
                      _names(StaffUser, {submission.submitter_staff_id} - {None}))


def find_version(submission: Submission, instance_id: str | None) -> SubmissionDef:
    """The version with this instanceID, or the current one when none is named; 404 for a stranger's."""
    if not instance_id:
        return submission_service.current_version(submission)
    for version in submission.versions:
        if version.instance_id == instance_id:
            return version
    raise problems.not_found()


def clear_fields(version: SubmissionDef) -> list[tuple[str, str]]:
    """The answers stored in clear (they identify no one), as (path below the root, value)."""
    return [(path.split("/", 2)[-1], value) for path, value in version.values.items()]


def submission_fields(xml: bytes) -> list[tuple[str, str]]:
    """The leaf values of a submission as (path below the root, text), in document order.

    Repeated elements get a 1-based index (``more[2]/extra``) so each row names one value.
    The XML was accepted by ingest, but it is parsed with defusedxml again: it came from a device.
    """
    root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    fields: list[tuple[str, str]] = []
    _walk(root, "", fields)
    return fields


def _walk(node: Element, prefix: str, out: list[tuple[str, str]]) -> None:
    children = list(node)
    totals: dict[str, int] = {}
    for child in children:
        totals[local(child.tag)] = totals.get(local(child.tag), 0) + 1
    seen: dict[str, int] = {}
    for child in children:
        name = local(child.tag)
        seen[name] = seen.get(name, 0) + 1
        step = f"{name}[{seen[name]}]" if totals[name] > 1 else name
        path = f"{prefix}/{step}" if prefix else step
        if len(child):
            _walk(child, path, out)
        else:
            out.append((path, (child.text or "").strip()))
