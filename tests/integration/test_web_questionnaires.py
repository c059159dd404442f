"""Online questionnaires over real HTTP: personal and school-level links, their states in Kyrgyz and
Russian, the served XForm, browser submissions through the OpenRosa ingestion, and the security
headers and rate limits of the link endpoints (the browser itself: tests/clients/test_web_browser.py)."""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from sqlalchemy import select

from server.problems import Problem
from server.services import audit, web_questionnaires as web
from server.storage import db
from server.storage.base import utcnow
from server.storage.submissions import SubmissionAttachment
from tests.integration.test_canary import database_bytes
from tests.support.database import database_rows
from tests.support.sampling_data import answer
from tests.support.web_survey import probe_answer
from tests.support.xlsforms import photo_form

ROOT = Path(__file__).resolve().parents[2]
XF = "{http://www.w3.org/2002/xforms}"


def test_personal_link_landing_served_form_submission_and_spent_link(survey, migrated, tmp_path):
    person_id, code, token = survey.people()[0]
    landing = requests.get(survey.url(token), headers={"Accept-Language": "ky"}, timeout=30)
    assert landing.status_code == 200
    assert '<html lang="ky">' in landing.text and "Сурамжылоонун максаты" in landing.text
    assert "Жеке маалыматтардын ээси" in landing.text and "Макулдук" in landing.text
    assert code not in landing.text and token not in landing.headers.get("Set-Cookie", "")
    russian = requests.get(survey.url(token, "?lang=ru"), timeout=30)
    assert "Цель опроса" in russian.text and "Согласие" in russian.text and "Начать анкету" in russian.text

    # Consent first: the form page without it goes back to the landing page.
    back = requests.get(survey.url(token, "/student_probe?lang=ru"), allow_redirects=False, timeout=30)
    assert back.status_code == 303 and back.headers["Location"].endswith(f"/w/{token}?lang=ru")
    page = requests.get(survey.url(token, "/student_probe?lang=ru&agree=1"), timeout=30)
    assert page.status_code == 200 and 'id="sapat-form"' in page.text
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in page.text

    # The served XForm: Russian first, the participant's code filled in and read-only.
    served = requests.get(survey.url(token, "/student_probe/form.xml?lang=ru"), timeout=30)
    tree = ElementTree.fromstring(served.content)
    translations = {t.get("lang"): t.get("default") for t in tree.iter(f"{XF}translation")}
    assert translations == {"Russian (ru)": "true()", "Kyrgyz (ky)": None}
    assert next(tree.iter(f"{XF}participant_code")).text == code
    bind = next(b for b in tree.iter(f"{XF}bind") if b.get("nodeset").endswith("/participant_code"))
    assert bind.get("readonly") == "true()"

    xml = probe_answer(code, remark="Мастерская холодная")
    sent = survey.submit(token, xml)
    assert sent.status_code == 201, sent.text
    assert sent.json()["next"].endswith(f"/w/{token}/student_probe/done?lang=ru")
    assert survey.stored() == [(person_id, None)]
    assert "Мастерская холодная".encode() not in database_bytes(migrated, tmp_path)    # free text sealed at rest
    assert requests.get(survey.url(token, "/student_probe/done?lang=ru"), timeout=30).status_code == 200

    # A resend of the same answers (the first answer got lost) is accepted once more, and stored once.
    assert survey.submit(token, xml).status_code == 201
    assert len(survey.stored()) == 1
    # The link is spent: its pages say so, a second device's answers are refused with a pointer there.
    spent = requests.get(survey.url(token, "?lang=ru"), timeout=30)
    assert spent.status_code == 409 and "уже заполнена" in spent.text and "409.24" in spent.text
    assert requests.get(survey.url(token, "/student_probe?lang=ru&agree=1"), timeout=30).status_code == 409
    again = survey.submit(token, probe_answer(code))
    assert again.status_code == 409 and again.json()["code"] == "409.24"
    assert again.json()["next"].endswith(f"/w/{token}?lang=ru") and "уже заполнена" in again.json()["message"]
    assert len(survey.stored()) == 1


