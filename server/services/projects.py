"""Monitoring cycles (projects)."""
from __future__ import annotations

from sqlalchemy import select

from .. import problems
from ..storage import db
from ..storage.projects import PROJECT_STATUSES, STAGES, Project
from ..storage.users import StaffUser
from . import audit, staff_users


def create_project(name: str, year: int, stage: str = "main", actor: audit.Actor = audit.SYSTEM) -> Project:
    name = (name or "").strip()
    if not name:
        raise problems.invalid_data("name", "a monitoring cycle needs a name")
    if stage not in STAGES:
        raise problems.invalid_data("stage", f"expected one of {', '.join(STAGES)}")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise problems.invalid_data("year", "expected a year such as 2026") from None
    if not 2000 <= year <= 2100:
        raise problems.invalid_data("year", "expected a year between 2000 and 2100")
    if db.session.scalar(select(Project.id).where(Project.name == name)):
        raise problems.uniqueness_violation("name", name)
    project = Project(name=name, year=year, stage=stage, status="open")
    db.session.add(project)
    db.session.flush()
    audit.record("project.create", actor, project_id=project.id, target=f"project:{project.id}")
    return project


def visible_project(user: StaffUser, project_id: int) -> Project:
    """The project if this user may see it; otherwise 404, exactly as for a project that does not exist."""
    if not staff_users.may_see_project(user, project_id):
        raise problems.not_found()
    return get_project(project_id)


def get_project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        raise problems.not_found()
    return project


def find_project(name_or_id: str) -> Project:
    """By numeric id or exact name, for the command line."""
    if str(name_or_id).isdigit():
        return get_project(int(name_or_id))
    project = db.session.scalar(select(Project).where(Project.name == name_or_id))
    if project is None:
        raise problems.not_found()
    return project


def list_projects(user: StaffUser | None = None) -> list[Project]:
    """All projects, or those ``user`` may see."""
    query = select(Project).order_by(Project.year.desc(), Project.name)
    visible = staff_users.visible_project_ids(user) if user is not None else None
    if visible is not None:
        query = query.where(Project.id.in_(visible))
    return list(db.session.scalars(query))


def set_status(project: Project, status: str, actor: audit.Actor = audit.SYSTEM) -> Project:
    """Archive a cycle (its forms leave Collect and it accepts no submissions) or reopen it."""
    if status not in PROJECT_STATUSES:
        raise problems.invalid_data("status", f"expected one of {', '.join(PROJECT_STATUSES)}")
    audit.record("project.status", actor, project_id=project.id, target=f"project:{project.id}",
                 old=project.status, new=status)
    project.status = status
    return project
