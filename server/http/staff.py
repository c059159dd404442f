"""Staff web pages (placeholder replaced by the web UI)."""
from flask import Blueprint, Response

bp = Blueprint("staff", __name__)


def render_problem(problem):
    return Response(problem.message, status=problem.status, content_type="text/plain; charset=utf-8")
