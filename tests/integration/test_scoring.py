"""Standardized tests end to end: the key kept sealed and never served, scores on arrival over
OpenRosa, rescoring with history when the key changes, and the item-analysis workbook."""
from __future__ import annotations

import copy
import json
import random
import subprocess
import sys

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import select

from server.problems import Problem
from server.services import audit, forms as form_service, projects, scoring, scoring_report, submissions
from server.services.demo import publish_file
from server.storage import db
from server.storage.scoring import Score
from tests.integration.test_canary import database_bytes
from tests.support.database import database_rows
from tests.support.staff import PASSWORD
from tests.support.submissions import OPENROSA, post_submission
from tests.support.tests_data import WELDER, taker, welder_answer, welder_key


class WelderTest:
    """A project with the library's welder test published."""

    def __init__(self, world, name: str = "Мониторинг 2026"):
        self.world = world
        self.id = world.project(name)
        world.run(lambda: publish_file(projects.get_project(self.id), WELDER))
        self.key = welder_key()

    def run(self, func, *args, **kwargs):
        return self.world.run(lambda: func(projects.get_project(self.id), *args, **kwargs))

    def ingest(self, xml: bytes) -> None:
        self.run(lambda project: submissions.ingest(lambda f: form_service.get_form(project, f), xml, [],
                                                    submissions.Submitter()))

    def upload(self, key: dict) -> tuple[int, int]:
        def run(project):
            row, rescored = scoring.upload_key(project, "test_welder", json.dumps(key).encode(), audit.SYSTEM)
            return row.number, rescored
        return self.run(run)

    def scores(self, current_only: bool = True) -> list[tuple]:
        def read():
            query = select(Score).order_by(Score.id)
            if current_only:
                query = query.where(Score.current.is_(True))
            return [(s.submission_id, s.total, s.max_total, s.pending, s.reason, s.current)
                    for s in db.session.scalars(query)]
        return self.world.run(read)


@pytest.fixture
def welder(world):
    return WelderTest(world)


def all_right(key: dict) -> dict:
    return {i["name"]: (i["key"] if i["type"] == "single" else " ".join(i["key"]) if i["type"] == "multiple"
                        else "Зачистка кромок, разделка, сборка с зазором, прихватки") for i in key["items"]}


def test_scores_on_arrival_and_rescoring_with_history(welder, world, live_server):
    key = welder.key
    maximum = sum(i["points"] for i in key["items"])
    open_points = sum(i["points"] for i in key["items"] if i["type"] == "open")
    welder.ingest(welder_answer(key, all_right(key)))
    assert welder.scores() == []                       # no key yet: nothing to score with
    assert welder.upload(key) == (1, 1)
    [(first, total, max_total, pending, reason, _)] = welder.scores()
    assert (total, max_total, pending, reason) == (maximum - open_points, maximum, 1, "key")

    # A tablet's submission is scored in the request that stores it.
    _, token = world.app_user(welder.id, forms=["test_welder"])
    wrong_q01 = {**all_right(key), "q01": "a" if key["items"][0]["key"] != "a" else "b", "q02": None}
    sent = post_submission(world.collect_base(live_server, welder.id, token), welder_answer(key, wrong_q01))
    assert sent.status_code == 201
    arrived = welder.scores()[-1]
    assert arrived[1] == maximum - open_points - 2 and arrived[4] == "arrival"   # q01 wrong, q02 omitted

    # A new key for the same form version: everything is scored again, the old scores stay as history.
    changed = copy.deepcopy(key)
    changed["items"][0]["key"] = wrong_q01["q01"]
    assert welder.upload(changed) == (2, 2)
    now = {s[0]: s[1] for s in welder.scores()}
    assert now[first] == maximum - open_points - 1 and now[arrived[0]] == maximum - open_points - 1
    history = welder.scores(current_only=False)
    assert len(history) == 4 and [h[5] for h in history].count(True) == 2


