"""kill -9 during concurrent uploads: everything acknowledged survives, nothing is half-stored."""
from __future__ import annotations

import os
import threading
import time

import pytest
import requests

from server.services import forms as form_service, projects, submissions
from server.services.sealing import read_file
from tests.support.servers import GunicornServer
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import photo_form

pytestmark = pytest.mark.slow


def upload_until_stopped(base: str, form_id: str, stop: threading.Event, acknowledged: list, worker: int):
    session = requests.Session()
    n = 0
    while not stop.is_set():
        n += 1
        photo = os.urandom(64 * 1024) + f"{worker}-{n}".encode()
        xml, instance_id = submission_xml(form_id, school=f"S-{worker}-{n}", photo="p.jpg")
        try:
            response = post_submission(base, xml, {"p.jpg": photo}, session=session)
        except requests.RequestException:
            continue  # the server died under us: this one was never acknowledged
        if response.status_code == 201:
            acknowledged.append((instance_id, xml, photo))


def read_back(world, project_id: int, form_id: str) -> dict:
    """{instanceID: (xml, {name: bytes or None})}, every file opened and authenticated."""
    def run():
        form = form_service.get_form(projects.get_project(project_id), form_id)
        result = {}
        for sub in submissions.list_submissions(form, limit=100_000):
            version = submissions.current_version(sub)
            # Opening checks every chunk's tag: a torn or half-written file would fail here.
            files = {a.name: read_file(a.blob) if a.blob else None for a in version.attachments}
            result[sub.instance_id] = (submissions.submission_xml(version), files)
        return result
    return world.run(run)


def test_kill_9_during_concurrent_uploads_loses_nothing_acknowledged(app, world, migrated):
    project_id = world.project()
    form_id = world.publish(project_id, photo_form())
    _, token = world.app_user(project_id, forms=[form_id])
    server = GunicornServer(app.instance_path, migrated).start()
    base = world.collect_base(server.url, project_id, token)
    stop, acknowledged = threading.Event(), []
    clients = [threading.Thread(target=upload_until_stopped, args=(base, form_id, stop, acknowledged, i))
               for i in range(8)]
    try:
        for client in clients:
            client.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)
        server.kill()
    assert len(acknowledged) >= 40, "too few uploads before the kill to mean anything"

    restarted = GunicornServer(app.instance_path, migrated).start()
    try:
        stored = read_back(world, project_id, form_id)
        for instance_id, xml, photo in acknowledged:
            assert stored[instance_id] == (xml, {"p.jpg": photo})
        for instance_id, (_, files) in stored.items():
            assert None not in files.values(), f"{instance_id} was stored without its attachment"
        instance_id, xml, photo = acknowledged[0]
        again = post_submission(world.collect_base(restarted.url, project_id, token), xml, {"p.jpg": photo})
        assert again.status_code == 201
        assert len(read_back(world, project_id, form_id)) == len(stored)
    finally:
        restarted.stop()