def test_a_participant_answers_once_whichever_link_brings_the_answers(survey):
    (first_id, first, first_token), (_, second, _) = survey.people()[:2]
    token = survey.school_link()
    assert survey.submit(token, probe_answer(first)).status_code == 201
    assert survey.stored() == [(first_id, 1)]      # the school link's answer names the participant
    refused = survey.submit(first_token, probe_answer(first))
    assert refused.status_code == 409 and refused.json()["code"] == "409.24"
    assert requests.get(survey.url(first_token), timeout=30).status_code == 409
    twice = survey.submit(token, probe_answer(first))
    assert twice.status_code == 409 and twice.json()["code"] == "409.24"
    # A code outside the sample is accepted through a school link, unlinked (coverage counts it as unmatched).
    assert survey.submit(token, probe_answer("999999-S001")).status_code == 201
    assert survey.stored() == [(first_id, 1), (None, 1)]
    # A personal link refuses answers carrying someone else's code.
    _, _, third_token = survey.people()[2]
    wrong = survey.submit(third_token, probe_answer(second))
    assert wrong.status_code == 400 and wrong.json()["code"] == "400.65"
    assert len(survey.stored()) == 2


def test_school_link_quota_expiry_revocation_and_closing_each_show_their_page(survey, world):
    token = survey.school_link(quota=2)
    for _ in range(2):
        assert survey.submit(token, probe_answer("999999-S001")).status_code == 201
    full = survey.submit(token, probe_answer("999999-S002"))
    assert full.status_code == 409 and full.json()["code"] == "409.25"
    page = requests.get(survey.url(token, "?lang=ky"), timeout=30)
    assert page.status_code == 409 and "жооптордун саны толду" in page.text
    assert len(survey.stored()) == 2

    expiring = survey.school_link(expires_at=utcnow() + timedelta(hours=1))
    assert requests.get(survey.url(expiring), timeout=30).status_code == 200
    world.run(lambda: setattr(db.session.get(web.WebLink, 2), "expires_at", utcnow() - timedelta(minutes=1)))
    closed = requests.get(survey.url(expiring, "?lang=ru"), timeout=30)
    assert closed.status_code == 410 and "Анкета закрыта" in closed.text and "410.2" in closed.text

    open_link = survey.school_link()
    survey.run(web.revoke_school_link, 3, audit.SYSTEM)
    revoked = requests.get(survey.url(open_link, "?lang=ru"), timeout=30)
    assert revoked.status_code == 410 and "отозвана" in revoked.text
    refused = survey.submit(open_link, probe_answer("999999-S003"))
    assert refused.status_code == 410 and refused.json()["code"] == "410.1"

    _, code, personal = survey.people()[0]
    assert requests.get(survey.url(personal), timeout=30).status_code == 200
    survey.run(web.close_form, "student_probe", audit.SYSTEM)
    assert requests.get(survey.url(personal, "?lang=ky"), timeout=30).status_code == 410
    assert survey.submit(personal, probe_answer(code)).json()["code"] == "410.2"
    survey.run(web.open_form, "student_probe", None, audit.SYSTEM)
    survey.run(web.revoke_personal_link, code, audit.SYSTEM)
    assert requests.get(survey.url(personal), timeout=30).status_code == 410
    fresh = survey.run(web.reissue_personal_link, code, audit.SYSTEM)
    assert requests.get(survey.url(personal), timeout=30).status_code == 404      # the old link is gone
    assert survey.submit(fresh, probe_answer(code)).status_code == 201
    assert len(survey.stored()) == 3


def test_bad_input_gets_a_clear_answer_and_changes_nothing(survey, world):
    _, code, token = survey.people()[0]
    rows_before = database_rows(world)
    for bad, status, expected in [
        (b"<not xml", 400, "400.1"),
        (answer("other_form", "participant_code", code), 400, "400.65"),
        (probe_answer(code).replace(b"</instanceID>", b"</instanceID><deprecatedID>uuid:x</deprecatedID>"),
         400, "400.65"),
    ]:
        sent = survey.submit(token, bad)
        assert sent.status_code == status and sent.json()["code"] == expected, sent.text
        assert sent.json()["message"]                      # in the page's language where we have it
    no_file = requests.post(survey.url(token, "/student_probe/submission"), data={"x": "1"}, timeout=30)
    assert no_file.status_code == 400 and no_file.json()["code"] == "400.7"
    assert survey.stored() == []
    assert database_rows(world) == rows_before
    # Unknown links and forms: one answer, whatever was wrong.
    for path in ("/w/short", f"/w/{'A' * 32}", f"/w/{token}/photos", f"/w/{token}/student_probe/form.xml/x"):
        unknown = requests.get(f"{survey.base}{path}?lang=ru", timeout=30)
        assert unknown.status_code == 404 and "Ссылка на анкету не найдена" in unknown.text, path


