"""Pulling a project from a live Sapat (over its Central API, with pyodk) into another Sapat; the scheduled job
and the staff page that shows its runs."""
from __future__ import annotations

import shutil
import threading
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.serving import make_server

from admin_cli.main import main as sapat_cli
from server import create_app, scheduler
from server.services import audit, forms as form_service, keys, projects, review, staff_users, submissions
from server.storage import db, migrate, writing
from server.storage.sync import SyncRun
from tests.support.database import snapshot
from tests.support.staff import PASSWORD, sign_in
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import photo_form

SYNC_USER = "sync@example.kg"


def make_station(template_database: str, tmp_path, **config):
    """A second Sapat (the field laptop) on its own SQLite database, with an administrator and a project."""
    path = tmp_path / "station.db"
    if template_database.startswith("sqlite"):
        shutil.copy(template_database.removeprefix("sqlite:///"), path)
    station = create_app({"INSTANCE_PATH": tmp_path / "station", "SAPAT_DATABASE_URL": f"sqlite:///{path}",
                          "SAPAT_VALIDATE_FORMS": False, "TESTING": True, **config})
    keys.init_master_key(station)
    with station.app_context(), writing():
        if not template_database.startswith("sqlite"):
            migrate.upgrade()
        staff_users.create_user("admin@example.kg", PASSWORD, "administrator")
        project_id = projects.create_project("Станция", 2026).id
        db.session.commit()
        db.session.remove()
    return station, project_id


@pytest.fixture
def hq(world, live_server):
    """The remote: a project with a photo form, a data manager for syncing, three submissions from a tablet
    (two with a photo), one of them edited, one approved."""
    project_id = world.project()
    world.publish(project_id, photo_form())
    world.grant(world.admin(SYNC_USER, PASSWORD, "data_manager"), project_id)
    _, token = world.app_user(project_id, forms=["photos"])
    base = world.collect_base(live_server, project_id, token)
    ids = []
    for n in range(3):
        xml, instance_id = submission_xml("photos", school=f"S-{n:03}", photo="door.jpg" if n < 2 else None)
        assert post_submission(base, xml, {"door.jpg": f"JPEG-{n}".encode()} if n < 2 else {}).status_code == 201
        ids.append(instance_id)
    edit, _ = submission_xml("photos", school="S-000b", photo="door.jpg", deprecated_id=ids[0])
    assert post_submission(base, edit).status_code == 201
    world.run(lambda: review.set_review_state(
        submissions.get_submission(form_service.get_form(projects.get_project(project_id), "photos"), ids[1]),
        "approved", audit.SYSTEM, project_id))
    return {"url": live_server, "project_id": project_id, "base": base}


def pull(station, station_project: int, hq: dict):
    env = {"SAPAT_INSTANCE_PATH": station.instance_path, "SAPAT_DATABASE_URL": station.config["SAPAT_DATABASE_URL"],
           "SAPAT_VALIDATE_FORMS": "false", "SAPAT_USER": "admin@example.kg", "SAPAT_PASSWORD": PASSWORD,
           "SAPAT_SYNC_USER": SYNC_USER, "SAPAT_SYNC_PASSWORD": PASSWORD}
    return CliRunner().invoke(sapat_cli, ["sync", "pull", "--from", hq["url"], "--project", str(station_project),
                                          "--remote-project", str(hq["project_id"])], env=env)


def test_pull_copies_forms_submissions_edits_files_and_review_states_and_is_idempotent(app, template_database,
                                                                                      tmp_path, hq):
    station, station_project = make_station(template_database, tmp_path)
    first = pull(station, station_project, hq)
    assert first.exit_code == 0, first.output
    assert "ok (forms 1, submissions 3, versions 4, attachments 2, review_states 1" in first.output
    assert "photos: 3/3 submissions" in first.output  # progress, on standard error
    assert snapshot(station, station_project) == snapshot(app, hq["project_id"])
    assert len(snapshot(station, station_project)) == 3

    again = pull(station, station_project, hq)
    assert again.exit_code == 0 and "submissions 0, versions 0, attachments 0, review_states 0" in again.output

    xml, _ = submission_xml("photos", school="S-009")
    assert post_submission(hq["base"], xml).status_code == 201
    later = pull(station, station_project, hq)
    assert later.exit_code == 0 and "submissions 1, versions 1" in later.output
    assert snapshot(station, station_project) == snapshot(app, hq["project_id"])


