"""Read-only views over projects, forms and submissions for the staff pages.

The other services return single resources; a page needs a table of them
(counts, who sent what, which files arrived). These queries fetch a whole table
in a few statements instead of one per row, and never write.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring
from sqlalchemy import false, func, or_, select

from .. import problems
from ..storage import db
from ..storage.forms import Form, FormDef
from ..storage.projects import Project
from ..storage.submissions import Submission, SubmissionAttachment, SubmissionDef
from ..storage.users import AppUser, AppUserForm, StaffUser
from . import forms as form_service
from . import sealing
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


@dataclass(frozen=True)
class SubmissionFilter:
    """What the staff form page narrows a form's submissions to; empty fields filter nothing."""
    states: tuple[str, ...] = ()
    flagged: bool | None = None
    school: str = ""            # a school code, matched by the blind index of the form's SCHOOL_FIELD
    field: str = ""             # an instance path among clear_filter_fields(form)
    value: str = ""             # what that field must equal
    since: date | None = None   # received on or after this day (UTC)
    until: date | None = None   # received on or before this day (UTC)


# The conventional field names the filters look for (forms/README.md): the school code is a linking
# identifier (sealed, matched by its blind index); strata (region, school type, language …) are clear.
SCHOOL_FIELD = "school_code"
STRATUM_CLASSES = {"quasi_identifier"}


def school_paths(form: Form) -> list[str]:
    """Instance paths of the school code in any published version of the form (blind-indexed)."""
    return sorted({path for classes in _published_classes(form) for path, kind in classes.items()
                   if path.rsplit("/", 1)[-1] == SCHOOL_FIELD and kind == "linking_identifier"})


def clear_filter_fields(form: Form) -> list[str]:
    """Stratum-like fields stored in clear (class quasi_identifier) in any published version, not timestamps."""
    skip = {"start", "end", "today"}
    return sorted({path for classes in _published_classes(form) for path, kind in classes.items()
                   if kind in STRATUM_CLASSES and path.rsplit("/", 1)[-1] not in skip and "/meta/" not in path})


def _published_classes(form: Form) -> list[dict]:
    return list(db.session.scalars(select(FormDef.field_classes).where(FormDef.form_id == form.id,
                                                                       FormDef.published_at.is_not(None))))


def _filtered(form: Form, filters: SubmissionFilter):
    """The form's submissions joined to their current version, narrowed by ``filters`` (SQLite and PostgreSQL)."""
    query = (select(Submission, SubmissionDef)
             .join(SubmissionDef, (SubmissionDef.submission_id == Submission.id) & SubmissionDef.current.is_(True))
             .where(Submission.form_id == form.id))
    if filters.states:
        query = query.where(Submission.review_state.in_(filters.states))
    if filters.flagged is not None:
        count = func.json_array_length(SubmissionDef.flags)
        query = query.where(count > 0 if filters.flagged else count == 0)
    if filters.school:
        digest = sealing.blind_index(form.project_id, "linking", filters.school.encode())
        query = query.where(or_(false(), *[SubmissionDef.index_values[path].as_string() == digest
                                           for path in school_paths(form)]))
    if filters.field:
        query = query.where(SubmissionDef.values[filters.field].as_string() == filters.value)
    if filters.since:
        query = query.where(Submission.created_at >= _midnight(filters.since))
    if filters.until:
        query = query.where(Submission.created_at < _midnight(filters.until + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def count_rows(form: Form, filters: SubmissionFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(_filtered(form, filters).subquery()))


def submission_rows(form: Form, filters: SubmissionFilter, limit: int, offset: int) -> list[SubmissionRow]:
    """One page of the form's submissions that pass ``filters``, newest first, with file counts."""
    page = db.session.execute(_filtered(form, filters).order_by(Submission.created_at.desc(), Submission.id.desc())
                              .limit(limit).offset(offset)).all()
    if not page:
        return []
    counts = _attachment_counts([version.id for _, version in page])
    app_names = _names(AppUser, {s.submitter_app_user_id for s, _ in page} - {None})
    staff_names = _names(StaffUser, {s.submitter_staff_id for s, _ in page} - {None})
    return [SubmissionRow(submission, version, *counts.get(version.id, (0, 0)),
                          *_submitter(submission, app_names, staff_names)) for submission, version in page]


def _submitter(submission: Submission | SubmissionDef, app_names: dict,
               staff_names: dict) -> tuple[str | None, str | None]:
    if submission.submitter_app_user_id is not None:
        return "app_user", app_names.get(submission.submitter_app_user_id)
    if submission.submitter_staff_id is not None:
        return "staff", staff_names.get(submission.submitter_staff_id)
    logical = submission.submission if isinstance(submission, SubmissionDef) else submission
    if logical.web_link_id is not None:
        return "web_school", f"#{logical.web_link_id}"
    if logical.participant_id is not None:
        return "web_personal", None
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


@dataclass(frozen=True)
class VersionRow:
    version: SubmissionDef
    submitter_kind: str | None
    submitter_name: str | None


def version_history(submission: Submission) -> list[VersionRow]:
    """Every version of the submission (the first and each edit), newest first, with who sent it."""
    versions = list(reversed(submission.versions))
    app_names = _names(AppUser, {v.submitter_app_user_id for v in versions} - {None})
    staff_names = _names(StaffUser, {v.submitter_staff_id for v in versions} - {None})
    return [VersionRow(v, *_submitter(v, app_names, staff_names)) for v in versions]


def staff_display_names(ids) -> dict[int, str]:
    """Display names of staff users (authors of comments and reviews)."""
    return _names(StaffUser, set(ids) - {None})


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
