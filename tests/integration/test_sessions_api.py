"""Staff bearer-token sessions, shaped as ODK Central's ``/v1/sessions``."""
from __future__ import annotations

from datetime import timedelta

import requests

from server.storage import db
from server.storage.users import StaffSession


def login(base, email="admin@example.kg", password="correct horse battery"):
    return requests.post(f"{base}/v1/sessions", json={"email": email, "password": password}, timeout=10)


def test_login_returns_a_token_that_authenticates_the_user(world, live_server):
    world.admin()
    response = login(live_server)
    assert response.status_code == 200
    body = response.json()
    assert len(body["token"]) == 64 and body["expiresAt"] > body["createdAt"]
    me = requests.get(f"{live_server}/v1/users/current", headers={"Authorization": f"Bearer {body['token']}"},
                      timeout=10)
    assert me.status_code == 200
    assert me.json()["email"] == "admin@example.kg" and me.json()["role"] == "administrator"


def test_wrong_password_and_unknown_email_get_the_same_401(world, live_server):
    world.admin()
    for response in (login(live_server, password="wrong password!"), login(live_server, email="no@example.kg")):
        assert response.status_code == 401
        assert response.json() == {"code": 401.2, "message": "Could not authenticate with the provided credentials."}


def test_malformed_login_body_is_a_400_problem(world, live_server):
    assert requests.post(f"{live_server}/v1/sessions", data="nope", timeout=10).json()["code"] == 400.1
    missing = requests.post(f"{live_server}/v1/sessions", json={"email": "a@b.kg"}, timeout=10)
    assert missing.status_code == 400 and missing.json()["code"] == 400.2


def test_logout_and_expiry_end_the_session(world, live_server):
    world.admin()
    token = login(live_server).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.delete(f"{live_server}/v1/sessions/{token}", headers=auth, timeout=10).status_code == 200
    assert requests.get(f"{live_server}/v1/users/current", headers=auth, timeout=10).status_code == 401
    token = login(live_server).json()["token"]
    world.run(lambda: [setattr(s, "expires_at", s.created_at - timedelta(seconds=1))
                       for s in db.session.query(StaffSession)])
    assert requests.get(f"{live_server}/v1/users/current", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code == 401


def test_token_is_stored_only_as_a_hash(world, live_server):
    world.admin()
    token = login(live_server).json()["token"]
    stored = world.run(lambda: [s.token_hash for s in db.session.query(StaffSession)])
    assert stored and token not in stored and all(len(h) == 64 for h in stored)
