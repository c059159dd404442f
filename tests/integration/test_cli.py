"""The ``sapat`` command line, run as a real process on the same instance as a running server."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server.services import app_users
from tests.support.servers import GunicornServer
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import photo_form

pytestmark = pytest.mark.slow


ADMIN, MANAGER, PASSWORD = "admin@example.kg", "manager@example.kg", "long enough password"


def sapat(app, database_url, *args, stdin: str | None = None, check: bool = True, validate: bool = False,
          as_user: str | None = ADMIN):
    """Run ``sapat`` as a real process, signed in as ``as_user`` (SAPAT_USER / SAPAT_PASSWORD)."""
    env = dict(os.environ, SAPAT_INSTANCE_PATH=app.instance_path, SAPAT_DATABASE_URL=database_url,
               SAPAT_PUBLIC_URL=app.config.get("CLI_PUBLIC_URL", "http://127.0.0.1:8080"),
               SAPAT_VALIDATE_FORMS=str(validate))
    env.pop("SAPAT_USER", None)
    if as_user:
        env.update(SAPAT_USER=as_user, SAPAT_PASSWORD=PASSWORD)
    result = subprocess.run([sys.executable, "-m", "admin_cli", *args], input=stdin, env=env,
                            capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_cli_sets_up_a_cycle_that_collect_can_use_while_the_server_runs(app, migrated, tmp_path, java_available):
    assert "database at revision" in sapat(app, migrated, "init").stdout
    # The first user needs no login: it bootstraps the installation. Later ones do.
    sapat(app, migrated, "user", "create", ADMIN, "--role", "administrator", "--password-stdin",
          stdin=PASSWORD + "\n", as_user=None)
    refused = sapat(app, migrated, "user", "create", "x@example.kg", "--role", "administrator",
                    "--password-stdin", stdin=PASSWORD + "\n", as_user=None, check=False)
    assert refused.returncode != 0
    sapat(app, migrated, "user", "create", MANAGER, "--role", "data_manager", "--password-stdin",
          stdin=PASSWORD + "\n")
    assert "project 1: Цикл 2026" in sapat(app, migrated, "project", "create", "Цикл 2026", "--year", "2026",
                                          "--stage", "pilot").stdout
    assert sapat(app, migrated, "project", "list", as_user=MANAGER).stdout == ""  # not granted yet
    sapat(app, migrated, "user", "grant", MANAGER, "--project", "1")
    with GunicornServer(Path(app.instance_path), migrated) as server:
        app.config["CLI_PUBLIC_URL"] = server.url
        source = tmp_path / "photos.xlsx"
        source.write_bytes(photo_form())
        out = sapat(app, migrated, "form", "publish", str(source), "--project", "Цикл 2026",
                    validate=java_available, as_user=MANAGER).stdout
        assert "published photos version 1" in out
        out = sapat(app, migrated, "app-user", "create", "Планшет 7", "--project", "1", "--forms", "photos",
                    as_user=MANAGER).stdout
        url = re.search(r"Collect server URL: (\S+)", out).group(1)
        qr = Path(re.search(r"QR code: (.+)", out).group(1).strip())
        assert url.startswith(f"{server.url}/v1/key/") and url.endswith("/projects/1")
        assert qr.read_bytes().startswith(b"\x89PNG")
        xml, instance_id = submission_xml("photos")
        assert post_submission(url, xml).status_code == 201
        listing = sapat(app, migrated, "submissions", "list", "--project", "1", "--form", "photos",
                        as_user=MANAGER).stdout
        assert "1 submissions" in listing and instance_id in listing and "received" in listing


def test_cli_reports_problems_with_their_code_and_changes_nothing(app, migrated, world):
    world.admin(ADMIN, PASSWORD)
    sapat(app, migrated, "project", "create", "Twice", "--year", "2026")
    again = sapat(app, migrated, "project", "create", "Twice", "--year", "2026", check=False)
    assert again.returncode == 1 and "(409.3)" in again.stderr
    bad_year = sapat(app, migrated, "project", "create", "Other", "--year", "1900", check=False)
    assert bad_year.returncode == 1 and "year" in bad_year.stderr
    assert sapat(app, migrated, "project", "list").stdout.count("\n") == 1


def test_demo_is_idempotent_and_prints_where_to_go(app, migrated):
    first = sapat(app, migrated, "demo").stdout
    second = sapat(app, migrated, "demo").stdout
    assert first == second
    url = re.search(r"Collect server URL: (\S+)", first).group(1)
    assert re.fullmatch(r"http://127\.0\.0\.1:8080/v1/key/[A-Za-z0-9_-]{64}/projects/\d+", url)
    assert re.search(r"login admin@sapat\.local / \S+\)", first)
    qr = Path(re.search(r"Collect QR code: +(.+)", first).group(1).strip())
    assert qr.exists()


def test_qr_payload_is_central_shaped_collect_settings(app, world):
    project_id = world.project("QR")
    user_id, token = world.app_user(project_id)

    def settings():
        from server.services import projects
        project = projects.get_project(project_id)
        return app_users.collect_settings("https://sapat.example.kg", app_users.get_app_user(project, user_id),
                                          project)
    decoded = app_users.decode_settings(app_users.encode_settings(world.run(settings)))
    assert decoded["general"]["server_url"] == f"https://sapat.example.kg/v1/key/{token}/projects/{project_id}"
    assert decoded["project"] == {"name": "QR"} and decoded["admin"] == {}
