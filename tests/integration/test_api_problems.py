"""Bad requests to the Central-compatible API: Central's problem shapes, and nothing changes."""
from __future__ import annotations

import pytest
import requests

from tests.support.database import database_rows
from tests.support.staff import PASSWORD
from tests.support.submissions import submission_xml
from tests.support.xlsforms import photo_form, simple_form

XML = {"Content-Type": "application/xml"}


@pytest.fixture
def api(world, live_server):
    """A data manager granted one project (with a form and a submission) but not another."""
    user_id = world.admin("manager@example.kg", PASSWORD, "data_manager")
    mine, foreign = world.project(), world.project("Пилот 2026", stage="pilot")
    world.grant(user_id, mine)
    world.publish(mine, photo_form())
    world.publish(foreign, simple_form())
    http = requests.Session()
    token = http.post(f"{live_server}/v1/sessions", json={"email": "manager@example.kg", "password": PASSWORD},
                      timeout=30).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    xml, instance_id = submission_xml("photos")
    created = http.post(f"{live_server}/v1/projects/{mine}/forms/photos/submissions", data=xml, headers=XML,
                        timeout=30)
    assert created.status_code == 200, created.text
    return http, f"{live_server}/v1/projects", mine, foreign, instance_id


def problem(response: requests.Response, code: float) -> dict:
    body = response.json()
    assert response.status_code == int(code), response.text
    assert body["code"] == code and isinstance(body["message"], str) and body["message"], body
    return body


def test_unknown_and_foreign_ids_are_404_and_look_alike(api, world):
    http, base, mine, foreign, instance_id = api
    before = database_rows(world)
    for url in (f"{base}/{foreign}", f"{base}/{mine + 99}", f"{base}/{foreign}/forms",
                f"{base}/{foreign}/forms/simple", f"{base}/{foreign}/forms/simple.svc/Submissions",
                f"{base}/{mine}/forms/nope", f"{base}/{mine}/forms/photos/submissions/uuid:nope",
                f"{base}/{mine}/forms/photos/submissions/{instance_id}/versions/uuid:nope",
                f"{base}/{mine}/forms/photos/versions/9.xml", f"{base}/{mine}/forms/photos/draft"):
        problem(http.get(url, timeout=30), 404.1)
    problem(http.delete(f"{base}/{mine}/app-users/999", timeout=30), 404.1)
    problem(http.post(f"{base}/{mine}/forms/photos/assignments/5/1", timeout=30), 404.1)
    problem(http.patch(f"{base}/{foreign}/forms/simple/submissions/uuid:x", json={"reviewState": "approved"},
                       timeout=30), 404.1)
    assert database_rows(world) == before


def test_wrong_types_and_missing_fields_are_400_and_change_nothing(api, world):
    http, base, mine, _, instance_id = api
    submission = f"{base}/{mine}/forms/photos/submissions/{instance_id}"
    before = database_rows(world)
    assert problem(http.patch(submission, json={"reviewState": "done"}, timeout=30), 400.11)["details"] == \
        {"field": "reviewState"}
    problem(http.patch(submission, json={}, timeout=30), 400.2)
    problem(http.patch(submission, data="not json", timeout=30), 400.1)
    problem(http.patch(f"{base}/{mine}", json={"archived": "yes"}, timeout=30), 400.11)
    problem(http.post(f"{submission}/comments", json={"body": 5}, timeout=30), 400.11)
    problem(http.post(f"{submission}/comments", json={"body": "   "}, timeout=30), 400.11)
    problem(http.get(f"{base}/{mine}/forms/photos/submissions?limit=lots", timeout=30), 400.11)
    problem(http.patch(f"{base}/{mine}/forms/photos", json={"state": "paused"}, timeout=30), 400.11)
    problem(http.post(f"{base}/{mine}/forms", data=b"\x00\x01 not a form", timeout=30,
                      headers={"Content-Type": "application/octet-stream"}), 400.8)
    problem(http.post(f"{base}/{mine}/forms", data=b"<h:html>broken", headers=XML, timeout=30), 400.15)
    problem(http.post(f"{base}/{mine}/app-users", json={"displayName": ""}, timeout=30), 400.11)
    assert database_rows(world) == before


def test_bad_submissions_are_refused_with_central_codes(api, world):
    http, base, mine, _, instance_id = api
    submissions = f"{base}/{mine}/forms/photos/submissions"
    before = database_rows(world)
    other_form, _ = submission_xml("simple")
    problem(http.post(submissions, data=other_form, headers=XML, timeout=30), 400.8)
    problem(http.post(submissions, data=b"<data id='photos'><meta/></data>", headers=XML, timeout=30), 400.27)
    problem(http.post(submissions, data=b"<data", headers=XML, timeout=30), 400.1)
    problem(http.post(submissions, data=b"", headers=XML, timeout=30), 400.1)
    wrong_version, _ = submission_xml("photos", version="7")
    problem(http.post(submissions, data=wrong_version, headers=XML, timeout=30), 404.6)
    same_id, _ = submission_xml("photos", instance_id=instance_id, school="S-999")
    problem(http.post(submissions, data=same_id, headers=XML, timeout=30), 409.1)
    no_deprecated, _ = submission_xml("photos")
    problem(http.put(f"{submissions}/{instance_id}", data=no_deprecated, headers=XML, timeout=30), 400.27)
    stranger, _ = submission_xml("photos", deprecated_id="uuid:someone-else")
    problem(http.put(f"{submissions}/{instance_id}", data=stranger, headers=XML, timeout=30), 400.8)
    problem(http.post(f"{submissions}/{instance_id}/attachments/other.jpg", data=b"JPEG", timeout=30), 400.8)
    problem(http.post(f"{submissions}/{instance_id}/attachments/a%5Cb.jpg", data=b"JPEG", timeout=30), 400.8)
    assert database_rows(world) == before


def test_lists_page_with_limit_and_offset(api, world):
    http, base, mine, _, first = api
    submissions = f"{base}/{mine}/forms/photos/submissions"
    ids = [first]
    for _ in range(4):
        xml, instance_id = submission_xml("photos")
        assert http.post(submissions, data=xml, headers=XML, timeout=30).status_code == 200
        ids.append(instance_id)
    newest_first = list(reversed(ids))
    everything = http.get(submissions, timeout=30)
    assert [s["instanceId"] for s in everything.json()] == newest_first
    assert everything.headers["X-Total-Count"] == "5"
    page = http.get(submissions, params={"limit": 2, "offset": 2}, timeout=30)
    assert [s["instanceId"] for s in page.json()] == newest_first[2:4]
    assert page.headers["X-Total-Count"] == "5"
