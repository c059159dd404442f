"""Ingesting submissions exactly as ODK Central does, idempotently and durably.

A first POST creates the submission and the attachments its XML names; a resend of
byte-identical XML adds or replaces attachments (Collect splits large uploads over
several POSTs); the same instanceID with different XML is a conflict; an XML with
``meta/deprecatedID`` is an edit that becomes the current version and keeps the old.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import problems
from ..storage import db
from ..storage.base import utcnow
from ..storage.forms import Form, FormDef
from ..storage.submissions import Submission, SubmissionAttachment, SubmissionDef
from . import forms as form_service, quality, scoring, sealing
from .submission_xml import ParsedSubmission, attachment_names, parse_submission, split_values


@dataclass
class IncomingFile:
    name: str
    stream: BinaryIO
    content_type: str


@dataclass
class Submitter:
    app_user_id: int | None = None
    staff_id: int | None = None
    device_id: str | None = None
    user_agent: str | None = None
    participant_id: int | None = None   # browser submissions (web links)
    web_link_id: int | None = None


def safe_file_name(name: str | None) -> str:
    """The file name as sent, if it is a plain name; anything path-like is refused."""
    name = name or ""
    if (not name or name in {".", ".."} or "/" in name or "\\" in name or "\x00" in name
            or len(name) > 255 or os.path.basename(name) != name):
        raise problems.unexpected_value("attachment file name", repr(name)[:80],
                                        "file names may not contain path separators or be empty")
    return name


def ingest(form_lookup, xml: bytes, files: list[IncomingFile], submitter: Submitter, *,
           allow_edits: bool = True) -> tuple[SubmissionDef, bool]:
    """Store one OpenRosa POST; returns the version it landed in and whether it was new.

    ``form_lookup(xml_form_id)`` finds the form and checks the caller may submit to it;
    without ``allow_edits`` an XML with ``meta/deprecatedID`` is refused (web links).
    """
    parsed = parse_submission(xml)
    if parsed.deprecated_id and not allow_edits:
        raise problems.web_answer_refused("answers sent through a web link cannot edit a submission")
    form: Form = form_lookup(parsed.xml_form_id)
    form_def = form_service.published_def(form, parsed.version)
    if not form.accepts_submissions:
        raise problems.not_accepting_submissions()
    digest = sealing.blind_index(form.project_id, "xml", xml)
    existing = _version_by_instance(form, parsed.instance_id)
    if existing is None:
        try:
            with db.session.begin_nested():
                return _create_version(form, form_def, parsed, xml, digest, files, submitter), True
        except IntegrityError:  # a concurrent POST of the same instanceID won the race
            existing = _version_by_instance(form, parsed.instance_id)
            if existing is None:
                raise
    if not sealing.same_digest(digest, existing.xml_digest):
        raise problems.instance_id_conflict() if parsed.deprecated_id else problems.xml_conflict()
    attach_files(existing, files)
    return existing, False


def _create_version(form: Form, form_def: FormDef, parsed: ParsedSubmission, xml: bytes, digest: str,
                    files: list[IncomingFile], submitter: Submitter) -> SubmissionDef:
    now = utcnow()
    previous = None
    if parsed.deprecated_id:
        previous = _version_by_instance(form, parsed.deprecated_id)
        if previous is None:
            raise problems.deprecated_id_not_found(parsed.deprecated_id)
        if not previous.current:
            raise problems.deprecating_old_submission(parsed.deprecated_id)
        submission = previous.submission
        previous.current = False
        submission.review_state = "edited"
        submission.updated_at = now
    else:
        submission = Submission(form_id=form.id, instance_id=parsed.instance_id, created_at=now,
                                submitter_app_user_id=submitter.app_user_id,
                                submitter_staff_id=submitter.staff_id, device_id=submitter.device_id,
                                user_agent=submitter.user_agent, participant_id=submitter.participant_id,
                                web_link_id=submitter.web_link_id)
        db.session.add(submission)
    values = split_values(parsed.root, form_def.root_name, form_def.field_classes)
    version = SubmissionDef(submission=submission, form_id=form.id, form_def_id=form_def.id,
                            instance_id=parsed.instance_id, deprecated_id=parsed.deprecated_id,
                            xml=b"", xml_digest=digest, current=True, created_at=now,
                            submitter_app_user_id=submitter.app_user_id, submitter_staff_id=submitter.staff_id,
                            device_id=submitter.device_id, user_agent=submitter.user_agent,
                            values=values.clear,
                            flags=quality.flags_for(form_def, values.clear, values.personal),
                            index_values={path: sealing.blind_index(form.project_id, "linking", value.encode())
                                          for path, value in values.linking.items()})
    db.session.add(version)
    db.session.flush()  # the row id is part of what the ciphertexts are bound to
    _seal_version(form.project_id, version, xml, values.personal)
    scoring.score_arrival(form, version, values.clear, values.personal)
    carried = {a.name: a.blob_id for a in previous.attachments} if previous else {}
    for name in attachment_names(parsed.root, form_def.root_name, form_def.binary_paths):
        version.attachments.append(SubmissionAttachment(name=name, blob_id=carried.get(name)))
    db.session.flush()
    attach_files(version, files)
    return version


def _seal_version(project_id: int, version: SubmissionDef, xml: bytes, personal: dict[str, str]) -> None:
    """The XML and the personal answers (meta/instanceName among them), sealed to this row."""
    version.xml = sealing.seal_value(project_id, "submission_defs", "xml", version.id, xml)
    if personal:
        version.sealed_values = sealing.seal_value(project_id, "submission_defs", "sealed_values", version.id,
                                                   json.dumps(personal, ensure_ascii=False).encode())


def submission_xml(version: SubmissionDef) -> bytes:
    """The XML as received (opening the seal; callers check the right to see personal data)."""
    return sealing.open_value("submission_defs", "xml", version.id, version.xml)


def personal_values(version: SubmissionDef) -> dict[str, str]:
    """The sealed personal answers of a version (callers check the right to see them)."""
    if version.sealed_values is None:
        return {}
    return json.loads(sealing.open_value("submission_defs", "sealed_values", version.id, version.sealed_values))


def attach_files(version: SubmissionDef, files: list[IncomingFile]) -> None:
    """Attach the posted files the XML names; a file it does not name is refused."""
    by_name = {a.name: a for a in version.attachments}
    for incoming in files:
        if incoming.name not in by_name:
            expected = ", ".join(by_name) or "none"
            raise problems.unexpected_value("attachment", incoming.name,
                                            f"the submission XML does not reference it (expected: {expected})")
    project_id = db.session.get(Form, version.form_id).project_id
    for incoming in files:
        blob = sealing.store_file(project_id, incoming.stream, incoming.content_type)
        by_name[incoming.name].blob_id = blob.id
    db.session.flush()


def _version_by_instance(form: Form, instance_id: str) -> SubmissionDef | None:
    return db.session.scalar(select(SubmissionDef).where(SubmissionDef.form_id == form.id,
                                                         SubmissionDef.instance_id == instance_id))


def list_submissions(form: Form, limit: int = 100, offset: int = 0) -> list[Submission]:
    return list(db.session.scalars(select(Submission).where(Submission.form_id == form.id)
                                   .order_by(Submission.created_at.desc(), Submission.id.desc())
                                   .limit(limit).offset(offset)))


def count_submissions(form: Form) -> int:
    return db.session.scalar(select(func.count(Submission.id)).where(Submission.form_id == form.id))


def current_version(submission: Submission) -> SubmissionDef:
    return next(v for v in reversed(submission.versions) if v.current)


def get_submission(form: Form, instance_id: str) -> Submission:
    submission = db.session.scalar(select(Submission).where(Submission.form_id == form.id,
                                                            Submission.instance_id == instance_id))
    if submission is None:
        raise problems.not_found()
    return submission


def get_attachment(version: SubmissionDef, name: str) -> SubmissionAttachment:
    attachment = next((a for a in version.attachments if a.name == name and a.blob_id is not None), None)
    if attachment is None:
        raise problems.not_found()
    return attachment