def test_a_refused_sign_in_fails_the_run_and_says_so(app, template_database, tmp_path, hq):
    station, station_project = make_station(template_database, tmp_path)
    result = CliRunner().invoke(sapat_cli, ["sync", "pull", "--from", hq["url"], "--project", str(station_project),
                                            "--remote-project", str(hq["project_id"]), "--user", SYNC_USER],
                                env={"SAPAT_INSTANCE_PATH": station.instance_path,
                                     "SAPAT_DATABASE_URL": station.config["SAPAT_DATABASE_URL"],
                                     "SAPAT_USER": "admin@example.kg", "SAPAT_PASSWORD": PASSWORD,
                                     "SAPAT_SYNC_PASSWORD": "not the password"})
    assert result.exit_code == 1
    assert ": failed (" in result.output and "401.2" in result.output
    assert "not the password" not in result.output
    assert snapshot(station, station_project) == {}


def test_scheduled_job_records_a_run_that_staff_see(app, template_database, tmp_path, hq):
    secret = tmp_path / "hq-password"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o600)
    job = {"direction": "pull", "remote": hq["url"], "project": 1, "remote_project": hq["project_id"],
           "user": SYNC_USER, "password_file": str(secret), "minutes": 60}
    station, station_project = make_station(template_database, tmp_path, SAPAT_SYNC_JOBS=[job])
    assert station_project == 1
    running = scheduler.start(station)
    try:
        run = wait_for_run(station)
    finally:
        running.shutdown(wait=True)
    assert run.status == "ok" and run.trigger == "schedule" and run.counts["submissions"] == 3
    assert snapshot(station, station_project) == snapshot(app, hq["project_id"])

    server = make_server("127.0.0.1", 0, station, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        page = sign_in(base).get(f"{base}/projects/{station_project}/sync?lang=en", timeout=30)
        project_page = sign_in(base).get(f"{base}/projects/{station_project}", timeout=30)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert page.status_code == 200
    assert hq["url"] in page.text and "Schedule" in page.text and "All copied" in page.text
    assert f"/projects/{station_project}/sync" in project_page.text


def wait_for_run(station, limit: float = 120) -> SyncRun:
    """The first finished run (polling: the job runs in the scheduler's thread)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with station.app_context():
            run = db.session.scalar(select(SyncRun).where(SyncRun.status != "running"))
            db.session.remove()
        if run is not None:
            return run
        time.sleep(0.2)
    pytest.fail("the scheduled job did not finish a run")


def test_the_scheduler_does_not_start_under_the_test_app_unless_asked(app, tmp_path):
    secret = tmp_path / "password"
    secret.write_text(PASSWORD)
    secret.chmod(0o644)
    with pytest.raises(PermissionError):
        scheduler.read_password(secret)
    job = [{"direction": "push", "remote": "http://127.0.0.1:9", "project": 1, "remote_project": 1,
            "user": SYNC_USER, "password_file": str(secret)}]
    quiet = create_app({"INSTANCE_PATH": tmp_path / "quiet", "SAPAT_DATABASE_URL": app.config["SAPAT_DATABASE_URL"],
                        "TESTING": True, "SAPAT_SYNC_JOBS": job})
    quiet.test_client().get("/login")
    assert scheduler.SCHEDULER not in quiet.extensions
    with pytest.raises(ValueError, match="job 1"):
        scheduler.parse_jobs([{**job[0], "direction": "sideways"}])
