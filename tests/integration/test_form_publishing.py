"""Uploading, validating, versioning and publishing forms."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

import forms as instruments
from server.problems import Problem
from server.services import demo, forms as form_service, projects
from tests.conftest import require_tool
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import media_form, photo_form, xlsform


def upload(world, project_id, data, filename="form.xlsx"):
    return world.run(lambda: form_service.create_draft(projects.get_project(project_id), data, filename).id)


def test_xlsform_error_names_sheet_row_and_fix(world):
    project_id = world.project()
    broken = xlsform([("text", "school", "Мектеп", "Школа"), ("select_one nolist", "q", "Суроо", "Вопрос")],
                     choices=[("yn", "yes", "Ооба", "Да")])
    with pytest.raises(Problem) as caught:
        upload(world, project_id, broken)
    assert caught.value.code == "400.15"
    [error] = caught.value.details["errors"]
    assert error["sheet"] == "survey" and error["row"] == 3
    assert "nolist" in error["message"]


def test_odk_validate_rejects_what_javarosa_cannot_run(app, world, java_available):
    require_tool(java_available, "java (ODK Validate)")
    app.config["SAPAT_VALIDATE_FORMS"] = True
    project_id = world.project()
    xml = instruments.compile_xlsform(photo_form(), validate=False).xml
    broken = xml.replace(b'nodeset="/data/rooms" type="int"',
                         b'nodeset="/data/rooms" type="int" relevant="/data/rooms &gt; "')
    assert broken != xml
    with pytest.raises(Problem) as caught:
        upload(world, project_id, broken, "broken.xml")
    assert caught.value.code == "400.15"
    assert caught.value.details["errors"][0]["row"] is None


def test_demo_cycle_publishes_every_library_instrument_after_odk_validate(app, world, java_available):
    require_tool(java_available, "java (ODK Validate)")
    app.config["SAPAT_VALIDATE_FORMS"] = True
    seeded = world.run(lambda: demo.seed_demo(Path(app.instance_path)).project.id)
    published = world.run(lambda: {f.xml_form_id: f.current_def.version
                                   for f in form_service.list_forms(projects.get_project(seeded))})
    assert published == {p.stem: instruments.compile_xlsform(p.read_bytes(), validate=False).info.version
                         for p in instruments.library_forms()}


def test_test_answer_key_never_reaches_a_device(world, live_server):
    import requests
    from tests.support.submissions import OPENROSA
    project_id = world.project()
    path = next(p for p in instruments.library_forms() if p.stem == "test_welder")
    form_id = world.publish(project_id, path.read_bytes(), path.name)
    _, token = world.app_user(project_id, forms=[form_id])
    base = world.collect_base(live_server, project_id, token)
    listing = requests.get(f"{base}/formList", headers=OPENROSA, timeout=10).text
    assert "test_welder" in listing and "manifestUrl" not in listing
    xform = requests.get(f"{base}/forms/test_welder.xml", timeout=10).content
    compiled = instruments.compile_xlsform(path.read_bytes(), validate=False)
    assert xform == compiled.xml  # the very XForm whose freedom from keys the library tests check
    key = instruments.load_answer_key(instruments.key_path(path).read_bytes())
    assert instruments.check_answer_key(key, compiled) == []
    assert b"key.json" not in xform
    assert requests.get(f"{base}/forms/test_welder/attachments/test_welder.key.json",
                        timeout=10).status_code == 404


def test_xform_upload_is_accepted(world):
    project_id = world.project()
    xml = instruments.compile_xlsform(photo_form(form_id="from_xml"), validate=False).xml
    assert world.publish(project_id, xml, "from_xml.xml") == "from_xml"


def test_new_version_replaces_the_old_in_collect_but_old_version_submissions_still_count(world, live_server):
    project_id = world.project()
    form_id = world.publish(project_id, photo_form(version="1"))
    _, token = world.app_user(project_id, forms=[form_id])
    world.publish(project_id, photo_form(version="2"))
    base = world.collect_base(live_server, project_id, token)
    assert post_submission(base, submission_xml(form_id, version="1")[0]).status_code == 201
    assert post_submission(base, submission_xml(form_id, version="2")[0]).status_code == 201
    assert world.run(lambda: form_service.get_form(projects.get_project(project_id), form_id)
                     .current_def.version) == "2"


def test_publishing_a_version_twice_is_409(world):
    project_id = world.project()
    world.publish(project_id, photo_form(version="1"))
    with pytest.raises(Problem) as caught:
        world.publish(project_id, photo_form(version="1"))
    assert caught.value.code == "409.6"


def test_form_with_missing_media_cannot_be_published(world):
    project_id = world.project()
    upload(world, project_id, media_form())

    def publish_with_one_file():
        form = form_service.get_form(projects.get_project(project_id), "with_media")
        form_service.upload_attachment(form, "logo.png", io.BytesIO(b"png"), "image/png")
        form_service.publish(form)
    with pytest.raises(Problem) as caught:
        world.run(publish_with_one_file)
    assert caught.value.code == "409.16" and caught.value.details["missing"] == ["schools.csv"]


def test_media_file_the_form_does_not_reference_is_refused(world):
    project_id = world.project()
    upload(world, project_id, media_form())
    with pytest.raises(Problem) as caught:
        world.run(lambda: form_service.upload_attachment(
            form_service.get_form(projects.get_project(project_id), "with_media"), "other.png",
            io.BytesIO(b"x"), "image/png"))
    assert caught.value.code == "400.8"


def test_library_form_round_trip_through_collect_endpoints(world, live_server):
    """Download a real library form as Collect would and send back an observation with photos."""
    import requests
    from tests.support.submissions import OPENROSA
    project_id = world.project()
    path = next(p for p in instruments.library_forms() if p.name == "lesson_observation.xlsx")
    form_id = world.publish(project_id, path.read_bytes(), path.name)
    _, token = world.app_user(project_id, forms=[form_id])
    base = world.collect_base(live_server, project_id, token)
    assert "lesson_observation" in requests.get(f"{base}/formList", headers=OPENROSA, timeout=10).text
    version = instruments.inspect_xform(requests.get(f"{base}/forms/{form_id}.xml", timeout=10).content).version
    xml = (f'<data id="{form_id}" version="{version}"><photos><photo>one.jpg</photo></photos>'
           f'<photos><photo>two.jpg</photo></photos><meta><instanceID>uuid:lesson-1</instanceID></meta>'
           f'</data>').encode()
    response = post_submission(base, xml, {"one.jpg": b"1", "two.jpg": b"2"})
    assert response.status_code == 201, response.text
