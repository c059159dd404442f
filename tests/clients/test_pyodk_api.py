"""The real pyodk ``Client`` (ODK's own Python library) against a live Sapat on loopback.

Everything here goes through pyodk's public methods (or its session, for the few endpoints
pyodk has no method for), so a change in Sapat's wire format that would break pyodk users
breaks these tests.
"""
from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
from pyodk.errors import PyODKError

from server.services import staff_users
from server.storage import db
from server.storage.audit import AuditEntry
from server.storage.users import StaffUser
from tests.support.central import pyodk_client
from tests.support.staff import PASSWORD
from tests.support.submissions import submission_xml
from tests.support.xlsforms import photo_form, simple_form

PURPOSE = "Сверка кода школы с ведомостью"


@pytest.fixture
def central(world, live_server, tmp_path):
    """A data manager with a project; pyodk signed in as them."""
    user_id = world.admin("manager@example.kg", PASSWORD, "data_manager")
    project_id = world.project()
    world.grant(user_id, project_id)
    client = pyodk_client(tmp_path / "pyodk", live_server, "manager@example.kg", PASSWORD, project_id)
    yield client, project_id
    client.close()


def test_projects_and_forms_through_pyodk(central, tmp_path):
    client, project_id = central
    assert [p.id for p in client.projects.list()] == [project_id]
    assert client.projects.get().name == "Мониторинг 2026"

    form = client.forms.create(definition=photo_form())
    assert form.xmlFormId == "photos"
    assert client.forms.get("photos").publishedAt is not None
    assert [f.xmlFormId for f in client.forms.list()] == ["photos"]
    assert 'id="photos"' in client.forms.get_xml("photos")

    # A new version from a new definition, then a media-less republish renamed by pyodk.
    client.forms.update("photos", definition=photo_form(version="2"))
    assert client.forms.get("photos").version == "2"
    client.forms.update("photos", attachments=[], version_updater=lambda v: f"{v}.1")
    assert client.forms.get("photos").version == "2.1"
    assert 'version="2.1"' in client.forms.get_xml("photos")
    versions = client.get(f"projects/{project_id}/forms/photos/versions").json()
    assert [v["version"] for v in versions] == ["2.1", "2", "1"]
    assert client.get(f"projects/{project_id}/forms/photos/versions/1/attachments").json() == []
    assert 'version="1"' in client.get(f"projects/{project_id}/forms/photos/versions/1.xml").text

    # Creating a form id that exists is Central's 409.3, and changes nothing.
    with pytest.raises(PyODKError, match="409"):
        client.forms.create(definition=photo_form(version="3"))
    assert client.forms.get("photos").version == "2.1"


def test_app_users_and_assignments_through_pyodk(central):
    client, project_id = central
    client.forms.create(definition=simple_form())
    users = client.projects.create_app_users(display_names=["Планшет 7", "Планшет 8"], forms=["simple"])
    assert sorted(u.displayName for u in users) == ["Планшет 7", "Планшет 8"]
    assert all(len(u.token) == 64 for u in users)
    assigned = client.get(f"projects/{project_id}/forms/simple/assignments/2").json()
    assert sorted(a["id"] for a in assigned) == sorted(u.id for u in users)
    # Running it again creates nobody (pyodk skips names that have a live token).
    assert list(client.projects.create_app_users(display_names=["Планшет 7"])) == []


def test_submissions_edit_review_and_comments_through_pyodk(central, world, tmp_path):
    client, project_id = central
    client.forms.create(definition=photo_form())
    photo = tmp_path / "door.jpg"
    photo.write_bytes(b"JPEG-door")
    xml, instance_id = submission_xml("photos", school="S-417", photo="door.jpg")
    created = client.submissions.create(xml.decode(), form_id="photos", attachments=[photo])
    assert created.instanceId == instance_id
    assert [(a.name, a.exists) for a in created.attachments] == [("door.jpg", True)]
    assert created.reviewState is None

    listed = client.submissions.list(form_id="photos")
    assert [s.instanceId for s in listed] == [instance_id]

    edited_xml, edited_id = submission_xml("photos", school="S-418", photo="door.jpg", deprecated_id=instance_id)
    client.submissions.edit(instance_id, edited_xml.decode(), form_id="photos", comment="Код школы исправлен")
    submission = client.submissions.get(instance_id, form_id="photos")
    assert submission.reviewState == "edited"
    versions = client.get(f"projects/{project_id}/forms/photos/submissions/{instance_id}/versions").json()
    assert [(v["instanceId"], v["current"]) for v in versions] == [(edited_id, True), (instance_id, False)]
    # The edit carried the photo over from the first version.
    attachments = client.get(f"projects/{project_id}/forms/photos/submissions/{instance_id}/attachments").json()
    assert attachments == [{"name": "door.jpg", "exists": True}]

    client.submissions.review(instance_id, "approved", form_id="photos", comment="Проверено")
    assert client.submissions.get(instance_id, form_id="photos").reviewState == "approved"
    bodies = [c.body for c in client.submissions.list_comments(instance_id, form_id="photos")]
    assert bodies == ["Код школы исправлен", "Проверено"]
    actions = [e["action"] for e in client.get(
        f"projects/{project_id}/forms/photos/submissions/{instance_id}/audits").json()]
    assert "submission.review" in actions and "submission.comment" in actions


def test_personal_data_needs_a_stated_purpose(central, world):
    client, project_id = central
    client.forms.create(definition=photo_form())
    xml, instance_id = submission_xml("photos", school="S-777", photo="door.jpg")
    client.submissions.create(xml.decode(), form_id="photos")
    path = f"projects/{project_id}/forms/photos/submissions/{instance_id}.xml"

    refused = client.session.get(client.session.urljoin(path))
    assert refused.status_code == 400 and refused.json()["code"] == 400.31
    audited_before = world.run(lambda: db.session.query(AuditEntry).filter_by(action="personal.read").count())
    client.session.headers["X-Sapat-Purpose"] = quote(PURPOSE)
    assert client.get(path).content == xml
    entries = world.run(lambda: [(e.purpose, e.details) for e in
                                 db.session.query(AuditEntry).filter_by(action="personal.read")])
    assert len(entries) == audited_before + 1 and entries[-1] == (PURPOSE, {"via": "api"})

    # A verifier reviews but never reads the XML, purpose or not.
    world.run(lambda: staff_users.set_role(db.session.query(StaffUser).one(), "verifier",
                                           staff_users.audit.SYSTEM))
    denied = client.session.get(client.session.urljoin(path))
    assert denied.status_code == 403 and denied.json()["code"] == 403.1
    client.submissions.review(instance_id, "hasIssues", form_id="photos")
    assert client.submissions.get(instance_id, form_id="photos").reviewState == "hasIssues"


def test_resubmitting_an_instance_id_is_a_conflict(central):
    client, _ = central
    client.forms.create(definition=simple_form())
    xml = (f'<data id="simple" version="1"><school>S-1</school><consent>yes</consent>'
           f'<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>')
    client.submissions.create(xml, form_id="simple")
    with pytest.raises(PyODKError, match="409"):
        client.submissions.create(xml, form_id="simple")
    assert len(client.submissions.list(form_id="simple")) == 1