def test_attachments_from_the_browser_are_stored_sealed(survey, world, migrated, tmp_path):
    world.publish(survey.id, photo_form())
    survey.run(web.open_form, "photos", None, audit.SYSTEM)
    token = survey.school_link("photos")
    xml = (f'<data id="photos" version="1"><school>000000</school><rooms>2</rooms><photo>door.jpg</photo>'
           f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>").encode()
    sent = survey.submit(token, xml, "photos", {"door.jpg": b"JPEG-door-photo"})
    assert sent.status_code == 201, sent.text
    attachments = world.run(lambda: [(a.name, a.blob_id is not None) for a in db.session.scalars(
        select(SubmissionAttachment))])
    assert attachments == [("door.jpg", True)]
    assert b"JPEG-door-photo" not in database_bytes(migrated, tmp_path)


def test_security_headers_and_the_form_pages_csp(survey):
    _, _, token = survey.people()[0]
    landing = requests.get(survey.url(token), timeout=30)
    page = requests.get(survey.url(token, "/student_probe?agree=1"), timeout=30)
    for response in (landing, page):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Set-Cookie" not in response.headers
    assert "script-src" not in landing.headers["Content-Security-Policy"]
    csp = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{24}'", csp["style-src"])
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in page.headers["Content-Security-Policy"]
    other = requests.get(survey.url(token, "/student_probe?agree=1"), timeout=30)
    assert other.headers["Content-Security-Policy"] != page.headers["Content-Security-Policy"]  # a fresh nonce


def test_guessing_links_is_rate_limited_per_address(survey, app):
    _, _, token = survey.people()[0]
    limit = int(app.config["SAPAT_WEB_LOOKUP_LIMIT"].split()[0])
    for _ in range(limit):
        assert requests.get(f"{survey.base}/w/{uuid.uuid4().hex}", timeout=30).status_code == 404
    blocked = requests.get(survey.url(token, "?lang=ru"), timeout=30)   # now even a real link waits
    assert blocked.status_code == 429 and "Слишком много попыток" in blocked.text
    assert 0 < int(blocked.headers["Retry-After"]) <= 600


def test_tokens_are_unguessable_and_kept_only_as_macs_and_sealed(survey, migrated, tmp_path):
    people = survey.people()
    school = survey.school_link()
    tokens = [t for _, _, t in people] + [school]
    assert len(set(tokens)) == len(tokens)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", t) for t in tokens)      # 24 random bytes each
    stored = database_bytes(migrated, tmp_path)
    assert not any(t.encode() in stored for t in tokens)


def test_the_committed_bundle_is_the_one_the_lockfile_builds():
    """server/web/build.sh writes build.json; a lockfile changed without rebuilding fails here."""
    out = ROOT / "server" / "static" / "webforms"
    built = json.loads((out / "build.json").read_text())
    lock = (ROOT / "server" / "web" / "package-lock.json").read_bytes()
    assert built["lockfile_sha256"] == hashlib.sha256(lock).hexdigest()
    locked = json.loads(lock)["packages"]
    assert built["versions"]["@getodk/web-forms"] == locked["node_modules/@getodk/web-forms"]["version"]
    assert {p.name for p in out.iterdir()} == set(built["files"]) | {"build.json"}
    for name, digest in built["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name


def test_links_need_an_open_form_and_a_school_taking_part(survey, world):
    world.publish(survey.id, photo_form())
    with pytest.raises(Problem) as not_open:
        survey.school_link("photos")
    assert not_open.value.code == "409.26"
    with pytest.raises(Problem) as no_school:
        survey.run(web.create_school_link, "student_probe", "000000", audit.SYSTEM)
    assert no_school.value.code == "400.8"
    with pytest.raises(Problem) as bad_quota:
        survey.school_link(quota=0)
    assert bad_quota.value.code == "400.11"
    with pytest.raises(Problem) as past:
        survey.run(web.open_form, "photos", utcnow() - timedelta(days=1), audit.SYSTEM)
    assert past.value.code == "400.11"
    assert survey.run(lambda project: [w.form.xml_form_id for w in web.web_forms(project)]) == ["student_probe"]


def test_form_media_are_served_through_the_link(survey, world):
    from tests.integration.test_openrosa_forms import LOGO, publish_media_form
    publish_media_form(world, survey.id)
    survey.run(web.open_form, "with_media", None, audit.SYSTEM)
    token = survey.school_link("with_media")
    logo = requests.get(survey.url(token, "/with_media/media/logo.png"), timeout=30)
    assert logo.status_code == 200 and logo.content == LOGO
    assert requests.get(survey.url(token, "/with_media/media/other.png"), timeout=30).status_code == 404
    _, _, personal = survey.people()[0]      # a student's link does not open a form that is not theirs
    assert requests.get(survey.url(personal, "/with_media/media/logo.png"), timeout=30).status_code == 404


def test_key_rotation_reseals_school_links_which_keep_working(survey, world):
    from server import crypto
    from server.services import rotation
    token = survey.school_link()
    before = world.run(lambda: crypto.key_id_of(db.session.get(web.WebLink, 1).token_sealed))
    report = world.run(lambda: rotation.rotate_data_keys(rotation.rotation_scopes(survey.id), audit.SYSTEM))
    assert report.finished and report.resealed[(f"project:{survey.id}", "web_links.token")] == 1
    link = world.run(lambda: (web.school_link_token(db.session.get(web.WebLink, 1)),
                              crypto.key_id_of(db.session.get(web.WebLink, 1).token_sealed)))
    assert link[0] == token and link[1] != before
    assert requests.get(survey.url(token), timeout=30).status_code == 200


def test_staff_see_which_link_brought_a_submission(survey, world):
    from tests.support.staff import sign_in
    _, code, personal = survey.people()[0]
    school = survey.school_link()
    personal_xml = probe_answer(code)
    school_xml = probe_answer("999999-S001")
    assert survey.submit(personal, personal_xml).status_code == 201
    assert survey.submit(school, school_xml).status_code == 201
    world.admin()
    staff = sign_in(survey.base, "admin@example.kg")
    listing = staff.get(f"{survey.base}/projects/{survey.id}/forms/student_probe?lang=ru", timeout=30)
    assert listing.status_code == 200
    assert "личная веб-ссылка участника" in listing.text and "веб-ссылка учебного заведения #1" in listing.text


def test_staff_page_opens_forms_makes_and_revokes_school_links(survey, world):
    from tests.support.staff import PASSWORD, csrf_of, sign_in
    manager = world.admin("manager@example.kg", PASSWORD, "data_manager")
    world.grant(manager, survey.id)
    world.publish(survey.id, photo_form())
    staff = sign_in(survey.base, "manager@example.kg")
    page_url = f"{survey.base}/projects/{survey.id}/web"
    page = staff.get(f"{page_url}?lang=ru", timeout=30)
    assert page.status_code == 200 and "Онлайн-анкеты и веб-ссылки" in page.text
    assert "Открыта" in page.text and "Не открыта" in page.text and "Ссылок учебных заведений пока нет" in page.text

    def post(path: str, **fields) -> requests.Response:
        token = csrf_of(staff.get(page_url, timeout=30).text)
        return staff.post(f"{page_url}{path}", data={"csrf_token": token, **fields}, allow_redirects=False,
                          timeout=30)

    assert post("/forms", form="photos", action="open", closes="2099-12-31").status_code == 303
    assert "Открыта до 2099-12-31 23:59 UTC" in staff.get(f"{page_url}?lang=ru", timeout=30).text
    school = survey.school()
    bad = post("/links", form="student_probe", school=school, quota="много")
    assert bad.status_code == 400 and "400.11" in bad.text
    created = post("/links", form="student_probe", school=school, quota="40", expires="2099-01-31")
    assert created.status_code == 303 and created.headers["Location"].endswith("notice=web_link_created#links")
    listing = staff.get(f"{page_url}?lang=ru", timeout=30)
    link = re.search(r'<code class="url">([^<]+/w/[A-Za-z0-9_-]{32})</code>', listing.text).group(1)
    assert "0 / 40" in listing.text and listing.headers["Cache-Control"] == "no-store"
    assert requests.get(link, timeout=30).status_code == 200
    assert post("/links/1/revoke").status_code == 303
    assert "Отозвана" in staff.get(f"{page_url}?lang=ru", timeout=30).text
    assert requests.get(link, timeout=30).status_code == 410
    assert post("/forms", form="student_probe", action="close").status_code == 303
    assert "Закрыта (с" in staff.get(f"{page_url}?lang=ru", timeout=30).text
