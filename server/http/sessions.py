"""Staff authentication for the API: ``POST /v1/sessions`` and bearer tokens, as in ODK Central."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError, fields

from .. import problems
from ..services import staff_users
from ..storage.users import StaffUser

bp = Blueprint("sessions", __name__)


class LoginSchema(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True)


def json_body() -> dict:
    """The request's JSON object, or 400.1."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise problems.unparseable("json", "expected a JSON object")
    return body


def load_json(schema: Schema) -> dict:
    body = json_body()
    try:
        return schema.load(body, unknown="exclude")
    except ValidationError as err:
        field = next(iter(err.messages))
        raise problems.missing_parameter(field) if "required" in str(err.messages[field]).lower() \
            else problems.invalid_data(field, "; ".join(map(str, err.messages[field])))


# Where HTTP Basic is accepted besides bearer tokens: the feeds Excel and Power BI read (as Central does).
BASIC_BLUEPRINTS = {"odata"}


def basic_auth_request() -> bool:
    return (request.blueprint in BASIC_BLUEPRINTS
            and request.headers.get("Authorization", "").lower().startswith("basic "))


def bearer_user() -> StaffUser | None:
    """The staff user behind ``Authorization: Bearer …`` (or Basic, on the feeds), if it is valid.

    A wrong Basic password is 401.2 and counts toward the account's lockout like a failed login.
    """
    if "staff_user" not in g:
        header = request.headers.get("Authorization", "")
        if basic_auth_request():
            credentials = request.authorization
            g.staff_user = staff_users.check_password(credentials.username or "", credentials.password or "",
                                                      request.remote_addr or "") if credentials else None
        else:
            token = header[7:].strip() if header.lower().startswith("bearer ") else ""
            session = staff_users.session_for_token(token)
            g.staff_user = session.user if session else None
    return g.staff_user


def user_json(user: StaffUser) -> dict:
    return {"id": user.id, "type": "user", "displayName": user.display_name, "email": user.email,
            "role": user.role, "createdAt": user.created_at.isoformat(), "updatedAt": None, "deletedAt": None}


@bp.post("/v1/sessions")
def create_session():
    body = load_json(LoginSchema())
    user = staff_users.check_password(body["email"], body["password"], request.remote_addr or "")
    token, session = staff_users.start_session(user, current_app.config["SAPAT_SESSION_HOURS"])
    return jsonify({"token": token, "createdAt": session.created_at.isoformat(),
                    "expiresAt": session.expires_at.isoformat()})


@bp.delete("/v1/sessions/<token>")
def delete_session(token: str):
    if bearer_user() is None:
        raise problems.authentication_failed()
    if not staff_users.end_session(token):
        raise problems.not_found()
    return jsonify({"success": True})


@bp.get("/v1/users/current")
def current_user():
    user = bearer_user()
    if user is None:
        raise problems.authentication_failed()
    return jsonify(user_json(user))
