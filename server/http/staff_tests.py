"""Staff page of a test's measurement quality (§20.1.6): summary, score distribution, item
characteristic curves, item statistics and levels, and the workbook. Charts are inline SVG drawn
on the server: no script, nothing the Content-Security-Policy must allow."""
from __future__ import annotations

from collections import Counter
from io import BytesIO
from urllib.parse import quote

import numpy as np
from flask import Response, g, url_for

from ..services import scoring_report
from .staff import bp, page, render, staff_project
from .staff_sample import XLSX

WIDTH, HEIGHT = 600, 240
THETA = np.linspace(-4, 4, 41)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/test")
@page("report.read")
def test_report(project_id: int, xml_form_id: str):
    g.page_url = url_for("staff.test_report", project_id=project_id, xml_form_id=xml_form_id)
    project = staff_project(project_id)
    data = scoring_report.test_data(project, xml_form_id)
    result = scoring_report.analyse(data)
    scaling = scoring_report.scale(data)
    fit = dict(zip(scaling.names, scaling.fit)) if scaling else {}
    return render("test_report.html", project=project, form=data.form, data=data, result=result,
                  scaling=scaling, fit=fit, histogram=_histogram(data.totals, data.max_points.sum()),
                  curves=_curves(scaling) if scaling else [], levels=scoring_report.level_shares(data, scaling),
                  width=WIDTH, height=HEIGHT)


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/test.xlsx")
@page("report.read")
def test_workbook(project_id: int, xml_form_id: str):
    out = BytesIO()
    scoring_report.write_report(staff_project(project_id), xml_form_id, out)
    name = f"{xml_form_id}-items.xlsx"
    return Response(out.getvalue(), content_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def _histogram(totals: np.ndarray, maximum: float) -> list[dict]:
    """Bars of the total-score distribution, one per whole point, scaled into the chart."""
    counts = Counter(int(round(t)) for t in totals)
    top = max(counts.values())
    bins = int(maximum) + 1
    step = WIDTH / bins
    return [{"x": round(i * step, 1), "width": round(step * 0.9, 1), "height": round(HEIGHT * counts[i] / top, 1),
             "y": round(HEIGHT - HEIGHT * counts[i] / top, 1), "score": i, "count": counts[i]}
            for i in range(bins) if counts[i]]


def _curves(scaling) -> list[dict]:
    """Each calibrated item's Rasch expected score (as a share of its maximum) over θ from −4 to 4."""
    curves = []
    for name, item in zip(scaling.names, scaling.rasch.items):
        p = item.probabilities(THETA)
        expected = p @ np.arange(p.shape[1]) / (p.shape[1] - 1)
        points = " ".join(f"{(t + 4) / 8 * WIDTH:.1f},{HEIGHT - e * HEIGHT:.1f}" for t, e in zip(THETA, expected))
        curves.append({"item": name, "points": points, "difficulty": item.location})
    return curves
