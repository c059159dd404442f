"""CSV as Excel opens it without asking: UTF-8 with a byte-order mark, one header row of names."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from . import Variable

BOM = "\ufeff"


def write_csv(target: BinaryIO, variables: list[Variable], rows: Iterable[Sequence]) -> int:
    """Write the table into ``target`` (binary); returns the number of rows. Missing values are empty cells."""
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=False)
    text.write(BOM)
    writer = csv.writer(text)
    writer.writerow([v.name for v in variables])
    count = 0
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
    text.flush()
    text.detach()
    return count
