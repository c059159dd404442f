"""``sapat export`` (a form's dataset) and ``sapat handover build | verify | public-key`` (the Department's package)."""
from __future__ import annotations

import base64
import sys
from pathlib import Path

import click

from server.services import exports, forms as form_service, handovers, sealing

from .main import Operator, in_app, main, private_file


def _progress(label: str):
    def show(done: int, total: int) -> None:
        click.echo(f"\r{label}: {done}/{total}", nl=done == total, err=True)
    return show


@main.command("export")
@click.option("--project", "project_ref", required=True, help="Project id or exact name.")
@click.option("--form", "xml_form_id", required=True)
@click.option("--raw", is_flag=True, help="Personal data as collected (data managers, with --purpose).")
@click.option("--purpose", default=None, help="Why personal data is exported (raw exports; audited).")
@click.option("--format", "formats", default="csv,xlsx,sav", show_default=True,
              help="Comma-separated: csv, xlsx, sav (raw exports: csv, sav).")
@click.option("--language", type=click.Choice(["ky", "ru"]), default="ru", show_default=True,
              help="Language of the labels in XLSX and SPSS files.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the zip (default: instance/exports/).")
@in_app("export.anonymized")
def export_command(op: Operator, project_ref, xml_form_id, raw, purpose, formats, language, out):
    """Export a form's submissions (anonymized unless --raw); prints the zip's path as the last line."""
    target = form_service.get_form(op.project(project_ref), xml_form_id)
    job = exports.request_export(target, op.user, "raw" if raw else "anonymized",
                                 [f.strip() for f in formats.split(",") if f.strip()], language, purpose, op.actor)
    job = exports.run_export(job.id, _progress(xml_form_id))
    blob = exports.open_export(job, op.user, op.actor)
    path = private_file(out or Path(op.app.instance_path) / "exports" / job.file_name,
                        lambda handle: handle.writelines(sealing.open_file(blob)))
    for table, rows in job.summary["rows"].items():
        k = job.summary["k_reached"].get(table)
        click.echo(f"{table}: {rows} rows" + (f", k reached {k}" if k is not None else ""))
    click.echo(str(path))


@main.group()
def handover():
    """The Department handover package (§20.1.7)."""


@handover.command("build")
@click.option("--project", "project_ref", required=True, help="Project id or exact name.")
@click.option("--policy", "policy_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A reviewed anonymization policy (TOML); default: instance/policies/project-<id>.toml.")
@click.option("--language", type=click.Choice(["ky", "ru"]), default="ky", show_default=True)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the package (default: instance/handovers/).")
@in_app("export.anonymized")
def handover_build(op: Operator, project_ref, policy_path, language, out_dir):
    """Build the signed package; prints its path as the last line."""
    project = op.project(project_ref)
    record = handovers.build_handover(
        project, op.user, op.actor, out_dir or Path(op.app.instance_path) / "handovers",
        policy_text=policy_path.read_bytes() if policy_path else None, language=language,
        progress=lambda form, done, total: _progress(form)(done, total))
    click.echo(f"forms: {', '.join(record.summary['forms'])}; files: {record.summary['files']}")
    click.echo(f"manifest SHA-256: {record.manifest_sha256}")
    click.echo(str(Path(record.path).resolve()))


def _trusted_key(public_key: str | None) -> bytes:
    if public_key:
        text = Path(public_key).read_text().strip() if Path(public_key).exists() else public_key
        try:
            raw = base64.b64decode(text.split()[0], validate=True)
        except ValueError:
            raise click.ClickException("--public-key must be the base64 key that 'sapat handover public-key' "
                                       "prints, or a file holding it") from None
        if len(raw) != 32:
            raise click.ClickException("--public-key is not a 32-byte Ed25519 key")
        return raw
    try:
        return _installation_key()
    except Exception:  # noqa: BLE001 - on the Department's side there is no installation (or key) to ask
        raise click.ClickException("no Sapat installation with a signing key here: pass --public-key with the "
                                   "key 'sapat handover public-key' printed") from None


@in_app(None)
def _installation_key(op: Operator) -> bytes:
    return handovers.public_key()[1]


@handover.command("verify")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", default=None,
              help="The signer's public key (base64, or a file with it); default: this installation's key.")
def handover_verify(package, public_key):
    """Check every file's SHA-256 and the manifest's signature; exit 1 naming everything that differs."""
    trusted = _trusted_key(public_key)
    found, manifest = handovers.verify_package(package, trusted)
    if found:
        for line in found:
            click.echo(f"FAILED: {line}", err=True)
        click.echo(f"{package}: NOT VALID ({len(found)} problem(s))", err=True)
        sys.exit(1)
    click.echo(f"{package}: valid — {len(manifest['files'])} files, signed by key "
               f"{handovers.fingerprint(trusted)}")


@handover.command("public-key")
@in_app(None)
def handover_public_key(op: Operator):
    """Print this installation's signing key for the Department to keep (base64, then its fingerprint)."""
    key_id, public = handovers.public_key()
    click.echo(base64.b64encode(public).decode())
    click.echo(f"fingerprint {handovers.fingerprint(public)} (key {key_id})")
