"""The one error catalogue of Sapat.

Every failure a client can cause is a :class:`Problem` with a code such as
``409.1``: the HTTP status, then a number that is never reused. Codes and
sentences follow ODK Central's catalogue where Central has the same problem,
so tools written for Central recognise them. Two renderers (JSON for the API,
``<OpenRosaResponse>`` for OpenRosa clients) live in ``server.http``.
"""
from __future__ import annotations


class Problem(Exception):
    """A failure the client can understand and act on."""

    def __init__(self, code: str, message: str, details: dict | None = None, keep_changes: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        # True when what the request recorded must be committed despite the failure
        # (a failed login's audit entry and its count toward lockout).
        self.keep_changes = keep_changes

    @property
    def status(self) -> int:
        return int(self.code.split(".", 1)[0])

    def to_json(self) -> dict:
        body = {"code": float(self.code), "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


def unparseable(fmt: str, reason: str) -> Problem:
    return Problem("400.1", f"Could not parse the given data as {fmt}: {reason}", {"format": fmt})


def missing_parameter(field: str) -> Problem:
    return Problem("400.2", f"Required parameter {field} missing.", {"field": field})


def invalid_header(field: str, value: str | None) -> Problem:
    got = "[nothing]" if value is None else value
    return Problem("400.6", f"An expected header field ({field}) did not match the expected format (got: {got}).",
                   {"field": field, "value": value})


def missing_multipart_field(field: str) -> Problem:
    return Problem("400.7", f"Required multipart POST field {field} missing.", {"field": field})


def unexpected_value(field: str, value: str, reason: str) -> Problem:
    return Problem("400.8", f"Unexpected {field} value {value}; {reason}", {"field": field, "value": value})


def invalid_data(field: str, reason: str) -> Problem:
    return Problem("400.11", f"Invalid value for {field}: {reason}", {"field": field})


def xlsform_not_valid(errors: list[dict], message: str) -> Problem:
    return Problem("400.15", f"The given form was not valid: {message}", {"errors": errors})


def missing_meta(field: str) -> Problem:
    return Problem("400.27", f"The submission does not contain {field} in its meta group.", {"field": field})


def authentication_failed(keep_changes: bool = False) -> Problem:
    return Problem("401.2", "Could not authenticate with the provided credentials.", keep_changes=keep_changes)


def insufficient_rights() -> Problem:
    return Problem("403.1", "The authentication you provided does not have rights to perform that action.")


def csrf_failed() -> Problem:
    return Problem("403.2", "The form you sent has expired or did not come from this site. Reload the page and try again.")


def not_found() -> Problem:
    return Problem("404.1", "Could not find the resource you were looking for.")


def deprecated_id_not_found(deprecated_id: str) -> Problem:
    return Problem("404.5", "You tried to update an existing submission, but we can't find that "
                   f"submission to update ({deprecated_id})", {"deprecatedId": deprecated_id})


def form_version_not_found(xml_form_id: str, version: str | None) -> Problem:
    return Problem("404.6", f"The form version specified in this submission '{version or ''}' does not exist "
                   f"for form '{xml_form_id}'.", {"xmlFormId": xml_form_id, "formVersion": version})


def form_not_found(xml_form_id: str) -> Problem:
    return Problem("404.7", f"There is no published form '{xml_form_id}' in this project.",
                   {"xmlFormId": xml_form_id})


def xml_conflict() -> Problem:
    return Problem("409.1", "A submission already exists with this ID, but with different XML. Resubmissions "
                   "to attach additional multimedia must resubmit an identical xml_submission_file.")


def not_accepting_submissions() -> Problem:
    return Problem("409.2", "This form is not currently accepting submissions. Please talk to your program "
                   "staff if this is unexpected.")


def uniqueness_violation(fields: str, values: str) -> Problem:
    return Problem("409.3", f"A resource already exists with {fields} value(s) of {values}.",
                   {"fields": fields, "values": values})


def version_uniqueness_violation(xml_form_id: str, version: str | None) -> Problem:
    return Problem("409.6", f"You tried to publish the form '{xml_form_id}' with version '{version or ''}', but "
                   "a published form has already existed in this project with those identifiers. Change the "
                   "version in the settings sheet and upload it again.",
                   {"xmlFormId": xml_form_id, "version": version})


def instance_id_conflict() -> Problem:
    return Problem("409.8", "You tried to update a submission, but the instanceID you provided already exists "
                   "on this server. Please try again with a unique instanceID.")


def deprecating_old_submission(deprecated_id: str) -> Problem:
    return Problem("409.9", f"You tried to update a submission, but the copy you were editing ({deprecated_id}) "
                   "is now out of date. Please get the new version that has been submitted, and make your "
                   "edits again.", {"deprecatedId": deprecated_id})


def no_draft(xml_form_id: str) -> Problem:
    return Problem("409.15", f"Form '{xml_form_id}' has no draft to publish.", {"xmlFormId": xml_form_id})


def missing_form_media(names: list[str]) -> Problem:
    return Problem("409.16", "The form cannot be published before its media files are uploaded: "
                   + ", ".join(names) + ".", {"missing": names})


def too_large(what: str, limit: int) -> Problem:
    return Problem("413.1", f"The {what} is larger than this server accepts ({limit} bytes).",
                   {"what": what, "limit": limit})


def rate_limited(retry_after: int) -> Problem:
    return Problem("429.1", f"Too many attempts. Try again in {retry_after} seconds.", {"retryAfter": retry_after},
                   keep_changes=True)


def purpose_required() -> Problem:
    return Problem("400.31", "Seeing personal data needs a stated purpose of at least 10 characters.",
                   {"field": "purpose"})


def undecryptable() -> Problem:
    return Problem("500.7", "Stored data could not be opened: it was altered, or its key is missing or retired. "
                   "The incident has been logged.")


def unknown() -> Problem:
    return Problem("500.1", "An unknown internal problem has occurred. Please try again later.")


# ---- OData (codes and sentences as ODK Central's) ----------------------------------------------

def unparseable_odata_expression(reason: str) -> Problem:
    return Problem("400.18", f"The OData filter expression you provided could not be parsed: {reason}",
                   {"reason": reason})


def property_not_found(prop: str) -> Problem:
    return Problem("400.23", f"Could not find a property named '{prop}'", {"property": prop})


def unsupported_odata_select_field(prop: str) -> Problem:
    return Problem("400.24", f"The given OData select property '{prop}' uses features not supported by this server.",
                   {"property": prop})


def odata_repeat_id_not_found() -> Problem:
    return Problem("400.34", "Record associated with the provided $skiptoken not found.")


def odata_invalid_skiptoken() -> Problem:
    return Problem("400.35", "Invalid $skiptoken")


def unacceptable_format(allowed: list[str]) -> Problem:
    return Problem("406.1", f"Requested format not acceptable; this resource allows: {','.join(allowed)}.",
                   {"allowed": allowed})


def not_implemented(feature: str) -> Problem:
    return Problem("501.1", f"The requested feature {feature} is not supported by this server.",
                   {"feature": feature})


def unsupported_odata_expression(at: int, kind: str, text: str) -> Problem:
    return Problem("501.4", "The given OData filter expression uses features not supported by this server: "
                   f"{kind} at {at} (\"{text}\")", {"at": at, "type": kind, "text": text})


def unsupported_odata_field(text: str, at: int | None = None) -> Problem:
    where = f" at {at}" if at is not None else ""
    return Problem("501.5", "The given OData filter expression references fields not supported by this server: "
                   f"{text}{where}", {"text": text, "at": at})


def unsupported_odata_expand(text: str) -> Problem:
    return Problem("501.6", f"The given OData expand expression is not supported by this server: \"{text}\". "
                   "Currently, only \"$expand=*\" is supported.", {"text": text})


def unsupported_odata_select_expand() -> Problem:
    return Problem("501.11", "This server doesn't support $select query parameter with $expand.")


def personal_field_filter(path: str) -> Problem:
    """Sapat's own: personal answers are sealed at rest, so no query can look inside them."""
    return Problem("400.61", f"The field {path} holds personal data, which is sealed at rest and cannot be "
                   "filtered on. Filter on fields classified none or quasi_identifier.", {"field": path})


# ---- exports and handover packages -----------------------------------------------------------------

def invalid_policy(reason: str) -> Problem:
    return Problem("400.62", f"The anonymization policy file cannot be used: {reason}", {"reason": reason})


def export_not_ready(status: str) -> Problem:
    return Problem("409.21", f"This export is {status}; it can be downloaded once it is done.", {"status": status})


def handover_invalid(problems: list[str]) -> Problem:
    return Problem("422.1", "The handover package failed verification: " + "; ".join(problems[:5])
                   + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""), {"problems": problems})


def frame_not_usable(reason: str) -> Problem:
    return Problem("400.63", f"The sampling frame cannot be read: {reason}", {"reason": reason})


def invalid_design(reason: str) -> Problem:
    return Problem("400.64", f"The sample design cannot be used: {reason}", {"reason": reason})


def rows_rejected(what: str, rejects: list[dict]) -> Problem:
    return Problem("422.2", f"The {what} has {len(rejects)} bad row(s); nothing was imported. Fix them, or import "
                   "again accepting the rejects (they are then left out).", {"rejects": rejects})


def sample_in_use(reason: str) -> Problem:
    return Problem("409.22", f"The sample cannot be changed: {reason}", {"reason": reason})


def sampling_step_missing(step: str) -> Problem:
    return Problem("409.23", f"This project has no {step} yet.", {"missing": step})



def installation_incomplete(what: str) -> Problem:
    return Problem("500.8", f"This installation is missing {what}.", {"missing": what})


# ---- online questionnaires (web links) -------------------------------------------------------------

def web_link_not_found() -> Problem:
    return Problem("404.8", "This questionnaire link is not known. Check that it was copied in full.")


def web_link_revoked() -> Problem:
    return Problem("410.1", "This questionnaire link was withdrawn by the survey team.")


def web_link_expired() -> Problem:
    return Problem("410.2", "This questionnaire is closed: answers are no longer accepted through this link.")


def web_link_used() -> Problem:
    return Problem("409.24", "This questionnaire was already answered through this link (perhaps on another "
                   "device). Each participant answers once.")


def web_link_full() -> Problem:
    return Problem("409.25", "This link has reached the number of answers it was made for.")


def web_form_not_open(xml_form_id: str) -> Problem:
    return Problem("409.26", f"The form {xml_form_id} is not open for answering in the browser; open it first "
                   "(sapat web open).", {"xmlFormId": xml_form_id})


def web_answer_refused(reason: str) -> Problem:
    return Problem("400.65", f"These answers cannot be accepted through this link: {reason}.", {"reason": reason})


# ---- standardized tests: keys and scoring ----------------------------------------------------------

def invalid_answer_key(found: list[str]) -> Problem:
    return Problem("422.3", "The answer key cannot be used: " + "; ".join(found[:5])
                   + (f" (and {len(found) - 5} more)" if len(found) > 5 else ""), {"problems": found})


def scoring_step_missing(step: str) -> Problem:
    return Problem("409.27", f"This test has no {step} yet.", {"missing": step})


def coding_not_allowed(reason: str) -> Problem:
    return Problem("409.28", f"This code cannot be recorded: {reason}.", {"reason": reason})
