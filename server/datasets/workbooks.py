"""XLSX workbooks written row by row (openpyxl's write-only mode): a sheet per table.

Each sheet starts with two frozen header rows: the variable names, then their labels
in the chosen language. openpyxl keeps each sheet in a temporary file until the
workbook is saved, in clear: only anonymized tables are written this way.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from . import Variable

SHEET_NAME_LIMIT = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Control characters are not allowed in XLSX cell text (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class Sheet:
    name: str
    variables: list[Variable]
    rows: Iterable[Sequence]


def label(labels: dict[str, str], language: str) -> str:
    """A label in ``language``, else Kyrgyz, else Russian, else any."""
    for code in (language, "ky", "ru"):
        if labels.get(code):
            return labels[code]
    return next(iter(labels.values()), "")


def sheet_names(names: list[str]) -> list[str]:
    """Valid (≤ 31 characters, no []:*?/\\) and unique sheet names, in order."""
    used: set[str] = set()
    out = []
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", name)[:SHEET_NAME_LIMIT] or "sheet"
        candidate, n = base, 1
        while candidate.lower() in used:
            n += 1
            suffix = f"~{n}"
            candidate = base[:SHEET_NAME_LIMIT - len(suffix)] + suffix
        used.add(candidate.lower())
        out.append(candidate)
    return out


def write_xlsx(target: BinaryIO, sheets: list[Sheet], language: str) -> dict[str, int]:
    """Write every sheet into one workbook; returns rows written per sheet."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    counts = {}
    for name, sheet in zip(sheet_names([s.name for s in sheets]), sheets):
        worksheet = workbook.create_sheet(name)
        worksheet.freeze_panes = "A3"
        worksheet.append([v.name for v in sheet.variables])
        worksheet.append([clean(label(v.labels, language)) for v in sheet.variables])
        count = 0
        for count, row in enumerate(sheet.rows, 1):
            worksheet.append([clean(v) if isinstance(v, str) else v for v in row])
        counts[sheet.name] = count
    workbook.save(target)
    return counts


def clean(text: str) -> str:
    return _ILLEGAL.sub("", text)