def test_the_key_is_sealed_and_never_served(welder, world, live_server, migrated, tmp_path):
    welder.upload(welder.key)
    open_label = next(i for i in welder.key["items"] if i["type"] == "open")["coding"][0]["label_ru"][:40]
    assert open_label.encode() not in database_bytes(migrated, tmp_path)
    _, token = world.app_user(welder.id, forms=["test_welder"])
    base = world.collect_base(live_server, welder.id, token)
    form_xml = requests.get(f"{base}/forms/test_welder.xml", timeout=30)
    listed = requests.get(f"{base}/formList", headers=OPENROSA, timeout=30)
    manifest = requests.get(f"{base}/forms/test_welder/manifest", headers=OPENROSA, timeout=30)
    for response in (form_xml, listed, manifest):
        assert response.status_code in (200, 404)
        assert "key.json" not in response.text and open_label not in response.text
    assert "<manifestUrl>" not in listed.text           # the test has no media: the key is not one
    key_text = json.dumps(welder.key, ensure_ascii=False)
    assert key_text[:200] not in form_xml.text


def test_a_key_that_does_not_fit_its_form_is_refused_and_changes_nothing(welder, world):
    before = database_rows(world)
    for change, expected in [(lambda k: k["items"][0].update(key="z"), "q01"),
                             (lambda k: k["items"].pop(), "has no key"),
                             (lambda k: k.update(version="1999010101"), None)]:
        bad = welder_key()
        change(bad)
        with pytest.raises(Problem) as refused:
            welder.upload(bad)
        assert refused.value.code in ("422.3", "404.6") and (expected is None or expected in refused.value.message)
    assert database_rows(world) == before


