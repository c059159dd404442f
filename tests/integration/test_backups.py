"""``sapat backup`` and ``sapat restore`` as real processes, on SQLite and on PostgreSQL.

Data goes in over real HTTP; the archive is restored into a fresh instance folder and a
fresh database holding a copy of the master key file, and must give back every XML, file
and token byte for byte, with an intact audit chain.
"""
from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from server import create_app
from server.services import app_users, audit, forms as form_service, keys, projects, sealing, submissions
from server.storage import db
from server.storage.audit import AuditEntry
from server.storage.blobs import Blob
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import photo_form

pytestmark = pytest.mark.slow

ADMIN, PASSWORD = "admin@example.kg", "long enough password"
CANARY = "Канарейка-7f3a9c"   # a free-text answer that must never appear in clear in an archive
RESTORE_DB = "sapat_restore_test"
DAMAGED = "backup is damaged or was altered"


def sapat(instance: Path, database_url: str, *args: str, as_user: str | None = ADMIN, stdin: str | None = None):
    """Run ``sapat`` as a real process on ``instance`` and ``database_url``."""
    env = dict(os.environ, SAPAT_INSTANCE_PATH=str(instance), SAPAT_DATABASE_URL=database_url,
               SAPAT_VALIDATE_FORMS="False")
    for name in ("SAPAT_USER", "SAPAT_PASSWORD", "SAPAT_MASTER_KEY"):
        env.pop(name, None)
    if as_user:
        env.update(SAPAT_USER=as_user, SAPAT_PASSWORD=PASSWORD)
    return subprocess.run([sys.executable, "-m", "admin_cli", *args], input=stdin, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def fresh_database(migrated, tmp_path):
    """Makes a new, empty database per call: a new SQLite file, or PostgreSQL's sapat_restore_test re-created."""
    if migrated.startswith("sqlite"):
        numbers = itertools.count()
        yield lambda: f"sqlite:///{tmp_path / f'restored-{next(numbers)}.db'}"
        return
    admin_url = migrated.replace("postgresql+psycopg://", "postgresql://", 1)
    restore_url = make_url(admin_url).set(database=RESTORE_DB).render_as_string(hide_password=False)

    def recreate(create: bool = True) -> str:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {RESTORE_DB} WITH (FORCE)")
            if create:
                conn.execute(f"CREATE DATABASE {RESTORE_DB}")
        return restore_url
    yield recreate
    recreate(create=False)


def new_instance(tmp_path: Path, name: str, key_from: Path | None = None) -> Path:
    """A fresh instance folder, holding a copy of ``key_from`` as its master key file if given."""
    folder = tmp_path / name
    (folder / "keys").mkdir(parents=True)
    if key_from is not None:
        shutil.copyfile(key_from, folder / "keys" / "master.json")
        os.chmod(folder / "keys" / "master.json", 0o600)
    return folder


@dataclass
class Collected:
    project_id: int
    form_id: str
    app_user_id: int
    token: str
    sent: dict[str, tuple[bytes, dict[str, bytes]]]   # instanceID -> (XML, {file name: bytes})


def collect(world, base_url: str, count: int) -> Collected:
    """An administrator, a project, a published photo form, an app user and submissions with photos."""
    world.admin(ADMIN, PASSWORD)
    project_id = world.project()
    form_id = world.publish(project_id, photo_form())
    app_user_id, token = world.app_user(project_id, forms=[form_id])
    base, sent = world.collect_base(base_url, project_id, token), {}
    for n in range(count):
        # a.jpg fits one sealed chunk; b.jpg spans two (64 KiB chunks)
        files = {"a.jpg": os.urandom(3000) + CANARY.encode(), "b.jpg": os.urandom(70_000 + n)}
        xml, instance_id = submission_xml(form_id, school=f"{CANARY}-{n}", photo="a.jpg", extras=("b.jpg",))
        assert post_submission(base, xml, files).status_code == 201
        sent[instance_id] = (xml, files)
    return Collected(project_id, form_id, app_user_id, token, sent)


def read_back(instance: Path, database_url: str, collected: Collected) -> dict:
    """What an installation holds for the collected data, opened with its keys."""
    restored = create_app({"INSTANCE_PATH": instance, "SAPAT_DATABASE_URL": database_url,
                           "SAPAT_VALIDATE_FORMS": False})
    try:
        with restored.app_context():
            project = projects.get_project(collected.project_id)
            form = form_service.get_form(project, collected.form_id)
            held = {}
            for instance_id in collected.sent:
                version = submissions.current_version(submissions.get_submission(form, instance_id))
                held[instance_id] = (submissions.submission_xml(version),
                                     {a.name: sealing.read_file(a.blob) for a in version.attachments})
            user = app_users.get_app_user(project, collected.app_user_id)
            return {"held": held, "token": app_users.token_of(user),
                    "authenticates": app_users.authenticate(collected.token, project.id).id == user.id,
                    "audit": audit.verify(),
                    "actions": [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]}
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


def table_names(database_url: str) -> list[str]:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


def stored_files(instance: Path) -> list[Path]:
    root = instance / "blobs"
    return [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"]


def test_restore_into_a_fresh_installation_gives_back_every_xml_file_token_and_the_audit_chain(
        app, migrated, world, live_server, tmp_path, fresh_database):
    collected = collect(world, live_server, count=3)
    files = world.run(lambda: db.session.query(Blob).count())  # 2 per submission and the form's XLSForm
    archive = tmp_path / "backups" / "archive.sbk"
    made = sapat(Path(app.instance_path), migrated, "backup", "--out", str(archive))
    assert made.returncode == 0, made.stderr
    assert "master key file" in made.stdout and f"{files} files" in made.stdout
    assert archive.stat().st_mode & 0o777 == 0o600
    content = archive.read_bytes()
    assert CANARY.encode() not in content and collected.token.encode() not in content
    assert "backup.create" in world.run(lambda: [e.action for e in db.session.query(AuditEntry)])

    # Another installation's master key cannot open it, and nothing is written.
    stranger, stranger_db = new_instance(tmp_path, "stranger"), fresh_database()
    assert sapat(stranger, stranger_db, "keys", "init").returncode == 0
    refused = sapat(stranger, stranger_db, "restore", str(archive), "--yes", as_user=None)
    assert refused.returncode == 1 and "another master key" in refused.stderr
    assert table_names(stranger_db) == [] and stored_files(stranger) == []

    # A copy of the original master key file opens it: no staff login needed.
    restored, restored_db = new_instance(tmp_path, "restored", keys.master_key_path(app)), fresh_database()
    done = sapat(restored, restored_db, "restore", str(archive), "--yes", as_user=None)
    assert done.returncode == 0, done.stderr
    assert f"{files} files" in done.stdout
    back = read_back(restored, restored_db, collected)
    assert back["held"] == collected.sent
    assert back["token"] == collected.token and back["authenticates"]
    assert back["audit"].ok and back["audit"].entries == len(back["actions"])
    assert back["actions"][-1] == "backup.restore"
    assert len(stored_files(restored)) == files


def test_an_altered_archive_or_a_database_with_data_is_refused_and_nothing_changes(
        app, migrated, world, live_server, tmp_path, fresh_database):
    collect(world, live_server, count=1)
    archive = tmp_path / "archive.sbk"
    assert sapat(Path(app.instance_path), migrated, "backup", "--out", str(archive)).returncode == 0
    key_file = keys.master_key_path(app)

    content = bytearray(archive.read_bytes())
    content[len(content) // 2] ^= 0x01
    flipped = tmp_path / "flipped.sbk"
    flipped.write_bytes(bytes(content))
    truncated = tmp_path / "truncated.sbk"
    truncated.write_bytes(archive.read_bytes()[:-100])
    for name, bad in (("flipped", flipped), ("truncated", truncated)):
        target, target_db = new_instance(tmp_path, name, key_file), fresh_database()
        refused = sapat(target, target_db, "restore", str(bad), "--yes", as_user=None)
        assert refused.returncode == 1 and DAMAGED in refused.stderr, refused.stderr
        assert table_names(target_db) == [] and stored_files(target) == []

    # An empty schema ('sapat init') is a fine target. Without --yes restore asks first; "no" changes nothing.
    prepared, prepared_db = new_instance(tmp_path, "prepared", key_file), fresh_database()
    assert sapat(prepared, prepared_db, "init").returncode == 0
    schema = sorted(table_names(prepared_db))
    asked = sapat(prepared, prepared_db, "restore", str(archive), as_user=None, stdin="n\n")
    assert asked.returncode == 1 and "Restore" in asked.stdout and "Aborted" in asked.stderr
    assert stored_files(prepared) == []
    done = sapat(prepared, prepared_db, "restore", str(archive), as_user=None, stdin="y\n")
    assert done.returncode == 0, done.stderr
    assert sorted(table_names(prepared_db)) == schema and len(stored_files(prepared)) == 3

    def entries():
        return db.session.query(AuditEntry).count()
    before = world.run(entries)
    into_live = sapat(Path(app.instance_path), migrated, "restore", str(archive), "--yes", as_user=None)
    assert into_live.returncode == 1 and "is not empty" in into_live.stderr
    assert world.run(entries) == before
