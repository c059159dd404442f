"""Online questionnaires (§12, §13): published forms answered in the browser through web links.

Two kinds of link open a questionnaire. A participant's *personal* link (made when the
participant was selected) opens the forms meant for their category, each once. A
*school-level* link opens one form for anyone holding it, up to an optional quota; the
answers carry whatever participant code the person typed. Tokens are 192-bit random
strings, found only through their keyed MAC and kept sealed, so neither the database
nor a log ever holds a working link.

Answers arrive as the same multipart body ODK Collect sends and go through the same
ingestion (``submissions.ingest``): validation, sealing of personal answers, idempotency
by instanceID, attachments. A participant answers a form once, however many devices
they open the link on: the database refuses a second submission of theirs.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from xml.dom.minidom import Element

from defusedxml import minidom
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import problems
from ..storage import db
from ..storage.base import utcnow
from ..storage.forms import Form, FormDef
from ..storage.projects import Project
from ..storage.sampling import FrameSchool, Participant
from ..storage.submissions import Submission, SubmissionDef
from ..storage.web import WebForm, WebLink
from . import audit, coverage, forms as form_service, participants, sampling, sealing, submissions
from .submission_xml import parse_submission

TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")   # secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Access:
    """What one token opens: a participant's personal link, or a school-level link."""

    project: Project
    school: FrameSchool
    participant: Participant | None = None
    link: WebLink | None = None

    @property
    def kind(self) -> str:
        return "personal" if self.participant is not None else "school"


# ---- staff side: opening forms, making and revoking links -----------------------------------------

def open_form(project: Project, xml_form_id: str, closes_at: datetime | None, actor: audit.Actor) -> WebForm:
    """Open a published form in the browser (again), until ``closes_at`` if given."""
    form = form_service.get_form(project, xml_form_id)
    if form.current_def_id is None:
        raise problems.form_not_found(xml_form_id)
    if closes_at is not None and closes_at <= utcnow():
        raise problems.invalid_data("closes", "the closing time must be in the future")
    web_form = _web_form(form)
    if web_form is None:
        web_form = WebForm(project_id=project.id, form_id=form.id)
        db.session.add(web_form)
    web_form.closes_at = closes_at
    web_form.opened_by = actor.id if actor.kind == "staff" else None
    db.session.flush()
    audit.record("web.open", actor, project_id=project.id, target=f"form:{form.id}",
                 closes=closes_at.isoformat() if closes_at else None)
    return web_form


def close_form(project: Project, xml_form_id: str, actor: audit.Actor) -> WebForm:
    """Close a form's web links now (its links then show the "closed" page)."""
    form = form_service.get_form(project, xml_form_id)
    web_form = _web_form(form)
    if web_form is None:
        raise problems.web_form_not_open(xml_form_id)
    if web_form.closes_at is None or _aware(web_form.closes_at) > utcnow():
        web_form.closes_at = utcnow()
    audit.record("web.close", actor, project_id=project.id, target=f"form:{form.id}")
    return web_form


def web_forms(project: Project) -> list[WebForm]:
    return list(db.session.scalars(select(WebForm).where(WebForm.project_id == project.id).order_by(WebForm.id)))


def form_states(project: Project) -> list[tuple[Form, str, datetime | None]]:
    """Every published form with its web state (not_open, open, open_until, closed) and the time it names."""
    opened = {w.form_id: w for w in web_forms(project)}
    states = []
    for form in form_service.list_forms(project):
        if form.current_def_id is None:
            continue
        web_form = opened.get(form.id)
        closes = web_form.closes_at if web_form else None
        state = ("not_open" if web_form is None else "open" if closes is None
                 else "closed" if _aware(closes) <= utcnow() else "open_until")
        states.append((form, state, closes))
    return states


def create_school_link(project: Project, xml_form_id: str, school_code: str, actor: audit.Actor, *,
                       quota: int | None = None, expires_at: datetime | None = None) -> tuple[WebLink, str]:
    """A school-level link to a form open on the web; returns it with its token (kept sealed for showing again)."""
    form = form_service.get_form(project, xml_form_id)
    if _web_form(form) is None:
        raise problems.web_form_not_open(xml_form_id)
    school = next((s.school for s in sampling.taking_part(project) if s.school.code == school_code), None)
    if school is None:
        raise problems.unexpected_value("school", school_code, "it is not a school taking part in the sample")
    if quota is not None and quota < 1:
        raise problems.invalid_data("quota", "a quota is at least 1")
    if expires_at is not None and expires_at <= utcnow():
        raise problems.invalid_data("expires", "the expiry must be in the future")
    token = secrets.token_urlsafe(24)
    link = WebLink(project_id=project.id, form_id=form.id, school_id=school.id, quota=quota, expires_at=expires_at,
                   token_index=_token_index(project.id, token), token_sealed=b"",
                   created_by=actor.id if actor.kind == "staff" else None)
    db.session.add(link)
    db.session.flush()
    link.token_sealed = sealing.seal_value(project.id, "web_links", "token", link.id, token.encode())
    audit.record("web.link.create", actor, project_id=project.id, target=f"web_link:{link.id}",
                 form=xml_form_id, school=school_code, quota=quota)
    return link, token


