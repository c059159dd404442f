"""The copy algorithm between two in-memory endpoints: idempotent, incremental, resumable, verified."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from sync.copy import copy_project
from sync.endpoints import FormVersion, LinkDown, SubmissionRef, SyncError, VersionRef

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


@dataclass
class Stored:
    versions: list[tuple[str, bytes]]          # (version instanceID, XML), oldest first
    files: dict[str, bytes] = field(default_factory=dict)
    review_state: str = "received"
    changed_at: datetime = T0


class MemoryEndpoint:
    """A project as Central keeps it, in memory; ``clock`` stamps every change."""

    def __init__(self):
        self.forms: dict[str, list[FormVersion]] = {}
        self.submissions: dict[str, dict[str, Stored]] = {}
        self.clock = T0
        self.calls = 0

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    # the protocol
    def list_forms(self):
        return list(self.forms)

    def form_versions(self, xml_form_id):
        return [f.version for f in self.forms.get(xml_form_id, [])]

    def get_form_version(self, xml_form_id, version):
        return next(f for f in self.forms[xml_form_id] if f.version == version)

    def create_form_version(self, form):
        self.forms.setdefault(form.xml_form_id, []).append(form)
        self.submissions.setdefault(form.xml_form_id, {})

    def list_submissions(self, xml_form_id, after):
        refs = [SubmissionRef(iid, s.changed_at, s.review_state) for iid, s in self.submissions[xml_form_id].items()]
        return sorted((r for r in refs if after is None or r.key > after), key=lambda r: r.key)

    def list_versions(self, xml_form_id, instance_id):
        found = self.submissions[xml_form_id].get(instance_id)
        return [VersionRef(vid, T0) for vid, _ in found.versions] if found else []

    def get_version_xml(self, xml_form_id, instance_id, version_id):
        return dict(self.submissions[xml_form_id][instance_id].versions)[version_id]

    def create_version(self, xml_form_id, instance_id, xml, edit):
        self.calls += 1
        version_id = re.search(rb"<instanceID>(.*?)</instanceID>", xml).group(1).decode()
        if not edit:
            self.submissions[xml_form_id][instance_id] = Stored([(version_id, xml)], changed_at=self.tick())
            return
        stored = self.submissions[xml_form_id][instance_id]
        deprecated = re.search(rb"<deprecatedID>(.*?)</deprecatedID>", xml).group(1).decode()
        if stored.versions[-1][0] != deprecated:
            raise SyncError("409.9 deprecating an outdated version")
        stored.versions.append((version_id, xml))
        stored.review_state, stored.changed_at = "edited", self.tick()

    def list_attachments(self, xml_form_id, instance_id):
        return list(self.submissions[xml_form_id][instance_id].files)

    def get_attachment(self, xml_form_id, instance_id, name):
        return self.submissions[xml_form_id][instance_id].files.get(name)

    def upload_attachment(self, xml_form_id, instance_id, name, data):
        self.calls += 1
        self.submissions[xml_form_id][instance_id].files[name] = data

    def get_review_state(self, xml_form_id, instance_id):
        return self.submissions[xml_form_id][instance_id].review_state

    def set_review_state(self, xml_form_id, instance_id, state):
        stored = self.submissions[xml_form_id][instance_id]
        stored.review_state, stored.changed_at = state, self.tick()

    # building test data
    def submit(self, xml_form_id, instance_id, files=None, deprecated=None):
        meta = f"<instanceID>{instance_id}</instanceID>" + (f"<deprecatedID>{deprecated}</deprecatedID>"
                                                           if deprecated else "")
        xml = f'<data id="{xml_form_id}"><rooms>{len(instance_id)}</rooms><meta>{meta}</meta></data>'.encode()
        root = next((iid for iid, s in self.submissions[xml_form_id].items()
                     if deprecated and s.versions[-1][0] == deprecated), instance_id)
        self.create_version(xml_form_id, root, xml, edit=bool(deprecated))
        self.submissions[xml_form_id][root].files.update(files or {})

    def snapshot(self):
        return {form: {iid: (s.versions, s.files, s.review_state) for iid, s in subs.items()}
                for form, subs in self.submissions.items()}


class MemoryCursors(dict):
    def load(self, xml_form_id):
        return self.get(xml_form_id)

    def save(self, xml_form_id, position):
        self[xml_form_id] = position


class Flaky(MemoryEndpoint):
    """Loses the link on the n-th write, once."""

    def __init__(self, fail_on: int):
        super().__init__()
        self.fail_on = fail_on

    def create_version(self, *args, **kwargs):
        self._maybe_fail()
        super().create_version(*args, **kwargs)

    def upload_attachment(self, *args, **kwargs):
        self._maybe_fail()
        super().upload_attachment(*args, **kwargs)

    def _maybe_fail(self):
        if self.calls + 1 == self.fail_on:
            self.fail_on = 0
            raise LinkDown("connection reset")


@pytest.fixture
def station() -> MemoryEndpoint:
    source = MemoryEndpoint()
    source.create_form_version(FormVersion("photos", "1", b"<h:html>v1</h:html>", {"logo.png": b"PNG1"}))
    source.create_form_version(FormVersion("photos", "2", b"<h:html>v2</h:html>", {"logo.png": b"PNG2"}))
    for n in range(5):
        source.submit("photos", f"uuid:s{n}", {"door.jpg": f"JPEG-{n}".encode()})
    source.submit("photos", "uuid:s0-edit", deprecated="uuid:s0")
    source.set_review_state("photos", "uuid:s1", "approved")
    return source


def test_copy_brings_forms_versions_files_and_review_states_and_a_second_run_changes_nothing(station):
    hq, cursors = MemoryEndpoint(), MemoryCursors()
    first = copy_project(station, hq, cursors)
    assert first.status == "ok", first.failures
    assert first.counts == {"forms": 2, "submissions": 5, "versions": 6, "attachments": 5, "review_states": 1,
                            "skipped": 0}
    assert hq.snapshot() == station.snapshot()
    assert [f.media for f in hq.forms["photos"]] == [{"logo.png": b"PNG1"}, {"logo.png": b"PNG2"}]
    before, writes = hq.snapshot(), hq.calls
    second = copy_project(station, hq, cursors)
    assert second.status == "ok" and hq.snapshot() == before and hq.calls == writes
    assert second.counts["submissions"] == second.counts["versions"] == second.counts["attachments"] == 0


def test_only_what_changed_since_the_cursor_is_listed_and_later_edits_and_reviews_follow(station):
    hq, cursors = MemoryEndpoint(), MemoryCursors()
    copy_project(station, hq, cursors)
    station.clock += timedelta(hours=1)
    station.submit("photos", "uuid:s8")
    copy_project(station, hq, cursors)
    station.clock += timedelta(hours=1)  # beyond the overlap: the early submissions are not listed again
    station.submit("photos", "uuid:s9")
    station.submit("photos", "uuid:s2-edit", deprecated="uuid:s2")
    station.set_review_state("photos", "uuid:s3", "rejected")
    listed = []
    result = copy_project(station, hq, cursors, progress=lambda form, done, total: listed.append(total))
    assert set(listed) == {4}  # s8 (inside the overlap, only checked), s9, s2, s3
    assert result.counts == {"forms": 0, "submissions": 1, "versions": 2, "attachments": 0, "review_states": 1,
                             "skipped": 1}
    assert hq.snapshot() == station.snapshot()


@pytest.mark.parametrize("fail_on", [1, 3, 7, 11])
def test_a_link_lost_mid_transfer_resumes_without_loss_or_duplicates(station, fail_on):
    hq, cursors = Flaky(fail_on), MemoryCursors()
    first = copy_project(station, hq, cursors)
    assert first.status == "failed" and first.failures[-1]["what"] == "link"
    assert hq.snapshot() != station.snapshot()
    second = copy_project(station, hq, cursors)
    assert second.status == "ok", second.failures
    assert hq.snapshot() == station.snapshot()
    assert sum(len(s.versions) for s in hq.submissions["photos"].values()) == 6


def test_a_refused_submission_is_reported_holds_the_cursor_and_is_retried(station):
    hq, cursors = MemoryEndpoint(), MemoryCursors()
    refuse = {"uuid:s3"}  # listed in the order s2, s3, s4, s0 (edited), s1 (reviewed)
    original = hq.create_version

    def picky(xml_form_id, instance_id, xml, edit):
        if instance_id in refuse:
            raise SyncError("409.2 the form is closed")
        original(xml_form_id, instance_id, xml, edit)
    hq.create_version = picky
    result = copy_project(station, hq, cursors)
    assert result.status == "partial"
    assert result.failures == [{"instanceId": "uuid:s3", "what": "submission", "reason": "409.2 the form is closed"}]
    assert cursors["photos"][1] == "uuid:s2"  # stops before the failure although later ones were copied
    refuse.clear()
    assert copy_project(station, hq, cursors).status == "ok"
    assert hq.snapshot() == station.snapshot()


def test_content_that_differs_on_the_target_is_a_failure(station):
    hq, cursors = MemoryEndpoint(), MemoryCursors()
    original = hq.upload_attachment
    hq.upload_attachment = lambda f, i, name, data: original(f, i, name, data[:-1])  # truncates every file
    result = copy_project(station, hq, cursors)
    assert result.status == "partial"
    assert {(f["instanceId"], f["what"]) for f in result.failures} == {
        (f"uuid:s{n}", "attachment door.jpg") for n in range(5)}
    assert "uuid:s0" not in cursors.get("photos", ("", ""))[1]

    hq2 = MemoryEndpoint()
    copy_project(station, hq2, MemoryCursors())
    hq2.submissions["photos"]["uuid:s4"].versions[0] = ("uuid:s4", b"<data>altered</data>")
    again = copy_project(station, hq2, MemoryCursors())
    assert [(f["instanceId"], f["what"]) for f in again.failures] == [("uuid:s4", "version uuid:s4")]
    assert "content differs" in again.failures[0]["reason"]


def test_progress_is_reported_per_submission(station):
    seen = []
    copy_project(station, MemoryEndpoint(), MemoryCursors(), progress=lambda *args: seen.append(args))
    assert seen == [("photos", n, 5) for n in range(1, 6)]
