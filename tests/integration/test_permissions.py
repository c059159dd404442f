"""Least privilege over real HTTP and the real command line: every role against every staff page,
session route and command, project isolation, and personal data behind a stated purpose.

``ROUTES`` and ``COMMANDS`` are the specification. Both are checked against what the code
really registers (the app's URL map, the click command tree), so a new route or command
without an entry fails here instead of going untested.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import random
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import click
import pytest
import requests
from sqlalchemy import select

from admin_cli.main import main as sapat_cli
from server.services import audit, forms as form_service, participants, projects, sampling, scoring, staff_users
from server.services import submissions, web_questionnaires as web
from server.services.demo import publish_file
from server.services.staff_users import PERMISSIONS
from server.storage import db
from server.storage.users import ROLES, StaffUser
from tests.support.staff import PASSWORD, sign_in
from tests.support.sampling_data import FRAME_HEADERS, ROSTER_HEADERS, frame_rows, roster_rows, sampled_project, xlsx
from tests.support.submissions import post_submission, submission_xml
from tests.support.tests_data import WELDER, WELDER_KEY, taker, welder_answer, welder_key
from tests.support.xlsforms import photo_form, simple_form

PUBLIC, AUTHENTICATED = "public", "authenticated"
# Every route of these blueprints needs an entry in ROUTES. OpenRosa is authenticated by
# app-user tokens, not staff roles (tests/integration/test_openrosa_*.py), and participants' web
# questionnaires by link tokens (tests/integration/test_web_questionnaires.py); "static" is the stylesheet.
MATRIX_BLUEPRINTS = {"staff", "sessions", "api", "odata"}
OTHER_BLUEPRINTS = {"openrosa", "web"}
SAFE = {"GET", "HEAD"}


class Route(NamedTuple):
    method: str
    verb: str                 # a verb of PERMISSIONS, PUBLIC or AUTHENTICATED
    ok: tuple                 # the statuses that mean "allowed" for the request sent
    form: dict | None = None  # form fields besides the CSRF token (left invalid where the status says so)
    values: dict | None = None  # URL values other than the scene's defaults


ROUTES = {
    "staff.index": Route("GET", PUBLIC, (302,)),
    "staff.login": Route("GET", PUBLIC, (200, 302)),
    "staff.login_submit": Route("POST", PUBLIC, (303,)),  # the client's own credentials, in a new browser
    "staff.logout": Route("POST", PUBLIC, (303,)),
    "staff.projects": Route("GET", "project.read", (200,)),
    "staff.create_project": Route("POST", "project.create", (303,), {"name": "Новый", "year": "2026", "stage": "main"}),
    "staff.project": Route("GET", "project.read", (200,)),
    "staff.project_sync": Route("GET", "project.read", (200,)),
    "staff.project_exports": Route("GET", "project.read", (200,)),
    "staff.project_sample": Route("GET", "sample.read", (200,)),
    "staff.sample_report": Route("GET", "sample.read", (409,)),                  # no sample drawn: 409.23
    "staff.project_coverage": Route("GET", "sample.read", (200,)),
    "staff.coverage_report": Route("GET", "sample.read", (409,)),
    "staff.start_export": Route("POST", "export.anonymized", (400,), {"form": "photos", "formats": "pdf"}),  # 400.11
    "staff.download_export": Route("GET", "export.anonymized", (404,)),          # no such export
    "staff.download_handover": Route("GET", "report.read", (404,)),              # no such package
    "staff.upload_form": Route("POST", "form.manage", (400,)),                  # no file chosen: 400.7
    "staff.upload_media": Route("POST", "form.manage", (400,), {"name": "logo.png"}),  # no file: 400.7
    "staff.publish_form": Route("POST", "form.manage", (409,)),                 # no draft: 409.15
    "staff.set_form_state": Route("POST", "form.manage", (303,), {"state": "open"}),
    "staff.create_app_user": Route("POST", "app_user.manage", (303,), {"display_name": "Планшет 9"}),
    "staff.revoke_app_user": Route("POST", "app_user.manage", (303,), values={"app_user_id": "spare_app_user_id"}),
    "staff.app_user": Route("GET", "app_user.manage", (200,)),
    "staff.project_web": Route("GET", "web_link.manage", (200,)),
    # Coding: the scene's form has no key, so an item is refused (400) once the verb let the request in.
    "staff.coding_overview": Route("GET", "coding.perform", (200,)),
    "staff.coding_task": Route("GET", "coding.perform", (400,)),
    "staff.record_code": Route("POST", "coding.perform", (400,), {"submission": "1", "round": "first", "code": "1"}),
    "staff.coding_disagreements": Route("GET", "scoring.manage", (400,)),
    "staff.resolve_code": Route("POST", "scoring.manage", (400,), {"submission": "1", "code": "1"}),
    "staff.test_report": Route("GET", "report.read", (409,)),                     # no answer key: 409.27
    "staff.test_workbook": Route("GET", "report.read", (409,)),
    "staff.web_form_state": Route("POST", "web_link.manage", (303,), {"form": "photos", "action": "open"}),
    "staff.create_web_link": Route("POST", "web_link.manage", (409,), {"form": "photos", "school": "000000"}),
    "staff.revoke_web_link": Route("POST", "web_link.manage", (404,), values={"link_id": "job_id"}),  # none yet
    "staff.app_user_qr": Route("GET", "app_user.manage", (200,)),
    "staff.form": Route("GET", "submission.read", (200,)),
    "staff.submission": Route("GET", "submission.read", (200,)),
    "staff.reveal_personal": Route("POST", "personal.read", (303,), {"purpose": "Сверка с ведомостью школы"}),
    "staff.submission_attachment": Route("GET", "personal.read", (400,)),      # no purpose stated yet: 400.31
    "staff.bulk_review": Route("POST", "submission.review", (400,), {"state": "approved"}),  # none ticked: 400.11
    "staff.review_flagged": Route("POST", "submission.review", (303,)),
    "staff.review_submission": Route("POST", "submission.review", (303,), {"state": "approved"}),
    "staff.comment_submission": Route("POST", "submission.review", (303,), {"body": "Сверено с ведомостью"}),
    "sessions.create_session": Route("POST", PUBLIC, (200,)),                  # the client's own credentials
    "sessions.delete_session": Route("DELETE", AUTHENTICATED, (200,)),         # a spare token of the client
    "sessions.current_user": Route("GET", AUTHENTICATED, (200,)),
    # Central's REST API. Bodies are left empty or invalid where the status says so: the answer
    # past the permission check shows access was granted. Writes run in this order.
    "api.list_projects": Route("GET", "project.read", (200,)),
    "api.get_project": Route("GET", "project.read", (200,)),
    "api.list_roles": Route("GET", "project.read", (200,)),
    "api.list_forms": Route("GET", "project.read", (200,)),
    "api.get_form": Route("GET", "project.read", (200,)),
    "api.form_xml": Route("GET", "project.read", (200,)),
    "api.form_versions": Route("GET", "project.read", (200,)),
    "api.form_version_xml": Route("GET", "project.read", (200,)),
    "api.form_version_attachments": Route("GET", "project.read", (200,)),
    "api.form_version_attachment": Route("GET", "project.read", (404,)),       # the form has no media
    "api.form_attachments": Route("GET", "project.read", (200,)),
    "api.form_attachment": Route("GET", "project.read", (404,)),                # the form has no media
    "api.get_draft": Route("GET", "form.manage", (404,)),                       # no draft yet
    "api.draft_xml": Route("GET", "form.manage", (404,)),
    "api.draft_attachments": Route("GET", "form.manage", (404,)),
    "api.draft_attachment": Route("GET", "form.manage", (404,)),
    "api.list_app_users": Route("GET", "app_user.manage", (200,)),
    "api.list_assignments": Route("GET", "app_user.manage", (200,)),
    "api.list_role_assignments": Route("GET", "app_user.manage", (200,)),
    "api.list_submissions": Route("GET", "submission.read", (200,)),
    "api.get_submission": Route("GET", "submission.read", (200,)),
    "api.list_comments": Route("GET", "submission.read", (200,)),
    "api.submission_audits": Route("GET", "submission.read", (200,)),
    "api.list_versions": Route("GET", "submission.read", (200,)),
    "api.get_version": Route("GET", "submission.read", (200,)),
    "api.list_attachments": Route("GET", "submission.read", (200,)),
    "api.list_version_attachments": Route("GET", "submission.read", (200,)),
    "api.submission_xml": Route("GET", "personal.read", (400,)),                # no purpose stated: 400.31
    "api.version_xml": Route("GET", "personal.read", (400,)),
    "api.get_attachment": Route("GET", "personal.read", (400,)),
    "api.get_version_attachment": Route("GET", "personal.read", (400,)),
    "api.create_project": Route("POST", "project.create", (400,)),              # no body: 400.1
    "api.update_project": Route("PATCH", "project.manage", (400,)),
    "api.create_form": Route("POST", "form.manage", (400,)),
    "api.update_form": Route("PATCH", "form.manage", (400,)),
    "api.create_draft": Route("POST", "form.manage", (200,)),                   # a copy of the published version
    "api.upload_draft_attachment": Route("POST", "form.manage", (400,)),        # the form expects no media: 400.8
    "api.publish_draft": Route("POST", "form.manage", (409,)),                  # version 1 exists: 409.6
    "api.delete_draft": Route("DELETE", "form.manage", (200,)),
    "api.create_app_user": Route("POST", "app_user.manage", (400,)),
    "api.assign": Route("POST", "app_user.manage", (200,), values={"actor_id": "spare_app_user_id"}),
    "api.unassign": Route("DELETE", "app_user.manage", (200,), values={"actor_id": "spare_app_user_id"}),
    "api.delete_app_user": Route("DELETE", "app_user.manage", (200,), values={"app_user_id": "spare_app_user_id"}),
    "api.create_submission": Route("POST", "submission.create", (400,)),
    "api.edit_submission": Route("PUT", "submission.create", (400,)),
    "api.upload_attachment": Route("POST", "submission.create", (400,), values={"name": "other_name"}),
    "api.review_submission": Route("PATCH", "submission.review", (400,)),
    "api.add_comment": Route("POST", "submission.review", (400,)),
    "odata.service_document": Route("GET", "submission.read", (200,)),
    "odata.metadata": Route("GET", "submission.read", (200,)),
    "odata.table": Route("GET", "submission.read", (404,), values={"subpath": "xml_form_id"}),  # no such table
    "odata.submissions_csv_zip": Route("GET", "submission.read", (200,)),
    "odata.submissions_csv": Route("GET", "submission.read", (200,)),
}
# Reads first, then writes; signing out last, as it ends the session the others use.
ORDER = sorted(ROUTES, key=lambda e: (ROUTES[e].method not in SAFE, e == "staff.logout"))
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщыэюяңөү"


@dataclass
class Scene:
    users: dict[str, int]
    project_id: int
    values: dict
    canary: str


@dataclass
class Client:
    role: str | None
    email: str
    web: requests.Session
    api: requests.Session
    spare_token: str


@pytest.fixture
def scene(world, live_server) -> Scene:
    """One user per role (no grants yet), a project with a photo form and a submission whose
    linking identifier is a generated fake name, one app user with the form and a spare one."""
    users = {role: world.admin(f"{role}@example.kg", PASSWORD, role) for role in ROLES}
    project_id = world.project()
    world.publish(project_id, photo_form())
    app_user_id, token = world.app_user(project_id, forms=["photos"], name="Планшет 3")
    spare_id, _ = world.app_user(project_id, name="Планшет 4")
    canary = " ".join("".join(random.choices(CYRILLIC, k=9)).title() for _ in range(2))
    xml, instance_id = submission_xml("photos", school=canary, photo="door.jpg")
    sent = post_submission(world.collect_base(live_server, project_id, token), xml, {"door.jpg": b"JPEG-door"})
    assert sent.status_code == 201
    values = {"project_id": project_id, "xml_form_id": "photos", "instance_id": instance_id, "name": "door.jpg",
              "app_user_id": app_user_id, "spare_app_user_id": spare_id, "version_id": instance_id,
              "version": "1", "role_id": 2, "actor_id": app_user_id, "other_name": "other.jpg",
              "job_id": 1, "handover_id": 1, "item": "q1"}
    return Scene(users, project_id, values, canary)


def grant_all(world, scene: Scene) -> None:
    for role, user_id in scene.users.items():
        if role not in staff_users.ALL_PROJECTS:
            world.grant(user_id, scene.project_id)


def anonymous(base: str) -> requests.Session:
    """A browser that has seen the sign-in page, so it holds a CSRF token (the guard, not CSRF, must refuse)."""
    http = requests.Session()
    assert http.get(f"{base}/login", timeout=30).status_code == 200
    return http


def client_for(world, base: str, scene: Scene, role: str | None) -> Client:
    email = f"{role or 'administrator'}@example.kg"
    api = requests.Session()
    if role:
        token = api.post(f"{base}/v1/sessions", json={"email": email, "password": PASSWORD}, timeout=30)
        api.headers["Authorization"] = f"Bearer {token.json()['token']}"
    user_id = scene.users[role or "administrator"]
    spare = world.run(lambda: staff_users.start_session(db.session.get(StaffUser, user_id), 1)[0])
    return Client(role, email, sign_in(base, email) if role else anonymous(base), api, spare)


def rules(app) -> dict:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def csrf_in(app, http: requests.Session) -> str:
    """The CSRF token this browser's signed cookie holds."""
    return app.session_interface.get_signing_serializer(app).loads(http.cookies["session"])["csrf"]


