"""An endpoint for any Central-compatible server (ODK Central or another Sapat), over its REST API with pyodk.

Credentials are held in memory only: pyodk's token cache file is not used, and the
password is never logged. Every request carries ``X-Sapat-Purpose`` (a Sapat serving
submission XML wants a stated purpose; ODK Central ignores the header).
"""
from __future__ import annotations

import mimetypes
from datetime import datetime

import requests
from pyodk.client import Client
from pyodk._utils.config import CentralConfig, Config
from pyodk._utils.session import Adapter, Session
from pyodk.errors import PyODKError
from requests.adapters import Retry

from .endpoints import RECEIVED, FormVersion, LinkDown, SubmissionRef, SyncError, VersionRef, parse_time

PURPOSE_HEADER = "X-Sapat-Purpose"
DEFAULT_PURPOSE = "sync between Sapat servers"
TIMEOUT = 120
UNREACHABLE = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
GATEWAY = {502, 503, 504}


def connect(url: str, username: str, password: str, project_id: int, purpose: str = DEFAULT_PURPOSE) -> "CentralEndpoint":
    """A pyodk client for ``url`` (the server's base URL, with or without ``/v1``), not yet signed in."""
    session = Session(base_url=url, api_version="v1", username=username, password=password, cache_path=None)
    # pyodk mounts its timeout adapter for https only; a field station's HQ link may be plain http on a LAN.
    retry = Retry(total=2, backoff_factor=0.5, status_forcelist=(429, *GATEWAY))
    for scheme in ("http://", "https://"):
        session.mount(scheme, Adapter(timeout=TIMEOUT, max_retries=retry, blocksize=session.blocksize))
    session.headers[PURPOSE_HEADER] = purpose
    config = Config(central=CentralConfig(base_url=url, username=username, password=password,
                                          default_project_id=project_id))
    return CentralEndpoint(Client(config=config, session=session, project_id=project_id), project_id)


