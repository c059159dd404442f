"""``sapat sample | roster | participants | coverage``: drawing and following the sample (§4.16, §4.18, §20.1.1)."""
from __future__ import annotations

import tomllib
from pathlib import Path

import click

from server.problems import Problem
from server.services import coverage as coverage_service, estimates, participants, sampling, sheets, weighting

from .main import Operator, in_app, main, private_file


def _report_rejects(func, *args, **kwargs):
    """Run an import; when rows are rejected, name each one (line and what is wrong) before failing."""
    try:
        return func(*args, **kwargs)
    except Problem as problem:
        for reject in problem.details.get("rejects", []) if problem.code == "422.2" else []:
            where = f"line {reject['line']}" + (f" (code {reject['code']})" if reject.get("code") else "")
            click.echo(f"rejected {where}: {'; '.join(reject['problems'])}", err=True)
        raise


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _per_stratum(path: Path | None) -> dict | None:
    """A TOML file of ``"stratum label" = number`` lines (Neyman SDs or fixed sizes)."""
    if path is None:
        return None
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise click.ClickException(f"{path}: {err}") from None
    if not all(isinstance(v, (int, float)) for v in values.values()):
        raise click.ClickException(f"{path}: every line must be \"stratum\" = number")
    return values


@main.group()
def sample():
    """The school sample: frame, draw, refusals and replacements, report."""


@sample.command("import-frame")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_ref", required=True, help="Project id or exact name.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="TOML: [columns] renames headers; [regions], [languages], [types] add spellings.")
@click.option("--accept-rejects", is_flag=True, help="Import the good rows and leave the bad ones out.")
@in_app("sample.manage")
def import_frame(op: Operator, file, project_ref, mapping, accept_rejects):
    """Import the sampling frame (XLSX or CSV); nothing is imported while a row is bad, unless accepted."""
    result = _report_rejects(sampling.import_frame, op.project(project_ref), file.read_bytes(), file.name, op.actor,
                             mapping_text=mapping.read_text(encoding="utf-8") if mapping else None,
                             accept_rejects=accept_rejects)
    for reject in result.rejects:
        click.echo(f"left out line {reject['line']}: {'; '.join(reject['problems'])}", err=True)
    click.echo(f"imported {result.imported} schools" + (f"; {len(result.rejects)} rows left out"
                                                        if result.rejects else ""))


@sample.command("draw")
@click.option("--project", "project_ref", required=True)
@click.option("--seed", type=int, required=True, help="The same frame, design and seed give the same sample.")
@click.option("--size", "n", type=int, default=None, help="Schools to draw in all (not with --allocation fixed).")
@click.option("--strata", default=",".join(sampling.DEFAULT_STRATA), show_default=True,
              help=f"Frame columns crossed into strata: {', '.join(sampling.STRATUM_COLUMNS)}.")
@click.option("--allocation", type=click.Choice(["proportional", "equal", "neyman", "fixed"]),
              default="proportional", show_default=True)
@click.option("--by-size", is_flag=True, help="Proportional allocation to enrolment rather than to schools.")
@click.option("--sd", "sd_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Neyman: TOML of \"stratum\" = guessed SD of the key variable.")
@click.option("--fixed", "fixed_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Fixed allocation: TOML of \"stratum\" = schools to draw.")
@click.option("--method", type=click.Choice(["pps", "systematic", "srs"]), default="pps", show_default=True,
              help="PPS systematic by enrolment (certainty schools first), equal-probability systematic, or SRS.")
@click.option("--sort", default="district,enrolment", show_default=True,
              help="Implicit stratification: the order systematic selection walks within a stratum.")