def call(app, base: str, client: Client, endpoint: str, values: dict) -> requests.Response:
    route = ROUTES[endpoint]
    values = {**values, "token": client.spare_token}
    values.update({name: values[source] for name, source in (route.values or {}).items()})
    arguments = rules(app)[endpoint].arguments
    url = base + app.url_map.bind("localhost").build(endpoint, {k: values[k] for k in arguments})
    if endpoint.startswith("sessions."):
        body = {"email": client.email, "password": PASSWORD} if route.method == "POST" else None
        return client.api.request(route.method, url, json=body, allow_redirects=False, timeout=30)
    if not endpoint.startswith("staff."):
        return client.api.request(route.method, url, json=route.form, allow_redirects=False, timeout=30)
    http, form = client.web, dict(route.form or {})
    if endpoint == "staff.login_submit":
        http = anonymous(base)
        form.update(email=client.email, password=PASSWORD)
    if route.method not in SAFE:
        form["csrf_token"] = csrf_in(app, http)
    return http.request(route.method, url, data=form or None, allow_redirects=False, timeout=30)


def expectation(role: str | None, verb: str) -> str:
    if verb == PUBLIC:
        return "allowed"
    if role is None:
        return "sign-in"
    return "allowed" if verb == AUTHENTICATED or verb in PERMISSIONS[role] else "forbidden"


