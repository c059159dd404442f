"""``sapat scoring``: answer keys, rescoring and the item-analysis report of standardized tests (§20.1.2–20.1.6)."""
from __future__ import annotations

from pathlib import Path

import click

from server.services import forms as form_service, scoring, scoring_report

from .main import Operator, in_app, main, private_file


@main.group("scoring")
def scoring_group():
    """Standardized tests: answer keys kept on the server, scores, item analysis."""


@scoring_group.command("key")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@in_app("scoring.manage")
def key_command(op: Operator, file, project_ref, xml_form_id):
    """Keep a key file (checked against its form version, sealed, never served); rescore that version."""
    row, rescored = scoring.upload_key(op.project(project_ref), xml_form_id, file.read_bytes(), op.actor)
    click.echo(f"answer key {row.number} for {xml_form_id} version {row.form_version}; {rescored} submissions scored")


@scoring_group.command("rescore")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@in_app("scoring.manage")
def rescore_command(op: Operator, project_ref, xml_form_id):
    """Score every current submission again with the current keys (earlier scores stay as history)."""
    form = form_service.get_form(op.project(project_ref), xml_form_id)
    count = sum(scoring.rescore(form, row.form_version, "key") for row in scoring.key_versions(form) if row.current)
    click.echo(f"{count} submissions scored")


@scoring_group.command("calibrate")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@in_app("scoring.manage")
def calibrate_command(op: Operator, project_ref, xml_form_id):
    """Keep the Rasch calibration: the first cycle's sets the reported scale, later cycles link to it."""
    row = scoring_report.store_calibration(op.project(project_ref), xml_form_id, op.actor)
    click.echo(f"calibration {row.id} of {xml_form_id}: {row.takers} takers, {len(row.items)} items; "
               + (f"linked to calibration {row.linked_to}" if row.linked_to else "the base of the reported scale"))


@scoring_group.command("report")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@in_app("report.read")
def report_command(op: Operator, project_ref, xml_form_id, out):
    """The item-analysis workbook (XLSX); prints its path last."""
    project = op.project(project_ref)
    path = out or Path(op.app.instance_path) / "reports" / f"project-{project.id}-{xml_form_id}-items.xlsx"
    click.echo(private_file(path, lambda handle: scoring_report.write_report(project, xml_form_id, handle)))
