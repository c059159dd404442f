"""Dataset exports over real HTTP and the handover package from the real command line.

Submissions of the library's instruments are sent as Collect sends them, carrying
generated people's names, PINs and phones in their free text, generated codes in
their identifiers and PIN-named photos; the anonymized files (CSV, every part of the
XLSX, SPSS, codebook, risk report) must hold none of it in any byte.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pyreadstat
import pytest

import forms
from server.problems import Problem
from server.services import audit
from server.storage import db
from server.storage.audit import AuditEntry
from tests.integration.test_cli import PASSWORD, sapat
from tests.support.library_submissions import fill
from tests.support.staff import csrf_of, sign_in
from tests.support.submissions import post_submission

HEX = re.compile(r"[0-9A-Fa-f]+")
LIBRARY = Path(__file__).resolve().parents[2] / "forms" / "library"
MANAGER, ANALYST = "manager@example.kg", "analyst@example.kg"
FORMS = ("lesson_observation", "student_questionnaire")


def _book(form_id: str):
    path = LIBRARY / f"{form_id}.xlsx"
    return forms.codebook(forms.compile_xlsform(path.read_bytes(), filename=path.name, validate=False))


@pytest.fixture
def cycle(world, live_server):
    """A project with two library forms and 12 submissions each, sent over OpenRosa; the canaries they carry."""
    manager = world.admin(MANAGER, PASSWORD, "data_manager")
    analyst = world.admin(ANALYST, PASSWORD, "analyst")
    project_id = world.project()
    for user in (manager, analyst):
        world.grant(user, project_id)
    for form_id in FORMS:
        world.publish(project_id, (LIBRARY / f"{form_id}.xlsx").read_bytes(), f"{form_id}.xlsx")
    _, token = world.app_user(project_id, forms=FORMS)
    base = world.collect_base(live_server, project_id, token)
    canaries: set[str] = set()
    for form_id in FORMS:
        book = _book(form_id)
        for seed in range(12):
            xml, instance_id, who = fill(book, seed + (100 if form_id == FORMS[1] else 0))
            assert post_submission(base, xml).status_code == 201
            text = xml.decode()
            canaries |= {who.pin, who.phone, who.phone.lstrip("+"), instance_id, instance_id.split(":")[1]}
            canaries |= {part for part in re.split(r"\s+", who.name) if len(part) >= 3}
            canaries |= set(re.findall(r"<(?:school_code|participant_code|observer_code|group_code)>([^<]+)<", text))
            canaries |= set(re.findall(r"<(?:photo|deviceid)>([^<]+)<", text))
    return project_id, canaries


def _every_byte(data: bytes, name: str = "") -> list[tuple[str, bytes]]:
    """The files of a zip, and the files inside the XLSX files inside it (an XLSX is a zip too)."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in archive.namelist():
            content = archive.read(entry)
            out.append((f"{name}{entry}", content))
            if entry.endswith(".xlsx"):
                out += _every_byte(content, f"{name}{entry}!")
    return out


def _export(live_server, http, project_id: int, **fields) -> tuple[int, bytes | str]:
    url = f"{live_server}/projects/{project_id}/exports"
    data = {"csrf_token": csrf_of(http.get(url).text), "form": "lesson_observation", "kind": "anonymized",
            "formats": ["csv", "xlsx", "sav"], "language": "ru", **fields}
    started = http.post(url, data=data, allow_redirects=False)
    if started.status_code != 303:
        return started.status_code, started.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = http.get(url).text
        links = re.findall(r'href="(/projects/\d+/exports/\d+/download)"', page)
        if links:
            return 200, http.get(f"{live_server}{links[0]}").content
        assert "Не удался" not in page, page
        time.sleep(0.3)
    raise AssertionError("the export did not finish within 60 s")