def school_links(project: Project) -> list[WebLink]:
    return list(db.session.scalars(select(WebLink).where(WebLink.project_id == project.id).order_by(WebLink.id)))


def school_link_token(link: WebLink) -> str:
    return sealing.open_value("web_links", "token", link.id, link.token_sealed).decode()


def used(link: WebLink) -> int:
    """Submissions that came in through a school-level link."""
    return db.session.scalar(select(func.count(Submission.id)).where(Submission.web_link_id == link.id))


def revoke_school_link(project: Project, link_id: int, actor: audit.Actor) -> WebLink:
    link = db.session.get(WebLink, link_id)
    if link is None or link.project_id != project.id:
        raise problems.not_found()
    link.revoked_at = link.revoked_at or utcnow()
    audit.record("web.link.revoke", actor, project_id=project.id, target=f"web_link:{link.id}")
    return link


def reissue_personal_link(project: Project, code: str, actor: audit.Actor) -> str:
    """A new personal link for a participant (the old one stops working): returns the new token."""
    participant = _participant(project, code)
    token = secrets.token_urlsafe(24)
    participant.link_index = participants.link_index(project.id, token)
    participant.link_sealed = sealing.seal_value(project.id, "participants", "link", participant.id, token.encode())
    participant.link_revoked_at = None
    audit.record("web.personal.reissue", actor, project_id=project.id, target=f"participant:{participant.id}")
    return token


def revoke_personal_link(project: Project, code: str, actor: audit.Actor) -> Participant:
    participant = _participant(project, code)
    participant.link_revoked_at = participant.link_revoked_at or utcnow()
    audit.record("web.personal.revoke", actor, project_id=project.id, target=f"participant:{participant.id}")
    return participant


def _participant(project: Project, code: str) -> Participant:
    participant = db.session.scalar(select(Participant).where(Participant.project_id == project.id,
                                                              Participant.code == code))
    if participant is None:
        raise problems.unexpected_value("participant", code, "no participant of this project has that code")
    return participant


def parse_moment(field: str, text: str | None) -> datetime | None:
    """``2027-01-31`` (the end of that day, UTC) or an ISO 8601 time (naive: UTC); empty: none."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise problems.invalid_data(field, "expected a date (YYYY-MM-DD) or an ISO 8601 time") from None
    if len(text) == 10:
        moment = moment.replace(hour=23, minute=59, second=59)
    return _aware(moment)


def link_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + participants.LINK_PATH + token


# ---- participant side: what a token opens, and in which state ------------------------------------

def find(token: str) -> Access:
    """The link a token is, or 404.8 (the same answer for a malformed and an unknown token)."""
    if not TOKEN.fullmatch(token or ""):
        raise problems.web_link_not_found()
    project_ids = list(db.session.scalars(select(Project.id)))
    indexes = {participants.link_index(pid, token): pid for pid in project_ids}
    participant = db.session.scalar(select(Participant).where(Participant.link_index.in_(indexes)))
    if participant is not None:
        return Access(db.session.get(Project, participant.project_id), participant.school, participant=participant)
    indexes = {_token_index(pid, token) for pid in project_ids}
    link = db.session.scalar(select(WebLink).where(WebLink.token_index.in_(indexes)))
    if link is None:
        raise problems.web_link_not_found()
    return Access(db.session.get(Project, link.project_id), link.school, link=link)


def forms_of(access: Access) -> list[WebForm]:
    """The forms this link opens (closed ones included: their state is shown)."""
    if access.link is not None:
        web_form = _web_form(access.link.form)
        return [web_form] if web_form else []
    return [w for w in web_forms(access.project) if w.form.current_def is not None
            and coverage.target_of(w.form.current_def)[0] == access.participant.category]


def web_form_of(access: Access, xml_form_id: str) -> WebForm:
    web_form = next((w for w in forms_of(access) if w.form.xml_form_id == xml_form_id), None)
    if web_form is None:
        raise problems.web_link_not_found()
    return web_form


def check_not_revoked(access: Access) -> None:
    revoked = access.participant.link_revoked_at if access.participant else access.link.revoked_at
    if revoked is not None:
        raise problems.web_link_revoked()


def check_usable(access: Access, web_form: WebForm) -> None:
    """Refuse a revoked, expired, closed, spent or full link with the problem its page explains."""
    now = utcnow()
    check_not_revoked(access)
    expiry = [t for t in (web_form.closes_at, access.link.expires_at if access.link else None) if t is not None]
    form = web_form.form
    if (access.project.status != "open" or not form.accepts_submissions
            or any(_aware(t) <= now for t in expiry)):
        raise problems.web_link_expired()
    if access.participant is not None and answered(access, form) is not None:
        raise problems.web_link_used()
    if access.link is not None and access.link.quota is not None and used(access.link) >= access.link.quota:
        raise problems.web_link_full()


def answered(access: Access, form: Form) -> Submission | None:
    """The participant's submission of this form, if they answered it (by any channel that named them)."""
    if access.participant is None:
        return None
    return db.session.scalar(select(Submission).where(Submission.form_id == form.id,
                                                      Submission.participant_id == access.participant.id))


