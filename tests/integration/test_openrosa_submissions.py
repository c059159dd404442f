"""OpenRosa submission endpoint: behaves as ODK Central does for ODK Collect."""
from __future__ import annotations

import os
import threading

import pytest
import requests

from server.services import forms as form_service, projects, submissions
from tests.support.submissions import OPENROSA, post_submission, submission_xml

JPEG = b"\xff\xd8\xff\xe0" + b"photo-bytes" * 100


def stored(world, project_id, form_id):
    """{instanceID: (review state, [(version instanceID, xml, {attachment: bytes|None})])}."""
    from server.services.sealing import read_file

    def read():
        form = form_service.get_form(projects.get_project(project_id), form_id)
        result = {}
        for sub in submissions.list_submissions(form, limit=1000):
            versions = [(v.instance_id, submissions.submission_xml(v),
                         {a.name: (read_file(a.blob) if a.blob else None) for a in v.attachments})
                        for v in sub.versions]
            result[sub.instance_id] = (sub.review_state, versions)
        return result
    return world.run(read)


def message(response) -> str:
    return response.text


def test_head_and_get_submission_answer_204_with_openrosa_headers(field):
    for method in (requests.head, requests.get):
        response = method(f"{field.base}/submission", headers=OPENROSA, timeout=10)
        assert response.status_code == 204
        assert response.headers["X-OpenRosa-Version"] == "1.0"
        assert int(response.headers["X-OpenRosa-Accept-Content-Length"]) > 1_000_000
        assert response.headers["Date"].endswith("GMT")


def test_new_submission_is_created_with_its_attachment(field, world):
    xml, instance_id = submission_xml(field.form_id, photo="a.jpg")
    response = post_submission(field.base, xml, {"a.jpg": JPEG})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert "full submission upload was successful!" in response.text
    assert 'xmlns="http://openrosa.org/http/response"' in response.text
    state, versions = stored(world, field.project_id, field.form_id)[instance_id]
    assert state == "received"
    assert versions == [(instance_id, xml, {"a.jpg": JPEG})]


def test_duplicate_submission_is_acknowledged_and_not_stored_twice(field, world):
    xml, instance_id = submission_xml(field.form_id)
    assert post_submission(field.base, xml).status_code == 201
    again = post_submission(field.base, xml)
    assert again.status_code == 201
    assert "successful" in again.text
    assert list(stored(world, field.project_id, field.form_id)) == [instance_id]


def test_attachments_split_across_posts_are_joined(field, world):
    xml, instance_id = submission_xml(field.form_id, photo="a.jpg", extras=("b.jpg", "c.jpg"))
    first = post_submission(field.base, xml, {"a.jpg": JPEG, "b.jpg": b"B" * 10}, incomplete=True)
    assert first.status_code == 201
    _, [(_, _, files)] = stored(world, field.project_id, field.form_id)[instance_id]
    assert files == {"a.jpg": JPEG, "b.jpg": b"B" * 10, "c.jpg": None}
    second = post_submission(field.base, xml, {"c.jpg": b"C" * 10})
    assert second.status_code == 201
    _, [(_, _, files)] = stored(world, field.project_id, field.form_id)[instance_id]
    assert files == {"a.jpg": JPEG, "b.jpg": b"B" * 10, "c.jpg": b"C" * 10}


def test_resent_attachment_replaces_the_earlier_file(field, world):
    xml, instance_id = submission_xml(field.form_id, photo="a.jpg")
    post_submission(field.base, xml, {"a.jpg": b"first"})
    assert post_submission(field.base, xml, {"a.jpg": b"second"}).status_code == 201
    _, [(_, _, files)] = stored(world, field.project_id, field.form_id)[instance_id]
    assert files == {"a.jpg": b"second"}


def test_same_instance_id_with_different_xml_is_a_409_conflict_and_changes_nothing(field, world):
    xml, instance_id = submission_xml(field.form_id, school="S-001")
    post_submission(field.base, xml)
    other, _ = submission_xml(field.form_id, instance_id=instance_id, school="S-999")
    response = post_submission(field.base, other)
    assert response.status_code == 409
    assert "(409.1)" in response.text and 'nature="error"' in response.text
    _, [(_, kept, _)] = stored(world, field.project_id, field.form_id)[instance_id]
    assert kept == xml


def test_edit_with_deprecated_id_adds_a_version_and_keeps_history(field, world):
    xml, first_id = submission_xml(field.form_id, photo="a.jpg")
    post_submission(field.base, xml, {"a.jpg": JPEG})
    edited, second_id = submission_xml(field.form_id, school="S-002", photo="a.jpg", deprecated_id=first_id)
    assert post_submission(field.base, edited).status_code == 201
    assert post_submission(field.base, edited).status_code == 201  # a resend of the edit is idempotent
    state, versions = stored(world, field.project_id, field.form_id)[first_id]
    assert state == "edited"
    assert [(v[0], v[1]) for v in versions] == [(first_id, xml), (second_id, edited)]
    assert versions[1][2] == {"a.jpg": JPEG}  # carried forward from the version it replaces