def test_anonymized_export_from_the_staff_page_holds_no_personal_data_in_any_byte(cycle, live_server, tmp_path):
    project_id, canaries = cycle
    http = sign_in(live_server, ANALYST, PASSWORD)
    status, data = _export(live_server, http, project_id)
    assert status == 200
    files = _every_byte(data)
    names = {n for n, _ in files}
    assert {"lesson_observation.csv", "lesson_observation-photos.csv", "lesson_observation.xlsx",
            "lesson_observation.sav", "lesson_observation-codebook.json", "lesson_observation-risk.json"} <= names
    for name, content in files:
        for canary in canaries:
            assert canary.encode() not in content, f"{canary!r} found in {name}"
            # In any case too, but a code made only of hex digits (a group code like AB720) would meet the
            # export's random hex keys by chance: those are checked in their own case only.
            if not HEX.fullmatch(canary):
                assert canary.lower().encode() not in content.lower(), f"{canary!r} found in {name}"
    # SPSS: real labels in Russian, the rows there, and the codebook says what happened to each variable.
    sav = tmp_path / "main.sav"
    sav.write_bytes(dict(files)["lesson_observation.sav"])
    frame, meta = pyreadstat.read_sav(str(sav))
    assert len(frame) == 12
    assert any(re.search("[А-Яа-я]", label or "") for label in meta.column_names_to_labels.values())
    book = json.loads(dict(files)["lesson_observation-codebook.json"])
    treatments = {v["name"]: v["treatment"] for t in book["tables"] for v in t["variables"]}
    assert treatments["identification-school_code"].startswith("replaced by a keyed pseudonym, held to k")
    assert treatments["overall_comment"] == "free text scrubbed"
    assert treatments["identification-lesson_date"].startswith("generalized")
    dropped = {d["variable"] for d in book["dropped"]}
    assert {"deviceid", "SubmitterID", "SubmitterName", "DeviceID", "meta-instanceName"} <= dropped
    risk = json.loads(dict(files)["lesson_observation-risk.json"])
    assert risk["main"]["k_reached"] is None or risk["main"]["k_reached"] >= 5


def test_raw_export_needs_the_right_role_and_a_purpose_and_every_step_is_audited(cycle, live_server, app):
    project_id, canaries = cycle
    analyst = sign_in(live_server, ANALYST, PASSWORD)
    status, text = _export(live_server, analyst, project_id, kind="raw", formats=["csv"],
                           purpose="Сверка кодов с ведомостью")
    assert status == 403
    manager = sign_in(live_server, MANAGER, PASSWORD)
    status, text = _export(live_server, manager, project_id, kind="raw", formats=["csv"], purpose="кратко")
    assert status == 400 and "400.31" in text
    status, text = _export(live_server, manager, project_id, kind="raw", formats=["csv", "pdf"],
                           purpose="Сверка кодов с ведомостью")
    assert status == 400 and "400.11" in text
    status, data = _export(live_server, manager, project_id, kind="raw", formats=["csv", "xlsx", "sav"],
                           purpose="Сверка кодов с ведомостью")
    assert status == 200
    raw = dict(_every_byte(data))["lesson_observation.csv"].decode("utf-8-sig")
    assert any(canary in raw for canary in canaries)       # raw means raw
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action.like("export.%"))
                                     .order_by(AuditEntry.id)).all()
        assert [(e.action, e.purpose) for e in entries if e.details.get("kind", "") == "raw"] == [
            ("export.request", "Сверка кодов с ведомостью"), ("export.download", "Сверка кодов с ведомостью")]
        assert audit.verify().ok


