"""Staff pages of the sample: the draw (frame vs sample by stratum) and live fieldwork coverage.

Both pages and their XLSX downloads hold no personal data (schools, strata, counts), so
every role that follows the fieldwork may see them (``sample.read``). Charts are inline
SVG drawn on the server: no script, nothing the Content-Security-Policy must allow.
"""
from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from flask import Response, g, request, url_for

from .. import problems
from ..services import coverage as coverage_service, sampling
from .staff import bp, page, render, staff_project

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/projects/<int:project_id>/sample")
@page("sample.read")
def project_sample(project_id: int):
    g.page_url = url_for("staff.project_sample", project_id=project_id)
    project = staff_project(project_id)
    frame = sampling.frame_schools(project)
    draw = sampling.current_draw(project)
    if draw is None:
        return render("sample.html", project=project, frame=len(frame), draw=None)
    strata = sampling.strata_summary(project)
    schools = sampling.sample_schools(project)
    codes = {s.id: s.school.code for s in schools}
    return render("sample.html", project=project, frame=len(frame), draw=draw, strata=strata,
                  schools=[s for s in schools if s.role == "sample" or s.status != "unused"], codes=codes,
                  regions=_regions(frame, schools), reserves_left=sum(r["reserves_left"] for r in strata))


def _regions(frame, schools) -> list[dict]:
    """Share of enrolment by region in the frame and among the schools taking part (the chart)."""
    total_frame = sum(s.enrolment for s in frame) or 1
    taking = [s.school for s in schools if s.status in sampling.TAKING_PART]
    total_sample = sum(s.enrolment for s in taking) or 1
    regions = sorted({s.region for s in frame})
    return [{"region": r, "frame": sum(s.enrolment for s in frame if s.region == r) / total_frame,
             "sample": sum(s.enrolment for s in taking if s.region == r) / total_sample} for r in regions]


@bp.get("/projects/<int:project_id>/sample.xlsx")
@page("sample.read")
def sample_report(project_id: int):
    project = staff_project(project_id)
    out = BytesIO()
    sampling.write_sample_report(project, out)
    return _xlsx(out, f"sample-project-{project.id}.xlsx")


def _threshold() -> float:
    try:
        value = float(request.args.get("threshold", coverage_service.DEFAULT_THRESHOLD))
    except ValueError:
        value = -1
    if not 0 <= value <= 1:
        raise problems.invalid_data("threshold", "expected a share between 0 and 1, e.g. 0.7")
    return value


@bp.get("/projects/<int:project_id>/coverage")
@page("sample.read")
def project_coverage(project_id: int):
    g.page_url = url_for("staff.project_coverage", project_id=project_id)
    project = staff_project(project_id)
    threshold = _threshold()
    if sampling.current_draw(project) is None:
        return render("coverage.html", project=project, coverage=None, threshold=threshold)
    found = coverage_service.project_coverage(project, threshold)
    return render("coverage.html", project=project, coverage=found, threshold=threshold)


@bp.get("/projects/<int:project_id>/coverage.xlsx")
@page("sample.read")
def coverage_report(project_id: int):
    project = staff_project(project_id)
    found = coverage_service.project_coverage(project, _threshold())
    out = BytesIO()
    coverage_service.write_coverage(found, out)
    return _xlsx(out, f"coverage-project-{project.id}.xlsx")


def _xlsx(out: BytesIO, name: str) -> Response:
    return Response(out.getvalue(), mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
