"""Scoring of standardized tests: answer keys kept on the server, scores on arrival, rescoring
with history, and the scored matrix the item analysis and scaling work on (§20.1.2–20.1.3).

A key (``forms.keys`` format) is checked against the XLSForm of the form version it keys
and stored sealed; it is never put into a form, a manifest or an API answer. Each new
submission version of a keyed form is scored in the same transaction that stores it.
Uploading a key again rescores every current submission of that form version; the earlier
scores stay as history (``current`` false).
"""
from __future__ import annotations

from sqlalchemy import func, select, update

from forms import FormError, check_answer_key, compile_xlsform, load_answer_key
from forms.keys import AnswerKey, KeyedItem

from .. import problems
from ..measurement import scoring as maths
from ..storage import db
from ..storage.blobs import Blob
from ..storage.forms import Form, FormDef
from ..storage.projects import Project
from ..storage.scoring import AnswerKeyVersion, Score
from ..storage.submissions import Submission, SubmissionDef
from . import audit, forms as form_service, sealing


def upload_key(project: Project, xml_form_id: str, data: bytes,
               actor: audit.Actor) -> tuple[AnswerKeyVersion, int]:
    """Check a key file against the form version it names and keep it (sealed); then rescore that version.

    Returns the key's row and how many submissions were scored with it."""
    form = form_service.get_form(project, xml_form_id)
    try:
        key = load_answer_key(data)
    except FormError as err:
        raise problems.invalid_answer_key([err.message]) from None
    definition = form_service.published_def(form, key.version)
    found = check_answer_key(key, _compiled(definition))
    if found:
        raise problems.invalid_answer_key(found)
    number = (db.session.scalar(select(func.max(AnswerKeyVersion.number))
                                .where(AnswerKeyVersion.form_id == form.id)) or 0) + 1
    db.session.execute(update(AnswerKeyVersion).where(AnswerKeyVersion.form_id == form.id,
                                                      AnswerKeyVersion.form_version == key.version)
                       .values(current=False))
    row = AnswerKeyVersion(project_id=project.id, form_id=form.id, number=number, form_version=key.version,
                           sealed=b"", digest=sealing.blind_index(project.id, "answer-key", data),
                           uploaded_by=actor.id if actor.kind == "staff" else None)
    db.session.add(row)
    db.session.flush()
    row.sealed = sealing.seal_value(project.id, "answer_keys", "key", row.id, data)
    rescored = rescore(form, key.version, "key")
    audit.record("scoring.key", actor, project_id=project.id, target=f"form:{form.id}", number=number,
                 form_version=key.version, rescored=rescored)
    return row, rescored


def _compiled(definition: FormDef):
    """The form version as compiled from its XLSForm (a key is checked against the codebook)."""
    if definition.source_blob_id is None or not (definition.source_name or "").lower().endswith((".xlsx", ".xls")):
        raise problems.invalid_answer_key(["the form was not published from an XLSForm, so its items cannot "
                                           "be checked against a key"])
    return compile_xlsform(sealing.read_file(db.session.get(Blob, definition.source_blob_id)),
                           filename=definition.source_name, validate=False)


def key_versions(form: Form) -> list[AnswerKeyVersion]:
    return list(db.session.scalars(select(AnswerKeyVersion).where(AnswerKeyVersion.form_id == form.id)
                                   .order_by(AnswerKeyVersion.number)))


def current_key(form: Form, form_version: str) -> tuple[AnswerKeyVersion, AnswerKey] | None:
    row = db.session.scalar(select(AnswerKeyVersion).where(AnswerKeyVersion.form_id == form.id,
                                                           AnswerKeyVersion.form_version == form_version,
                                                           AnswerKeyVersion.current.is_(True)))
    return (row, open_key(row)) if row else None


def newest_key(form: Form) -> tuple[AnswerKeyVersion, AnswerKey] | None:
    """The current key of the form's newest keyed version."""
    row = db.session.scalar(select(AnswerKeyVersion).where(AnswerKeyVersion.form_id == form.id,
                                                           AnswerKeyVersion.current.is_(True))
                            .order_by(AnswerKeyVersion.number.desc()))
    return (row, open_key(row)) if row else None


