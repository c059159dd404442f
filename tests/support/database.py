"""Whole-database snapshots, for "a refused request changed nothing" assertions."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from server.services import sealing, submissions
from server.storage import db
from server.storage.forms import Form
from server.storage.submissions import Submission


def database_rows(world) -> dict[str, list[str]]:
    """Every row of every table."""
    return world.run(lambda: {table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
                              for table in db.metadata.sorted_tables})


def snapshot(app, project_id: int) -> dict:
    """Every submission of a project: review state, version chain with XML hashes, files with hashes."""
    digest = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
    with app.app_context():
        found = {}
        for form in db.session.scalars(select(Form).where(Form.project_id == project_id)):
            for sub in db.session.scalars(select(Submission).where(Submission.form_id == form.id)):
                current = submissions.current_version(sub)
                found[(form.xml_form_id, sub.instance_id)] = (
                    sub.review_state, [(v.instance_id, digest(submissions.submission_xml(v))) for v in sub.versions],
                    {a.name: digest(sealing.read_file(a.blob)) for a in current.attachments if a.blob})
        db.session.remove()
        return found