def mismatch(endpoint: str, role: str | None, response: requests.Response) -> str | None:
    """What is wrong with the answer to ``role`` on ``endpoint``, or None."""
    expected, status = expectation(role, ROUTES[endpoint].verb), response.status_code
    if expected == "allowed":
        fine = status in ROUTES[endpoint].ok
    elif expected == "forbidden":
        fine = status == 403 and "403.1" in response.text
    elif endpoint.startswith("staff."):
        fine = status in (302, 303) and response.headers.get("Location", "").startswith("/login")
    else:
        fine = status == 401 and response.json().get("code") == 401.2
    who = role or "anonymous"
    return None if fine else f"{who} {endpoint}: expected {expected}, got {status} {response.text[:160]}"


def database_rows(world) -> dict[str, list[str]]:
    """Every row of every table, for "changed nothing" comparisons."""
    return world.run(lambda: {table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
                              for table in db.metadata.sorted_tables})


def instance_files(app) -> dict[str, str]:
    root = Path(app.instance_path)
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ---- the web and API matrix ---------------------------------------------------------------------

def test_role_matrix_keeps_personal_data_and_installation_duties_apart():
    """The tests below take PERMISSIONS as given; these are the promises it must keep."""
    def holders(verb: str) -> set[str]:
        return {role for role, verbs in PERMISSIONS.items() if verb in verbs}
    assert set(PERMISSIONS) == set(ROLES)
    assert holders("personal.read") == holders("export.raw") == {"data_manager"}
    for verb in ("user.manage", "key.manage", "audit.read", "backup.manage", "project.create"):
        assert holders(verb) == {"administrator"}, verb
    assert holders("submission.read") == set(ROLES) - {"department_viewer"}
    assert staff_users.ALL_PROJECTS == {"administrator"}


