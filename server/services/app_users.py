"""App users: the identities tablets with ODK Collect use, and their QR codes."""
from __future__ import annotations

import base64
import json
import secrets
import zlib
from io import BytesIO
from pathlib import Path

import segno
from sqlalchemy import delete, select

from .. import problems
from ..storage import db
from ..storage.base import utcnow
from ..storage.forms import Form
from ..storage.projects import Project
from ..storage.users import AppUser, AppUserForm
from . import audit, sealing
from .staff_users import hash_token

TOKEN_LENGTH = 64


def create_app_user(project: Project, display_name: str, forms: list[Form] = (),
                    actor: audit.Actor = audit.SYSTEM) -> AppUser:
    display_name = (display_name or "").strip()
    if not display_name:
        raise problems.invalid_data("displayName", "an app user needs a name, e.g. the tablet's label")
    token = secrets.token_urlsafe(48)  # 48 random bytes -> 64 URL-safe characters
    user = AppUser(project_id=project.id, display_name=display_name, token_hash=hash_token(token))
    db.session.add(user)
    db.session.flush()
    user.token_sealed = sealing.seal_value(project.id, "app_users", "token", user.id, token.encode())
    assign_forms(user, forms)
    audit.record("app_user.create", actor, project_id=project.id, target=f"app_user:{user.id}")
    return user


def token_of(user: AppUser) -> str | None:
    """The app user's token (for its QR code), or None once revoked."""
    if user.token_sealed is None:
        return None
    return sealing.open_value("app_users", "token", user.id, user.token_sealed).decode()


def assign_forms(user: AppUser, forms: list[Form]) -> None:
    """Give the app user exactly these forms (replacing any earlier assignment)."""
    for form in forms:
        if form.project_id != user.project_id:
            raise problems.invalid_data("forms", f"form {form.xml_form_id} belongs to another project")
    db.session.execute(delete(AppUserForm).where(AppUserForm.app_user_id == user.id))
    db.session.add_all(AppUserForm(app_user_id=user.id, form_id=form.id) for form in forms)
    db.session.flush()


def assign_form(user: AppUser, form: Form, actor: audit.Actor = audit.SYSTEM) -> None:
    """Central's ``POST …/assignments/2/{actorId}``: one more form for this app user (idempotent)."""
    if form.project_id != user.project_id:
        raise problems.not_found()
    if form.id not in assigned_form_ids(user):
        db.session.add(AppUserForm(app_user_id=user.id, form_id=form.id))
        audit.record("app_user.assign", actor, project_id=user.project_id, target=f"app_user:{user.id}",
                     form=form.xml_form_id)
        db.session.flush()


def unassign_form(user: AppUser, form: Form, actor: audit.Actor = audit.SYSTEM) -> None:
    deleted = db.session.execute(delete(AppUserForm).where(AppUserForm.app_user_id == user.id,
                                                           AppUserForm.form_id == form.id)).rowcount
    if not deleted:
        raise problems.not_found()
    audit.record("app_user.unassign", actor, project_id=user.project_id, target=f"app_user:{user.id}",
                 form=form.xml_form_id)


def form_assignees(form: Form) -> list[int]:
    return list(db.session.scalars(select(AppUserForm.app_user_id).where(AppUserForm.form_id == form.id)
                                   .order_by(AppUserForm.app_user_id)))


def assigned_form_ids(user: AppUser) -> set[int]:
    return set(db.session.scalars(select(AppUserForm.form_id).where(AppUserForm.app_user_id == user.id)))


def list_app_users(project: Project) -> list[AppUser]:
    return list(db.session.scalars(select(AppUser).where(AppUser.project_id == project.id).order_by(AppUser.id)))


def get_app_user(project: Project, app_user_id: int) -> AppUser:
    user = db.session.get(AppUser, app_user_id)
    if user is None or user.project_id != project.id:
        raise problems.not_found()
    return user


def revoke(user: AppUser, actor: audit.Actor = audit.SYSTEM) -> None:
    """The token stops working at once and can never be shown again (as in Central)."""
    audit.record("app_user.revoke", actor, project_id=user.project_id, target=f"app_user:{user.id}")
    user.token_sealed = None
    user.token_hash = None
    user.revoked_at = utcnow()


def authenticate(token: str, project_id: int) -> AppUser:
    """The live app user of this project with this token; 403 otherwise.

    OpenRosa clients get 403 rather than 401 so that Collect shows an error instead
    of asking for a password it does not have.
    """
    if not token or len(token) != TOKEN_LENGTH:
        raise problems.insufficient_rights()
    user = db.session.scalar(select(AppUser).where(AppUser.token_hash == hash_token(token)))
    if user is None or user.revoked_at is not None or user.project_id != project_id:
        raise problems.insufficient_rights()
    return user


def collect_server_url(base_url: str, user: AppUser) -> str:
    token = token_of(user)
    if token is None:
        raise problems.not_found()
    return f"{base_url.rstrip('/')}/v1/key/{token}/projects/{user.project_id}"


def collect_settings(base_url: str, user: AppUser, project: Project) -> dict:
    """ODK Collect's settings, shaped as ODK Central puts them in its app-user QR codes."""
    return {
        "general": {
            "server_url": collect_server_url(base_url, user),
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "project": {"name": project.name},
        "admin": {},
    }


def encode_settings(settings: dict) -> str:
    """Collect's QR payload: JSON, zlib-deflated, then base64."""
    raw = json.dumps(settings, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(raw)).decode("ascii")


def decode_settings(payload: str) -> dict:
    return json.loads(zlib.decompress(base64.b64decode(payload)))


def qr_png(settings: dict, scale: int = 6) -> bytes:
    out = BytesIO()
    segno.make(encode_settings(settings), error="l", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def write_qr_png(settings: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(qr_png(settings))
    return path
