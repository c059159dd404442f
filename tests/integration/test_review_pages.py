"""Verification over real HTTP: quality flags on arrival, the filtered table, bulk review, comments
(sealed at rest), the event history, and bad review requests that change nothing."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from server.http import staff_review
from server.storage import db
from server.storage.audit import AuditEntry
from server.storage.submissions import Submission, SubmissionComment
from tests.support.staff import PASSWORD, csrf_of, sign_in
from tests.support.submissions import post_submission
from tests.support.xlsforms import xlsform

CYRILLIC = "абвгдежзийклмнопрстуфхцчшщыэюяңөү"
ROW = re.compile(r'/submissions/(uuid:[^"?]+)">')


def review_form() -> bytes:
    """A school code (linking, sealed), a region (clear stratum), timestamps and a five-item battery."""
    battery = [("select_one agree5", f"sat{i}", f"Канааттануу {i}", f"Удовлетворённость {i}", "", "none")
               for i in range(1, 6)]
    return xlsform([
        ("start", "start", "", "", "", "quasi_identifier"),
        ("end", "end", "", "", "", "quasi_identifier"),
        ("text", "school_code", "Окуу жайдын коду", "Код учебного заведения", "yes", "linking_identifier"),
        ("select_one region", "region", "Аймак", "Регион", "yes", "quasi_identifier"),
        ("begin_group", "satisfaction", "Канааттануу", "Удовлетворённость"),
        *battery,
        ("end_group", "", "", ""),
    ], form_id="review_probe", title="Текшерүү / Проверка", choices=[
        ("region", "chui", "Чүй облусу", "Чуйская область"), ("region", "osh", "Ош облусу", "Ошская область"),
        *[("agree5", str(n), str(n), str(n)) for n in range(1, 6)]])


def answers_xml(name: str, school: str, region: str, minutes: int, answers: str) -> bytes:
    start = "2026-03-02T10:00:00.000+06:00"
    end = f"2026-03-02T10:{minutes:02d}:00.000+06:00"
    battery = "".join(f"<sat{i}>{a}</sat{i}>" for i, a in enumerate(answers, start=1))
    return (f'<data id="review_probe" version="1"><start>{start}</start><end>{end}</end>'
            f"<school_code>{school}</school_code><region>{region}</region>"
            f"<satisfaction>{battery}</satisfaction><meta><instanceID>uuid:{name}</instanceID></meta></data>"
            ).encode()


SUBMISSIONS = {  # name: (school, region, minutes, battery answers) -> expected flags
    "a-clean": ("734512", "chui", 10, "12345"),
    "b-fast": ("734512", "osh", 1, "54321"),
    "c-straight": ("861204", "chui", 9, "33333"),
    "d-no-region": ("861204", "", 12, "12354"),
}


@dataclass
class Desk:
    base: str
    project_id: int
    form_url: str
    ids: dict[str, int]          # name -> submission id
    verifier: object
    manager: object


@pytest.fixture
def desk(world, live_server) -> Desk:
    project_id = world.project()
    world.publish(project_id, review_form())
    _, token = world.app_user(project_id, forms=["review_probe"])
    collect = world.collect_base(live_server, project_id, token)
    for name, (school, region, minutes, answers) in SUBMISSIONS.items():
        assert post_submission(collect, answers_xml(name, school, region, minutes, answers)).status_code == 201
    ids = world.run(lambda: {s.instance_id.removeprefix("uuid:"): s.id for s in db.session.scalars(select(Submission))})

    def backdate():  # one submission arrived in January, the others today
        db.session.get(Submission, ids["a-clean"]).created_at = datetime(2026, 1, 15, 9, tzinfo=timezone.utc)
    world.run(backdate)
    for role in ("verifier", "data_manager"):
        world.grant(world.admin(f"{role}@example.kg", PASSWORD, role), project_id)
    return Desk(live_server, project_id, f"{live_server}/projects/{project_id}/forms/review_probe", ids,
                sign_in(live_server, "verifier@example.kg"), sign_in(live_server, "data_manager@example.kg"))


def listed(http, url: str, **params) -> set[str]:
    page = http.get(url, params=params, timeout=30)
    assert page.status_code == 200, page.text[:300]
    return {found.removeprefix("uuid:") for found in ROW.findall(page.text)}


def states(world) -> dict[str, str]:
    return world.run(lambda: {s.instance_id.removeprefix("uuid:"): s.review_state
                              for s in db.session.scalars(select(Submission))})


def review_audits(world) -> list[tuple[str, str]]:
    return world.run(lambda: [(e.target, e.details.get("new")) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "submission.review").order_by(AuditEntry.id))])


def test_flags_are_computed_on_arrival_and_shown_without_answers(desk):
    page = desk.verifier.get(f"{desk.form_url}/submissions/uuid:b-fast", timeout=30)
    assert page.status_code == 200
    assert "Заполнено слишком быстро" in page.text and "filled in 60 s; the minimum is 180 s" in page.text
    straight = desk.verifier.get(f"{desk.form_url}/submissions/uuid:c-straight", params={"lang": "en"}, timeout=30)
    assert "Straight-lining" in straight.text and "all 5 answers of the battery are the same" in straight.text
    missing = desk.verifier.get(f"{desk.form_url}/submissions/uuid:d-no-region", timeout=30).text
    assert "1 of 2 required answers missing" in missing
    clean = desk.verifier.get(f"{desk.form_url}/submissions/uuid:a-clean", params={"lang": "en"}, timeout=30)
    assert "The automatic checks found nothing." in clean.text
    table = desk.verifier.get(desk.form_url, params={"lang": "en"}, timeout=30).text
    rows = {ROW.search(r).group(1): r for r in table.split("<tr>") if ROW.search(r)}
    assert "Filled in too fast" in rows["uuid:b-fast"] and "Straight-lining" in rows["uuid:c-straight"]
    assert "Missing required answers" in rows["uuid:d-no-region"]
    assert not any(label in rows["uuid:a-clean"] for label in ("too fast", "Straight", "Missing required"))


def test_filters_give_the_matching_rows(desk):
    http, url = desk.verifier, desk.form_url
    assert listed(http, url) == set(SUBMISSIONS)
    assert listed(http, url, flagged="yes") == {"b-fast", "c-straight", "d-no-region"}
    assert listed(http, url, flagged="no") == {"a-clean"}
    assert listed(http, url, school="734512") == {"a-clean", "b-fast"}
    assert listed(http, url, school="861204", flagged="yes") == {"c-straight", "d-no-region"}
    assert listed(http, url, school="999999") == set()
    assert listed(http, url, field="/data/region", value="chui") == {"a-clean", "c-straight"}
    assert listed(http, url, since="2026-01-01", until="2026-01-31") == {"a-clean"}
    assert listed(http, url, until="2026-01-14") == set()
    assert listed(http, url, state="received") == set(SUBMISSIONS)
    assert listed(http, url, state=["approved", "rejected"]) == set()


def test_pages_keep_the_filters(desk, monkeypatch):
    monkeypatch.setattr(staff_review, "PAGE_SIZE", 2)
    first = desk.verifier.get(desk.form_url, params={"flagged": "yes"}, timeout=30).text
    assert len(ROW.findall(first)) == 2
    following = re.search(r'href="([^"]*page=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "flagged=yes" in following
    second = desk.verifier.get(desk.base + following, timeout=30).text
    seen = {r.removeprefix("uuid:") for r in ROW.findall(first) + ROW.findall(second)}
    assert seen == {"b-fast", "c-straight", "d-no-region"}


def test_bad_filters_are_explained_and_the_table_is_unfiltered(desk):
    page = desk.verifier.get(desk.form_url, params={"since": "2 March", "lang": "en"}, timeout=30)
    assert page.status_code == 400 and "400.11" in page.text and "since" in page.text
    assert {r.removeprefix("uuid:") for r in ROW.findall(page.text)} == set(SUBMISSIONS)
    assert desk.verifier.get(desk.form_url, params={"field": "/data/school_code", "value": "734512"},
                             timeout=30).status_code == 400  # a sealed field is no stratum


def bulk(desk, http, names, state, **params):
    form = {"csrf_token": csrf_of(http.get(desk.form_url, timeout=30).text), "state": state,
            "submission_id": [str(desk.ids[n]) for n in names]}
    return http.post(f"{desk.form_url}/submissions/review", params=params, data=form, allow_redirects=False,
                     timeout=30)


def test_bulk_review_changes_exactly_the_selected_and_audits_each(world, desk):
    response = bulk(desk, desk.verifier, ["a-clean", "c-straight"], "approved", flagged="yes")
    assert response.status_code == 303 and "flagged=yes" in response.headers["Location"]
    assert states(world) == {"a-clean": "approved", "b-fast": "received", "c-straight": "approved",
                             "d-no-region": "received"}
    assert review_audits(world) == [(f"submission:{desk.ids['a-clean']}", "approved"),
                                    (f"submission:{desk.ids['c-straight']}", "approved")]
    assert listed(desk.verifier, desk.form_url, state="approved") == {"a-clean", "c-straight"}


def test_flagged_candidates_become_has_issues_and_decided_ones_stay(world, desk):
    bulk(desk, desk.verifier, ["c-straight"], "approved")
    page = desk.manager.get(desk.form_url, timeout=30).text
    marked = desk.manager.post(f"{desk.form_url}/submissions/review-flagged", data={"csrf_token": csrf_of(page)},
                               allow_redirects=False, timeout=30)
    assert marked.status_code == 303
    assert states(world) == {"a-clean": "received", "b-fast": "hasIssues", "c-straight": "approved",
                             "d-no-region": "hasIssues"}
    assert sorted(review_audits(world)[1:]) == sorted([(f"submission:{desk.ids['b-fast']}", "hasIssues"),
                                                       (f"submission:{desk.ids['d-no-region']}", "hasIssues")])


def test_a_comment_round_trips_and_is_sealed_at_rest(world, desk, migrated):
    canary = " ".join("".join(random.choices(CYRILLIC, k=10)) for _ in range(3))
    url = f"{desk.form_url}/submissions/uuid:b-fast"
    token = csrf_of(desk.verifier.get(url, timeout=30).text)
    sent = desk.verifier.post(f"{url}/comments", data={"csrf_token": token, "body": canary}, timeout=30)
    assert sent.status_code == 200 and canary in sent.text and "Добавлен комментарий" in sent.text
    reviewed = desk.verifier.post(f"{url}/review", data={"csrf_token": token, "state": "hasIssues",
                                                         "body": "Длительность 1 мин"}, timeout=30)
    assert "Статус: Получено → Есть замечания" in reviewed.text and "Длительность 1 мин" in reviewed.text
    assert world.run(lambda: db.session.scalar(select(SubmissionComment.id).limit(1))) is not None
    database = Path(migrated.removeprefix("sqlite:///"))
    if migrated.startswith("sqlite"):
        stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        assert canary.encode() not in stored and canary.encode("utf-16-le") not in stored


def test_a_verifier_reviews_but_cannot_reveal_personal_data(world, desk):
    url = f"{desk.form_url}/submissions/uuid:a-clean"
    page = desk.verifier.get(url, timeout=30).text
    assert "734512" not in page and "Сохранить статус" in page
    reviewed = desk.verifier.post(f"{url}/review", data={"csrf_token": csrf_of(page), "state": "rejected"},
                                  allow_redirects=False, timeout=30)
    assert reviewed.status_code == 303 and states(world)["a-clean"] == "rejected"
    revealed = desk.verifier.post(f"{url}/personal", data={"csrf_token": csrf_of(page),
                                                           "purpose": "Сверка с ведомостью школы"}, timeout=30)
    assert revealed.status_code == 403 and "734512" not in revealed.text
    assert "734512" not in desk.verifier.get(url, timeout=30).text


def everything(world) -> tuple:
    return world.run(lambda: (
        sorted((s.id, s.review_state) for s in db.session.scalars(select(Submission))),
        db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)),
        list(db.session.scalars(select(SubmissionComment.id)))))


def test_bad_review_requests_change_nothing(world, desk):
    other = world.project("Башка цикл")
    world.publish(other, review_form())
    before = everything(world)
    http, url = desk.verifier, f"{desk.form_url}/submissions/uuid:a-clean"
    token = csrf_of(http.get(url, timeout=30).text)
    assert bulk(desk, http, ["a-clean", "b-fast"], "certified").status_code == 400
    assert bulk(desk, http, [], "approved").status_code == 400
    assert http.post(f"{url}/review", data={"csrf_token": token, "state": "certified", "body": "Текст"},
                     timeout=30).status_code == 400
    assert http.post(f"{url}/comments", data={"csrf_token": token, "body": "   "}, timeout=30).status_code == 400
    assert http.post(f"{url}/review", data={"state": "approved"}, timeout=30).status_code == 403
    foreign = url.replace(f"/projects/{desk.project_id}/", f"/projects/{other}/")
    assert http.post(foreign.rsplit("/submissions/", 1)[0] + "/submissions/review",
                     data={"csrf_token": token, "state": "approved", "submission_id": str(desk.ids["a-clean"])},
                     timeout=30).status_code == 404
    stranger = http.post(f"{desk.form_url}/submissions/review", timeout=30,
                         data={"csrf_token": token, "state": "approved",
                               "submission_id": [str(desk.ids["a-clean"]), "99999"]})
    assert stranger.status_code == 404
    assert everything(world) == before
