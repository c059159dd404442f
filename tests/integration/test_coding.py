"""Coding open test answers in the staff pages, over real HTTP: first codes, a blind second coding of
a share, agreement and kappa per item, resolution of disagreements, and scores that follow the codes."""
from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import select

from server.measurement import agreement
from server.services import coding, forms as form_service, projects
from server.storage import db
from server.storage.audit import AuditEntry
from server.storage.scoring import Coding, Score
from tests.integration.test_scoring import WelderTest
from tests.support.staff import PASSWORD, csrf_of, sign_in
from tests.support.tests_data import taker, welder_answer

TEXTS = ["Зачистка кромок, разделка, сборка с зазором, прихватки", "Зачистка и прихватки", "Варить током",
         "Разделка кромок под углом 30°, зачистка, зазор 2 мм, прихватки через 100 мм"]


@pytest.fixture
def coded_test(world, app):
    app.config["SAPAT_DOUBLE_CODING_PERCENT"] = 50
    welder = WelderTest(world)
    rng = random.Random(11)
    for n in range(12):
        answers = taker(welder.key, rng.gauss(0, 1), rng, open_text=TEXTS[n % len(TEXTS)])
        welder.ingest(welder_answer(welder.key, answers, code=f"100003-S{n:03d}"))
    welder.upload(welder.key)
    people = {}
    for email, role in (("coder1@example.kg", "verifier"), ("coder2@example.kg", "verifier"),
                        ("manager@example.kg", "data_manager")):
        people[email] = world.admin(email, PASSWORD, role)
        world.grant(people[email], welder.id)
    return welder


def code_all(base: str, http, url: str, choose) -> list[tuple[int, str, int]]:
    """Code every answer the page offers this coder; returns (submission, round, code)."""
    done = []
    for _ in range(50):
        page = http.get(url, timeout=30)
        assert page.status_code == 200
        if 'id="nothing-to-code"' in page.text:
            return done
        submission = int(re.search(r'name="submission" value="(\d+)"', page.text).group(1))
        round_ = re.search(r'name="round" value="(\w+)"', page.text).group(1)
        assert "checked" not in page.text                # blind: no code is shown or preselected
        code = choose(submission, round_)
        saved = http.post(url, data={"csrf_token": csrf_of(page.text), "submission": submission, "round": round_,
                                     "code": code}, allow_redirects=False, timeout=30)
        assert saved.status_code == 303, saved.text
        done.append((submission, round_, code))
    raise AssertionError("coding did not finish")


def test_double_coding_agreement_resolution_and_scores(coded_test, world, live_server):
    base = f"{live_server}/projects/{coded_test.id}/forms/test_welder/coding"
    first = sign_in(live_server, "coder1@example.kg")
    second = sign_in(live_server, "coder2@example.kg")
    firsts = code_all(live_server, first, f"{base}/q33?lang=ru", lambda s, r: 2 if s % 3 else 1)
    assert len(firsts) == 12 and {r for _, r, _ in firsts} == {"first"}      # a coder never codes twice
    seconds = code_all(live_server, second, f"{base}/q33?lang=ru", lambda s, r: 2 if s % 2 else 1)
    assert seconds and {r for _, r, _ in seconds} == {"second"}
    double = world.run(lambda: sorted(s for s, _, _ in firsts if coding.double_coded(
        form_service.get_form(projects.get_project(coded_test.id), "test_welder"), s, "q33")))
    assert sorted(s for s, _, _ in seconds) == double and 2 <= len(double) <= 10

    by_first = {s: c for s, _, c in firsts}
    pairs = [(by_first[s], c) for s, _, c in sorted(seconds)]
    percent, kappa = agreement.agreement([a for a, _ in pairs], [b for _, b in pairs])
    overview = first.get(f"{base}?lang=ru", timeout=30).text
    assert f"{100 * percent:.0f}%" in overview and (f"{kappa:.2f}" in overview or kappa != kappa)

    disagreeing = [s for (s, _, c) in sorted(seconds) if c != by_first[s]]
    manager = sign_in(live_server, "manager@example.kg")
    page = manager.get(f"{base}/q33/disagreements?lang=ru", timeout=30)
    assert page.status_code == 200 and page.text.count('name="submission"') == len(disagreeing)
    for submission in disagreeing:
        resolved = manager.post(f"{base}/q33/disagreements", data={
            "csrf_token": csrf_of(page.text), "submission": submission, "code": 0}, allow_redirects=False, timeout=30)
        assert resolved.status_code == 303
    assert first.get(f"{base}/q33/disagreements", timeout=30).status_code == 403     # verifiers do not resolve

    def final_scores():
        return {s.submission_id: (s.items["q33"], s.pending, s.reason) for s in db.session.scalars(
            select(Score).where(Score.current.is_(True)))}
    scores = world.run(final_scores)
    for submission, code in by_first.items():
        expected = 0 if submission in disagreeing else code
        assert scores[submission][:2] == (float(expected), 0), submission
        assert scores[submission][2] == "coding"
    views = world.run(lambda: db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "coding.view")
                                                .limit(1)))
    assert views is not None


def test_bad_codes_are_refused_and_change_nothing(coded_test, world, live_server):
    base = f"{live_server}/projects/{coded_test.id}/forms/test_welder/coding/q33"
    http = sign_in(live_server, "coder1@example.kg")
    page = http.get(base, timeout=30).text
    submission = int(re.search(r'name="submission" value="(\d+)"', page).group(1))
    for fields, expected in [({"round": "first", "code": 7}, "400.8"), ({"round": "second", "code": 1}, "409.28"),
                             ({"round": "resolution", "code": 1}, "409.28"), ({"round": "x", "code": 1}, "400.8")]:
        refused = http.post(base, data={"csrf_token": csrf_of(page), "submission": submission, **fields},
                            allow_redirects=False, timeout=30)
        assert refused.status_code in (400, 409) and expected in refused.text, (fields, refused.status_code)
    assert world.run(lambda: db.session.scalar(select(Coding.id))) is None
    assert http.get(f"{live_server}/projects/{coded_test.id}/forms/test_welder/coding/q01", timeout=30).status_code == 400
