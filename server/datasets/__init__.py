"""Dataset files as analysts open them: CSV, XLSX, SPSS ``.sav`` and the codebook.

Pure writers over (variables, rows): no Flask, no database. A table is a list of
:class:`Variable` and an iterator of rows (lists aligned with the variables; numbers
as ``int``/``float``, text as ``str``, ``None`` when missing). Every writer streams:
a row is written and forgotten, so memory does not grow with the data.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variable:
    """One column of an exported table, with what a codebook and SPSS need to know of it."""

    name: str                                        # column name as in the CSV header, e.g. "background-sex"
    labels: dict[str, str] = field(default_factory=dict)     # language code (ky, ru) -> question label
    numeric: bool = False                            # numbers (SPSS numeric) or text (SPSS string)
    measure: str = "nominal"                         # nominal, ordinal or scale
    value_labels: dict = field(default_factory=dict)  # value (int, float or str) -> {language: label}
    missing: tuple = ()                              # values that mean "missing" (e.g. 9 = not answered)
    type: str = ""                                   # the ODK type the values came from (codebook)
    classification: str | None = None                # the field class (codebook)
    treatment: str = ""                              # what the anonymizer did to it (codebook)


@dataclass(frozen=True)
class Truncation:
    """A label that did not fit a format's limit and was cut at a character boundary."""

    variable: str
    what: str          # "variable label" or "value label <value>"
    original: str
    written: str


def cut_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits ``limit`` bytes (never half a letter)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")