@click.option("--reserves", type=int, default=1, show_default=True, help="Reserve schools per drawn school.")
@click.option("--minimum", type=int, default=2, show_default=True, help="Smallest sample in a stratum.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@in_app("sample.manage")
def draw(op: Operator, project_ref, seed, n, strata, allocation, by_size, sd_file, fixed_file, method, sort,
         reserves, minimum, out):
    """Draw the stratified school sample; prints the sample report's path as the last line."""
    project = op.project(project_ref)
    request = sampling.DesignRequest(n=n, strata=_split(strata), allocation=allocation, method=method,
                                     sort=_split(sort), reserves=reserves, minimum=minimum,
                                     proportional_to_size=by_size, sd=_per_stratum(sd_file),
                                     fixed=_per_stratum(fixed_file))
    sampling.draw_sample(project, seed, request, op.user, op.actor)
    for row in sampling.strata_summary(project):
        click.echo(f"{row['stratum']}: {row['allocated']} of {row['population']} schools"
                   + (f" ({row['certainty']} certain)" if row["certainty"] else ""))
    click.echo(_write_report(op, project, out))


@sample.command("report")
@click.option("--project", "project_ref", required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@in_app("sample.read")
def report(op: Operator, project_ref, out):
    """Write the sample report (XLSX); prints its path."""
    project = op.project(project_ref)
    click.echo(_write_report(op, project, out))


def _write_report(op: Operator, project, out: Path | None) -> Path:
    path = out or Path(op.app.instance_path) / "samples" / f"project-{project.id}-sample.xlsx"
    return private_file(path, lambda handle: sampling.write_sample_report(project, handle))


@sample.command("refuse")
@click.option("--project", "project_ref", required=True)
@click.option("--school", "code", required=True, help="The refusing school's code.")
@click.option("--reason", required=True)
@click.option("--no-replace", is_flag=True, help="Record the refusal without taking a reserve school.")
@in_app("sample.manage")
def refuse(op: Operator, project_ref, code, reason, no_replace):
    """Record a refusal; the stratum's next reserve school replaces it."""
    replacement = sampling.refuse_school(op.project(project_ref), code, reason, op.actor, replace=not no_replace)
    if replacement is not None:
        click.echo(f"{code} refused; replaced by {replacement.school.code} {replacement.school.name}")
    else:
        click.echo(f"{code} refused; " + ("not replaced" if no_replace else "no reserve left in its stratum"))


@main.group()
def roster():
    """Rosters of the sampled schools (personal data: sealed as it arrives)."""


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_ref", required=True)
@click.option("--school", "school_code", default=None, help="The school, when the file has no school_code column.")
@click.option("--accept-rejects", is_flag=True)
@in_app("sample.manage")
def roster_import(op: Operator, file, project_ref, school_code, accept_rejects):
    """Import rosters (XLSX or CSV) of sampled schools, replacing those schools' earlier rosters."""
    result = _report_rejects(participants.import_roster, op.project(project_ref), file.read_bytes(), file.name,
                             op.actor, school_code=school_code, accept_rejects=accept_rejects)
    click.echo(f"imported {result.imported} people in {result.schools} schools"
               + (f"; {len(result.rejects)} rows left out" if result.rejects else ""))


@main.group("participants")
def participants_group():
    """Participants selected inside the sampled schools."""


@participants_group.command("select")
@click.option("--project", "project_ref", required=True)
@click.option("--seed", type=int, required=True)
@click.option("--take", required=True, help="People per cell and category, e.g. student=20,teacher=5,head=1.")
@click.option("--by", default="", help="Split student cells by specialty and/or year, e.g. specialty,year.")
@click.option("--method", type=click.Choice(["srs", "systematic"]), default="srs", show_default=True)
@in_app("sample.manage")
def select(op: Operator, project_ref, seed, take, by, method):
    """Select participants in every sampled school that has none yet (codes and web links are made)."""
    try:
        sizes = {k.strip(): int(v) for k, v in (part.split("=") for part in _split(take))}
    except ValueError:
        raise click.ClickException("--take expects category=number pairs, e.g. student=20,teacher=5") from None
    chosen = participants.select_participants(op.project(project_ref), seed,
                                              participants.SelectionRequest(sizes, _split(by), method), op.actor)
    click.echo(f"selected {chosen} participants")


@participants_group.command("sheets")
@click.option("--project", "project_ref", required=True)
@click.option("--school", "school_code", default=None, help="One school (default: every school taking part).")
@click.option("--purpose", required=True, help="Why the names are printed (audited).")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@in_app("personal.read")
def sheets_command(op: Operator, project_ref, school_code, purpose, out_dir):
    """Assignment sheets for test administrators (XLSX and printable PDF with QR codes); prints both paths."""
    project = op.project(project_ref)
    sheet = sheets.assignment_sheets(project, school_code, purpose, op.actor, op.public_url)
    folder = out_dir or Path(op.app.instance_path) / "sheets"
    stem = f"project-{project.id}-" + (school_code or "all") + "-assignments"
    click.echo(f"{sheet.people} participants in {sheet.schools} schools")
    click.echo(private_file(folder / f"{stem}.pdf", sheet.write_pdf))
    click.echo(private_file(folder / f"{stem}.xlsx", sheet.write_xlsx))


@main.command("coverage")
@click.option("--project", "project_ref", required=True)
@click.option("--threshold", type=click.FloatRange(0, 1), default=coverage_service.DEFAULT_THRESHOLD,
              show_default=True, help="Flag schools whose response rate is below this.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@in_app("sample.read")
def coverage_command(op: Operator, project_ref, threshold, out):
    """Coverage per instrument (selected, responded, rate); prints the XLSX path as the last line."""
    project = op.project(project_ref)
    found = coverage_service.project_coverage(project, threshold)
    for item in found.instruments:
        rate = item.total.rate
        click.echo(f"{item.form} ({item.unit}): {item.total.responded}/{item.total.selected}"
                   + (f" = {rate:.0%}" if rate is not None else "")
                   + f", {len(found.below(item))} schools below {threshold:.0%}"
                   + (f", {item.unmatched} unmatched" if item.unmatched else ""))
    path = out or Path(op.app.instance_path) / "samples" / f"project-{project.id}-coverage.xlsx"
    click.echo(private_file(path, lambda handle: coverage_service.write_coverage(found, handle)))


@main.group()
def weights():
    """Final weights of an instrument's respondents."""


@weights.command("compute")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True, help="The instrument whose answers define who responded.")
@click.option("--classes", default="stratum", show_default=True,
              help="School non-response classes: stratum, or frame columns (region,type,language,district).")
@click.option("--poststratify", "post", default="", help="Post-stratify to frame totals of these crossed columns.")
@click.option("--rake", default="", help="Rake to frame totals of each of these columns (region,type,specialty …).")
@in_app("sample.manage")
def weights_compute(op: Operator, project_ref, xml_form_id, classes, post, rake):
    """Design weight × non-response adjustment (× calibration to the frame); stored for estimates and exports."""
    if post and rake:
        raise click.ClickException("choose --poststratify or --rake, not both")
    request = weighting.WeightingRequest(xml_form_id, _split(classes), "rake" if rake else
                                         "poststratify" if post else "none", _split(rake or post))
    summary = weighting.compute_weights(op.project(project_ref), request, op.actor)
    click.echo(f"{xml_form_id} ({summary['unit']}): {summary['respondents']} respondents in "
               f"{summary['schools_responding']} of {summary['schools_drawn']} schools; "
               f"sum of weights {summary['sum_of_weights']:.1f}, range {summary['min_weight']:.2f}–"
               f"{summary['max_weight']:.2f}, Kish deff {summary['kish_deff']:.2f}")


@main.command("estimate")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@click.option("--variable", required=True, help="A field of the form stored in clear (class none or quasi).")
@click.option("--by", default=None, help="Domains: region, type, language, district, specialty, or a form field.")
@click.option("--kind", type=click.Choice(estimates.KINDS), default="auto", show_default=True)
@click.option("--fpc", is_flag=True, help="First-stage finite population correction.")
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@in_app("report.read")
def estimate_command(op: Operator, project_ref, xml_form_id, variable, by, kind, fpc, confidence, out):
    """Weighted mean or proportions by domain with design-based SEs; prints the XLSX path as the last line."""
    project = op.project(project_ref)
    result = estimates.estimate(project, estimates.EstimateRequest(xml_form_id, variable, by, kind, fpc,
                                                                   round(1 - confidence, 6)))
    click.echo(f"{result.kind} of {result.path}" + (f" by {by}" if by else "")
               + (f"; {result.unweighted} answers without a weight left out" if result.unweighted else ""))
    for domain, category, value, se, low, high, deff, n, *_ in estimates.result_rows(result):
        label = " / ".join(str(p) for p in (domain, category) if p is not None) or "all"
        click.echo(f"  {label}: {value:.4g} (SE {se:.3g}, {confidence:.0%} CI {low:.4g}–{high:.4g}"
                   + (f", deff {deff:.2f}" if deff is not None else "") + f", n={n})")
    path = out or Path(op.app.instance_path) / "samples" / f"project-{project.id}-{xml_form_id}-{variable}.xlsx"
    click.echo(private_file(path, lambda handle: estimates.write_estimates(result, handle)))