def test_every_staff_and_session_route_has_an_entry_in_the_matrix(app):
    registered = rules(app)
    blueprints = {endpoint.split(".")[0] for endpoint in registered if "." in endpoint}
    assert blueprints <= MATRIX_BLUEPRINTS | OTHER_BLUEPRINTS, "a new blueprint needs its permission tests"
    assert {e for e in registered if e.split(".")[0] in MATRIX_BLUEPRINTS} == set(ROUTES)
    verbs = set().union(*PERMISSIONS.values())
    for endpoint, route in ROUTES.items():
        assert route.method in registered[endpoint].methods, endpoint
        assert route.verb in verbs | {PUBLIC, AUTHENTICATED}, endpoint


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
def test_each_route_answers_each_role_as_the_matrix_says(app, world, live_server, scene, role):
    grant_all(world, scene)
    client = client_for(world, live_server, scene, role)
    wrong = [mismatch(e, role, call(app, live_server, client, e, scene.values)) for e in ORDER]
    assert [w for w in wrong if w] == []


@pytest.mark.parametrize("role", [r for r in ROLES if r not in staff_users.ALL_PROJECTS])
def test_project_without_a_grant_is_indistinguishable_from_a_missing_one(app, world, live_server, scene, role):
    """Without a grant, every project page answers as for a project id that does not exist:
    404 where the role holds the page's verb (403 for both where it does not), nothing changes."""
    client = client_for(world, live_server, scene, role)
    missing = scene.project_id + 9999
    before = database_rows(world)
    for endpoint in ORDER:
        if endpoint.startswith("sessions.") or "project_id" not in rules(app)[endpoint].arguments:
            continue
        real = call(app, live_server, client, endpoint, scene.values)
        ghost = call(app, live_server, client, endpoint, {**scene.values, "project_id": missing})
        assert real.status_code == ghost.status_code, endpoint
        assert _without_id(real.text, scene.project_id) == _without_id(ghost.text, missing), endpoint
        if ROUTES[endpoint].verb in PERMISSIONS[role]:
            assert real.status_code == 404 and "404.1" in real.text, endpoint
    listing = client.web.get(f"{live_server}/projects", timeout=30)
    assert listing.status_code == 200 and "Мониторинг 2026" not in listing.text
    assert database_rows(world) == before


