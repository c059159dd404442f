"""The instrument library: the XLSForms Sapat ships for the monitoring.

The sources live in ``forms/library/`` as XLSForm workbooks so that the
contractor can open, review and translate them in Excel; the server compiles
them with ``compile_xlsform`` when it publishes them.
"""

from __future__ import annotations

from pathlib import Path

LIBRARY_DIR = Path(__file__).resolve().parent / "library"


def library_forms() -> list[Path]:
    """The XLSForm workbooks of the library, sorted by file name.

    Excel's lock files ("~$name.xlsx") left next to an open workbook are
    not forms and are skipped.
    """
    return sorted(
        path
        for path in LIBRARY_DIR.glob("*.xlsx")
        if path.is_file() and not path.name.startswith("~$")
    )
