"""Staff pages of verification (§15.3, §20.1.4): the filtered submission table of a form with bulk
review, and the review actions and comments of one submission (shown on its page).

Filters are GET parameters, so a filtered page can be bookmarked; bulk actions carry them in
their URL and come back to the same filtered page.
"""
from __future__ import annotations

from datetime import date

from flask import g, request, url_for
from werkzeug.datastructures import MultiDict

from .. import problems
from ..problems import Problem
from ..services import overview, review
from ..services import forms as form_service
from ..services import submissions as submission_service
from ..storage.submissions import REVIEW_STATES, Submission
from .staff import actor, bp, done, page, recover, render, staff_project

PAGE_SIZE = 50
FILTER_KEYS = ("state", "flagged", "school", "field", "value", "since", "until")
FLAG_CODES = ("missing_required", "out_of_range", "too_fast", "straight_lining")


def filter_args(args: MultiDict) -> dict[str, list[str]]:
    """The filter parameters of a query string that have a value, to carry over to the next page."""
    return {key: [v for v in args.getlist(key) if v.strip()] for key in FILTER_KEYS
            if any(v.strip() for v in args.getlist(key))}


def parse_filters(args: MultiDict, clear_fields: list[str]) -> overview.SubmissionFilter:
    """The filter of the form page; a value no filter accepts is a 400.11 naming the field."""
    states = tuple(dict.fromkeys(args.getlist("state")))
    if any(state not in REVIEW_STATES for state in states):
        raise problems.invalid_data("state", f"expected one of {', '.join(REVIEW_STATES)}")
    flagged = args.get("flagged", "")
    if flagged not in ("", "yes", "no"):
        raise problems.invalid_data("flagged", "expected yes or no")
    field = args.get("field", "")
    if field and field not in clear_fields:
        raise problems.invalid_data("field", "expected a field this form stores in clear")
    return overview.SubmissionFilter(states=states, flagged=None if not flagged else flagged == "yes",
                                     school=args.get("school", "").strip(), field=field,
                                     value=args.get("value", "").strip() if field else "",
                                     since=_day(args, "since"), until=_day(args, "until"))


def _day(args: MultiDict, name: str) -> date | None:
    text = args.get(name, "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise problems.invalid_data(name, "expected a date as YYYY-MM-DD") from None


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>")
@page("submission.read")
def form(project_id: int, xml_form_id: str):
    """Versions, then the submissions that pass the filters, newest first, ``PAGE_SIZE`` to a page."""
    return _form_page(project_id, xml_form_id, request.args)


def _form_page(project_id: int, xml_form_id: str, args: MultiDict, problem: Problem | None = None):
    g.page_url = url_for("staff.form", project_id=project_id, xml_form_id=xml_form_id)
    project = staff_project(project_id)
    the_form = form_service.get_form(project, xml_form_id)
    clear_fields = overview.clear_filter_fields(the_form)
    try:
        filters = parse_filters(args, clear_fields)
    except Problem as bad_filter:
        problem, filters, args = problem or bad_filter, overview.SubmissionFilter(), MultiDict()
    total = overview.count_rows(the_form, filters)
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(args.get("page", 1, type=int) or 1, 1), pages)
    rows = overview.submission_rows(the_form, filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render("form.html", problem.status if problem else 200, problem=problem, project=project,
                  form=the_form, versions=overview.published_versions(the_form), rows=rows, total=total,
                  page=number, pages=pages, filters=filters, filter_args=filter_args(args),
                  clear_fields=clear_fields, has_school=bool(overview.school_paths(the_form)),
                  review_states=REVIEW_STATES, flag_codes=FLAG_CODES)


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/submissions/review")
@page("submission.review")
def bulk_review(project_id: int, xml_form_id: str):
    """Set one review state on the ticked submissions: all of them, or none (one transaction)."""
    project = staff_project(project_id)
    the_form = form_service.get_form(project, xml_form_id)
    try:
        ids = request.form.getlist("submission_id")
        if not all(i.isdigit() for i in ids):
            raise problems.invalid_data("submissions", "expected submission numbers from this page")
        chosen = review.submissions_of(the_form, map(int, ids))
        review.set_review_states(chosen, request.form.get("state", ""), actor(), project.id)
    except Problem as problem:
        return recover(problem, lambda p: _form_page(project_id, xml_form_id, request.args, p))
    return done("staff.form", "reviewed", project_id=project_id, xml_form_id=xml_form_id,
                **filter_args(request.args))


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/submissions/review-flagged")
@page("submission.review")
def review_flagged(project_id: int, xml_form_id: str):
    """Every undecided submission with quality flags becomes hasIssues."""
    project = staff_project(project_id)
    the_form = form_service.get_form(project, xml_form_id)
    review.set_review_states(review.flagged_candidates(the_form), "hasIssues", actor(), project.id)
    return done("staff.form", "flagged_marked", project_id=project_id, xml_form_id=xml_form_id,
                **filter_args(request.args))


def _submission(project_id: int, xml_form_id: str, instance_id: str) -> tuple[int, Submission]:
    project = staff_project(project_id)
    return project.id, submission_service.get_submission(form_service.get_form(project, xml_form_id), instance_id)


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>/review")
@page("submission.review")
def review_submission(project_id: int, xml_form_id: str, instance_id: str):
    """Set the review state, with an optional comment saying why."""
    project_id, record = _submission(project_id, xml_form_id, instance_id)
    review.set_review_state(record, request.form.get("state", ""), actor(), project_id)
    if request.form.get("body", "").strip():
        review.add_comment(record, request.form["body"], actor(), project_id)
    return done("staff.submission", "reviewed", project_id=project_id, xml_form_id=xml_form_id,
                instance_id=instance_id, _anchor="review")


@bp.post("/projects/<int:project_id>/forms/<xml_form_id>/submissions/<instance_id>/comments")
@page("submission.review")
def comment_submission(project_id: int, xml_form_id: str, instance_id: str):
    project_id, record = _submission(project_id, xml_form_id, instance_id)
    review.add_comment(record, request.form.get("body", ""), actor(), project_id)
    return done("staff.submission", "comment_added", project_id=project_id, xml_form_id=xml_form_id,
                instance_id=instance_id, _anchor="comments")


def review_context(record: Submission) -> dict:
    """What the submission page shows about verification: versions, comments, review events."""
    notes = review.comments(record)
    history = review.events(record)
    names = overview.staff_display_names([c.actor_id for c in notes]
                                         + [e.actor_id for e in history if e.actor_kind == "staff"])
    return {"history": overview.version_history(record), "comments": notes, "events": history,
            "staff_names": names, "review_states": REVIEW_STATES, "flag_codes": FLAG_CODES}
