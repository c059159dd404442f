"""Data-key rotation: everything re-sealed under a new key while the server runs; the old key destroyed."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from server import crypto
from server.services import app_users, audit, forms as form_service, keys, projects, rotation, sealing, submissions
from server.storage import db
from server.storage.blobs import Blob
from server.storage.keys import DataKey
from server.storage.submissions import SubmissionDef
from server.storage.users import AppUser
from tests.support.servers import GunicornServer
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import photo_form

ADMIN, PASSWORD = "keys@example.kg", "long enough password"


def sapat(app, database_url, *args, check: bool = True) -> subprocess.CompletedProcess:
    """``sapat`` as a real process on the test's instance and database, signed in as the administrator."""
    env = dict(os.environ, SAPAT_INSTANCE_PATH=app.instance_path, SAPAT_DATABASE_URL=database_url,
               SAPAT_USER=ADMIN, SAPAT_PASSWORD=PASSWORD)
    result = subprocess.run([sys.executable, "-m", "admin_cli", *args], env=env, capture_output=True, text=True,
                            timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def collect_data(field, count: int = 5) -> None:
    """Submissions with photos (one over several 64 KiB chunks, one exactly two), an edit, one without files."""
    sizes = [10, 150_000, 2 * 64 * 1024, 70_000, 3]
    first = None
    for i in range(count):
        extras = ("b.jpg",) if i % 2 else ()
        xml, instance_id = submission_xml(field.form_id, school=f"S-{i}", photo="a.jpg", extras=extras)
        files = {"a.jpg": os.urandom(sizes[i % len(sizes)]), **{name: os.urandom(999) for name in extras}}
        assert post_submission(field.base, xml, files).status_code == 201
        first = first or instance_id
    edit, _ = submission_xml(field.form_id, school="S-0", deprecated_id=first)
    assert post_submission(field.base, edit).status_code == 201


def forget_cached_keys(app) -> None:
    """This process caches unwrapped keys; drop them so reading proves what the database still holds."""
    app.extensions.pop("sapat_data_keys", None)


def plaintexts(world) -> dict:
    """Everything sealed in the database and the blob store, opened."""
    forget_cached_keys(world.app)

    def run():
        found = {}
        for version in db.session.scalars(select(SubmissionDef)):
            found[f"xml {version.id}"] = submissions.submission_xml(version)
            found[f"personal {version.id}"] = submissions.personal_values(version)
        for user in db.session.scalars(select(AppUser)):
            found[f"token {user.id}"] = app_users.token_of(user)
        for blob in db.session.scalars(select(Blob)):
            found[f"blob {blob.id}"] = sealing.read_file(blob)
        return found
    return world.run(run)


def key_ids_in_use(world) -> Counter:
    """How many values and files each data key seals."""
    def run():
        used = Counter()
        for xml, personal in db.session.execute(select(SubmissionDef.xml, SubmissionDef.sealed_values)):
            used.update(crypto.key_id_of(value) for value in (xml, personal) if value is not None)
        used.update(crypto.key_id_of(token) for token in db.session.scalars(select(AppUser.token_sealed)) if token)
        used.update(sealing.file_key_id(blob) for blob in db.session.scalars(select(Blob)))
        return used
    return world.run(run)


def data_key(world, project_id: int) -> int:
    return world.run(lambda: keys.current_key(keys.project_scope(project_id))[0])


def key_state(world, key_id: int) -> tuple[str, bool]:
    """(status, whether its wrapped material is still stored)."""
    return world.run(lambda: (lambda row: (row.status, row.wrapped is not None))(db.session.get(DataKey, key_id)))


def files_in_store(app) -> set[str]:
    root = Path(app.instance_path) / "blobs"
    return {str(path.relative_to(root)) for path in root.glob("*/*") if path.parent.name != "tmp"}


def assert_rotated(world, project_id: int, old_key: int, before: dict) -> int:
    """Every ciphertext under the one new key, the old key destroyed, the data unchanged, the audit intact."""
    new_key = data_key(world, project_id)
    assert new_key != old_key
    assert set(key_ids_in_use(world)) == {new_key}
    assert key_state(world, old_key) == ("retired", False)
    assert plaintexts(world) == before
    assert files_in_store(world.app) == set(world.run(lambda: list(db.session.scalars(select(Blob.path)))))
    assert world.run(audit.verify).ok
    logged = world.run(lambda: [(e.action, e.target, e.details) for e in audit.entries(limit=1000)])
    assert ("key.retire", f"data_key:{old_key}") in [(action, target) for action, target, _ in logged]
    rotate = next(details for action, target, details in logged
                  if action == "key.rotate" and target == f"data_key:{new_key}")
    assert rotate["resealed"]["blobs"] > 0
    return new_key


def test_rotation_reseals_values_files_and_tokens_under_the_new_key_and_destroys_the_old(app, world, migrated,
                                                                                           field):
    world.admin(ADMIN, PASSWORD)
    collect_data(field)
    old_key = data_key(world, field.project_id)
    before = plaintexts(world)
    assert set(key_ids_in_use(world)) == {old_key}

    result = sapat(app, migrated, "keys", "rotate", "--all", "--batch", "2")

    assert f"data key {old_key} retired" in result.stdout
    assert "submission_defs.xml: 6/6" in result.stderr and "blobs: " in result.stderr
    new_key = assert_rotated(world, field.project_id, old_key, before)
    counts = world.run(lambda: next(e.details for e in audit.entries(limit=100) if e.action == "key.rotate"))
    # Six versions (the edit too), the tablet's token, and eight files: the XLSForm and seven photos.
    assert counts["resealed"] == {"app_users.token": 1, "blobs": 8, "submission_defs.sealed_values": 6,
                                  "submission_defs.xml": 6}
    assert counts["passes"] == 2 and sum(counts["resealed"].values()) == key_ids_in_use(world)[new_key]


def test_an_interrupted_rotation_is_continued_by_running_it_again(app, world, migrated, field):
    world.admin(ADMIN, PASSWORD)
    collect_data(field)
    old_key = data_key(world, field.project_id)
    before = plaintexts(world)

    first = world.run(lambda: rotation.rotate_data_keys(rotation.rotation_scopes(), audit.SYSTEM, batch=2,
                                                        max_batches=1))
    assert first.interrupted and not first.finished and first.retired == []
    assert key_state(world, old_key) == ("retiring", True)
    halfway = key_ids_in_use(world)
    assert halfway[old_key] > 0 and sum(halfway.values()) - halfway[old_key] == 2  # one batch of two moved
    assert plaintexts(world) == before  # both versions open meanwhile

    sapat(app, migrated, "keys", "rotate")

    assert_rotated(world, field.project_id, old_key, before)
    versions = world.run(lambda: [(row.version, row.status) for row in keys.list_keys()
                                  if row.scope == keys.project_scope(field.project_id) and row.purpose == "data"])
    assert versions == [(1, "retired"), (2, "active")]  # the second run started no further version


def test_rotating_one_project_leaves_the_other_projects_keys_alone(world, field):
    collect_data(field, count=2)
    other = world.project("Другой проект")
    world.app_user(other, name="Планшет 2")
    mine, theirs = data_key(world, field.project_id), data_key(world, other)

    report = world.run(lambda: rotation.rotate_data_keys(rotation.rotation_scopes(field.project_id), audit.SYSTEM))

    assert report.finished and report.retired == [mine]
    assert key_state(world, theirs) == ("active", True)
    assert data_key(world, other) == theirs and key_ids_in_use(world)[theirs] == 1


def test_a_value_sealed_under_a_retired_key_fails_naming_the_key(world):
    project_id = world.project()
    sealed = world.run(lambda: sealing.seal_value(project_id, "app_users", "token", 7, b"secret"))
    key_id = crypto.key_id_of(sealed)
    assert world.run(lambda: sealing.open_value("app_users", "token", 7, sealed)) == b"secret"

    world.run(lambda: keys.retire(db.session.get(DataKey, key_id)))

    forget_cached_keys(world.app)
    with pytest.raises(crypto.CryptoError, match=rf"data key {key_id} does not exist or was retired"):
        world.run(lambda: sealing.open_value("app_users", "token", 7, sealed))


# ---- under load --------------------------------------------------------------------------------

def upload_until_stopped(base: str, form_id: str, stop: threading.Event, acknowledged: list, refused: list,
                         worker: int) -> None:
    session = requests.Session()
    n = 0
    while not stop.is_set():
        n += 1
        photo = os.urandom(80_000) + f"{worker}-{n}".encode()
        xml, instance_id = submission_xml(form_id, school=f"S-{worker}-{n}", photo="p.jpg")
        response = post_submission(base, xml, {"p.jpg": photo}, session=session)
        if response.status_code == 201:
            acknowledged.append((instance_id, xml, photo))
        else:
            refused.append(response.status_code)


def read_back(world, project_id: int, form_id: str) -> dict:
    """{instanceID: (xml, {name: bytes})}, with keys unwrapped afresh from the database."""
    forget_cached_keys(world.app)

    def run():
        form = form_service.get_form(projects.get_project(project_id), form_id)
        stored = {}
        for submission in submissions.list_submissions(form, limit=100_000):
            version = submissions.current_version(submission)
            files = {a.name: sealing.read_file(a.blob) if a.blob else None for a in version.attachments}
            stored[submission.instance_id] = (submissions.submission_xml(version), files)
        return stored
    return world.run(run)


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.slow
def test_rotation_while_tablets_keep_submitting_loses_and_leaves_nothing_under_the_old_key(app, world, migrated):
    world.admin(ADMIN, PASSWORD)
    project_id = world.project()
    form_id = world.publish(project_id, photo_form())
    _, token = world.app_user(project_id, forms=[form_id])
    old_key = data_key(world, project_id)
    server = GunicornServer(app.instance_path, migrated).start()
    base = world.collect_base(server.url, project_id, token)
    stop, acknowledged, refused = threading.Event(), [], []
    clients = [threading.Thread(target=upload_until_stopped, args=(base, form_id, stop, acknowledged, refused, i))
               for i in range(4)]
    try:
        for client in clients:
            client.start()
        wait_for(lambda: len(acknowledged) >= 20, 60)
        before = len(acknowledged)
        result = sapat(app, migrated, "keys", "rotate", "--batch", "5", check=False)
        during = len(acknowledged) - before
        wait_for(lambda: len(acknowledged) >= before + during + 8, 30)  # and after: under the new key
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=60)
        server.stop()

    assert result.returncode == 0, result.stdout + result.stderr
    assert before >= 20 and during > 0, "the rotation did not overlap with submissions"
    assert refused == []
    stored = read_back(world, project_id, form_id)
    for instance_id, xml, photo in acknowledged:
        assert stored[instance_id] == (xml, {"p.jpg": photo})
    new_key = data_key(world, project_id)
    assert set(key_ids_in_use(world)) == {new_key} and new_key != old_key
    assert key_state(world, old_key) == ("retired", False)
    assert world.run(audit.verify).ok


def test_a_token_revoked_while_it_is_being_resealed_stays_revoked(world, field, monkeypatch):
    user_id = world.run(lambda: db.session.scalar(select(AppUser.id)))
    reseal = sealing.seal_value

    def revoke_meanwhile(project_id, table, column, row_id, plaintext):
        """Another connection revokes the token between rotation reading it and writing it back."""
        if table == "app_users":
            other = threading.Thread(target=world.run,
                                     args=(lambda: app_users.revoke(db.session.get(AppUser, row_id)),))
            other.start()
            other.join()
        return reseal(project_id, table, column, row_id, plaintext)

    monkeypatch.setattr(sealing, "seal_value", revoke_meanwhile)
    report = world.run(lambda: rotation.rotate_data_keys(rotation.rotation_scopes(), audit.SYSTEM))

    assert report.conflicts == 1 and report.finished
    token, revoked_at = world.run(lambda: (lambda u: (u.token_sealed, u.revoked_at))(db.session.get(AppUser, user_id)))
    assert token is None and revoked_at is not None