def open_key(row: AnswerKeyVersion) -> AnswerKey:
    return load_answer_key(sealing.open_value("answer_keys", "key", row.id, row.sealed))


def ordered_items(key: AnswerKey) -> list[KeyedItem]:
    """The key's items in test order (their names, q01, q02, …)."""
    return [key.items[name] for name in sorted(key.items, key=lambda n: int(n[1:]))]


def item_answers(key: AnswerKey, values: dict[str, str]) -> dict[str, str]:
    """The answers of the key's items among a version's values (keyed by instance path)."""
    return {path.rsplit("/", 1)[-1]: value for path, value in values.items()
            if path.rsplit("/", 1)[-1] in key.items}


def score_arrival(form: Form, version: SubmissionDef, clear: dict[str, str], personal: dict[str, str]) -> None:
    """Score a newly stored submission version, if its form version has a key."""
    keyed = current_key(form, db.session.get(FormDef, version.form_def_id).version)
    if keyed is not None:
        from .coding import final_codes     # an edit keeps the codes its submission's open answers got
        store(version, *keyed, {**clear, **personal}, "edit" if version.deprecated_id else "arrival",
              final_codes(form, version.submission_id) if version.deprecated_id else None)


def rescore(form: Form, form_version: str, reason: str) -> int:
    """Score every current submission of one form version with its current key; returns how many."""
    keyed = current_key(form, form_version)
    if keyed is None:
        return 0
    versions = db.session.scalars(select(SubmissionDef).join(FormDef, FormDef.id == SubmissionDef.form_def_id)
                                  .where(SubmissionDef.form_id == form.id, SubmissionDef.current.is_(True),
                                         FormDef.version == form_version))
    count = 0
    for version in versions:
        _score_again(form, version, keyed, reason)
        count += 1
    return count


def rescore_submission(form: Form, submission_id: int, reason: str) -> None:
    """Score a submission's current version again (its codes changed), if its form version has a key."""
    version = db.session.scalar(select(SubmissionDef).where(SubmissionDef.submission_id == submission_id,
                                                            SubmissionDef.current.is_(True)))
    keyed = current_key(form, db.session.get(FormDef, version.form_def_id).version)
    if keyed is not None:
        _score_again(form, version, keyed, reason)


def _score_again(form: Form, version: SubmissionDef, keyed: tuple[AnswerKeyVersion, AnswerKey], reason: str) -> None:
    """Score a stored version: its answers (the sealed ones opened) with the final codes of its open items."""
    from .coding import final_codes
    from .submissions import personal_values   # submissions imports this module for scoring on arrival
    store(version, *keyed, {**version.values, **personal_values(version)}, reason,
          final_codes(form, version.submission_id))


def store(version: SubmissionDef, row: AnswerKeyVersion, key: AnswerKey, values: dict, reason: str,
          codes: dict[str, int] | None = None) -> Score:
    """Score one submission version (open items with their final ``codes``); the earlier score becomes history."""
    items = ordered_items(key)
    scored = maths.score_response(items, item_answers(key, values), codes)
    summary = maths.totals(items, scored, {i.name: i.domain for i in items})
    db.session.execute(update(Score).where(Score.submission_id == version.submission_id, Score.current.is_(True))
                       .values(current=False))
    score = Score(form_id=version.form_id, submission_id=version.submission_id, submission_def_id=version.id,
                  key_id=row.id, total=summary["total"], max_total=summary["max"], pending=summary["pending"],
                  items=scored, domains=summary["domains"], reason=reason)
    db.session.add(score)
    db.session.flush()
    return score


def current_scores(form: Form) -> list[Score]:
    return list(db.session.scalars(select(Score).where(Score.form_id == form.id, Score.current.is_(True))
                                   .order_by(Score.submission_id)))


def score_history(submission: Submission) -> list[Score]:
    return list(db.session.scalars(select(Score).where(Score.submission_id == submission.id).order_by(Score.id)))