@pytest.mark.slow
def test_handover_package_is_built_signed_and_any_change_is_caught(cycle, app, migrated, tmp_path):
    project_id, canaries = cycle
    built = sapat(app, migrated, "handover", "build", "--project", str(project_id), as_user=MANAGER)
    package = Path(built.stdout.strip().splitlines()[-1])
    assert package.exists() and package.suffix == ".zip"
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    for form_id in FORMS:
        assert {f"data/{form_id}/{form_id}.csv", f"data/{form_id}/{form_id}.sav", f"data/{form_id}/{form_id}.xlsx",
                f"data/{form_id}/{form_id}-codebook.json", f"data/{form_id}/{form_id}-codebook.xlsx",
                f"instruments/{form_id}/{form_id}.xml", f"instruments/{form_id}/{form_id}.xlsx"} <= names
    assert {"methodology/methodology.md", "disclosure-risk.json", "manifest.sig"} <= names
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json", "manifest.sig"}
    for name, content in _every_byte(package.read_bytes()):
        if name.startswith("data/") or name in ("disclosure-risk.json", "methodology/methodology.md"):
            for canary in canaries:
                assert canary.encode() not in content, f"{canary!r} found in {name}"
    assert "valid" in sapat(app, migrated, "handover", "verify", str(package), as_user=None).stdout

    def altered(change, extra: bool = False) -> Path:
        copy = tmp_path / f"altered-{len(list(tmp_path.iterdir()))}.zip"
        with zipfile.ZipFile(package) as source, zipfile.ZipFile(copy, "w") as target:
            for info in source.infolist():
                target.writestr(info.filename, change(info.filename, source.read(info.filename)))
            if extra:
                target.writestr("extra.txt", b"added later")
        return copy

    csv_name = "data/lesson_observation/lesson_observation.csv"
    one_byte = altered(lambda n, c: c.replace(b"yes", b"no!", 1) if n == csv_name else c)
    failed = sapat(app, migrated, "handover", "verify", str(one_byte), as_user=None, check=False)
    assert failed.returncode == 1 and f"{csv_name}: its content differs" in failed.stderr
    extra = altered(lambda n, c: c, extra=True)
    failed = sapat(app, migrated, "handover", "verify", str(extra), as_user=None, check=False)
    assert failed.returncode == 1 and "extra.txt: not listed" in failed.stderr
    manifest_changed = altered(lambda n, c: c.replace(b'"k": 5', b'"k": 2') if n == "manifest.json" else c)
    failed = sapat(app, migrated, "handover", "verify", str(manifest_changed), as_user=None, check=False)
    assert failed.returncode == 1 and "signature" in failed.stderr
    other_key = "A" * 43 + "="
    failed = sapat(app, migrated, "handover", "verify", str(package), "--public-key", other_key, as_user=None,
                   check=False)
    assert failed.returncode == 1 and "signature" in failed.stderr
    public = sapat(app, migrated, "handover", "public-key", as_user=None).stdout.splitlines()[0]
    assert "valid" in sapat(app, migrated, "handover", "verify", str(package), "--public-key", public,
                            as_user=None).stdout
    # At the Department: no installation, only the key it was given.
    department = {k: v for k, v in os.environ.items() if not k.startswith("SAPAT_")}
    department["SAPAT_INSTANCE_PATH"] = str(tmp_path / "department")
    verify = [sys.executable, "-m", "admin_cli", "handover", "verify", str(package)]
    asked = subprocess.run(verify, env=department, capture_output=True, text=True, timeout=120)
    assert asked.returncode == 1 and "--public-key" in asked.stderr
    given = subprocess.run(verify + ["--public-key", public], env=department, capture_output=True, text=True,
                           timeout=120)
    assert given.returncode == 0 and "valid" in given.stdout


@pytest.mark.slow
def test_sapat_export_writes_the_zip_and_prints_its_path_last(cycle, app, migrated, tmp_path):
    project_id, _ = cycle
    out = tmp_path / "export.zip"
    result = sapat(app, migrated, "export", "--project", str(project_id), "--form", "student_questionnaire",
                   "--format", "csv,sav", "--out", str(out), as_user=ANALYST)
    assert Path(result.stdout.strip().splitlines()[-1]) == out.resolve()
    assert "main: 12 rows" in result.stdout
    with zipfile.ZipFile(out) as archive:
        assert {"student_questionnaire.csv", "student_questionnaire.sav"} <= set(archive.namelist())
    refused = sapat(app, migrated, "export", "--project", str(project_id), "--form", "student_questionnaire",
                    "--raw", "--purpose", "Сверка кодов с ведомостью", as_user=ANALYST, check=False)
    assert refused.returncode == 1 and "403.1" in refused.stderr


