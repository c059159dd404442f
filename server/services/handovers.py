"""The Department handover package (§20.1.7): anonymized data, codebooks, instruments, methodology, risk.

One zip per build, ``handover-project-<id>-<UTC time>.zip``::

    data/<form>/<form>.csv, <form>-<repeat>.csv, <form>.xlsx, <form>.sav, <form>-<repeat>.sav,
               <form>-codebook.json, <form>-codebook.xlsx, <form>-risk.json
    instruments/<form>/<XLSForm source>, <form>.xml        the published version's instrument
    methodology/methodology.md, methodology/instructions/*.md
    disclosure-risk.json                                    every table's risk report
    manifest.json                                           SHA-256 and size of every file above
    manifest.sig                                            Ed25519 signature of manifest.json (base64)

The signing key is this installation's (a 32-byte seed wrapped by the master key);
its public key is in the manifest and printed by ``sapat handover public-key`` for the
Department to keep. Verification recomputes every digest, refuses files the manifest
does not list, and checks the signature against the key the verifier trusts.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import zipfile
from dataclasses import replace
from pathlib import Path

import anonymizer
import forms as forms_package
from sqlalchemy import select

from .. import crypto, problems
from ..storage import db, set_write_intent, writing
from ..storage.base import utcnow
from ..storage.blobs import Blob
from ..storage.exports import Handover
from ..storage.forms import Form
from ..storage.projects import Project
from ..storage.users import StaffUser
from . import audit, keys, sampling, sealing, weighting
from .dataset_export import FORMATS, LANGUAGES, write_dataset
from .exports import dataset_options, project_policy
from .methodology import methodology_text
from .submission_records import feed_for

FORMAT = "sapat-handover/1"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
CHUNK = 1024 * 1024


def public_key() -> tuple[int, bytes]:
    """This installation's handover signing key: (key id, raw Ed25519 public key)."""
    key_id, seed = keys.current_key(keys.SYSTEM, "signing")
    return key_id, crypto.signing_public_key(seed)


def fingerprint(public: bytes) -> str:
    digest = hashlib.sha256(public).hexdigest()[:32]
    return ":".join(digest[i:i + 4] for i in range(0, 32, 4))


def build_handover(project: Project, user: StaffUser | None, actor: audit.Actor, folder: Path, *,
                   policy_text: bytes | None = None, language: str = "ky", progress=None) -> Handover:
    """Write the package into ``folder``; returns its record (the path is ``Handover.path``)."""
    if language not in LANGUAGES:
        raise problems.invalid_data("language", f"expected one of {', '.join(LANGUAGES)}")
    policy = project_policy(project, policy_text)
    published = [f for f in db.session.scalars(select(Form).where(Form.project_id == project.id)
                                                .order_by(Form.xml_form_id)) if f.current_def_id is not None]
    if not published:
        raise problems.invalid_data("project", "it has no published form to hand over")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"handover-project-{project.id}-{stamp}.zip"
    partial = path.with_name(path.name + ".partial")
    with writing():  # keys may be created on first use: before the long read, not during it
        options = dataset_options(project, True, FORMATS, language, policy)
        key_id, seed = keys.current_key(keys.SYSTEM, "signing")
        db.session.commit()
    set_write_intent(False)
    risk, summaries = {}, []
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for form in published:
            summary = write_dataset(archive, feed_for(form), form.current_def,
                                    replace(options, folder=f"data/{form.xml_form_id}/",
                                            weights=weighting.submission_weights(form)),
                                    progress and (lambda d, t, f=form.xml_form_id: progress(f, d, t)))
            risk[form.xml_form_id] = summary["risk"]
            summaries.append(summary)
            _instruments(archive, form)
        archive.writestr("methodology/methodology.md", methodology_text(project, published, summaries, policy,
                                                                              sampling.current_draw(project)))
        for source in sorted((Path(forms_package.__file__).parent / "instructions").glob("*.md")):
            archive.write(source, f"methodology/instructions/{source.name}")
        archive.writestr("disclosure-risk.json", json.dumps(risk, ensure_ascii=False, indent=2))
    manifest = _manifest(partial, project, policy, language)
    manifest["signing_key"] = {"id": key_id, "ed25519": base64.b64encode(crypto.signing_public_key(seed)).decode(),
                               "fingerprint": fingerprint(crypto.signing_public_key(seed))}
    body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
    with zipfile.ZipFile(partial, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, body)
        archive.writestr(SIGNATURE, base64.b64encode(crypto.sign(seed, body)).decode() + "\n")
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, path)
    db.session.commit()   # end the read; on SQLite a read turned writer would fail if others wrote meanwhile
    with writing():
        record = Handover(project_id=project.id, path=str(path), manifest_sha256=hashlib.sha256(body).hexdigest(),
                          summary={"forms": [s["form"] for s in summaries], "files": len(manifest["files"])},
                          built_by=user.id if user else None)
        db.session.add(record)
        db.session.flush()
        audit.record("handover.build", actor, project_id=project.id, target=f"handover:{record.id}",
                     forms=[s["form"] for s in summaries], manifest=record.manifest_sha256)
    return record


