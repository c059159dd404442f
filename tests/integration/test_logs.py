"""Secrets stay out of logs: app-user tokens appear in OpenRosa URLs but never in a log line."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.support.servers import GunicornServer
from tests.support.submissions import OPENROSA, post_submission, submission_xml
from tests.support.xlsforms import photo_form

pytestmark = pytest.mark.slow


def test_access_and_error_logs_never_contain_app_user_tokens(app, world, migrated, tmp_path):
    project_id = world.project()
    form_id = world.publish(project_id, photo_form())
    _, token = world.app_user(project_id, forms=[form_id])
    access, errors = tmp_path / "access.log", tmp_path / "server.log"
    with GunicornServer(Path(app.instance_path), migrated, log=errors, access_log=str(access)) as server:
        base = world.collect_base(server.url, project_id, token)
        assert requests.get(f"{base}/formList", headers=OPENROSA, timeout=10).status_code == 200
        assert requests.get(f"{server.url}/v1/projects/{project_id}/formList", params={"st": token},
                            headers=OPENROSA, timeout=10).status_code == 200
        assert post_submission(base, submission_xml(form_id)[0]).status_code == 201
        assert post_submission(base, b"<broken").status_code == 400
    logged = access.read_text() + errors.read_text()
    assert "/v1/key/***/projects" in logged and "st=***" in logged
    assert token not in logged


def test_logs_never_contain_web_link_tokens_or_participant_codes(app, world, migrated, tmp_path):
    from tests.support.web_survey import Survey, probe_answer
    access, errors = tmp_path / "access.log", tmp_path / "server.log"
    with GunicornServer(Path(app.instance_path), migrated, log=errors, access_log=str(access)) as server:
        survey = Survey(world, server.url)
        _, code, token = survey.people()[0]
        assert requests.get(survey.url(token, "?lang=ru"), timeout=10).status_code == 200
        assert requests.get(survey.url(token, "/student_probe/form.xml"), timeout=10).status_code == 200
        assert survey.submit(token, probe_answer(code)).status_code == 201
        assert survey.submit(token, probe_answer(code)).status_code == 409
        assert survey.submit(token, b"<broken").status_code == 400
    logged = access.read_text() + errors.read_text()
    assert "/w/***/student_probe/submission" in logged
    assert token not in logged and code not in logged
