"""A sampled cycle with its student probe open on the web, driven over real HTTP (web-link tests)."""
from __future__ import annotations

import requests
from sqlalchemy import select

from server.services import audit, participants, projects, sampling, web_questionnaires as web
from server.storage import db
from server.storage.sampling import Participant
from server.storage.submissions import Submission
from tests.support.sampling_data import answer, sampled_project, student_form


class Survey:
    """A sampled project with selected students, the student probe published and open on the web."""

    def __init__(self, world, base: str):
        self.world, self.base = world, base
        self.id = sampled_project(world, "Сурамжылоо 2026", participants_per_school=2)
        world.publish(self.id, student_form())
        self.run(web.open_form, "student_probe", None, audit.SYSTEM)

    def run(self, func, *args, **kwargs):
        return self.world.run(lambda: func(projects.get_project(self.id), *args, **kwargs))

    def people(self) -> list[tuple[int, str, str]]:
        """(id, code, personal token) of every selected participant."""
        return self.world.run(lambda: [(p.id, p.code, participants.link_token(p)) for p in db.session.scalars(
            select(Participant).where(Participant.project_id == self.id).order_by(Participant.code))])

    def school(self) -> str:
        """The code of the first school taking part."""
        return self.world.run(lambda: sampling.taking_part(projects.get_project(self.id))[0].school.code)

    def school_link(self, form: str = "student_probe", **options) -> str:
        return self.run(web.create_school_link, form, self.school(), audit.SYSTEM, **options)[1]

    def url(self, token: str, suffix: str = "") -> str:
        return f"{self.base}/w/{token}{suffix}"

    def submit(self, token: str, xml: bytes, form: str = "student_probe", files=None) -> requests.Response:
        parts = [("xml_submission_file", ("xml_submission_file", xml, "text/xml"))]
        parts += [(name, (name, content, "image/jpeg")) for name, content in (files or {}).items()]
        return requests.post(self.url(token, f"/{form}/submission?lang=ru"), files=parts, timeout=30)

    def stored(self) -> list[tuple[int | None, int | None]]:
        """(participant, school link) of every stored submission."""
        return self.world.run(lambda: [(s.participant_id, s.web_link_id) for s in db.session.scalars(
            select(Submission).order_by(Submission.id))])


def probe_answer(code: str, **values) -> bytes:
    """The student probe's answers, as Web Forms posts them (a fresh instanceID each time)."""
    return answer("student_probe", "participant_code", code, score=7, **values)
