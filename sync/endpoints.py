"""What a sync copies between, as one protocol: any Central-compatible server, or the local Sapat.

Both sides of a copy are an :class:`Endpoint`; the copy algorithm (``sync.copy``)
only ever talks to this protocol, so it runs unchanged over HTTP (``sync.central``),
over the local services (``server.services.sync_local``) or in memory (the tests).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol
from urllib.parse import urlsplit

RECEIVED = "received"  # Central lists a submission nobody reviewed yet with reviewState null


class SyncError(Exception):
    """One thing could not be copied (refused by a server, not found, not readable); the run goes on."""


class LinkDown(SyncError):
    """The other server cannot be reached: the run stops where it is and resumes next time."""


@dataclass(frozen=True)
class FormVersion:
    """One published version of a form: the XForm and its media files."""

    xml_form_id: str
    version: str
    xml: bytes
    media: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmissionRef:
    """A submission as listed: its instanceID and when it last changed (created, edited or reviewed)."""

    instance_id: str
    changed_at: datetime
    review_state: str = RECEIVED

    @property
    def key(self) -> tuple[datetime, str]:
        """Where it stands in the oldest-first order every listing uses."""
        return self.changed_at, self.instance_id


@dataclass(frozen=True)
class VersionRef:
    """One version (edit) of a submission; ``instance_id`` is the version's own instanceID."""

    instance_id: str
    created_at: datetime


class Endpoint(Protocol):
    """A project on one server, seen as forms and submissions."""

    def list_forms(self) -> list[str]:
        """The xmlFormIds of the published forms."""

    def form_versions(self, xml_form_id: str) -> list[str]:
        """The published versions of a form, oldest first ([] when the form does not exist)."""

    def get_form_version(self, xml_form_id: str, version: str) -> FormVersion:
        """One published version with its media."""

    def create_form_version(self, form: FormVersion) -> None:
        """Publish this version (creating the form if it is new), media first."""

    def list_submissions(self, xml_form_id: str, after: tuple[datetime, str] | None) -> list[SubmissionRef]:
        """Submissions that changed after ``after`` (exclusive), oldest change first."""

    def list_versions(self, xml_form_id: str, instance_id: str) -> list[VersionRef]:
        """A submission's versions, oldest first ([] when there is no such submission)."""

    def get_version_xml(self, xml_form_id: str, instance_id: str, version_id: str) -> bytes:
        """The XML of one version exactly as the server stored it."""

    def create_version(self, xml_form_id: str, instance_id: str, xml: bytes, edit: bool) -> None:
        """Store a first version (``edit`` False) or an edit of ``instance_id`` (its XML names deprecatedID)."""

    def list_attachments(self, xml_form_id: str, instance_id: str) -> list[str]:
        """Names of the files the current version holds (those that arrived)."""

    def get_attachment(self, xml_form_id: str, instance_id: str, name: str) -> bytes | None:
        """A file of the current version, or None when it has not arrived."""

    def upload_attachment(self, xml_form_id: str, instance_id: str, name: str, data: bytes) -> None:
        """Add or replace a file of the current version."""

    def get_review_state(self, xml_form_id: str, instance_id: str) -> str:
        """The review state (``received`` when nobody reviewed it)."""

    def set_review_state(self, xml_form_id: str, instance_id: str, state: str) -> None:
        """Change the review state."""


class CursorStore(Protocol):
    """Where each form's copy stopped, kept between runs."""

    def load(self, xml_form_id: str) -> tuple[datetime, str] | None:
        """The last (changed_at, instanceID) copied completely, or None."""

    def save(self, xml_form_id: str, position: tuple[datetime, str]) -> None:
        """Remember a position (durably: a run that dies afterwards resumes from here)."""


def parse_time(value: str | datetime) -> datetime:
    """An ISO 8601 time as Central writes it (``Z`` suffix), always timezone-aware."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def encode_cursor(position: tuple[datetime, str]) -> str:
    return f"{position[0].astimezone(timezone.utc).isoformat()}|{position[1]}"


def decode_cursor(text: str) -> tuple[datetime, str]:
    moment, _, instance_id = text.partition("|")
    return parse_time(moment), instance_id


def remote_url(url: str) -> str:
    """The server's base URL as links are named and recorded: no credentials, no query, no ``/v1``."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http(s) URL of a server, got {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("the server URL may not carry credentials, a query or a fragment")
    path = parts.path.rstrip("/")
    path = path[:-3] if path.endswith("/v1") else path
    return f"{parts.scheme}://{parts.netloc}{path}"