def _anonymized_csv(app, project_id: int, policy: bytes | None = None) -> str:
    """The anonymized main table of lesson_observation, exported through the services."""
    from server.services import dataset_export, exports
    from server.services.submission_records import feed_for
    from server.services import forms as form_service, projects
    with app.app_context():
        project = projects.get_project(project_id)
        form = form_service.get_form(project, "lesson_observation")
        options = exports.dataset_options(project, True, ["csv"], "ru", exports.project_policy(project, policy))
        target = io.BytesIO()
        with zipfile.ZipFile(target, "w") as archive:
            dataset_export.write_dataset(archive, feed_for(form), form.current_def, options)
        db.session.commit()
        return zipfile.ZipFile(target).read("lesson_observation.csv").decode("utf-8-sig")


# School codes kept apart (not held to k with the quasi-identifiers), to compare their pseudonyms.
APART = b'[forms.lesson_observation.fields."identification/school_code"]\nquasi = false\n'
CYCLE = b'reviewed_by = "DPO"\nreviewed_on = 2026-11-30\n' + APART
PANEL = b'reviewed_by = "DPO"\nreviewed_on = 2026-11-30\npseudonyms = "panel"\n' + APART


def test_same_data_policy_and_secret_give_the_same_file_in_pseudonym_order_not_arrival_order(cycle, app, world,
                                                                                            live_server):
    project_id, _ = cycle
    first, again = _anonymized_csv(app, project_id), _anonymized_csv(app, project_id)
    assert first == again
    keys = [line.rsplit(",", 1)[-1] for line in first.splitlines()[1:]]
    assert keys == sorted(keys) and len(set(keys)) == 12
    # Another cycle with the same school codes: other pseudonyms, unless the policy asks for a panel.
    other = world.project("Мониторинг 2029", 2029)
    world.publish(other, (LIBRARY / "lesson_observation.xlsx").read_bytes(), "lesson_observation.xlsx")
    _, token = world.app_user(other, forms=["lesson_observation"])
    for seed in range(12):
        xml, _, _ = fill(_book("lesson_observation"), seed)
        xml = xml.replace(b'<instanceID>uuid:', b'<instanceID>uuid:2029')   # same answers, new submissions
        assert post_submission(world.collect_base(live_server, other, token), xml).status_code == 201

    def schools(text: str) -> set[str]:
        header = text.splitlines()[0].split(",")
        column = header.index("identification-school_code")
        return {line.split(",")[column] for line in text.splitlines()[1:]}
    assert len(schools(_anonymized_csv(app, other, CYCLE))) == 2
    assert schools(_anonymized_csv(app, other, CYCLE)).isdisjoint(schools(_anonymized_csv(app, project_id, CYCLE)))
    assert schools(_anonymized_csv(app, other, PANEL)) == schools(_anonymized_csv(app, project_id, PANEL))


def test_a_job_not_yet_done_cannot_be_downloaded_and_a_bad_policy_file_fails_the_job_with_its_reason(
        cycle, app, world, live_server):
    from server.services import exports
    from server.services import forms as form_service, projects
    from server.storage.users import StaffUser
    project_id, _ = cycle

    def queued() -> int:
        project = projects.get_project(project_id)
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.email == ANALYST))
        return exports.request_export(form_service.get_form(project, "lesson_observation"), user, "anonymized",
                                      ["csv"], "ru", None, audit.Actor("staff", user.id)).id
    job_id = world.run(queued)
    http = sign_in(live_server, ANALYST, PASSWORD)
    waiting = http.get(f"{live_server}/projects/{project_id}/exports/{job_id}/download")
    assert waiting.status_code == 409 and "409.21" in waiting.text
    policy = Path(app.instance_path) / "policies" / f"project-{project_id}.toml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text('reviewed_by = "DPO"\nreviewed_on = 2026-11-30\nk = 1\n')
    with app.app_context(), pytest.raises(Problem, match="at least 2"):
        exports.run_export(job_id)
    page = http.get(f"{live_server}/projects/{project_id}/exports").text
    assert "Не удался" in page and "must be a whole number of at least 2" in page
