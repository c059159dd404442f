"""``sapat web``: online questionnaires (§12, §13): open forms in the browser, school links, personal links."""
from __future__ import annotations

import click

from server.services import web_questionnaires as web

from .main import Operator, in_app, main


@main.group("web")
def web_group():
    """Online questionnaires: forms open in the browser, school-level and personal links."""


@web_group.command("open")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@click.option("--closes", default=None, help="Last day (YYYY-MM-DD, UTC) or time answers are accepted.")
@in_app("web_link.manage")
def open_command(op: Operator, project_ref, xml_form_id, closes):
    """Open a published form for answering in the browser (personal links of its category work at once)."""
    web_form = web.open_form(op.project(project_ref), xml_form_id, web.parse_moment("closes", closes), op.actor)
    click.echo(f"{xml_form_id} is open on the web" + (f" until {web_form.closes_at.isoformat()}"
                                                      if web_form.closes_at else ""))


@web_group.command("close")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@in_app("web_link.manage")
def close_command(op: Operator, project_ref, xml_form_id):
    """Stop accepting answers through the form's web links (they then show the closed page)."""
    web.close_form(op.project(project_ref), xml_form_id, op.actor)
    click.echo(f"{xml_form_id} is closed on the web")


@web_group.command("link")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@click.option("--school", "school_code", required=True, help="Code of a school taking part.")
@click.option("--quota", type=int, default=None, help="Answers the link accepts at most.")
@click.option("--expires", default=None, help="Last day (YYYY-MM-DD, UTC) or time the link works.")
@in_app("web_link.manage")
def link_command(op: Operator, project_ref, xml_form_id, school_code, quota, expires):
    """Make a school-level link to a form; prints the link last."""
    link, token = web.create_school_link(op.project(project_ref), xml_form_id, school_code, op.actor,
                                         quota=quota, expires_at=web.parse_moment("expires", expires))
    click.echo(f"link {link.id}: {xml_form_id}, school {school_code}"
               + (f", quota {quota}" if quota else "") + (f", expires {link.expires_at.isoformat()}"
                                                          if link.expires_at else ""))
    click.echo(web.link_url(op.public_url, token))


@web_group.command("links")
@click.option("--project", "project_ref", required=True)
@in_app("web_link.manage")
def links_command(op: Operator, project_ref):
    """The forms open on the web and the school-level links, with how often each was used."""
    project = op.project(project_ref)
    for web_form in web.web_forms(project):
        closes = web_form.closes_at.isoformat() if web_form.closes_at else "-"
        click.echo(f"form\t{web_form.form.xml_form_id}\tcloses {closes}")
    for link in web.school_links(project):
        state = ("revoked" if link.revoked_at else "active")
        quota = f"{web.used(link)}/{link.quota}" if link.quota else str(web.used(link))
        click.echo(f"link {link.id}\t{link.form.xml_form_id}\t{link.school.code}\t{state}\tused {quota}\t"
                   f"{web.link_url(op.public_url, web.school_link_token(link))}")


@web_group.command("revoke")
@click.option("--project", "project_ref", required=True)
@click.option("--link", "link_id", type=int, default=None, help="A school-level link's number.")
@click.option("--participant", "code", default=None, help="A participant code: their personal link.")
@in_app("web_link.manage")
def revoke_command(op: Operator, project_ref, link_id, code):
    """Withdraw a school-level link or a participant's personal link (it then shows the withdrawn page)."""
    if (link_id is None) == (code is None):
        raise click.UsageError("give exactly one of --link and --participant")
    project = op.project(project_ref)
    if link_id is not None:
        web.revoke_school_link(project, link_id, op.actor)
        click.echo(f"link {link_id} revoked")
    else:
        web.revoke_personal_link(project, code, op.actor)
        click.echo(f"personal link of {code} revoked")


@web_group.command("reissue")
@click.option("--project", "project_ref", required=True)
@click.option("--participant", "code", required=True)
@in_app("web_link.manage")
def reissue_command(op: Operator, project_ref, code):
    """A new personal link for a participant (the old one stops working); prints the link last."""
    token = web.reissue_personal_link(op.project(project_ref), code, op.actor)
    click.echo(web.link_url(op.public_url, token))
