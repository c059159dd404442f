"""Form definitions: upload (XLSForm or XForm), drafts, publishing, states and media."""
from __future__ import annotations

import hashlib
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

import forms as instruments

from .. import problems
from ..storage import db
from ..storage.base import utcnow
from ..storage.forms import FORM_STATES, Form, FormAttachment, FormDef
from ..storage.projects import Project
from . import audit, sealing

XFORM_TYPES = (".xml",)
XLSFORM_TYPES = (".xlsx", ".xls")


def compile_upload(data: bytes, filename: str) -> instruments.CompiledForm:
    """XLSForm or XForm bytes to a checked XForm; author errors become a 400.15 problem."""
    validate = current_app.config["SAPAT_VALIDATE_FORMS"]
    name = (filename or "").lower()
    try:
        if name.endswith(XFORM_TYPES) or data.lstrip()[:1] == b"<":
            return instruments.load_xform(data, validate=validate)
        return instruments.compile_xlsform(data, filename=filename or "form.xlsx", validate=validate)
    except instruments.FormError as err:
        raise problems.xlsform_not_valid(err.details, err.message) from None


def create_draft(project: Project, data: bytes, filename: str,
                 compiled: instruments.CompiledForm | None = None) -> FormDef:
    """A new draft of the form the file declares (creating the form if it is new)."""
    compiled = compiled or compile_upload(data, filename)
    info = compiled.info
    if not info.has_meta_instance_id:
        raise problems.xlsform_not_valid(
            [], "the form has no meta/instanceID; Collect and this server need it to tell submissions apart")
    form = db.session.scalar(select(Form).where(Form.project_id == project.id,
                                                Form.xml_form_id == info.form_id))
    if form is None:
        form = Form(project_id=project.id, xml_form_id=info.form_id, state="open")
        db.session.add(form)
        db.session.flush()
    version = info.version or ""
    if _published_def(form, version) is not None:
        raise problems.version_uniqueness_violation(form.xml_form_id, version)
    source = sealing.store_bytes(project.id, data, _source_type(filename)) if data[:2] == b"PK" else None
    draft = FormDef(form_id=form.id, version=version, title=info.title, xml=compiled.xml,
                    md5=hashlib.md5(compiled.xml).hexdigest(), root_name=info.root_name,
                    binary_paths=list(info.binary_paths), languages=list(info.languages),
                    field_classes=instruments.field_classes(compiled.xml),
                    source_blob_id=source.id if source else None, source_name=filename)
    db.session.add(draft)
    db.session.flush()
    _create_attachments(project.id, draft, info.media_files, compiled.media,
                        previous=form.draft_def or form.current_def)
    form.draft_def_id = draft.id
    db.session.flush()
    return draft


def _create_attachments(project_id: int, draft: FormDef, names, generated: dict, previous: FormDef | None) -> None:
    """Expected media; files pyxform generated are filled in, others carried over by name."""
    carried = {a.name: a.blob_id for a in previous.attachments} if previous else {}
    for name in dict.fromkeys([*names, *generated]):
        blob_id = carried.get(name)
        if name in generated:
            blob_id = sealing.store_bytes(project_id, generated[name], "text/csv", with_md5=True).id
        draft.attachments.append(FormAttachment(name=name, blob_id=blob_id, updated_at=utcnow()))


def publish(form: Form, actor: audit.Actor = audit.SYSTEM) -> FormDef:
    draft = form.draft_def
    if draft is None:
        raise problems.no_draft(form.xml_form_id)
    missing = [a.name for a in draft.attachments if a.blob_id is None]
    if missing:
        raise problems.missing_form_media(missing)
    if _published_def(form, draft.version) is not None:
        raise problems.version_uniqueness_violation(form.xml_form_id, draft.version)
    draft.published_at = utcnow()
    form.current_def_id = draft.id
    form.draft_def_id = None
    db.session.flush()
    audit.record("form.publish", actor, project_id=form.project_id, target=f"form_def:{draft.id}",
                 form=form.xml_form_id, version=draft.version)
    return draft


def publish_upload(project: Project, data: bytes, filename: str,
                   compiled: instruments.CompiledForm | None = None, actor: audit.Actor = audit.SYSTEM) -> Form:
    """Upload and publish in one step (forms without media files, or the command line)."""
    draft = create_draft(project, data, filename, compiled)
    form = db.session.get(Form, draft.form_id)
    publish(form, actor)
    return form


def upload_attachment(form: Form, name: str, stream: BinaryIO, content_type: str) -> FormAttachment:
    """Fill in one media file of the draft (media of published versions never change)."""
    draft = form.draft_def
    if draft is None:
        raise problems.no_draft(form.xml_form_id)
    attachment = next((a for a in draft.attachments if a.name == name), None)
    if attachment is None:
        expected = ", ".join(a.name for a in draft.attachments) or "none"
        raise problems.unexpected_value("attachment name", name, f"the form expects: {expected}")
    blob = sealing.store_file(form.project_id, stream, content_type, with_md5=True)
    attachment.blob_id = blob.id
    attachment.updated_at = utcnow()
    db.session.flush()
    return attachment


def set_state(form: Form, state: str) -> Form:
    if state not in FORM_STATES:
        raise problems.invalid_data("state", f"expected one of {', '.join(FORM_STATES)}")
    form.state = state
    return form


def list_forms(project: Project) -> list[Form]:
    return list(db.session.scalars(select(Form).where(Form.project_id == project.id).order_by(Form.xml_form_id)))


def get_form(project: Project, xml_form_id: str) -> Form:
    form = db.session.scalar(select(Form).where(Form.project_id == project.id, Form.xml_form_id == xml_form_id))
    if form is None:
        raise problems.not_found()
    return form


def get_form_by_id(project: Project, form_id: int) -> Form:
    form = db.session.get(Form, form_id)
    if form is None or form.project_id != project.id:
        raise problems.not_found()
    return form


def published_def(form: Form, version: str) -> FormDef:
    """The published version a submission names, or 404.6."""
    current = form.current_def
    found = current if current is not None and current.version == version else _published_def(form, version)
    if found is None:
        raise problems.form_version_not_found(form.xml_form_id, version)
    return found


def _published_def(form: Form, version: str) -> FormDef | None:
    return db.session.scalar(select(FormDef).where(FormDef.form_id == form.id, FormDef.version == version,
                                                   FormDef.published_at.is_not(None)))


def _source_type(filename: str) -> str:
    if (filename or "").lower().endswith(".xls"):
        return "application/vnd.ms-excel"
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
