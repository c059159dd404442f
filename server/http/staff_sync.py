"""Staff page of one project's syncs with other servers: the latest runs, what they copied, what they could not."""
from __future__ import annotations

from flask import g, url_for

from ..services import sync_local
from .staff import bp, page, render, staff_project

RUNS_SHOWN = 20


@bp.get("/projects/<int:project_id>/sync")
@page("project.read")
def project_sync(project_id: int):
    g.page_url = url_for("staff.project_sync", project_id=project_id)
    project = staff_project(project_id)
    return render("sync.html", project=project, runs=sync_local.recent_runs(project.id, RUNS_SHOWN))