class CentralEndpoint:
    """One project of a remote server, as the sync protocol (``sync.endpoints.Endpoint``) sees it."""

    def __init__(self, client: Client, project_id: int):
        self.client = client
        self.project_id = project_id

    def close(self) -> None:
        self.client.close()

    # ---- forms ----------------------------------------------------------------------------------

    def list_forms(self) -> list[str]:
        forms = self._call(self.client.forms.list, project_id=self.project_id)
        return [form.xmlFormId for form in forms if form.publishedAt is not None]

    def form_versions(self, xml_form_id: str) -> list[str]:
        found = self._json("GET", f"{self._form(xml_form_id)}/versions", missing=[])
        return [item["version"] for item in sorted(found, key=lambda item: parse_time(item["publishedAt"]))]

    def get_form_version(self, xml_form_id: str, version: str) -> FormVersion:
        form = self._form(xml_form_id)
        versioned = f"{form}/versions/{self._quote(version) or '___'}"
        xml = self._request("GET", f"{versioned}.xml").content
        # The current version's media are the form's own (the same files Central serves under /versions/…).
        media_base = form if self._json("GET", form)["version"] == version else versioned
        media = {item["name"]: self._request("GET", f"{media_base}/attachments/{self._quote(item['name'])}").content
                 for item in self._json("GET", f"{media_base}/attachments") if item.get("exists")}
        return FormVersion(xml_form_id, version, xml, media)

    def create_form_version(self, form: FormVersion) -> None:
        path = self._form(form.xml_form_id)
        xml = {"data": form.xml, "headers": {"Content-Type": "application/xml"}}
        if self._json("GET", path, missing=None) is None:
            self._request("POST", f"projects/{self.project_id}/forms", params={"publish": "false"}, **xml)
        else:
            self._request("POST", f"{path}/draft", **xml)
        for name, data in form.media.items():
            self._request("POST", f"{path}/draft/attachments/{self._quote(name)}", data=data,
                          headers={"Content-Type": _content_type(name)})
        self._request("POST", f"{path}/draft/publish")

    # ---- submissions ----------------------------------------------------------------------------

    def list_submissions(self, xml_form_id: str, after: tuple[datetime, str] | None) -> list[SubmissionRef]:
        # The JSON rather than pyodk's Submission model: only three fields are needed, and the model
        # refuses a list entry with a field it does not expect in the type it expects.
        listed = self._json("GET", f"{self._form(xml_form_id)}/submissions")
        refs = [SubmissionRef(item["instanceId"], parse_time(item["updatedAt"] or item["createdAt"]),
                              item["reviewState"] or RECEIVED) for item in listed]
        return sorted((ref for ref in refs if after is None or ref.key > after), key=lambda ref: ref.key)

    def list_versions(self, xml_form_id: str, instance_id: str) -> list[VersionRef]:
        found = self._json("GET", f"{self._submission(xml_form_id, instance_id)}/versions", missing=[])
        versions = [VersionRef(item["instanceId"], parse_time(item["createdAt"])) for item in found]
        return sorted(versions, key=lambda version: (version.created_at, version.instance_id != instance_id))

    def get_version_xml(self, xml_form_id: str, instance_id: str, version_id: str) -> bytes:
        path = f"{self._submission(xml_form_id, instance_id)}/versions/{self._quote(version_id)}.xml"
        return self._request("GET", path).content

    def create_version(self, xml_form_id: str, instance_id: str, xml: bytes, edit: bool) -> None:
        headers = {"Content-Type": "application/xml"}
        if edit:
            self._request("PUT", self._submission(xml_form_id, instance_id), data=xml, headers=headers)
        else:
            self._request("POST", f"{self._form(xml_form_id)}/submissions", data=xml, headers=headers)

    def list_attachments(self, xml_form_id: str, instance_id: str) -> list[str]:
        found = self._json("GET", f"{self._submission(xml_form_id, instance_id)}/attachments")
        return [item["name"] for item in found if item.get("exists")]

    def get_attachment(self, xml_form_id: str, instance_id: str, name: str) -> bytes | None:
        path = f"{self._submission(xml_form_id, instance_id)}/attachments/{self._quote(name)}"
        response = self._request("GET", path, missing=True)
        return None if response is None else response.content

    def upload_attachment(self, xml_form_id: str, instance_id: str, name: str, data: bytes) -> None:
        self._request("POST", f"{self._submission(xml_form_id, instance_id)}/attachments/{self._quote(name)}",
                      data=data, headers={"Content-Type": _content_type(name)})

    def get_review_state(self, xml_form_id: str, instance_id: str) -> str:
        return self._json("GET", self._submission(xml_form_id, instance_id))["reviewState"] or RECEIVED

    def set_review_state(self, xml_form_id: str, instance_id: str, state: str) -> None:
        self._call(self.client.submissions.review, instance_id=instance_id, review_state=state,
                   form_id=xml_form_id, project_id=self.project_id)

    # ---- HTTP -----------------------------------------------------------------------------------

    def _form(self, xml_form_id: str) -> str:
        return f"projects/{self.project_id}/forms/{self._quote(xml_form_id)}"

    def _submission(self, xml_form_id: str, instance_id: str) -> str:
        return f"{self._form(xml_form_id)}/submissions/{self._quote(instance_id)}"

    def _quote(self, value: str) -> str:
        return self.client.session.urlquote(value)

    def _call(self, func, **kwargs):
        """A pyodk service call (or any request: signing in happens on the first), failures as sync errors."""
        try:
            return func(**kwargs)
        except UNREACHABLE as err:
            raise LinkDown(f"the server could not be reached ({type(err).__name__})") from None
        except PyODKError as err:
            response = err.args[1] if len(err.args) > 1 else None
            raise _refused(response) if isinstance(response, requests.Response) else SyncError(str(err)) from None

    def _request(self, method: str, path: str, missing: bool = False, **kwargs) -> requests.Response | None:
        """One request; ``missing`` makes a 404 answer None instead of an error."""
        response = self._call(self.client.session.request, method=method, url=path, **kwargs)
        if missing and response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise _refused(response)
        return response

    def _json(self, method: str, path: str, missing=..., **kwargs):
        response = self._request(method, path, missing=missing is not ..., **kwargs)
        return missing if response is None else response.json()


def _refused(response: requests.Response) -> SyncError:
    """Central's problem (code and message) as a sync error; a gateway failure means the link is down."""
    try:
        body = response.json()
        reason = f"{body.get('message', '')} ({body.get('code', response.status_code)})"
    except ValueError:
        reason = f"HTTP {response.status_code}"
    path = response.request.path_url.split("?")[0] if response.request is not None else ""
    message = f"{response.request.method if response.request is not None else ''} {path}: {reason}"
    # Refused credentials or an unreachable server stop the run; anything else is one item's failure.
    return LinkDown(message) if response.status_code in GATEWAY | {401} else SyncError(message)


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
