"""The field-station scenario: tablets submit to a laptop's Sapat (SQLite), the laptop pushes to HQ's Sapat
(PostgreSQL), both under gunicorn on loopback; the link is cut mid-transfer and the push resumed. HQ must end
with exactly the station's submissions: every version, file and review state, nothing lost, nothing twice."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import uuid

import psycopg
import pytest

from server import create_app
from server.services import app_users, audit, forms as form_service, keys, projects, review, staff_users, submissions
from server.storage import db, migrate, writing
from tests.conftest import require_tool
from tests.support.database import snapshot
from tests.support.servers import GunicornServer, free_port
from tests.support.staff import PASSWORD
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import photo_form

PG_ADMIN = os.environ.get("SAPAT_SYNC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SYNC_USER = "station@example.kg"
MANAGER = "manager@example.kg"
PHOTO = 64 * 1024


class CuttingProxy:
    """A TCP proxy to ``upstream`` that, once ``cut_after`` bytes went up, drops every connection and stops
    listening (a link that dies in the middle of a request)."""

    def __init__(self, port: int, upstream: int, cut_after: int | None = None):
        self.upstream, self.cut_after, self.sent, self.cut = upstream, cut_after, 0, False
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", port))  # SO_REUSEADDR: the same port again later
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            with self.lock:
                self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, upward: bool) -> None:
        try:
            while chunk := source.recv(16384):
                if upward:
                    with self.lock:
                        self.sent += len(chunk)
                        over = self.cut_after is not None and self.sent > self.cut_after
                    if over:
                        target.sendall(chunk[: len(chunk) // 2])  # half a request arrives
                        self.close(cut=True)
                        return
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self, cut: bool = False) -> None:
        self.cut = self.cut or cut
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread and frees the port
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()


@pytest.fixture
def hq_database():
    """HQ's own PostgreSQL database, made for this test and dropped after it."""
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:
        require_tool(False, f"PostgreSQL at {PG_ADMIN}")
    name = f"sapat_sync_{secrets.token_hex(6)}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def prepare(instance, database_url: str, build):
    """Migrate, make the master key and run ``build()`` (committed); returns an app on that database."""
    app = create_app({"INSTANCE_PATH": instance, "SAPAT_DATABASE_URL": database_url, "SAPAT_VALIDATE_FORMS": False})
    keys.init_master_key(app)
    with app.app_context(), writing():
        migrate.upgrade()
        result = build()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return app, result


def sapat(app, *args, user: str = "admin@example.kg") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAPAT_")}
    env.update(SAPAT_INSTANCE_PATH=app.instance_path, SAPAT_DATABASE_URL=app.config["SAPAT_DATABASE_URL"],
               SAPAT_VALIDATE_FORMS="false", SAPAT_USER=user, SAPAT_PASSWORD=PASSWORD,
               SAPAT_SYNC_USER=SYNC_USER, SAPAT_SYNC_PASSWORD=PASSWORD)
    return subprocess.run([sys.executable, "-m", "admin_cli", *args], env=env, text=True, capture_output=True,
                          timeout=600)


