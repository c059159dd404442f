"""Reading an uploaded table (XLSX or CSV) as a header row and numbered rows, for frames and rosters."""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

from openpyxl import load_workbook

from .. import problems

Rows = Iterator[tuple[int, list]]


def read_table(data: bytes, filename: str) -> tuple[list[str], Rows]:
    """The first sheet's (or the CSV's) headers and its rows as (line number, cells)."""
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")):
        return _xlsx(data)
    if name.endswith((".csv", ".txt")):
        return _csv(data)
    raise problems.unexpected_value("file", filename or "(none)", "expected an .xlsx or .csv file")


def _xlsx(data: bytes) -> tuple[list[str], Rows]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise problems.unparseable("xlsx", str(err) or type(err).__name__) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    return headers, ((line, list(values)) for line, values in enumerate(rows, start=2))


def _csv(data: bytes) -> tuple[list[str], Rows]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise problems.unparseable("csv", "the file is neither UTF-8 nor Windows-1251 text")
    sample = text[:4096]
    delimiter = max(",;\t", key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = [h.strip() for h in next(reader, [])]
    return headers, ((line, values) for line, values in enumerate(reader, start=2))
