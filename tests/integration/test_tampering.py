"""Tampering with ciphertexts, key versions, files or the audit log is detected with a clear error."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from server import crypto
from server.services import audit, keys, sealing, submissions
from server.storage import db
from server.storage.audit import AuditEntry
from server.storage.blobs import Blob, blob_store
from server.storage.keys import DataKey
from server.storage.submissions import SubmissionAttachment, SubmissionDef
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import photo_form


@pytest.fixture
def stored(world, live_server):
    """Two submissions with a photo each; returns their version ids."""
    project_id = world.project()
    world.publish(project_id, photo_form())
    _, token = world.app_user(project_id, forms=["photos"])
    base = world.collect_base(live_server, project_id, token)
    for school in ("S-1", "S-2"):
        xml, _ = submission_xml("photos", school=school, photo="p.jpg")
        assert post_submission(base, xml, {"p.jpg": b"JPEG" * 100}).status_code == 201
    return world.run(lambda: [v.id for v in db.session.query(SubmissionDef).order_by(SubmissionDef.id)])


def read_xml(world, version_id):
    return world.run(lambda: submissions.submission_xml(db.session.get(SubmissionDef, version_id)))


def set_column(world, version_id, value):
    world.run(lambda: setattr(db.session.get(SubmissionDef, version_id), "xml", value))


def test_an_altered_ciphertext_does_not_open(world, stored):
    sealed = world.run(lambda: db.session.get(SubmissionDef, stored[0]).xml)
    set_column(world, stored[0], sealed[:-5] + bytes([sealed[-5] ^ 1]) + sealed[-4:])
    with pytest.raises(crypto.CryptoError, match="altered"):
        read_xml(world, stored[0])


def test_a_ciphertext_moved_to_another_row_does_not_open(world, stored):
    first = world.run(lambda: db.session.get(SubmissionDef, stored[0]).xml)
    set_column(world, stored[1], first)
    with pytest.raises(crypto.CryptoError):
        read_xml(world, stored[1])


def test_an_altered_key_version_in_the_header_does_not_open(world, stored):
    sealed = world.run(lambda: db.session.get(SubmissionDef, stored[0]).xml)
    other_key = world.run(lambda: keys.current_key(keys.SYSTEM, "audit")[0])
    assert crypto.key_id_of(sealed) != other_key
    set_column(world, stored[0], sealed[:4] + other_key.to_bytes(4, "big") + sealed[8:])
    with pytest.raises(crypto.CryptoError):
        read_xml(world, stored[0])


def test_an_altered_wrapped_data_key_does_not_unwrap(app, world, stored):
    def alter():
        row = db.session.scalars(db.select(DataKey).where(DataKey.purpose == "data")).first()
        row.wrapped = row.wrapped[:-1] + bytes([row.wrapped[-1] ^ 1])
    world.run(alter)
    app.extensions.pop("sapat_data_keys", None)  # a fresh process: nothing cached
    with pytest.raises(crypto.CryptoError, match="wrapped data key was altered"):
        read_xml(world, stored[0])


def test_an_altered_file_does_not_open(world, stored):
    def alter():
        blob = db.session.query(SubmissionAttachment).first().blob
        path = blob_store().full_path(blob.path)
        data = bytearray(path.read_bytes())
        data[40] ^= 1
        path.write_bytes(bytes(data))
        return blob.id
    blob_id = world.run(alter)
    with pytest.raises(crypto.CryptoError, match="altered"):
        world.run(lambda: sealing.read_file(db.session.get(Blob, blob_id)))


def test_audit_log_refuses_updates_and_deletes(world, stored):
    with pytest.raises(Exception, match="append-only"):
        world.run(lambda: db.session.execute(text("UPDATE audit_log SET target = 'x'")))
    with pytest.raises(Exception, match="append-only"):
        world.run(lambda: db.session.execute(text("DELETE FROM audit_log")))


def _drop_triggers() -> None:
    """What someone with the database owner's rights could do before editing the log."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
    else:
        db.session.execute(text("DROP TRIGGER audit_log_no_update"))
        db.session.execute(text("DROP TRIGGER audit_log_no_delete"))


@pytest.mark.parametrize("attack, reason", [
    ("UPDATE audit_log SET target = 'project:999' WHERE id = :id", "its content was altered"),
    ("DELETE FROM audit_log WHERE id = :id", "deleted or reordered"),
    ("UPDATE audit_log SET mac = :forged WHERE id = :id", "its content was altered"),
])
def test_audit_verify_names_the_first_altered_or_missing_entry(world, stored, attack, reason):
    assert world.run(audit.verify).ok
    entry_ids = world.run(lambda: [e.id for e in db.session.query(AuditEntry).order_by(AuditEntry.id)])
    assert len(entry_ids) >= 3  # the victim is in the middle: truncating the tail is a documented limit
    victim = entry_ids[1]

    with world.app.app_context():  # tamper and verify in one transaction, then roll it all back
        _drop_triggers()
        db.session.execute(text(attack), {"id": victim, "forged": "0" * 64})
        result = audit.verify()
        db.session.rollback()
    assert not result.ok and reason in result.reason
    assert result.first_bad_id == (entry_ids[2] if attack.startswith("DELETE") else victim)
