"""Compiling XLSForms to XForms with pyxform.

An XLSForm arrives as the bytes of an upload; pyxform reads it in memory and
returns the XForm. Every pyxform error is turned into a FormError that keeps
pyxform's own sentence (which tells the author what is wrong and how to fix
it) and puts the sheet and row it names into separate fields, so a web page
can point at the cell.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import PurePath

from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import DefinitionData, get_xlsform
from pyxform.xls2xform import ConvertResult, convert

from forms.errors import FormError, FormErrorDetail, detail
from forms.validation import run_odk_validate
from forms.xforms import ITEMSETS_FILE, CompiledForm, inspect_xform

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".md")

_ROW_PREFIX = re.compile(r"^\s*\[row\s*:\s*(\d+)\]\s*")
_SHEET_NAMED = re.compile(r"On the '([^']+)' sheet|for sheet: '([^']+)'")
# pyxform's message when no reader of the given type could parse the bytes.
_UNREADABLE = "Argument 'definition' was not recognized"
_UNKNOWN_TYPE = re.compile(r"^Unknown question type '(.*)'\.$")
_NOT_IN_XML_NAME = re.compile(r"[^\w.-]", re.ASCII)


def compile_xlsform(
    data: bytes, *, filename: str = "form.xlsx", validate: bool = True
) -> CompiledForm:
    """Convert an XLSForm to an XForm, and by default check it with ODK Validate.

    ``filename`` tells the spreadsheet format by its suffix and, like in ODK
    Central, gives the form id when the settings sheet has no form_id.
    Raises FormError for anything the author must fix.
    """
    definition = _read_xlsform(data, filename)
    result = _convert(definition)
    xml = result.xform.encode("utf-8")
    info = inspect_xform(xml)
    warnings = list(result.warnings)
    if validate:
        warnings.extend(run_odk_validate(xml))
    media = {}
    if result.itemsets is not None:
        media[ITEMSETS_FILE] = result.itemsets.encode("utf-8")
    return CompiledForm(xml=xml, info=info, warnings=warnings, media=media, definition=result._pyxform)


def _read_xlsform(data: bytes, filename: str) -> DefinitionData:
    """Read the spreadsheet into pyxform's sheets-of-rows structure."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise FormError(
            f"'{filename}' is not an XLSForm file: upload an Excel workbook (.xlsx or "
            ".xls), or a .csv or .md XLSForm."
        )
    try:
        definition = get_xlsform(xlsform=data, file_type=suffix)
    except PyXFormError as err:
        if not str(err).startswith(_UNREADABLE):
            raise pyxform_error(err) from err
        raise _unreadable(filename, suffix) from err
    except Exception as err:  # noqa: BLE001 - any failure to parse the bytes is the file's
        raise _unreadable(filename, suffix) from err
    definition.fallback_form_name = fallback_form_id(filename)
    return definition


def _unreadable(filename: str, suffix: str) -> FormError:
    """The FormError for bytes that are not a spreadsheet of the named type."""
    return FormError(
        f"'{filename}' could not be read as a {suffix} file: it may be damaged or "
        "of another type. Save it again from Excel or LibreOffice and upload the "
        "new file."
    )


def _convert(definition: DefinitionData) -> ConvertResult:
    """Run pyxform on the read spreadsheet, without its own validators."""
    try:
        return convert(
            xlsform=dataclasses.asdict(definition), warnings=[], validate=False
        )
    except PyXFormError as err:
        raise pyxform_error(err, definition) from err


def fallback_form_id(filename: str) -> str:
    """The form id to use when the settings sheet has none: the file's stem.

    Anything but ASCII letters, digits, "_", "." and "-" becomes "_", so the id
    is safe in URLs and XML names; a stem with nothing usable gives "form".
    """
    stem = _NOT_IN_XML_NAME.sub("_", PurePath(filename).stem).strip("_")
    if not stem:
        return "form"
    return stem if stem[0].isalpha() else f"_{stem}"


def pyxform_error(err: PyXFormError, definition: DefinitionData | None = None) -> FormError:
    """Turn a pyxform error into a FormError locating the sheet and row.

    pyxform prefixes row-level messages with "[row : N]"; newer messages also
    say "On the '<sheet>' sheet", older ones only arise from the survey sheet.
    The one frequent message with no row (an unknown question type) gets its
    row looked up in the survey sheet.
    """
    text = str(err).strip()
    row_match = _ROW_PREFIX.match(text)
    row = int(row_match.group(1)) if row_match else _context_row(err)
    sentence = text[row_match.end() :] if row_match else text
    if row is None and definition is not None:
        row = _unknown_type_row(sentence, definition)
        if row is not None:
            text = f"[row : {row}] {text}"
    sheet = _sheet_named(text, err) or ("survey" if row is not None else None)
    entry: FormErrorDetail = detail(sentence, sheet=sheet, row=row)
    return FormError(text, [entry])


def _context_row(err: PyXFormError) -> int | None:
    """The row pyxform recorded in the error's context, if any."""
    row = getattr(err, "context", {}).get("row")
    return int(row) if isinstance(row, int | str) and str(row).isdigit() else None


def _sheet_named(text: str, err: PyXFormError) -> str | None:
    """The sheet the pyxform message or its context names, if any."""
    match = _SHEET_NAMED.search(text)
    if match:
        return match.group(1) or match.group(2)
    sheet = getattr(err, "context", {}).get("sheet")
    return sheet if isinstance(sheet, str) else None


def _unknown_type_row(sentence: str, definition: DefinitionData) -> int | None:
    """The survey row (as Excel numbers it) holding an unknown question type."""
    match = _UNKNOWN_TYPE.match(sentence)
    if match is None:
        return None
    wanted = match.group(1).strip().casefold()
    for row_number, row in enumerate(definition.survey or (), start=2):
        for header, value in row.items():
            if str(header).strip().lower() == "type" and str(value).strip().casefold() == wanted:
                return row_number
    return None