def _without_id(html: str, project_id: int) -> str:
    return html.replace(f"/projects/{project_id}", "/projects/N")


# ---- personal data -------------------------------------------------------------------------------

def test_personal_data_and_files_are_shown_only_to_a_data_manager_who_stated_a_purpose(app, world, live_server,
                                                                                         scene):
    grant_all(world, scene)
    clients = {role: client_for(world, live_server, scene, role) for role in ROLES}
    urls = _personal_urls(live_server, scene)
    for client in clients.values():
        _assert_nothing_personal(client, urls, scene.canary)
    manager = clients["data_manager"].web
    assert manager.get(urls["file"], timeout=30).status_code == 400  # 400.31: no purpose stated yet
    stated = manager.post(urls["personal"], data={"csrf_token": csrf_in(app, manager),
                                                  "purpose": "Сверка с ведомостью школы"}, timeout=30)
    assert stated.status_code == 200 and scene.canary in stated.text  # the canary is there to be found
    assert manager.get(urls["file"], timeout=30).content == b"JPEG-door"
    for role, client in clients.items():
        if role == "data_manager":
            continue
        refused = client.web.post(urls["personal"], data={"csrf_token": csrf_in(app, client.web),
                                                          "purpose": "Сверка с ведомостью школы"}, timeout=30)
        assert refused.status_code == 403 and "403.1" in refused.text, role
        _assert_nothing_personal(client, urls, scene.canary)


def test_a_stated_purpose_lapses_at_once_when_the_role_is_taken_away(app, world, live_server, scene):
    grant_all(world, scene)
    manager = client_for(world, live_server, scene, "data_manager")
    urls = _personal_urls(live_server, scene)
    stated = manager.web.post(urls["personal"], data={"csrf_token": csrf_in(app, manager.web),
                                                      "purpose": "Сверка с ведомостью школы"}, timeout=30)
    assert scene.canary in stated.text
    world.run(lambda: staff_users.set_role(db.session.get(StaffUser, scene.users["data_manager"]), "verifier",
                                           audit.SYSTEM))
    _assert_nothing_personal(manager, urls, scene.canary)


def _personal_urls(base: str, scene: Scene) -> dict[str, str]:
    project = f"{base}/projects/{scene.project_id}"
    submission = f"{project}/forms/photos/submissions/{scene.values['instance_id']}"
    return {"project": project, "form": f"{project}/forms/photos", "submission": submission,
            "personal": f"{submission}/personal", "file": f"{submission}/attachments/door.jpg"}


def _assert_nothing_personal(client: Client, urls: dict, canary: str) -> None:
    for page in ("project", "form", "submission"):
        response = client.web.get(urls[page], timeout=30)
        assert response.status_code in (200, 403) and canary not in response.text, (client.role, page)
    file = client.web.get(urls["file"], timeout=30)
    assert file.status_code in (400, 403) and b"JPEG-door" not in file.content, client.role
    if client.role != "data_manager":
        assert file.status_code == 403 and "403.1" in file.text, client.role


# ---- the command line ----------------------------------------------------------------------------

class Command(NamedTuple):
    verb: str
    args: tuple
    forbidden: str | None       # a role that must be refused (None: every role holds the verb)
    allowed: str | None = None  # a role whose run must succeed (None: a sibling command runs for this verb)
    expect: str = ""            # in the allowed run's output
    stdin: str | None = None


