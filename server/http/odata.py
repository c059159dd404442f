"""ODK Central's OData feed and CSV exports of a form's submissions, for pyodk, ruODK, Excel and Power BI.

``/v1/projects/{id}/forms/{xmlFormId}.svc`` (service document), ``.svc/$metadata``,
``.svc/Submissions``, ``.svc/Submissions.<repeat>`` and ``.svc/Submissions('<id>')/…``;
``…/submissions.csv.zip`` and ``…/submissions.csv``. Staff bearer tokens and the
``submission.read`` verb, as every ``/v1`` API; personal answers (and media files) only
for a role that may read them *and* states a purpose in ``X-Sapat-Purpose``, audited
once per request before the first byte is sent. Everything else is masked (``null``).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, jsonify, request, stream_with_context

from .. import problems
from ..services import csv_export, odata
from ..services.submission_records import Feed, feed_for
from ..storage import set_write_intent
from ..storage.projects import Project
from .api import api_form, bool_arg, personal_allowed
from .openrosa import public_base_url

bp = Blueprint("odata", __name__)
FORM = "/v1/projects/<int:project_id>/forms/<xml_form_id>"
SVC = FORM + ".svc"
JSON_TYPES = re.compile(r"(^|,)\s*(application/json|json)\s*($|;|,)", re.I)
XML_TYPES = re.compile(r"(^|,)\s*(application/(atom(svc)?\+)?xml|atom|xml)\s*($|;|,)", re.I)
ENTITY = re.compile(r"^([^(]+)\('((?:uuid:)?[A-Za-z0-9-]+)'\)$")


@bp.after_request
def _odata_version(response: Response) -> Response:
    if request.url_rule and ".svc" in request.url_rule.rule:
        response.headers["OData-Version"] = "4.0"
    return response


def _feed(project_id: int, xml_form_id: str, wants: str = "json") -> tuple[Project, Feed]:
    """The form behind the URL, after Central's protocol checks (406.1 for a format this resource lacks)."""
    asked = request.args.get("$format") or request.headers.get("Accept", "")
    json_ok, xml_ok = bool(JSON_TYPES.search(asked)), bool(XML_TYPES.search(asked))
    if (wants == "json" and xml_ok and not json_ok) or (wants == "xml" and json_ok and not xml_ok):
        raise problems.unacceptable_format(["application/json", "json"] if wants == "json"
                                           else ["application/xml", "atom"])
    project, form = api_form(project_id, xml_form_id, "submission.read")
    return project, feed_for(form)


def _service_root(project_id: int, xml_form_id: str) -> str:
    return f"{public_base_url().rstrip('/')}/v1/projects/{project_id}/forms/{quote(xml_form_id, safe='')}.svc"


def _next_link(token: str) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("$skip", "$skiptoken")]
    return f"{public_base_url().rstrip('/')}{request.path}?{urlencode(args + [('$skiptoken', token)])}"


def _stream(chunks: Iterator, content_type: str) -> Response:
    def body():
        # The audit entry of a personal read is committed by now; reading on needs no write lock.
        set_write_intent(False)
        yield from chunks
    return Response(stream_with_context(body()), content_type=content_type)


@bp.get(SVC)
def service_document(project_id: int, xml_form_id: str):
    _, feed = _feed(project_id, xml_form_id)
    response = jsonify(odata.service_document(feed, _service_root(project_id, xml_form_id) + "/$metadata"))
    response.headers["Content-Type"] = "application/json; odata.metadata=minimal"
    return response


@bp.get(SVC + "/$metadata")
def metadata(project_id: int, xml_form_id: str):
    _, feed = _feed(project_id, xml_form_id, wants="xml")
    return Response(odata.metadata_document(feed), content_type="application/xml")


@bp.get(SVC + "/<path:subpath>")
def table(project_id: int, xml_form_id: str, subpath: str):
    project, feed = _feed(project_id, xml_form_id)
    parts = [ENTITY.match(part) for part in subpath.split("/")]
    named = [(m.group(1), m.group(2)) if m else (part, None) for m, part in zip(parts, subpath.split("/"))]
    table_name = ".".join(name for name, _ in named)
    context = f"{_service_root(project_id, xml_form_id)}/$metadata#{table_name}"
    if named[0][1] is not None:
        if named[0][0] != "Submissions":
            raise problems.not_found()
        personal = personal_allowed(project, f"form:{feed.form_id}")
        chunks = odata.entity_page(feed, named[0][1], named[1:], request.args, personal, context, _next_link)
        return _stream(chunks, "application/json")
    if len(named) != 1:
        raise problems.not_found()
    query = odata.parse_query(feed, table_name, request.args)
    personal = personal_allowed(project, f"form:{feed.form_id}")
    return _stream(odata.table_page(feed, query, personal, context, _next_link), "application/json")


def _csv_request(project_id: int, xml_form_id: str):
    project, form = api_form(project_id, xml_form_id, "submission.read")
    feed = feed_for(form)
    where = odata.where_of(feed, request.args.get("$filter"))
    options = csv_export.Options(group_paths=bool_arg("groupPaths", True),
                                 split_select_multiples=bool_arg("splitSelectMultiples", False),
                                 attachments=bool_arg("attachments", True))
    personal = personal_allowed(project, f"form:{feed.form_id}")
    return feed, where, personal, options


def _download(chunks: Iterator, content_type: str, name: str) -> Response:
    response = _stream(chunks, content_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.get(FORM + "/submissions.csv.zip")
def submissions_csv_zip(project_id: int, xml_form_id: str):
    feed, where, personal, options = _csv_request(project_id, xml_form_id)
    chunks = csv_export.export_zip(feed, where, personal, options)
    return _download(chunks, "application/zip", csv_export.file_name(f"{xml_form_id}.csv.zip"))


@bp.get(FORM + "/submissions.csv")
def submissions_csv(project_id: int, xml_form_id: str):
    feed, where, personal, options = _csv_request(project_id, xml_form_id)
    chunks = csv_export.export_csv(feed, where, personal, options)
    return _download(chunks, "text/csv", csv_export.file_name(f"{xml_form_id}.csv"))
