"""Staff pages of coding open test answers: progress and agreement per item, the next answer to code
(blind: the text and the coding scheme only), and the resolution of disagreements."""
from __future__ import annotations

from flask import g, request, url_for

from .. import problems
from ..problems import Problem
from ..services import audit, coding, forms as form_service
from .staff import actor, bp, done, language, page, recover, render, staff_project


def _form(project_id: int, xml_form_id: str):
    project = staff_project(project_id)
    return project, form_service.get_form(project, xml_form_id)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/coding")
@page("coding.perform")
def coding_overview(project_id: int, xml_form_id: str):
    project, form = _form(project_id, xml_form_id)
    return render("coding.html", project=project, form=form, items=coding.progress(form))


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/coding/<item>")
@page("coding.perform")
def coding_task(project_id: int, xml_form_id: str, item: str):
    return _task_page(project_id, xml_form_id, item)


def _task_page(project_id: int, xml_form_id: str, item: str, problem: Problem | None = None):
    g.page_url = url_for("staff.coding_task", project_id=project_id, xml_form_id=xml_form_id, item=item)
    project, form = _form(project_id, xml_form_id)
    task = coding.next_task(form, item, actor().id)
    if task is not None:   # the answer's text is personal data: every view is audited
        audit.record("coding.view", actor(), project_id=project_id, target=f"submission:{task.submission_id}",
                     item=item)
    scheme = next(i for i in coding.open_items(form) if i.name == item)
    return render("coding_task.html", problem.status if problem else 200, project=project, form=form,
                  item=scheme, task=task, problem=problem, label_key=_label_key())


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/coding/<item>")
@page("coding.perform")
def record_code(project_id: int, xml_form_id: str, item: str):
    _, form = _form(project_id, xml_form_id)
    try:
        coding.record(form, _number("submission"), item, request.form.get("round", ""), _number("code"), actor())
    except Problem as problem:
        return recover(problem, lambda p: _task_page(project_id, xml_form_id, item, p))
    return done("staff.coding_task", "coded", project_id=project_id, xml_form_id=xml_form_id, item=item)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/coding/<item>/disagreements")
@page("scoring.manage")
def coding_disagreements(project_id: int, xml_form_id: str, item: str):
    project, form = _form(project_id, xml_form_id)
    found = coding.disagreements(form, item)
    for entry in found:
        audit.record("coding.view", actor(), project_id=project_id, target=f"submission:{entry.submission_id}",
                     item=item)
    scheme = next(i for i in coding.open_items(form) if i.name == item)
    return render("coding_resolve.html", project=project, form=form, item=scheme, disagreements=found,
                  label_key=_label_key())


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/coding/<item>/disagreements")
@page("scoring.manage")
def resolve_code(project_id: int, xml_form_id: str, item: str):
    _, form = _form(project_id, xml_form_id)
    coding.record(form, _number("submission"), item, "resolution", _number("code"), actor())
    return done("staff.coding_disagreements", "resolved", project_id=project_id, xml_form_id=xml_form_id,
                item=item)


def _label_key() -> str:
    """The coding scheme's label in the page's language (the schemes are in Kyrgyz and Russian)."""
    return f"label_{language() if language() != 'en' else 'ru'}"


def _number(field: str) -> int:
    value = request.form.get(field, "")
    if not value.lstrip("-").isdigit():
        raise problems.invalid_data(field, "expected a whole number")
    return int(value)