COMMANDS = {
    ("user", "create"): Command("user.manage", ("user", "create", "new@example.kg", "--role", "analyst",
                                                "--password-stdin"), "data_manager", stdin=PASSWORD + "\n"),
    ("user", "grant"): Command("user.manage", ("user", "grant", "extra@example.kg", "--project", "{project}"),
                               "data_manager", "administrator", "may now see project"),
    ("user", "revoke"): Command("user.manage", ("user", "revoke", "extra@example.kg", "--project", "{project}"),
                                "data_manager", "administrator", "may no longer see project"),
    ("user", "role"): Command("user.manage", ("user", "role", "extra@example.kg", "verifier"),
                              "data_manager", "administrator", "is now verifier"),
    ("project", "create"): Command("project.create", ("project", "create", "Новый цикл", "--year", "2027"),
                                   "data_manager", "administrator", "Новый цикл"),
    ("project", "status"): Command("project.manage", ("project", "status", "{project}", "open"),
                                   "verifier", "data_manager", "is open"),
    ("project", "list"): Command("project.read", ("project", "list"), None, "department_viewer", "Цикл 2026"),
    ("form", "publish"): Command("form.manage", ("form", "publish", "{xlsform}", "--project", "{project}"),
                                 "analyst", "data_manager", "published simple version 1"),
    ("app-user", "create"): Command("app_user.manage", ("app-user", "create", "Планшет 8", "--project", "{project}"),
                                    "verifier", "data_manager", "Collect server URL:"),
    ("submissions", "list"): Command("submission.read", ("submissions", "list", "--project", "{project}", "--form",
                                                         "photos"), "department_viewer", "analyst", "0 submissions"),
    ("keys", "list"): Command("key.manage", ("keys", "list"), "data_manager", "administrator", "system"),
    ("keys", "rotate-master"): Command("key.manage", ("keys", "rotate-master"), "data_manager"),
    ("keys", "rotate"): Command("key.manage", ("keys", "rotate"), "verifier"),
    ("audit", "verify"): Command("audit.read", ("audit", "verify"), "analyst", "administrator", "audit log intact"),
    ("audit", "list"): Command("audit.read", ("audit", "list"), "verifier"),
    ("backup",): Command("backup.manage", ("backup",), "data_manager", "administrator", "backup written"),
    # Syncing the project with itself through the live server: nothing to copy, but every step runs.
    ("sync", "pull"): Command("form.manage", ("sync", "pull", "--from", "{remote}", "--project", "{project}",
                                              "--user", "administrator@example.kg", "--password-stdin"),
                              "verifier", "administrator", ": ok (", stdin=PASSWORD + "\n"),
    ("sync", "push"): Command("personal.read", ("sync", "push", "--to", "{remote}", "--project", "{project}",
                                                "--user", "data_manager@example.kg", "--password-stdin"),
                              "administrator", "data_manager", ": ok (", stdin=PASSWORD + "\n"),
    ("sync", "status"): Command("project.read", ("sync", "status", "--project", "{project}"), None),
    ("export",): Command("export.anonymized", ("export", "--project", "{project}", "--form", "photos", "--format",
                                               "csv"), "verifier", "analyst", "main: 0 rows"),
    ("handover", "build"): Command("export.anonymized", ("handover", "build", "--project", "{project}"),
                                   "department_viewer", "data_manager", "manifest SHA-256"),
    # The sample: "{project}" has none yet, "{sampled}" a drawn sample, rosters, students and weights.
    ("sample", "import-frame"): Command("sample.manage", ("sample", "import-frame", "{frame}", "--project",
                                                          "{project}"), "verifier", "administrator",
                                        "imported 60 schools"),
    ("sample", "draw"): Command("sample.manage", ("sample", "draw", "--project", "{sampled}", "--seed", "1",
                                                  "--size", "24"), "analyst"),
    ("sample", "refuse"): Command("sample.manage", ("sample", "refuse", "--project", "{sampled}", "--school",
                                                    "{school}", "--reason", "Отказ"), "department_viewer"),
    ("sample", "report"): Command("sample.read", ("sample", "report", "--project", "{sampled}"), None,
                                  "department_viewer", ".xlsx"),
    ("roster", "import"): Command("sample.manage", ("roster", "import", "{roster}", "--project", "{sampled}"),
                                  "verifier"),
    ("participants", "select"): Command("sample.manage", ("participants", "select", "--project", "{sampled}",
                                                          "--seed", "1", "--take", "student=2"), "analyst"),
    ("participants", "sheets"): Command("personal.read", ("participants", "sheets", "--project", "{sampled}",
                                                          "--purpose", "Списки для тестирования"), "administrator",
                                        "data_manager", "participants in 24 schools"),
    ("coverage",): Command("sample.read", ("coverage", "--project", "{sampled}"), None, "verifier",
                           "observation_probe (school): 3/24"),
    ("weights", "compute"): Command("sample.manage", ("weights", "compute", "--project", "{sampled}", "--form",
                                                      "observation_probe"), "analyst", "data_manager",
                                    "3 respondents"),
    # Online questionnaires: "{sampled}" has observation_probe open on the web and school link 1.
    ("web", "open"): Command("web_link.manage", ("web", "open", "--project", "{sampled}", "--form",
                                                 "observation_probe", "--closes", "2099-12-31"), "analyst",
                             "data_manager", "is open on the web until 2099-12-31T23:59:59"),
    ("web", "close"): Command("web_link.manage", ("web", "close", "--project", "{sampled}", "--form",
                                                  "observation_probe"), "verifier"),
    ("web", "link"): Command("web_link.manage", ("web", "link", "--project", "{sampled}", "--form",
                                                 "observation_probe", "--school", "{school}", "--quota", "30"),
                             "department_viewer", "administrator", "/w/"),
    ("web", "links"): Command("web_link.manage", ("web", "links", "--project", "{sampled}"), "analyst"),
    ("web", "revoke"): Command("web_link.manage", ("web", "revoke", "--project", "{sampled}", "--link", "1"),
                               "verifier"),
    ("web", "reissue"): Command("web_link.manage", ("web", "reissue", "--project", "{sampled}", "--participant",
                                                    "{participant}"), "analyst"),
    # Standardized tests: "{sampled}" also has the welder test, keyed, with a few scored takers.
    ("scoring", "key"): Command("scoring.manage", ("scoring", "key", "{welder_key}", "--project", "{sampled}",
                                                   "--form", "test_welder"), "analyst", "data_manager",
                                "answer key 2 for test_welder"),
    ("scoring", "rescore"): Command("scoring.manage", ("scoring", "rescore", "--project", "{sampled}", "--form",
                                                       "test_welder"), "verifier"),
    ("scoring", "calibrate"): Command("scoring.manage", ("scoring", "calibrate", "--project", "{sampled}", "--form",
                                                         "test_welder"), "department_viewer"),
    ("scoring", "report"): Command("report.read", ("scoring", "report", "--project", "{sampled}", "--form",
                                                   "test_welder"), "verifier", "department_viewer", ".xlsx"),
    ("estimate",): Command("report.read", ("estimate", "--project", "{sampled}", "--form", "observation_probe",
                                           "--variable", "rating"), "verifier", "analyst", "mean of"),
}


