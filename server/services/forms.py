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


def create_form(project: Project, data: bytes, filename: str, publish_now: bool,
                actor: audit.Actor = audit.SYSTEM) -> Form:
    """A new form (Central's ``POST …/forms``): refused if the project has the form id already."""
    compiled = compile_upload(data, filename)
    if db.session.scalar(select(Form.id).where(Form.project_id == project.id,
                                               Form.xml_form_id == compiled.info.form_id)):
        raise problems.uniqueness_violation("xmlFormId, projectId", f"{compiled.info.form_id}, {project.id}")
    draft = create_draft(project, data, filename, compiled)
    form = db.session.get(Form, draft.form_id)
    if publish_now:
        publish(form, actor)
    return form


def new_draft(form: Form, data: bytes | None, filename: str) -> FormDef:
    """A draft from an upload, or (without one) a copy of the published version, as Central makes it."""
    project = db.session.get(Project, form.project_id)
    if data:
        compiled = compile_upload(data, filename)
        if compiled.info.form_id != form.xml_form_id:
            raise problems.unexpected_value("xmlFormId", compiled.info.form_id,
                                            f"the draft must keep the form's id {form.xml_form_id}")
        return create_draft(project, data, filename, compiled)
    current = form.current_def
    if current is None:
        raise problems.no_draft(form.xml_form_id)
    draft = FormDef(form_id=form.id, version=current.version, title=current.title, xml=current.xml,
                    md5=current.md5, root_name=current.root_name, binary_paths=list(current.binary_paths),
                    languages=list(current.languages), field_classes=dict(current.field_classes),
                    source_blob_id=current.source_blob_id, source_name=current.source_name)
    db.session.add(draft)
    db.session.flush()
    _create_attachments(project.id, draft, [a.name for a in current.attachments], {}, previous=current)
    form.draft_def_id = draft.id
    db.session.flush()
    return draft


def discard_draft(form: Form) -> None:
    if form.draft_def is None:
        raise problems.not_found()
    form.draft_def_id = None
    db.session.flush()


def publish(form: Form, actor: audit.Actor = audit.SYSTEM, version: str | None = None) -> FormDef:
    """Publish the draft; ``version`` renames its version in the XForm first (Central's ``?version=``)."""
    draft = form.draft_def
    if draft is None:
        raise problems.no_draft(form.xml_form_id)
    if version is not None and version != draft.version:
        try:
            draft.xml = instruments.set_version(draft.xml, version)
        except instruments.FormError as err:
            raise problems.xlsform_not_valid([], err.message) from None
        draft.version, draft.md5 = version, hashlib.md5(draft.xml).hexdigest()
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


def media_file(definition: FormDef | None, name: str) -> FormAttachment:
    """A media file of this form version that has been uploaded, or 404."""
    attachment = next((a for a in definition.attachments if a.name == name and a.blob), None) if definition else None
    if attachment is None:
        raise problems.not_found()
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


def published_defs(form: Form) -> list[FormDef]:
    """Every version ever published, newest first."""
    return list(db.session.scalars(select(FormDef).where(FormDef.form_id == form.id,
                                                         FormDef.published_at.is_not(None))
                                   .order_by(FormDef.published_at.desc(), FormDef.id.desc())))


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
