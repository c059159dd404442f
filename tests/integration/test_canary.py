"""Canaries: generated names, PINs, phones and photos go in; no file at rest or log shows them.

Submitted over real HTTP to gunicorn, viewed by a data manager with a stated purpose,
then the database file (or a pg_dump), the blob folder and every log are scanned.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.people import person
from tests.support.servers import GunicornServer
from tests.support.staff import PASSWORD, csrf_of, sign_in
from tests.support.submissions import post_submission
from tests.support.xlsforms import xlsform

pytestmark = pytest.mark.slow


def canary_form() -> bytes:
    return xlsform([
        ("text", "participant_code", "Катышуучунун коду", "Код участника", "yes", "linking_identifier"),
        ("text", "full_name", "Аты-жөнү", "ФИО", "", "direct_identifier"),
        ("text", "pin", "ПИН", "ПИН", "", "direct_identifier"),
        ("text", "phone", "Телефон", "Телефон", "", "direct_identifier"),
        ("select_one sex", "sex", "Жынысы", "Пол", "", "quasi_identifier"),
        ("integer", "rooms", "Бөлмөлөр", "Кабинеты", "", "none"),
        ("text", "comment", "Пикир", "Комментарий", "", "free_text"),
        ("image", "photo", "Сүрөт", "Фото", "", "direct_identifier"),
    ], form_id="canary", title="Канарейка", choices=[("sex", "f", "Кыз", "Жен"), ("sex", "m", "Эркек", "Муж")])


def canary_submission(i: int) -> tuple[bytes, bytes, list[str]]:
    who = person(i)
    photo = b"\xff\xd8\xff\xe0JFIF" + f"PHOTO-CANARY-{i}-{who.pin}".encode() * 50
    comment = f"Мугалим {who.name} ({who.phone}) жакшы"
    xml = (f'<data id="canary" version="1"><participant_code>410023-S{i:03d}</participant_code>'
           f"<full_name>{who.name}</full_name><pin>{who.pin}</pin><phone>{who.phone}</phone><sex>f</sex>"
           f"<rooms>{i}</rooms><comment>{comment}</comment><photo>p{i}.jpg</photo>"
           f"<meta><instanceID>uuid:canary-{i}</instanceID></meta></data>").encode()
    return xml, photo, [*who.canaries, f"410023-S{i:03d}", f"PHOTO-CANARY-{i}"]


def encodings(text: str) -> list[bytes]:
    """The ways a string could sit in a file: UTF-8, JSON-escaped, UTF-16 (SQLite can use it)."""
    escaped = json.dumps(text)[1:-1].encode()
    return list({text.encode(), escaped, text.encode("utf-16-le")})


def leaks(blob: bytes, canaries: list[str]) -> list[str]:
    return [c for c in canaries if any(e in blob for e in encodings(c))]


def files_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def database_bytes(url: str, tmp_path: Path) -> bytes:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))  # with -wal and -shm
    dump = tmp_path / "dump.sql"
    subprocess.run(["pg_dump", "--no-owner", "--file", str(dump), url], check=True, timeout=120)
    return dump.read_bytes()


def test_no_canary_at_rest_or_in_logs_and_the_right_role_reads_them_back(app, world, migrated, tmp_path):
    manager = world.admin("manager@example.kg", PASSWORD, role="data_manager")
    project_id = world.project()
    world.grant(manager, project_id)
    world.publish(project_id, canary_form())
    _, token = world.app_user(project_id, forms=["canary"])
    access_log, server_log = tmp_path / "access.log", tmp_path / "server.log"
    canaries, sent = [], {}
    with GunicornServer(Path(app.instance_path), migrated, log=server_log, access_log=str(access_log)) as server:
        base = world.collect_base(server.url, project_id, token)
        for i in range(1, 6):
            xml, photo, marks = canary_submission(i)
            assert post_submission(base, xml, {f"p{i}.jpg": photo}).status_code == 201
            canaries += marks
            sent[i] = (xml, photo, marks)
        assert post_submission(base, sent[1][0].replace(b"<rooms>1", b"<rooms>9")).status_code == 409
        http = sign_in(server.url, "manager@example.kg")
        url = f"{server.url}/projects/{project_id}/forms/canary/submissions/uuid:canary-1"
        hidden = http.get(url)
        assert hidden.status_code == 200 and leaks(hidden.content, sent[1][2]) == []
        shown = http.post(f"{url}/personal", data={"csrf_token": csrf_of(hidden.text),
                                                   "purpose": "Проверка канареек в тесте"})
        assert set(leaks(shown.content, sent[1][2])) == set(sent[1][2]) - {"PHOTO-CANARY-1"}
        assert http.get(f"{url}/attachments/p1.jpg").content == sent[1][1]

    at_rest = {
        "database": database_bytes(migrated, tmp_path),
        "blob folder": files_under(Path(app.instance_path) / "blobs"),
        "instance folder": files_under(Path(app.instance_path)),
        "logs": access_log.read_bytes() + server_log.read_bytes(),
    }
    for where, content in at_rest.items():
        assert content, f"nothing to scan in the {where}"
        assert leaks(content, canaries) == [], f"personal data readable in the {where}"
    assert token.encode() not in at_rest["database"] + at_rest["logs"]