def _instruments(archive: zipfile.ZipFile, form: Form) -> None:
    version = form.current_def
    archive.writestr(f"instruments/{form.xml_form_id}/{form.xml_form_id}.xml", version.xml)
    if version.source_blob_id is not None and version.source_name:
        with archive.open(f"instruments/{form.xml_form_id}/{os.path.basename(version.source_name)}", "w") as entry:
            for chunk in sealing.open_file(db.session.get(Blob, version.source_blob_id)):
                entry.write(chunk)


def _manifest(path: Path, project: Project, policy, language: str) -> dict:
    with zipfile.ZipFile(path) as archive:
        files = [{"path": info.filename, "bytes": info.file_size, "sha256": _digest(archive, info.filename)}
                 for info in archive.infolist()]
    return {"format": FORMAT, "created_at": utcnow().isoformat(timespec="seconds"),
            "project": {"id": project.id, "name": project.name, "year": project.year, "stage": project.stage},
            "language": language, "code_version": anonymizer.CODE_VERSION,
            "policy": {"digest": policy.digest, "k": policy.k, "suppression_limit": policy.suppression_limit,
                       "pseudonyms": policy.pseudonyms, "reviewed_by": policy.reviewed_by,
                       "reviewed_on": policy.reviewed_on},
            "files": files}


def _digest(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as entry:
        while chunk := entry.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_package(path: Path, trusted_key: bytes) -> tuple[list[str], dict | None]:
    """What is wrong with a package (nothing: an empty list) and its manifest."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as err:
        return [f"not a readable zip file ({err})"], None
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            return [f"{MANIFEST} or {SIGNATURE} is missing"], None
        body = archive.read(MANIFEST)
        found = []
        try:
            crypto.verify_signature(trusted_key, base64.b64decode(archive.read(SIGNATURE).strip(), validate=True), body)
        except (crypto.CryptoError, ValueError):
            found.append(f"the signature of {MANIFEST} is not valid for the trusted key "
                         f"{fingerprint(trusted_key)}: the manifest was altered or signed by another key")
        try:
            manifest = json.loads(body)
            listed = {item["path"]: item for item in manifest["files"]}
        except (ValueError, KeyError, TypeError):
            return found + [f"{MANIFEST} cannot be read"], None
        for name in sorted(names - listed.keys() - {MANIFEST, SIGNATURE}):
            found.append(f"{name}: not listed in the manifest")
        for name, item in sorted(listed.items()):
            if name not in names:
                found.append(f"{name}: listed in the manifest but missing")
                continue
            try:
                digest = _digest(archive, name)
            except (zipfile.BadZipFile, OSError) as err:
                found.append(f"{name}: cannot be read ({err})")
                continue
            if digest != item.get("sha256") or archive.getinfo(name).file_size != item.get("bytes"):
                found.append(f"{name}: its content differs from the manifest")
    return found, manifest


def list_handovers(project: Project) -> list[Handover]:
    return list(db.session.scalars(select(Handover).where(Handover.project_id == project.id)
                                   .order_by(Handover.id.desc())))


def record_download(record: Handover, actor: audit.Actor) -> None:
    audit.record("handover.download", actor, project_id=record.project_id, target=f"handover:{record.id}")