def test_item_analysis_report_from_the_command_line(welder, world, app, migrated, tmp_path):
    rng = random.Random(5)
    key = welder.key
    for n in range(40):
        welder.ingest(welder_answer(key, taker(key, rng.gauss(0, 1), rng), code=f"100001-S{n:03d}"))
    welder.upload(key)
    world.grant(world.admin("analyst@example.kg", PASSWORD, "analyst"), welder.id)
    env = {"SAPAT_INSTANCE_PATH": app.instance_path, "SAPAT_DATABASE_URL": migrated, "SAPAT_VALIDATE_FORMS": "0",
           "SAPAT_USER": "analyst@example.kg", "SAPAT_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "admin_cli", "scoring", "report", "--project", str(welder.id),
                           "--form", "test_welder"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    path = done.stdout.strip().splitlines()[-1]
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["summary", "items", "distractors", "domains", "domain_items", "scores", "levels",
                               "scaling"]
    in_domains = list(book["domain_items"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[1] for r in in_domains) == sorted(i["name"] for i in key["items"])
    scaling = list(book["scaling"].iter_rows(min_row=2, values_only=True))
    assert 20 <= len(scaling) <= 32 and all(r[5] > 0 for r in scaling)       # q33 awaits its codes
    level_rows = list(book["levels"].iter_rows(min_row=2, values_only=True))
    total_rows = [r for r in level_rows if r[0] == "total"]
    assert [r[1] for r in total_rows] == ["below_basic", "basic", "proficient", "advanced"]
    assert sum(r[4] for r in total_rows) == 40 and sum(r[5] for r in total_rows) == pytest.approx(1.0)
    summary = dict(book["summary"].iter_rows(min_row=2, values_only=True))
    expected = world.run(lambda: scoring_report.analyse(scoring_report.test_data(projects.get_project(welder.id),
                                                                                  "test_welder")))
    assert summary["takers"] == 40 and summary["cronbach_alpha"] == pytest.approx(expected.alpha)
    assert summary["scaled_mean"] == pytest.approx(500)
    rows = list(book["items"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [i["name"] for i in key["items"]]
    assert [r[6] for r in rows[:-1]] == pytest.approx([i.difficulty for i in expected.items[:-1]])
    assert rows[-1][4] == 0 and rows[-1][10] == 0          # q33: open, all awaiting codes; not "not reached"


def test_staff_page_of_a_test_with_its_charts(welder, world, live_server):
    from tests.support.staff import sign_in
    rng = random.Random(9)
    for n in range(30):
        welder.ingest(welder_answer(welder.key, taker(welder.key, rng.gauss(0, 1), rng), code=f"100004-S{n:03d}"))
    welder.upload(welder.key)
    world.grant(world.admin("viewer@example.kg", PASSWORD, "department_viewer"), welder.id)
    http = sign_in(live_server, "viewer@example.kg")
    url = f"{live_server}/projects/{welder.id}/forms/test_welder/test"
    page = http.get(f"{url}?lang=ru", timeout=30)
    assert page.status_code == 200, page.text[:500]
    assert "Качество теста" in page.text and 'id="alpha"' in page.text
    assert page.text.count("<polyline") >= 20 and page.text.count("<rect") >= 5     # curves and histogram
    assert "<script" not in page.text
    workbook = http.get(f"{url}.xlsx", timeout=30)
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert requests.get(url, timeout=30, allow_redirects=False).status_code == 302            # signed in only


def test_a_later_cycle_is_reported_on_the_first_cycles_scale(world):
    first, later = WelderTest(world), WelderTest(world, "Мониторинг 2029")
    rng = random.Random(12)
    for cycle, shift in ((first, 0.0), (later, 0.6)):
        for n in range(150):
            cycle.ingest(welder_answer(cycle.key, taker(cycle.key, rng.gauss(shift, 1), rng), code=f"100005-S{n:03d}"))
        cycle.upload(cycle.key)

    def calibrate(cycle):
        def run(project):
            row = scoring_report.store_calibration(project, "test_welder", audit.SYSTEM)
            return row.id, row.linked_to
        return cycle.run(run)

    def scaled(cycle):
        def run(project):
            found = scoring_report.scale(scoring_report.test_data(project, "test_welder"))
            return float(found.scaled.mean()), found.base.id if found.base else None
        return cycle.run(run)
    base_id, linked_to = calibrate(first)
    assert linked_to is None
    assert calibrate(later)[1] == base_id
    assert scaled(first) == (pytest.approx(500), None)
    later_mean, later_base = scaled(later)
    assert 520 < later_mean < 600 and later_base == base_id        # the later cohort is about 0.6 SD better
    assert calibrate(first) == (base_id, None)                       # the first cycle again: still the base


def test_a_domain_may_have_its_own_cut_scores(welder):
    rng = random.Random(14)
    key = copy.deepcopy(welder.key)
    key["domains"][0]["cuts"] = [{"code": "unsafe", "min": 0}, {"code": "safe", "min": 80}]
    for n in range(20):
        welder.ingest(welder_answer(key, taker(key, rng.gauss(0, 1), rng), code=f"100007-S{n:03d}"))
    welder.upload(key)
    rows = welder.run(lambda p: scoring_report.level_shares(scoring_report.test_data(p, "test_welder")))
    safety = [r for r in rows if r[0] == key["domains"][0]["code"]]
    assert [r[1] for r in safety] == ["unsafe", "safe"] and sum(r[4] for r in safety) == 20
    assert [r[1] for r in rows if r[0] == "total"] == ["below_basic", "basic", "proficient", "advanced"]


def test_levels_on_the_reported_scale(welder):
    rng = random.Random(13)
    key = copy.deepcopy(welder.key)
    key["levels"] = {"on": "scale", "cuts": [{"code": "low", "min": 0}, {"code": "mid", "min": 450},
                                             {"code": "high", "min": 550}]}
    for n in range(60):
        welder.ingest(welder_answer(key, taker(key, rng.gauss(0, 1), rng), code=f"100006-S{n:03d}"))
    welder.upload(key)

    def rows(project):
        data = scoring_report.test_data(project, "test_welder")
        scaling = scoring_report.scale(data)
        return scoring_report.level_shares(data, scaling), [float(v) for v in scaling.scaled]
    levels, scaled = welder.run(rows)
    assert [r[0] for r in levels] == ["total"] * 3
    expected = [sum(v < 450 for v in scaled), sum(450 <= v < 550 for v in scaled), sum(v >= 550 for v in scaled)]
    assert [r[4] for r in levels] == expected and sum(expected) == 60
