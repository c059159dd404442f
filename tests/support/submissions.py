"""Submission XML and OpenRosa multipart POSTs as ODK Collect sends them."""
from __future__ import annotations

import uuid

import requests

OPENROSA = {"X-OpenRosa-Version": "1.0"}


def submission_xml(form_id: str, version: str = "1", *, instance_id: str | None = None, school: str = "S-001",
                   photo: str | None = None, extras: tuple[str, ...] = (), deprecated_id: str | None = None,
                   root: str | None = None) -> tuple[bytes, str]:
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    root = root or "data"
    parts = [f"<school>{school}</school>", "<rooms>3</rooms>"]
    if photo is not None:
        parts.append(f"<photo>{photo}</photo>")
    parts += [f"<more><extra>{name}</extra></more>" for name in extras]
    meta = f"<instanceID>{instance_id}</instanceID>"
    if deprecated_id:
        meta += f"<deprecatedID>{deprecated_id}</deprecatedID>"
    xml = (f'<?xml version="1.0"?><{root} xmlns:orx="http://openrosa.org/xforms" id="{form_id}" '
           f'version="{version}">{"".join(parts)}<meta>{meta}</meta></{root}>')
    return xml.encode(), instance_id


def post_submission(base: str, xml: bytes, files: dict[str, bytes] | None = None, *, headers=None,
                    incomplete: bool = False, session: requests.Session | None = None) -> requests.Response:
    """A real multipart POST, shaped like Collect's (the file's part name is its file name)."""
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    for name, content in (files or {}).items():
        parts.append((name, (name, content, "image/jpeg")))
    data = {"*isIncomplete*": "yes"} if incomplete else None
    http = session or requests
    return http.post(f"{base}/submission", files=parts, data=data,
                     headers=OPENROSA if headers is None else headers, timeout=60)