@pytest.mark.slow
def test_station_pushes_to_hq_through_a_link_cut_mid_transfer_and_hq_ends_with_exactly_its_submissions(
        tmp_path, hq_database, monkeypatch):
    monkeypatch.setenv("SAPAT_VALIDATE_FORMS", "false")  # the gunicorn children inherit it

    def build_hq():
        staff_users.create_user("admin@example.kg", PASSWORD, "administrator")
        project = projects.create_project("Мониторинг 2026", 2026)
        form_service.publish_upload(project, photo_form(), "photos.xlsx")
        manager = staff_users.create_user(SYNC_USER, PASSWORD, "data_manager")
        staff_users.grant_project(manager, project.id, audit.SYSTEM)
        return project.id

    def build_station():
        staff_users.create_user("admin@example.kg", PASSWORD, "administrator")
        project = projects.create_project("Станция Ош", 2026)
        manager = staff_users.create_user(MANAGER, PASSWORD, "data_manager")  # pushing sends personal data
        staff_users.grant_project(manager, project.id, audit.SYSTEM)
        return project.id

    hq_app, hq_project = prepare(tmp_path / "hq", hq_database, build_hq)
    station_app, station_project = prepare(tmp_path / "station", f"sqlite:///{tmp_path / 'station.db'}",
                                           build_station)
    with GunicornServer(tmp_path / "hq", hq_database) as hq, \
            GunicornServer(tmp_path / "station", station_app.config["SAPAT_DATABASE_URL"]) as station:
        forms = sapat(station_app, "sync", "pull", "--from", hq.url, "--project", str(station_project),
                      "--remote-project", str(hq_project))
        assert forms.returncode == 0 and "forms 1, submissions 0" in forms.stdout, forms.stderr

        token = _tablet(station_app, station_project)
        base = f"{station.url}/v1/key/{token}/projects/{station_project}"
        sent = _tablets_submit(base, tablets=3, each=4)
        with station_app.app_context(), writing():
            form = form_service.get_form(projects.get_project(station_project), "photos")
            review.set_review_state(submissions.get_submission(form, sent[5]), "approved", audit.SYSTEM,
                                    station_project)
            db.session.commit()
            db.session.remove()
        expected = snapshot(station_app, station_project)
        assert len(expected) == 12

        port = free_port()
        proxy = CuttingProxy(port, hq.port, cut_after=len(expected) * PHOTO // 2)
        link = f"http://127.0.0.1:{port}"
        push = ("sync", "push", "--to", link, "--project", str(station_project), "--remote-project", str(hq_project))
        cut = sapat(station_app, *push, user=MANAGER)
        assert proxy.cut, "the link was not cut: the test would prove nothing"
        assert cut.returncode == 1 and ": failed (" in cut.stdout, cut.stdout + cut.stderr
        partial = snapshot(hq_app, hq_project)
        assert len(partial) < len(expected) and set(partial) <= set(expected)

        CuttingProxy(port, hq.port)  # the link is back, same address
        resumed = sapat(station_app, *push, user=MANAGER)
        assert resumed.returncode == 0 and ": ok (" in resumed.stdout, resumed.stdout + resumed.stderr
        again = sapat(station_app, *push, user=MANAGER)
        assert again.returncode == 0 and "submissions 0, versions 0, attachments 0, review_states 0" in again.stdout

        status = sapat(station_app, "sync", "status", "--project", str(station_project))
        assert [line.split("\t")[6] for line in status.stdout.splitlines()] == ["ok", "ok", "failed", "ok"]
    assert snapshot(hq_app, hq_project) == expected


def _tablet(station_app, project_id: int) -> str:
    with station_app.app_context(), writing():
        project = projects.get_project(project_id)
        user = app_users.create_app_user(project, "Планшет 1", [form_service.get_form(project, "photos")])
        token = app_users.token_of(user)
        db.session.commit()
        db.session.remove()
        return token


def _tablets_submit(base: str, tablets: int, each: int) -> list[str]:
    """Tablets in parallel, each sending ``each`` submissions with a photo; every tablet edits its first one."""
    sent: list[str] = []

    def tablet(number: int) -> None:
        mine = []
        for n in range(each):
            xml, instance_id = submission_xml("photos", school=f"S-{number}{n:02}", photo="door.jpg")
            photo = uuid.uuid4().bytes * (PHOTO // 16)
            assert post_submission(base, xml, {"door.jpg": photo}).status_code == 201
            mine.append(instance_id)
        edit, _ = submission_xml("photos", school=f"S-{number}XX", photo="door.jpg", deprecated_id=mine[0])
        assert post_submission(base, edit).status_code == 201
        sent.extend(mine)

    threads = [threading.Thread(target=tablet, args=(n,)) for n in range(tablets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == tablets * each
    return sent
