"""The staff web pages over real HTTP on loopback: sign-in, CSRF, permissions, languages, forms, QR codes."""
from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
import requests

from server.services import audit
from openpyxl import Workbook

from server import i18n
from server.http.staff import CSP, NOTICES
from server.services import app_users, projects
from server.services import forms as form_service
from server.storage.forms import FORM_STATES
from server.storage.projects import PROJECT_STATUSES, STAGES
from server.storage.submissions import REVIEW_STATES
from server.storage.users import ROLES
from tests.support.staff import PASSWORD, csrf_of, sign_in
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import photo_form, simple_form, xlsform

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "templates"


def page_token(http: requests.Session, url: str) -> str:
    return csrf_of(http.get(url, timeout=30).text)


def media_form(form_id: str = "with_media") -> bytes:
    """An XLSForm whose note shows an image, so its draft expects one media file."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "media::image"])
    survey.append(["note", "logo", "Логотип", "logo.png"])
    survey.append(["text", "school", "Код", ""])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(["Медиа", form_id, "1"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_wrong_password_and_unknown_email_get_the_same_refusal(world, live_server):
    world.admin()
    http = requests.Session()
    answers = []
    for email, password in (("admin@example.kg", "wrong password!"), ("nobody@example.kg", PASSWORD)):
        token = page_token(http, f"{live_server}/login")
        response = http.post(f"{live_server}/login", data={"csrf_token": token, "email": email,
                                                            "password": password}, allow_redirects=False)
        answers.append(response)
    assert [r.status_code for r in answers] == [401, 401]
    assert all("Неверная электронная почта или пароль." in r.text for r in answers)
    after = http.get(f"{live_server}/projects", allow_redirects=False)
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")


def test_signed_in_cookie_holds_only_the_session_token_besides_language_and_csrf(app, world, live_server):
    world.admin()
    http = sign_in(live_server)
    cookie = http.cookies.get("session")
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert set(data) <= {"token", "csrf", "lang", "_permanent"}
    assert "token" in data
    assert PASSWORD not in cookie and "admin@example.kg" not in str(data)
    assert http.get(f"{live_server}/projects").status_code == 200


def test_sign_out_ends_the_session_on_the_server(world, live_server):
    world.admin()
    http = sign_in(live_server)
    stolen = dict(http.cookies)
    token = page_token(http, f"{live_server}/projects")
    assert http.post(f"{live_server}/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 303
    replay = requests.get(f"{live_server}/projects", cookies=stolen, allow_redirects=False)
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")


def test_not_signed_in_goes_to_login_and_comes_back_only_to_a_path_on_this_site(world, live_server):
    world.admin()
    project_id = world.project()
    first = requests.get(f"{live_server}/projects/{project_id}", allow_redirects=False)
    assert first.status_code == 302
    assert first.headers["Location"] == f"/login?next=/projects/{project_id}"
    for wanted, landing in ((f"/projects/{project_id}", f"/projects/{project_id}"),
                            ("//evil.example/x", "/projects"), ("https://evil.example/", "/projects"),
                            ("/\\evil.example", "/projects")):
        http = requests.Session()
        token = page_token(http, f"{live_server}/login")
        response = http.post(f"{live_server}/login", data={"csrf_token": token, "email": "admin@example.kg",
                                                            "password": PASSWORD, "next": wanted},
                             allow_redirects=False)
        assert response.headers["Location"] == landing


def test_posts_without_or_with_a_wrong_csrf_token_are_refused_and_change_nothing(world, live_server):
    world.admin()
    http = sign_in(live_server)
    good = page_token(http, f"{live_server}/projects")
    for fields in ({}, {"csrf_token": "x" * len(good)}, {"csrf_token": good[:-1]}):
        response = http.post(f"{live_server}/projects", data={"name": "Тест", "year": "2026", "stage": "main",
                                                               **fields}, allow_redirects=False)
        assert response.status_code == 403
        assert "403.2" in response.text
    assert world.run(lambda: [p.name for p in projects.list_projects()]) == []
    accepted = http.post(f"{live_server}/projects", data={"name": "Тест", "year": "2026", "stage": "main",
                                                          "csrf_token": good}, allow_redirects=False)
    assert accepted.status_code == 303
    assert world.run(lambda: [p.name for p in projects.list_projects()]) == ["Тест"]


def test_login_form_without_csrf_token_is_refused(world, live_server):
    world.admin()
    http = requests.Session()
    response = http.post(f"{live_server}/login", data={"email": "admin@example.kg", "password": PASSWORD},
                         allow_redirects=False)
    assert response.status_code == 403 and "403.2" in response.text
    assert http.get(f"{live_server}/projects", allow_redirects=False).status_code == 302


def test_verifier_cannot_upload_forms(world, live_server):
    verifier = world.admin("verifier@example.kg", role="verifier")
    project_id = world.project()
    world.grant(verifier, project_id)
    http = sign_in(live_server, "verifier@example.kg")
    page = http.get(f"{live_server}/projects/{project_id}")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' not in page.text
    response = http.post(f"{live_server}/projects/{project_id}/forms", data={"csrf_token": csrf_of(page.text)},
                         files={"file": ("simple.xlsx", simple_form())}, allow_redirects=False)
    assert response.status_code == 403
    assert "403.1" in response.text and "У вас нет прав на это действие." in response.text
    assert world.run(lambda: form_service.list_forms(projects.get_project(project_id))) == []


@pytest.mark.parametrize("lang, projects_heading, sign_out", [
    ("ky", "Долбоорлор", "Чыгуу"), ("ru", "Проекты", "Выйти"), ("en", "Projects", "Sign out")])
def test_pages_are_shown_in_the_chosen_language_and_it_is_remembered(world, live_server, lang, projects_heading,
                                                                      sign_out):
    world.admin()
    http = sign_in(live_server)
    chosen = http.get(f"{live_server}/projects?lang={lang}")
    assert f'<html lang="{lang}">' in chosen.text
    assert f"<h1>{projects_heading}</h1>" in chosen.text and sign_out in chosen.text
    later = http.get(f"{live_server}/projects")
    assert f"<h1>{projects_heading}</h1>" in later.text


def test_russian_is_the_default_and_an_unknown_language_is_ignored(world, live_server):
    page = requests.get(f"{live_server}/login?lang=xx")
    assert '<html lang="ru">' in page.text and "Пароль" in page.text
    assert "Сырсөз" in requests.get(f"{live_server}/login?lang=ky").text


def test_error_page_speaks_the_chosen_language_and_keeps_the_status(world, live_server):
    world.admin()
    http = sign_in(live_server)
    missing = http.get(f"{live_server}/projects/9999?lang=ky")
    assert missing.status_code == 404
    assert "Изделген барак же жазуу табылган жок." in missing.text and "404.1" in missing.text
    assert missing.headers["Content-Type"].startswith("text/html")


def test_staff_pages_send_the_security_headers(world, live_server):
    world.admin()
    for response in (requests.get(f"{live_server}/login"), sign_in(live_server).get(f"{live_server}/projects"),
                     requests.post(f"{live_server}/logout")):
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "<script" not in response.text and "style=" not in response.text


def test_bad_xlsform_upload_lists_the_sheet_and_row_to_fix_and_stores_nothing(world, live_server):
    world.admin()
    project_id = world.project()
    http = sign_in(live_server)
    bad = xlsform([("text", "school", "Код", "Код"), ("integr", "rooms", "Бөлмө", "Кабинеты")], form_id="bad")
    token = page_token(http, f"{live_server}/projects/{project_id}")
    response = http.post(f"{live_server}/projects/{project_id}/forms", data={"csrf_token": token},
                         files={"file": ("bad.xlsx", bad)})
    assert response.status_code == 400
    assert "В форме есть ошибки." in response.text
    assert "Лист</span>" not in response.text  # labels are followed by the value, not closed empty
    assert "Лист: survey" in response.text and "Строка: 3" in response.text
    assert "Unknown question type &#39;integr&#39;." in response.text
    assert world.run(lambda: form_service.list_forms(projects.get_project(project_id))) == []


def test_form_with_media_is_published_only_after_its_file_is_uploaded(world, live_server):
    world.admin()
    project_id = world.project()
    http = sign_in(live_server)
    url = f"{live_server}/projects/{project_id}"
    uploaded = http.post(f"{url}/forms", data={"csrf_token": page_token(http, url)},
                         files={"file": ("media.xlsx", media_form())})
    assert uploaded.status_code == 200 and "logo.png" in uploaded.text and "не загружен" in uploaded.text
    early = http.post(f"{url}/forms/with_media/publish", data={"csrf_token": page_token(http, url)})
    assert early.status_code == 409 and "logo.png" in early.text and "409.16" in early.text
    media = http.post(f"{url}/forms/with_media/draft/media", data={"csrf_token": page_token(http, url),
                                                                  "name": "logo.png"},
                      files={"file": ("logo.png", b"\x89PNG fake", "image/png")})
    assert media.status_code == 200 and "Медиафайл загружен." in media.text
    published = http.post(f"{url}/forms/with_media/publish", data={"csrf_token": page_token(http, url)})
    assert published.status_code == 200 and "Форма опубликована." in published.text
    assert world.run(lambda: form_service.get_form(projects.get_project(project_id),
                                                   "with_media").current_def.version) == "1"


def test_form_state_change_is_saved(world, live_server):
    world.admin()
    project_id = world.project()
    world.publish(project_id, simple_form())
    http = sign_in(live_server)
    url = f"{live_server}/projects/{project_id}"
    response = http.post(f"{url}/forms/simple/state", data={"csrf_token": page_token(http, url), "state": "closing"})
    assert response.status_code == 200 and "Состояние формы изменено." in response.text
    assert world.run(lambda: form_service.get_form(projects.get_project(project_id), "simple").state) == "closing"
    wrong = http.post(f"{url}/forms/simple/state", data={"csrf_token": page_token(http, url), "state": "gone"})
    assert wrong.status_code == 400


def test_qr_code_is_a_png_of_the_app_users_collect_settings_and_is_not_cached(world, live_server):
    world.admin()
    project_id = world.project()
    world.publish(project_id, simple_form())
    user_id, token = world.app_user(project_id, forms=["simple"])
    http = sign_in(live_server)
    page = http.get(f"{live_server}/projects/{project_id}/app-users/{user_id}")
    server_url = f"{live_server}/v1/key/{token}/projects/{project_id}"
    assert page.status_code == 200 and server_url in page.text
    png = http.get(f"{live_server}/projects/{project_id}/app-users/{user_id}/qr.png")
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    assert png.headers["Cache-Control"] == "no-store"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")

    def expected():
        project = projects.get_project(project_id)
        settings = app_users.collect_settings(live_server + "/", app_users.get_app_user(project, user_id), project)
        return settings, app_users.qr_png(settings)
    settings, expected_png = world.run(expected)
    assert png.content == expected_png  # the same payload, encoded the same way
    assert app_users.decode_settings(app_users.encode_settings(settings))["general"]["server_url"] == server_url


def test_revoked_app_user_has_no_qr_code_and_its_token_stops_working(world, live_server):
    world.admin()
    project_id = world.project()
    world.publish(project_id, simple_form())
    user_id, token = world.app_user(project_id, forms=["simple"])
    http = sign_in(live_server)
    url = f"{live_server}/projects/{project_id}"
    revoked = http.post(f"{url}/app-users/{user_id}/revoke", data={"csrf_token": page_token(http, url)})
    assert revoked.status_code == 200 and "Пользователь отозван." in revoked.text
    assert http.get(f"{url}/app-users/{user_id}/qr.png").status_code == 404
    assert "QR-кода нет" in http.get(f"{url}/app-users/{user_id}").text
    xml, _ = submission_xml("simple")
    assert post_submission(world.collect_base(live_server, project_id, token), xml).status_code == 403


def test_app_user_is_created_with_the_ticked_forms(world, live_server):
    world.admin()
    project_id = world.project()
    world.publish(project_id, simple_form())
    world.publish(project_id, photo_form())
    http = sign_in(live_server)
    url = f"{live_server}/projects/{project_id}"
    photos_id = world.run(lambda: form_service.get_form(projects.get_project(project_id), "photos").id)
    created = http.post(f"{url}/app-users", data={"csrf_token": page_token(http, url), "display_name": "Планшет 7",
                                                   "form_id": [str(photos_id)]}, allow_redirects=False)
    assert created.status_code == 303
    page = http.get(f"{live_server}{created.headers['Location']}")
    assert "Планшет 7" in page.text and "photos" in page.text and "simple" not in page.text
    nameless = http.post(f"{url}/app-users", data={"csrf_token": page_token(http, url), "display_name": " "})
    assert nameless.status_code == 400 and "Недопустимое значение поля «Имя»." in nameless.text


def test_personal_data_and_files_need_a_stated_purpose_and_every_view_is_audited(world, live_server):
    manager = world.admin("manager@example.kg", role="data_manager")
    project_id = world.project()
    world.grant(manager, project_id)
    world.publish(project_id, photo_form())
    _, token = world.app_user(project_id, forms=["photos"], name="Планшет 3")
    xml, instance_id = submission_xml("photos", school="S-042", photo="door.jpg", extras=("wall.jpg",))
    sent = post_submission(world.collect_base(live_server, project_id, token), xml, {"door.jpg": b"JPEG-door"})
    assert sent.status_code == 201
    http = sign_in(live_server, "manager@example.kg")
    listing = http.get(f"{live_server}/projects/{project_id}/forms/photos")
    assert instance_id in listing.text and "Планшет 3 (планшет)" in listing.text and "1 / 2" in listing.text
    url = f"{live_server}/projects/{project_id}/forms/photos/submissions/{instance_id}"
    page = http.get(url)
    assert re.search(r'<td class="path">rooms</td><td class="value">3</td>', page.text)
    assert "S-042" not in page.text and "wall.jpg" not in page.text.split('id="attachments"')[0]
    assert http.get(f"{url}/attachments/door.jpg").status_code == 400  # no purpose stated yet
    short = http.post(f"{url}/personal", data={"csrf_token": csrf_of(page.text), "purpose": "look"})
    assert short.status_code == 400 and "400.31" in short.text
    page = http.post(f"{url}/personal", data={"csrf_token": csrf_of(page.text),
                                              "purpose": "Сверка кода школы с ведомостью"})
    assert re.search(r'<td class="path">school</td><td class="value">S-042</td>', page.text)
    assert re.search(r'<td class="path">more/extra</td><td class="value">wall.jpg</td>', page.text)
    assert "ещё не получен" in page.text
    download = http.get(f"{url}/attachments/door.jpg")
    assert download.content == b"JPEG-door"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert http.get(f"{url}/attachments/wall.jpg").status_code == 404
    logged = world.run(lambda: [(e.action, e.purpose) for e in audit.entries(project_id)])
    assert ("personal.view", "Сверка кода школы с ведомостью") in logged
    assert ("personal.file", "Сверка кода школы с ведомостью") in logged


def test_department_viewer_sees_projects_but_not_submissions(world, live_server):
    viewer = world.admin("dept@example.kg", role="department_viewer")
    project_id = world.project()
    other_project = world.project("Другой цикл")
    world.grant(viewer, project_id)
    world.publish(project_id, simple_form())
    http = sign_in(live_server, "dept@example.kg")
    assert http.get(f"{live_server}/projects/{project_id}").status_code == 200
    assert http.get(f"{live_server}/projects/{other_project}").status_code == 404  # not granted: not there
    assert http.get(f"{live_server}/projects/{project_id}/forms/simple").status_code == 403


def _template_keys() -> set[str]:
    keys = set()
    for template in TEMPLATES.glob("*.html"):
        keys |= set(re.findall(r"""\bt\(\s*["']([\w.]*\w)["']""", template.read_text()))
    dynamic = {"stage.": STAGES, "project_status.": PROJECT_STATUSES, "form_state.": FORM_STATES,
               "review.": REVIEW_STATES, "role.": ROLES,
               "submitter.": ("app_user", "staff", "web_personal", "web_school"), "notice.": NOTICES,
               "coding.round.": ("first", "second"), "weblinks.": ("not_open", "open", "open_until", "closed")}
    keys |= {prefix + value for prefix, values in dynamic.items() for value in values}
    return keys


def test_every_message_the_pages_use_exists_in_kyrgyz_russian_and_english():
    keys = _template_keys()
    assert len(keys) > 100
    missing = sorted(k for k in keys if k not in i18n.MESSAGES)
    assert missing == []
    for key in keys:
        ky, ru, en = i18n.MESSAGES[key]
        assert ky.strip() and ru.strip() and en.strip(), key
    for code, (ky, ru) in i18n.PROBLEMS.items():
        assert ky.strip() and ru.strip() and ky != ru, code