def test_edit_of_unknown_or_outdated_version_is_refused(field, world):
    unknown, _ = submission_xml(field.form_id, deprecated_id="uuid:nope")
    response = post_submission(field.base, unknown)
    assert response.status_code == 404 and "(404.5)" in response.text
    xml, first_id = submission_xml(field.form_id)
    post_submission(field.base, xml)
    post_submission(field.base, submission_xml(field.form_id, deprecated_id=first_id)[0])
    stale, _ = submission_xml(field.form_id, deprecated_id=first_id, school="S-3")
    response = post_submission(field.base, stale)
    assert response.status_code == 409 and "(409.9)" in response.text


@pytest.mark.parametrize("case, status, code", [
    ("unknown form", 404, "404.7"),
    ("unknown version", 404, "404.6"),
    ("malformed", 400, "400.1"),
    ("doctype", 400, "400.1"),
    ("no instance id", 400, "400.27"),
])
def test_bad_submission_xml_gets_a_clear_openrosa_error_and_stores_nothing(field, world, case, status, code):
    xml, _ = submission_xml(field.form_id)
    xml = {
        "unknown form": submission_xml("nosuchform")[0],
        "unknown version": submission_xml(field.form_id, version="99")[0],
        "malformed": xml[:-10],
        "doctype": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                   b'<photos id="photos" version="1"><school>&b;</school><meta><instanceID>uuid:1</instanceID>'
                   b'</meta></photos>',
        "no instance id": xml.replace(b"<instanceID>", b"<other>").replace(b"</instanceID>", b"</other>"),
    }[case]
    response = post_submission(field.base, xml)
    assert response.status_code == status
    assert f"({code})" in response.text and "<OpenRosaResponse" in response.text
    assert stored(world, field.project_id, field.form_id) == {}


def test_missing_xml_part_is_400(field):
    response = requests.post(f"{field.base}/submission", files=[("a.jpg", ("a.jpg", JPEG, "image/jpeg"))],
                             headers=OPENROSA, timeout=10)
    assert response.status_code == 400 and "(400.7)" in response.text


def test_missing_openrosa_version_header_is_400(field):
    xml, _ = submission_xml(field.form_id)
    response = post_submission(field.base, xml, headers={})
    assert response.status_code == 400 and "X-OpenRosa-Version" in response.text


@pytest.mark.parametrize("name", ["../evil.jpg", "..", "dir/a.jpg", "a\\b.jpg"])
def test_path_like_attachment_names_are_refused(field, world, name):
    xml, _ = submission_xml(field.form_id, photo=name)
    response = post_submission(field.base, xml, {name: JPEG})
    assert response.status_code == 400 and "(400.8)" in response.text
    assert stored(world, field.project_id, field.form_id) == {}


def test_attachment_the_xml_does_not_name_is_refused(field, world):
    xml, _ = submission_xml(field.form_id, photo="a.jpg")
    response = post_submission(field.base, xml, {"a.jpg": JPEG, "surprise.exe": b"MZ"})
    assert response.status_code == 400 and "surprise.exe" in response.text
    assert stored(world, field.project_id, field.form_id) == {}


def test_oversized_xml_and_request_get_413(field, app, world):
    app.config["SAPAT_MAX_XML_BYTES"] = 2000
    big, _ = submission_xml(field.form_id, school="x" * 3000)
    response = post_submission(field.base, big)
    assert response.status_code == 413 and "(413.1)" in response.text
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    xml, _ = submission_xml(field.form_id, photo="a.jpg")
    response = post_submission(field.base, xml, {"a.jpg": b"x" * 100_000})
    assert response.status_code == 413
    assert stored(world, field.project_id, field.form_id) == {}


def test_bad_token_gets_403_never_401(field, live_server):
    xml, _ = submission_xml(field.form_id)
    wrong = field.base.replace(field.token, "x" * 64)
    for response in (post_submission(wrong, xml), requests.get(f"{wrong}/formList", headers=OPENROSA, timeout=10)):
        assert response.status_code == 403


def test_form_not_assigned_to_the_app_user_is_403(field, world, live_server):
    from tests.support.xlsforms import photo_form
    world.publish(field.project_id, photo_form(form_id="other"))
    xml, _ = submission_xml("other")
    assert post_submission(field.base, xml).status_code == 403


def test_closed_form_refuses_and_closing_form_accepts(field, world):
    def set_state(state):
        world.run(lambda: form_service.set_state(
            form_service.get_form(projects.get_project(field.project_id), field.form_id), state))
    set_state("closing")
    assert post_submission(field.base, submission_xml(field.form_id)[0]).status_code == 201
    set_state("closed")
    response = post_submission(field.base, submission_xml(field.form_id)[0])
    assert response.status_code == 409 and "(409.2)" in response.text


def test_concurrent_identical_posts_store_one_submission(field, world):
    xml, instance_id = submission_xml(field.form_id, photo="a.jpg")
    results = []

    def send():
        results.append(post_submission(field.base, xml, {"a.jpg": JPEG}).status_code)
    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201] * 6
    assert list(stored(world, field.project_id, field.form_id)) == [instance_id]


def test_a_large_attachment_spooled_during_upload_arrives_intact(field, world):
    big = os.urandom(2 * 1024 * 1024 + 123)  # beyond the in-memory threshold: spooled, sealed, stored
    xml, instance_id = submission_xml(field.form_id, photo="big.jpg")
    assert post_submission(field.base, xml, {"big.jpg": big}).status_code == 201
    _, [(_, _, files)] = stored(world, field.project_id, field.form_id)[instance_id]
    assert files == {"big.jpg": big}
