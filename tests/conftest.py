"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when SAPAT_TEST_DATABASE_URL is set),
an app per test on a clean database, and the app served over real HTTP on loopback."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from server import create_app
from server.services import app_users, audit, forms as form_service, keys, projects, staff_users
from server.storage import db, migrate, writing
from server.storage.users import StaffUser

PG_URL = os.environ.get("SAPAT_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_tool(available: bool, what: str) -> None:
    """Skip when a real tool is missing on a developer machine; fail under CI, where it must be there."""
    if not available:
        if IN_CI:
            pytest.fail(f"{what} is required under CI=true")
        pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def template_database(tmp_path_factory) -> str:
    """Migrate once per test session, from an empty schema (on SQLite: a file each test copies)."""
    url = PG_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.db'}"
    app = create_app({"INSTANCE_PATH": tmp_path_factory.mktemp("migrate"), "SAPAT_DATABASE_URL": url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate.upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def migrated(template_database, tmp_path) -> str:
    """A clean, migrated database for one test: a copy of the template file, or the truncated PostgreSQL."""
    if not template_database.startswith("sqlite"):
        engine = create_engine(template_database.replace("postgresql://", "postgresql+psycopg://", 1))
        tables = [t.name for t in db.metadata.sorted_tables]
        with engine.begin() as conn:  # TRUNCATE fires no row triggers: the append-only audit log empties too
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return template_database
    copy = tmp_path / "sapat.db"
    shutil.copy(template_database.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def app(migrated, tmp_path):
    """An app on a clean database and a fresh instance folder with its own master key."""
    instance = tmp_path / "instance"
    application = create_app({"INSTANCE_PATH": instance, "SAPAT_DATABASE_URL": migrated,
                              "SAPAT_VALIDATE_FORMS": False, "TESTING": True})
    keys.init_master_key(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(instance, ignore_errors=True)


@pytest.fixture
def live_server(app):
    """The app on a real socket on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class World:
    """Builds the things a test needs through the services, each step committed."""

    def __init__(self, app):
        self.app = app

    def _do(self, func, *args, **kwargs):
        with self.app.app_context(), writing():
            result = func(*args, **kwargs)
            db.session.commit()
            return result

    def admin(self, email="admin@example.kg", password="correct horse battery", role="administrator"):
        return self._do(lambda: staff_users.create_user(email, password, role).id)

    def project(self, name="Мониторинг 2026", year=2026, stage="main") -> int:
        return self._do(lambda: projects.create_project(name, year, stage).id)

    def publish(self, project_id: int, data: bytes, filename="form.xlsx") -> str:
        return self._do(lambda: form_service.publish_upload(projects.get_project(project_id), data,
                                                            filename).xml_form_id)

    def app_user(self, project_id: int, forms=(), name="Планшет 1") -> tuple[int, str]:
        def create():
            project = projects.get_project(project_id)
            user = app_users.create_app_user(project, name, [form_service.get_form(project, f) for f in forms])
            return user.id, app_users.token_of(user)
        return self._do(create)

    def collect_base(self, base_url: str, project_id: int, token: str) -> str:
        return f"{base_url}/v1/key/{token}/projects/{project_id}"

    def grant(self, user_id: int, project_id: int) -> None:
        """Give a non-administrator access to a project."""
        def run():
            staff_users.grant_project(db.session.get(StaffUser, user_id), project_id, audit.SYSTEM)
        self._do(run)

    def run(self, func):
        """Run ``func()`` in an app context (read or write) and commit."""
        return self._do(func)


@pytest.fixture
def world(app):
    return World(app)


@pytest.fixture(scope="session")
def java_available() -> bool:
    return shutil.which("java") is not None


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require_tool(Path(path).exists(), "Chromium (Debian package chromium)")
    return path


@pytest.fixture
def survey(world, live_server):
    """A sampled cycle with selected students and the student probe open on the web (web-link tests)."""
    from tests.support.web_survey import Survey
    return Survey(world, live_server)
