"""Copying forms and submissions from one endpoint to another: incremental, idempotent, verified.

For each form, its published versions the target lacks are published there first
(oldest first, so submissions to older versions have somewhere to go). Then the
submissions that changed since the form's cursor are copied oldest change first:
every version (edit) in order, so the target has the same version chain; the files
of the current version; the review state. Whatever is already on the target is left
alone, so running twice changes nothing. After copying, the target's XML and files
are read back and their SHA-256 compared with the source's; a difference is a failure.

The cursor of a form only moves past a submission when it and every submission
before it were copied completely, so a failure is retried on the next run. Listings
restart ``OVERLAP`` before the cursor: a submission committed late with an earlier
time is still found, and what was already copied is only checked.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from .endpoints import CursorStore, Endpoint, LinkDown, SubmissionRef, SyncError

OVERLAP = timedelta(minutes=10)
COUNTS = ("forms", "submissions", "versions", "attachments", "review_states", "skipped")

# progress(xml_form_id, submissions done, submissions listed)
Progress = Callable[[str, int, int], None]


@dataclass
class Result:
    """What a run copied, and what it could not (``instanceId`` is None for a form-level problem)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    failures: list[dict] = field(default_factory=list)
    link_down: bool = False

    def fail(self, instance_id: str | None, what: str, reason: str) -> None:
        self.failures.append({"instanceId": instance_id, "what": what, "reason": reason})

    @property
    def status(self) -> str:
        """``ok``, ``partial`` (some things could not be copied) or ``failed`` (the link went down)."""
        if self.link_down:
            return "failed"
        return "partial" if self.failures else "ok"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def copy_project(source: Endpoint, target: Endpoint, cursors: CursorStore, forms: list[str] | None = None,
                 progress: Progress | None = None) -> Result:
    """Copy ``forms`` (default: every published form of the source) from ``source`` to ``target``."""
    result = Result()
    try:
        for xml_form_id in forms or source.list_forms():
            try:
                _copy_form_versions(source, target, xml_form_id, result)
            except LinkDown:
                raise
            except SyncError as err:
                result.fail(None, f"form {xml_form_id}", str(err))
                continue
            _copy_submissions(source, target, cursors, xml_form_id, result, progress)
    except LinkDown as err:
        result.link_down = True
        result.fail(None, "link", str(err))
    except SyncError as err:  # the list of forms itself could not be read
        result.fail(None, "forms", str(err))
    return result


def _copy_form_versions(source: Endpoint, target: Endpoint, xml_form_id: str, result: Result) -> None:
    versions = source.form_versions(xml_form_id)
    if not versions:
        raise SyncError(f"the source has no published form {xml_form_id}")
    present = set(target.form_versions(xml_form_id))
    for version in versions:
        if version not in present:
            target.create_form_version(source.get_form_version(xml_form_id, version))
            result.counts["forms"] += 1


def _copy_submissions(source: Endpoint, target: Endpoint, cursors: CursorStore, xml_form_id: str,
                      result: Result, progress: Progress | None) -> None:
    saved = cursors.load(xml_form_id)
    refs = source.list_submissions(xml_form_id, (saved[0] - OVERLAP, "") if saved else None)
    advancing = True
    for done, ref in enumerate(refs, 1):
        try:
            complete = _copy_submission(source, target, xml_form_id, ref, result)
        except LinkDown:
            raise
        except SyncError as err:
            result.fail(ref.instance_id, "submission", str(err))
            complete = False
        advancing = advancing and complete
        if advancing and (saved is None or ref.key > saved):
            cursors.save(xml_form_id, ref.key)
        if progress:
            progress(xml_form_id, done, len(refs))
    _verify_count(target, xml_form_id, refs, result)


def _copy_submission(source: Endpoint, target: Endpoint, xml_form_id: str, ref: SubmissionRef,
                     result: Result) -> bool:
    """Versions, files, review state of one submission; True when all of it is on the target, verified."""
    instance_id = ref.instance_id
    before = dict(result.counts)
    complete = _copy_versions(source, target, xml_form_id, instance_id, result)
    complete = _copy_attachments(source, target, xml_form_id, instance_id, result) and complete
    if target.get_review_state(xml_form_id, instance_id) != ref.review_state:
        target.set_review_state(xml_form_id, instance_id, ref.review_state)
        result.counts["review_states"] += 1
    if result.counts == before and complete:
        result.counts["skipped"] += 1
    return complete


def _copy_versions(source: Endpoint, target: Endpoint, xml_form_id: str, instance_id: str, result: Result) -> bool:
    versions = source.list_versions(xml_form_id, instance_id)
    if not versions:
        raise SyncError("the source lists the submission but has no version of it")
    present = {v.instance_id for v in target.list_versions(xml_form_id, instance_id)}
    complete = True
    for index, version in enumerate(versions):
        xml = source.get_version_xml(xml_form_id, instance_id, version.instance_id)
        if version.instance_id not in present:
            target.create_version(xml_form_id, instance_id, xml, edit=index > 0)
            result.counts["versions"] += 1
            result.counts["submissions"] += index == 0
        stored = target.get_version_xml(xml_form_id, instance_id, version.instance_id)
        if sha256(stored) != sha256(xml):
            result.fail(instance_id, f"version {version.instance_id}",
                        f"content differs on the target (sha256 {sha256(stored)[:12]}…, "
                        f"source {sha256(xml)[:12]}…)")
            complete = False
    return complete


def _copy_attachments(source: Endpoint, target: Endpoint, xml_form_id: str, instance_id: str,
                      result: Result) -> bool:
    complete = True
    for name in source.list_attachments(xml_form_id, instance_id):
        try:
            data = source.get_attachment(xml_form_id, instance_id, name)
            if data is None:
                continue  # not arrived at the source either; a later run copies it
            existing = target.get_attachment(xml_form_id, instance_id, name)
            if existing is not None and sha256(existing) == sha256(data):
                continue
            target.upload_attachment(xml_form_id, instance_id, name, data)
            result.counts["attachments"] += 1
            stored = target.get_attachment(xml_form_id, instance_id, name)
            if stored is None or sha256(stored) != sha256(data):
                raise SyncError("content differs on the target after the upload")
        except LinkDown:
            raise
        except SyncError as err:
            result.fail(instance_id, f"attachment {name}", str(err))
            complete = False
    return complete


def _verify_count(target: Endpoint, xml_form_id: str, refs: list[SubmissionRef], result: Result) -> None:
    """Every submission the source listed must now be listed by the target too."""
    if not refs:
        return
    on_target = {ref.instance_id for ref in target.list_submissions(xml_form_id, None)}
    missing = [ref.instance_id for ref in refs if ref.instance_id not in on_target]
    reported = {f["instanceId"] for f in result.failures}
    for instance_id in missing:
        if instance_id not in reported:
            result.fail(instance_id, "count", "listed by the source, missing on the target")
