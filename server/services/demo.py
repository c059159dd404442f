"""The demo monitoring cycle ``make run`` sets up: library forms published, a tablet, a login.

Idempotent: a second run finds what the first made and prints the same details.
"""
from __future__ import annotations

import os
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

import forms as instruments

from ..sampling import frames
from ..storage import db
from ..storage.projects import Project
from . import app_users, audit, forms as form_service, projects, sampling, staff_users, web_questionnaires as web

DEMO_PROJECT = "Демо-мониторинг 2026 / Demo monitoring 2026"
DEMO_EMAIL = "admin@sapat.local"
DEMO_TABLET = "Demo tablet 1"
DEMO_WEB_FORM = "student_questionnaire"


@dataclass
class Demo:
    email: str
    password: str | None
    project: Project
    app_user_id: int
    web_link_token: str


def seed_demo(instance: Path) -> Demo:
    password = _demo_password(instance)
    if staff_users.find_user(DEMO_EMAIL) is None:
        staff_users.create_user(DEMO_EMAIL, password, "administrator", "Demo administrator")
    project = db.session.scalar(select(Project).where(Project.name == DEMO_PROJECT))
    if project is None:
        project = projects.create_project(DEMO_PROJECT, 2026, "pilot")
    published = [publish_file(project, path) for path in instruments.library_forms()]
    tablet = next((u for u in app_users.list_app_users(project)
                   if u.display_name == DEMO_TABLET and u.revoked_at is None), None)
    if tablet is None:
        tablet = app_users.create_app_user(project, DEMO_TABLET, published)
    else:
        app_users.assign_forms(tablet, published)
    if not sampling.frame_schools(project):
        _demo_sample(project)
    return Demo(DEMO_EMAIL, password, project, tablet.id, _demo_web_link(project))


def _demo_sample(project: Project) -> None:
    """A generated frame of 120 schools (no real school) and a PPS sample of 36, stratified by region."""
    rng = random.Random(2026)
    regions = list(frames.REGIONS)
    lines = ["code,name,region,district,type,language,enrolment"]
    for i in range(120):
        region = regions[i % len(regions)]
        kind = ("professional lyceum", "college")[i % 5 == 0]
        language = ("ky", "ru", "uz")[0 if i % 3 else (2 if region in ("osh", "jalal_abad", "batken") else 1)]
        lines.append(f"{700001 + i},Демо лицей №{i + 1} / Demo lyceum {i + 1},{region},{region} {i % 4 + 1},"
                     f"{kind},{language},{int(rng.lognormvariate(5.6, 0.5))}")
    sampling.import_frame(project, "\n".join(lines).encode(), "demo-frame.csv", audit.SYSTEM)
    sampling.draw_sample(project, 2026, sampling.DesignRequest(n=36, strata=("region",),
                                                               sort=("type", "language", "enrolment")),
                         None, audit.SYSTEM)


def _demo_web_link(project: Project) -> str:
    """The student questionnaire open in the browser, with a school-level link to the first sampled school."""
    if not any(w.form.xml_form_id == DEMO_WEB_FORM for w in web.web_forms(project)):
        web.open_form(project, DEMO_WEB_FORM, None, audit.SYSTEM)
    school = sampling.taking_part(project)[0].school
    link = next((l for l in web.school_links(project) if l.form.xml_form_id == DEMO_WEB_FORM
                 and l.school_id == school.id and l.revoked_at is None), None)
    if link is None:
        return web.create_school_link(project, DEMO_WEB_FORM, school.code, audit.SYSTEM, quota=200)[1]
    return web.school_link_token(link)


def publish_file(project: Project, path: Path):
    """Publish an XLSForm/XForm file unless this exact version is already published."""
    data = path.read_bytes()
    compiled = form_service.compile_upload(data, path.name)
    info = compiled.info
    existing = next((f for f in form_service.list_forms(project) if f.xml_form_id == info.form_id), None)
    if existing is not None and existing.current_def and existing.current_def.version == (info.version or ""):
        return existing
    return form_service.publish_upload(project, data, path.name, compiled)


def _demo_password(instance: Path) -> str:
    """Made once and kept in a 0600 file of the instance folder, so every run prints the same."""
    path = instance / "demo-login.txt"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return password