def cli_commands(group: click.Group = sapat_cli, prefix: tuple = ()) -> dict[tuple, str]:
    """Each command run under ``in_app(verb)`` with a verb, read from the wrapper it installs."""
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= cli_commands(command, prefix + (name,))
        elif command.callback is not None:
            verb = inspect.getclosurevars(command.callback).nonlocals.get("verb")
            if verb:
                found[prefix + (name,)] = verb
    return found


@pytest.fixture
def cli_scene(world, tmp_path, live_server) -> dict:
    project_id = world.project("Цикл 2026")
    for role in ROLES:
        user_id = world.admin(f"{role}@example.kg", PASSWORD, role)
        if role not in staff_users.ALL_PROJECTS:
            world.grant(user_id, project_id)
    world.admin("extra@example.kg", PASSWORD, "analyst")
    world.publish(project_id, photo_form())
    xlsform = tmp_path / "simple.xlsx"
    xlsform.write_bytes(simple_form())
    sampled = sampled_project(world, "Выборка 2026", participants_per_school=2, observed=3)
    welder_takers(world, sampled)
    for role in ROLES:
        if role not in staff_users.ALL_PROJECTS:
            world.grant(scene_user(world, role), sampled)
    frame, roster = tmp_path / "frame.xlsx", tmp_path / "roster.xlsx"
    frame.write_bytes(xlsx(FRAME_HEADERS, frame_rows(60)))
    school = world.run(lambda: sampling.taking_part(projects.get_project(sampled))[0].school.code)
    world.run(lambda: web.open_form(projects.get_project(sampled), "observation_probe", None, audit.SYSTEM))
    world.run(lambda: web.create_school_link(projects.get_project(sampled), "observation_probe", school, audit.SYSTEM))
    participant = world.run(lambda: participants.list_participants(projects.get_project(sampled))[0].code)
    roster.write_bytes(xlsx(ROSTER_HEADERS, roster_rows([school], students=4, teachers=1)))
    return {"project": str(project_id), "xlsform": str(xlsform), "remote": live_server, "sampled": str(sampled),
            "frame": str(frame), "roster": str(roster), "school": school, "participant": participant,
            "welder_key": str(WELDER_KEY)}


