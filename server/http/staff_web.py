"""Staff page of the online questionnaires: which forms are open in the browser, and school-level links.

Everything here needs ``web_link.manage``: the page shows working links (secrets, like an app
user's QR code), so it is never cached. Personal links are printed on the assignment sheets.
"""
from __future__ import annotations

from flask import g, request, url_for

from .. import problems
from ..problems import Problem
from ..services import sampling, web_questionnaires as web
from .openrosa import public_base_url
from .staff import actor, bp, done, page, recover, render, staff_project


@bp.get("/projects/<int:project_id>/web")
@page("web_link.manage")
def project_web(project_id: int):
    return _web_page(project_id)


def _web_page(project_id: int, problem: Problem | None = None, entered=None):
    g.page_url = url_for("staff.project_web", project_id=project_id)
    project = staff_project(project_id)
    links = [(link, web.used(link), web.link_url(public_base_url(), web.school_link_token(link)))
             for link in web.school_links(project)]
    return render("web_links.html", problem.status if problem else 200, project=project,
                  forms=web.form_states(project), links=links,
                  schools=[s.school for s in sampling.taking_part(project)] if sampling.current_draw(project) else [],
                  problem=problem, entered=entered or {})


@bp.post("/projects/<int:project_id>/web/forms")
@page("web_link.manage")
def web_form_state(project_id: int):
    """Open a form in the browser (until an optional day), or close it."""
    project = staff_project(project_id)
    xml_form_id = request.form.get("form", "")
    try:
        if request.form.get("action") == "close":
            web.close_form(project, xml_form_id, actor())
            return done("staff.project_web", "web_closed", project_id=project_id)
        web.open_form(project, xml_form_id, web.parse_moment("closes", request.form.get("closes")), actor())
    except Problem as problem:
        return recover(problem, lambda p: _web_page(project_id, p, request.form))
    return done("staff.project_web", "web_opened", project_id=project_id)


@bp.post("/projects/<int:project_id>/web/links")
@page("web_link.manage")
def create_web_link(project_id: int):
    project = staff_project(project_id)
    try:
        quota = request.form.get("quota", "").strip()
        if quota and not quota.isdigit():
            raise problems.invalid_data("quota", "a whole number of answers")
        web.create_school_link(project, request.form.get("form", ""), request.form.get("school", ""), actor(),
                               quota=int(quota) if quota else None,
                               expires_at=web.parse_moment("expires", request.form.get("expires")))
    except Problem as problem:
        return recover(problem, lambda p: _web_page(project_id, p, request.form))
    return done("staff.project_web", "web_link_created", project_id=project_id, _anchor="links")


@bp.post("/projects/<int:project_id>/web/links/<int:link_id>/revoke")
@page("web_link.manage")
def revoke_web_link(project_id: int, link_id: int):
    web.revoke_school_link(staff_project(project_id), link_id, actor())
    return done("staff.project_web", "web_link_revoked", project_id=project_id, _anchor="links")