def served_xform(access: Access, web_form: WebForm, language: str) -> bytes:
    """The form as this link shows it: in ``language`` first, with the codes it already knows filled in
    and read-only (the participant code of a personal link, the school code of any link)."""
    definition = web_form.form.current_def
    document = minidom.parseString(definition.xml, forbid_dtd=True)
    known = {coverage.SCHOOL_FIELD: access.school.code}
    if access.participant is not None:
        known[coverage.PARTICIPANT_FIELD] = access.participant.code
    binds = {b.getAttribute("nodeset"): b for b in _elements(document, "bind")}
    instance = _primary_instance(document)
    for path in definition.field_classes:
        name = path.rsplit("/", 1)[-1]
        bind = binds.get(path)
        if name not in known or bind is None or bind.hasAttribute("calculate"):
            continue
        node = _instance_node(instance, path)
        if node is not None:
            for child in list(node.childNodes):
                node.removeChild(child)
            node.appendChild(document.createTextNode(known[name]))
            bind.setAttribute("readonly", "true()")
    for translation in _elements(document, "translation"):
        if _language_code(translation.getAttribute("lang")) == language:
            translation.setAttribute("default", "true()")
        elif translation.hasAttribute("default"):
            translation.removeAttribute("default")
    return document.toxml(encoding="utf-8")


def receive(access: Access, web_form: WebForm, xml: bytes, files: list[submissions.IncomingFile],
            user_agent: str | None) -> SubmissionDef:
    """Ingest one browser submission through this link, linking it to the participant it names."""
    link = access.link
    if link is not None and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(WebLink.id).where(WebLink.id == link.id).with_for_update())  # quota, serialised
    earlier = answered(access, web_form.form)
    if earlier is None:
        check_usable(access, web_form)
    elif parse_submission(xml).instance_id != earlier.instance_id:   # only a resend of that answer may come
        raise problems.web_link_used()

    def lookup(xml_form_id: str) -> Form:
        if xml_form_id != web_form.form.xml_form_id:
            raise problems.web_answer_refused("the answers are for another form than this link opens")
        return web_form.form

    submitter = submissions.Submitter(participant_id=access.participant.id if access.participant else None,
                                      web_link_id=link.id if link else None, user_agent=user_agent)
    try:
        version, created = submissions.ingest(lookup, xml, files, submitter, allow_edits=False)
    except IntegrityError:      # another device of the same participant got there first
        raise problems.web_link_used() from None
    submission = version.submission
    if not created:     # a resend (the answer to the first POST was lost): fine if it is this link's own
        if (submission.participant_id, submission.web_link_id) != (submitter.participant_id, submitter.web_link_id):
            raise problems.xml_conflict()
        return version
    _link_participant(access, version)
    if link is not None and link.quota is not None and used(link) > link.quota:
        raise problems.web_link_full()
    audit.record("web.submission", audit.SYSTEM, project_id=access.project.id,
                 target=f"submission:{submission.id}", link=access.kind)
    return version


def _link_participant(access: Access, version: SubmissionDef) -> None:
    """Check a personal link's code; name the participant whose code a school link's answers carry."""
    _, path = coverage.target_of(db.session.get(FormDef, version.form_def_id))
    if path is None or path.rsplit("/", 1)[-1] != coverage.PARTICIPANT_FIELD:
        return
    sent = (version.index_values or {}).get(path)
    if access.participant is not None:
        if sent != access.participant.code_index:
            raise problems.web_answer_refused("the participant code in the answers is not the one of this link")
        return
    if sent is None:
        return
    version.submission.participant_id = db.session.scalar(
        select(Participant.id).where(Participant.project_id == access.project.id, Participant.code_index == sent))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:      # that participant already answered this form
        raise problems.web_link_used() from None


def _web_form(form: Form) -> WebForm | None:
    return db.session.scalar(select(WebForm).where(WebForm.form_id == form.id))


def _token_index(project_id: int, token: str) -> str:
    return sealing.blind_index(project_id, "web-link", token.encode())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _language_code(label: str) -> str:
    """``Kyrgyz (ky)`` -> ``ky``; a bare code stays itself."""
    found = re.search(r"\(([A-Za-z-]+)\)\s*$", label)
    return (found.group(1) if found else label).strip().lower()


def _elements(document, local_name: str) -> list[Element]:
    return list(document.getElementsByTagNameNS("*", local_name))


def _primary_instance(document) -> Element | None:
    model = next(iter(_elements(document, "model")), None)
    instance = next((c for c in (model.childNodes if model else ()) if isinstance(c, Element)
                     and c.localName == "instance"), None)
    return next((c for c in (instance.childNodes if instance else ()) if isinstance(c, Element)), None)


def _instance_node(root: Element | None, path: str) -> Element | None:
    steps = path.strip("/").split("/")
    if root is None or not steps or root.localName != steps[0]:
        return None
    node = root
    for step in steps[1:]:
        node = next((c for c in node.childNodes if isinstance(c, Element) and c.localName == step), None)
        if node is None:
            return None
    return node