def welder_takers(world, project_id: int) -> None:
    """The welder test published, keyed, and answered by a dozen generated takers."""
    def run():
        project = projects.get_project(project_id)
        publish_file(project, WELDER)
        key = welder_key()
        rng = random.Random(8)
        for n in range(12):
            xml = welder_answer(key, taker(key, rng.gauss(0, 1), rng), code=f"100002-S{n:03d}")
            submissions.ingest(lambda f: form_service.get_form(project, f), xml, [], submissions.Submitter())
        scoring.upload_key(project, "test_welder", WELDER_KEY.read_bytes(), audit.SYSTEM)
    world.run(run)


def scene_user(world, role: str) -> int:
    return world.run(lambda: staff_users.find_user(f"{role}@example.kg").id)


def sapat(app, database_url: str, args, role: str) -> subprocess.Popen:
    """``sapat`` as a real process signed in as ``role``'s user, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAPAT_")}
    env.update(SAPAT_INSTANCE_PATH=app.instance_path, SAPAT_DATABASE_URL=database_url, SAPAT_VALIDATE_FORMS="False",
               SAPAT_USER=f"{role}@example.kg", SAPAT_PASSWORD=PASSWORD)
    return subprocess.Popen([sys.executable, "-m", "admin_cli", *args], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_commands(app, database_url: str, runs: list[tuple[tuple, str]], fill: dict) -> list[tuple]:
    """(returncode, stdout, stderr) of each (command, role), a few processes at a time."""
    def one(run):
        command = COMMANDS[run[0]]
        process = sapat(app, database_url, [a.format(**fill) for a in command.args], run[1])
        out, err = process.communicate(command.stdin, timeout=120)
        return process.returncode, out, err
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, runs))


def test_every_cli_command_with_a_verb_has_an_entry_in_the_matrix():
    assert cli_commands() == {path: command.verb for path, command in COMMANDS.items()}
    for command in COMMANDS.values():
        assert command.forbidden is None or command.verb not in PERMISSIONS[command.forbidden]
        assert command.allowed is None or command.verb in PERMISSIONS[command.allowed]
        assert command.forbidden is not None or all(command.verb in verbs for verbs in PERMISSIONS.values())
    assert {c.verb for c in COMMANDS.values()} == {c.verb for c in COMMANDS.values() if c.allowed}


@pytest.mark.slow
def test_cli_refuses_a_role_without_the_commands_verb_and_changes_nothing(app, migrated, world, cli_scene):
    runs = [(path, command.forbidden) for path, command in COMMANDS.items() if command.forbidden]
    rows, files = database_rows(world), instance_files(app)
    for (path, role), (code, out, err) in zip(runs, run_commands(app, migrated, runs, cli_scene)):
        assert code != 0 and "(403.1)" in err, (path, role, err)
        assert out == "", (path, role)
    assert database_rows(world) == rows
    assert instance_files(app) == files


@pytest.mark.slow
def test_cli_runs_each_verb_for_a_role_that_holds_it(app, migrated, world, cli_scene):
    runs = [(path, command.allowed) for path, command in COMMANDS.items() if command.allowed]
    for (path, role), (code, out, err) in zip(runs, run_commands(app, migrated, runs, cli_scene)):
        assert code == 0, (path, role, err)
        assert COMMANDS[path].expect in out, (path, role, out)


@pytest.mark.slow
def test_read_only_command_waits_for_a_busy_database_instead_of_failing(app, migrated, cli_scene):
    """Signing in writes (the failure counter, an audit entry), even for a command that only reads:
    on SQLite it must wait for the write lock a server request holds, not fail at once."""
    if not migrated.startswith("sqlite"):
        pytest.skip("SQLite's read-to-write lock upgrade; PostgreSQL has none")
    busy = sqlite3.connect(migrated.removeprefix("sqlite:///"), isolation_level=None)
    busy.execute("BEGIN IMMEDIATE")  # as a server request in the middle of its write
    process = sapat(app, migrated, ["project", "list"], "department_viewer")
    try:
        process.wait(timeout=4)  # a command that waits for the lock is still running here
    except subprocess.TimeoutExpired:
        pass
    finally:
        busy.execute("ROLLBACK")
        busy.close()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "Цикл 2026" in out
