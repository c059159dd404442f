"""OpenRosa form list, form download and media manifest, as ODK Collect reads them."""
from __future__ import annotations

import hashlib
import io
from xml.etree import ElementTree

import requests

from server.services import forms as form_service, projects
from tests.support.submissions import OPENROSA
from tests.support.xlsforms import media_form, simple_form

XFORMS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
LOGO = b"\x89PNG\r\n\x1a\n" + b"logo" * 50
SCHOOLS = "name,label::Russian (ru),label::Kyrgyz (ky)\nS-001,Лицей №1,№1 лицей\n".encode()


def form_list(base: str, **params) -> dict[str, dict[str, str]]:
    response = requests.get(f"{base}/formList", headers=OPENROSA, params=params, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    root = ElementTree.fromstring(response.content)
    return {item.findtext(f"{XFORMS}formID"): {child.tag.replace(XFORMS, ""): child.text for child in item}
            for item in root.findall(f"{XFORMS}xform")}


def publish_media_form(world, project_id: int) -> str:
    def run():
        project = projects.get_project(project_id)
        draft = form_service.create_draft(project, media_form(), "media.xlsx")
        form = form_service.get_form(project, "with_media")
        assert sorted(a.name for a in draft.attachments) == ["logo.png", "schools.csv"]
        form_service.upload_attachment(form, "logo.png", io.BytesIO(LOGO), "image/png")
        form_service.upload_attachment(form, "schools.csv", io.BytesIO(SCHOOLS), "text/csv")
        form_service.publish(form)
        return form.xml_form_id
    return world.run(run)


def test_form_list_shows_assigned_open_forms_with_hash_and_urls(world, live_server):
    project_id = world.project()
    simple = world.publish(project_id, simple_form())
    media = publish_media_form(world, project_id)
    world.publish(project_id, simple_form(form_id="unassigned"))
    _, token = world.app_user(project_id, forms=[simple, media])
    base = world.collect_base(live_server, project_id, token)
    listed = form_list(base)
    assert sorted(listed) == ["simple", "with_media"]
    entry = listed["simple"]
    assert entry["name"] == "Жөнөкөй / Простая" and entry["version"] == "1"
    assert entry["downloadUrl"] == f"{base}/forms/simple.xml"
    assert "manifestUrl" not in entry
    assert listed["with_media"]["manifestUrl"] == f"{base}/forms/with_media/manifest"
    xml = requests.get(entry["downloadUrl"], timeout=10)
    assert xml.status_code == 200
    assert entry["hash"] == "md5:" + hashlib.md5(xml.content).hexdigest()
    assert b'id="simple"' in xml.content
    assert list(form_list(base, formID="with_media")) == ["with_media"]


def test_manifest_lists_media_with_md5_and_downloads_them(world, live_server):
    project_id = world.project()
    media = publish_media_form(world, project_id)
    _, token = world.app_user(project_id, forms=[media])
    base = world.collect_base(live_server, project_id, token)
    response = requests.get(f"{base}/forms/with_media/manifest", headers=OPENROSA, timeout=10)
    assert response.status_code == 200
    files = {f.findtext(f"{MANIFEST}filename"): f for f in ElementTree.fromstring(response.content)}
    assert sorted(files) == ["logo.png", "schools.csv"]
    for name, content in (("logo.png", LOGO), ("schools.csv", SCHOOLS)):
        assert files[name].findtext(f"{MANIFEST}hash") == "md5:" + hashlib.md5(content).hexdigest()
        download = requests.get(files[name].findtext(f"{MANIFEST}downloadUrl"), timeout=10)
        assert download.status_code == 200 and download.content == content


def test_closing_and_closed_forms_leave_the_form_list(world, live_server):
    project_id = world.project()
    simple = world.publish(project_id, simple_form())
    _, token = world.app_user(project_id, forms=[simple])
    base = world.collect_base(live_server, project_id, token)
    for state in ("closing", "closed"):
        world.run(lambda: form_service.set_state(form_service.get_form(projects.get_project(project_id), simple),
                                                 state))
        assert form_list(base) == {}


def test_st_query_token_works_like_the_key_path(world, live_server):
    project_id = world.project()
    simple = world.publish(project_id, simple_form())
    _, token = world.app_user(project_id, forms=[simple])
    assert list(form_list(f"{live_server}/v1/projects/{project_id}", st=token)) == ["simple"]


def test_token_of_another_project_or_revoked_token_is_403(world, live_server):
    from server.services import app_users
    first, second = world.project("A"), world.project("B")
    user_id, token = world.app_user(first)
    other_project = world.collect_base(live_server, second, token)
    assert requests.get(f"{other_project}/formList", headers=OPENROSA, timeout=10).status_code == 403
    world.run(lambda: app_users.revoke(app_users.get_app_user(projects.get_project(first), user_id)))
    revoked = world.collect_base(live_server, first, token)
    assert requests.get(f"{revoked}/formList", headers=OPENROSA, timeout=10).status_code == 403


def test_form_list_without_openrosa_header_is_400(world, live_server):
    project_id = world.project()
    _, token = world.app_user(project_id)
    response = requests.get(f"{world.collect_base(live_server, project_id, token)}/formList", timeout=10)
    assert response.status_code == 400 and "(400.6)" in response.text


def test_unassigned_form_download_is_403_and_unknown_is_404(world, live_server):
    project_id = world.project()
    world.publish(project_id, simple_form())
    _, token = world.app_user(project_id)
    base = world.collect_base(live_server, project_id, token)
    assert requests.get(f"{base}/forms/simple.xml", timeout=10).status_code == 403
    assert requests.get(f"{base}/forms/nothing.xml", timeout=10).status_code == 404


def test_an_archived_cycle_lists_no_forms_and_refuses_submissions(world, live_server):
    from tests.support.submissions import post_submission, submission_xml
    project_id = world.project()
    simple = world.publish(project_id, simple_form())
    _, token = world.app_user(project_id, forms=[simple])
    base = world.collect_base(live_server, project_id, token)
    world.run(lambda: projects.set_status(projects.get_project(project_id), "archived"))
    assert form_list(base) == {}
    response = post_submission(base, submission_xml(simple)[0])
    assert response.status_code == 409 and "(409.2)" in response.text
    world.run(lambda: projects.set_status(projects.get_project(project_id), "open"))
    assert list(form_list(base)) == ["simple"]
