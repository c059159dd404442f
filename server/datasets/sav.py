"""SPSS ``.sav`` files written as a stream, with Kyrgyz and Russian labels in UTF-8.

pyreadstat writes a correct SPSS dictionary (labels, value labels, missing values,
measures, very long strings) but wants the whole table in memory. So pyreadstat writes
the dictionary of a one-case template (filler characters, never data) into a temporary
file, we read the case layout back from its records and encode the cases ourselves, in
batches, straight into the target: memory stays flat, and the target need not be
seekable (a zip entry, a pipe) because the case count is written as -1, "unknown",
which SPSS, PSPP and readstat accept. Our encoding of the template case must equal
pyreadstat's, so a misread layout fails loudly instead of writing garbage.
"""
from __future__ import annotations

import itertools
import math
import os
import string
import struct
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from . import Truncation, Variable, cut_utf8

_MAX_STRING_WIDTH = 32767       # SPSS's widest string variable, in bytes
_VARIABLE_LABEL_BYTES, _VALUE_LABEL_BYTES, _FILE_LABEL_BYTES, _NAME_BYTES = 255, 120, 64, 64
_LABELLED_STRING_WIDTH = 255    # string value labels only below very long strings
_MISSING_STRING_BYTES = 8       # SPSS keeps 8 bytes of a string missing value
_BATCH_ROWS = 2000
_SEGMENT = 255                  # bytes of a very long string held by one segment
_SEGMENT_WIDTH = 252            # width counted per segment: n = (width + 251) // 252
_HEADER_BYTES = 176
_RESERVED = frozenset("ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH".split())
_MEASURES = ("nominal", "ordinal", "scale")


@dataclass(frozen=True)
class SavResult:
    names: dict[str, str]          # Variable.name -> SPSS variable name written
    truncations: list[Truncation]  # every label cut to fit
    rows: int


def write_sav(target: BinaryIO, variables: list[Variable], rows: Iterable[Sequence], widths: dict[str, int],
              *, language: str, file_label: str = "") -> SavResult:
    """Write ``rows`` as an uncompressed UTF-8 SPSS system file to ``target``.

    ``widths`` gives each string variable's longest value in UTF-8 bytes (0 or absent:
    1); longer values are cut at a character boundary, and widths above 32767 are
    capped. Labels come from ``language``, else Kyrgyz, else any language given.
    Numeric values are numbers, numeric strings or ``None``/blank (system-missing);
    anything else raises ``ValueError`` naming the variable and row (not the value,
    which may be personal). String values of ``None`` are written empty.

    Limits of the format, handled rather than failed: labels are cut to 255 bytes
    (variable), 120 (value) and 64 (file) and each cut is reported; string value
    labels are written only when the variable is at most 255 bytes wide after
    widening it to its longest labelled value, otherwise they are skipped; a string
    variable's "scale" measure becomes "nominal", which is all SPSS allows.
    """
    import numpy  # lazily: server workers should not pay for numpy/pandas at start-up

    names = _spss_names(variables)
    plan = _plan(variables, names, widths, language, file_label)
    layout = _read_layout(_dictionary_file(plan))
    encoder = _CaseEncoder(layout, variables, numpy)
    if encoder.encode([plan.template], 0) != layout.template_case:
        raise RuntimeError("pyreadstat laid out the SPSS cases differently than expected")
    target.write(layout.dictionary)
    count = 0
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, _BATCH_ROWS)):
        target.write(encoder.encode(batch, count))
        count += len(batch)
    return SavResult(names=names, truncations=plan.truncations, rows=count)


# Names ---------------------------------------------------------------------------

def _spss_names(variables: Sequence[Variable]) -> dict[str, str]:
    """Valid, unique (ignoring case, as SPSS does) SPSS names, each as close to its column's as can be.

    Names that are valid already are kept, so ``a_b`` stays ``a_b`` and ``a-b`` and
    ``a/b`` become ``a_b_2`` and ``a_b_3``, whatever their order.
    """
    originals = [variable.name for variable in variables]
    if len(set(originals)) != len(originals):
        raise ValueError("two variables have the same name; every column needs its own")
    taken: set[str] = set()
    kept: set[str] = set()
    for name in originals:
        if _valid_name(name) == name and name.upper() not in taken:
            taken.add(name.upper())
            kept.add(name)
    names = {}
    for name in originals:
        candidate = base = name if name in kept else _valid_name(name)
        number = 2
        while name not in kept and candidate.upper() in taken:
            suffix = f"_{number}"
            candidate = cut_utf8(base, _NAME_BYTES - len(suffix)) + suffix
            number += 1
        taken.add(candidate.upper())
        names[name] = candidate
    return names


def _valid_name(name: str) -> str:
    """``name`` made into an SPSS name: letters, digits, ``_`` and ``.``, a letter first, no reserved word."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(c if c.isalpha() or c in string.digits or c in "_." else "_" for c in name)
    if not name[:1].isalpha():
        name = "v" + name
    if name.upper() in _RESERVED:
        name = "v_" + name
    name = cut_utf8(name, _NAME_BYTES)
    return name[:-1] + "_" if name.endswith(".") else name   # a final period ends a command


# The dictionary --------------------------------------------------------------------

@dataclass
class _Plan:
    """What pyreadstat is told: a one-case template frame and the dictionary around it."""

    template: list = field(default_factory=list)     # the filler case, aligned with the variables
    columns: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict] = field(default_factory=dict)
    missing: dict[str, list] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)
    file_label: str = ""
    truncations: list[Truncation] = field(default_factory=list)

    def cut(self, variable: str, what: str, text: str, limit: int) -> str:
        """``text`` cut to ``limit`` bytes, the cut recorded; trailing spaces go, as SPSS pads with them."""
        text = text.rstrip(" ")
        written = cut_utf8(text, limit).rstrip(" ")
        if written != text:
            self.truncations.append(Truncation(variable=variable, what=what, original=text, written=written))
        return written


def _plan(variables: list[Variable], names: dict[str, str], widths: dict[str, int],
          language: str, file_label: str) -> _Plan:
    """The template and dictionary for ``variables``, with every label cut to its SPSS limit."""
    if not variables:
        raise ValueError("an SPSS file needs at least one variable")
    plan = _Plan()
    plan.file_label = plan.cut("", "file label", file_label, _FILE_LABEL_BYTES)
    for variable in variables:
        name = names[variable.name]
        label = _pick(variable.labels, language)
        if label:
            plan.labels[name] = plan.cut(variable.name, "variable label", label, _VARIABLE_LABEL_BYTES)
        if variable.measure not in _MEASURES:
            raise ValueError(f"variable {variable.name!r}: measure must be one of {', '.join(_MEASURES)}, "
                             f"not {variable.measure!r}")
        if len(variable.missing) > 3:
            raise ValueError(f"variable {variable.name!r}: SPSS allows at most 3 missing values, "
                             f"not {len(variable.missing)}")
        value = _plan_numeric(plan, variable, name, language) if variable.numeric else \
            _plan_string(plan, variable, name, widths.get(variable.name) or 1, language)
        plan.template.append(value)
        plan.columns[name] = [value]
    return plan


def _plan_numeric(plan: _Plan, variable: Variable, name: str, language: str) -> float:
    labels = {_number(key, variable, "value label"): text
              for key, text in _value_labels(plan, variable, language).items()}
    labels = {key: text for key, text in labels.items() if not math.isnan(key)}
    if labels:
        plan.value_labels[name] = labels
    if missing := [number for number in (_number(value, variable, "missing value") for value in variable.missing)
                   if not math.isnan(number)]:
        plan.missing[name] = missing
    plan.measures[name] = variable.measure
    return 1.0


def _plan_string(plan: _Plan, variable: Variable, name: str, width: int, language: str) -> str:
    width = max(1, min(width, _MAX_STRING_WIDTH))
    labelled_width = max([width] + [len(str(key).encode("utf-8")) for key in variable.value_labels])
    if labelled_width <= _LABELLED_STRING_WIDTH:
        labels = {str(key): text for key, text in _value_labels(plan, variable, language).items()}
        if labels:
            width = labelled_width   # a labelled value that never occurs must still fit
            plan.value_labels[name] = labels
    missing = [str(value) for value in variable.missing]
    if any(len(value.encode("utf-8")) > _MISSING_STRING_BYTES for value in missing):
        raise ValueError(f"variable {variable.name!r}: SPSS keeps only {_MISSING_STRING_BYTES} bytes "
                         f"of a text missing value; use shorter codes")
    if missing:
        plan.missing[name] = missing
    plan.measures[name] = "nominal" if variable.measure == "scale" else variable.measure
    return "x" * width


def _value_labels(plan: _Plan, variable: Variable, language: str) -> dict:
    """Each labelled value's label in ``language``, cut to 120 bytes; values with no label are left out."""
    labels = {}
    for value, texts in variable.value_labels.items():
        text = _pick(texts, language)
        if text:
            labels[value] = plan.cut(variable.name, f"value label {value}", text, _VALUE_LABEL_BYTES)
    return labels


def _pick(texts: dict[str, str] | str, language: str) -> str | None:
    """The text in ``language``, else in Kyrgyz, else in any language, else none (blank is none)."""
    if not texts or isinstance(texts, str):
        return texts if texts and texts.strip(" ") else None
    for code in (language, "ky"):
        if texts.get(code, "").strip(" "):
            return texts[code]
    return next((text for text in texts.values() if text.strip(" ")), None)


def _dictionary_file(plan: _Plan) -> bytes:
    """The .sav file pyreadstat writes for the one-case template (header, dictionary, one case)."""
    import pandas
    import pyreadstat

    frame = pandas.DataFrame(plan.columns)
    with tempfile.TemporaryDirectory(prefix="sapat-sav-") as folder:
        path = os.path.join(folder, "dictionary.sav")
        pyreadstat.write_sav(frame, path, file_label=plan.file_label, column_labels=plan.labels or None,
                             compress=False, row_compress=False,
                             variable_value_labels=plan.value_labels or None,
                             missing_ranges=plan.missing or None, variable_measure=plan.measures or None)
        with open(path, "rb") as file:
            return file.read()


# The case layout ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Layout:
    dictionary: bytes             # header and dictionary records, case counts set to -1
    template_case: bytes          # the case pyreadstat wrote for the template
    fields: list[tuple[int, int, int]]  # per variable: byte offset, bytes, width (0: numeric)
    case_size: int
    byte_order: str               # struct's "<" or ">"
    sysmis: float


def _read_layout(raw: bytes) -> _Layout:
    """Where each variable's value lies in a case, read from the dictionary records of ``raw``."""
    order = "<" if struct.unpack_from("<i", raw, 64)[0] in (2, 3) else ">"
    slots, compression = struct.unpack_from(order + "2i", raw, 68)
    if compression != 0:
        raise RuntimeError("pyreadstat wrote a compressed dictionary file")
    patched = bytearray(raw)
    struct.pack_into(order + "i", patched, 80, -1)
    segments: list[tuple[bytes, int, int]] = []   # short name, width, offset
    very_long: dict[bytes, int] = {}
    sysmis = -1.7976931348623157e308
    for kind, subtype, start, end in _records(raw, order):
        if kind == 2 and subtype != -1:
            name = raw[start + 20:start + 28].rstrip(b" ")
            segments.append((name, subtype, _end(segments[-1]) if segments else 0))
        elif kind == 7 and subtype == 4:
            sysmis = struct.unpack_from(order + "d", raw, start)[0]
        elif kind == 7 and subtype == 14:
            very_long = _very_long_widths(raw[start:end])
        elif kind == 7 and subtype == 16:   # the 64-bit case count
            struct.pack_into(order + "q", patched, start + 8, -1)
        data = end
    fields = _fields(segments, very_long)
    case_size = 8 * slots
    if (_end(segments[-1]) if segments else 0) != case_size or len(raw) - data != case_size:
        raise RuntimeError("pyreadstat wrote a dictionary whose case size does not add up")
    return _Layout(dictionary=bytes(patched[:data]), template_case=raw[data:], fields=fields,
                   case_size=case_size, byte_order=order, sysmis=sysmis)


def _records(raw: bytes, order: str) -> Iterator[tuple[int, int, int, int]]:
    """Each dictionary record as (type, subtype or variable type, body start, end); the last ends the dictionary."""
    def ints(at: int, count: int = 1) -> tuple[int, ...]:
        return struct.unpack_from(f"{order}{count}i", raw, at)

    at = _HEADER_BYTES
    while True:
        (kind,) = ints(at)
        start = at + 4
        if kind == 2:       # variable: type, has label, missing count, 2 formats, name[8]
            variable_type, has_label, missing = ints(start, 3)
            end = start + 28
            if has_label:
                end += 4 + (ints(end)[0] + 3) // 4 * 4
            end += 8 * abs(missing)
            yield kind, variable_type, start, end
        elif kind == 3:     # value labels: count, then (8-byte value, length byte, label) padded to 8
            end = start + 4
            for _ in range(ints(start)[0]):
                end += 8 + (raw[end + 8] + 8) // 8 * 8
            yield kind, 0, start, end
        elif kind in (4, 6):  # variables of the labels, or document lines of 80 bytes
            end = start + 4 + ints(start)[0] * (4 if kind == 4 else 80)
            yield kind, 0, start, end
        elif kind == 7:     # extension: subtype, element size, count
            subtype, size, count = ints(start, 3)
            end = start + 12 + size * count
            yield kind, subtype, start + 12, end
        elif kind == 999:
            yield kind, 0, start, start + 4
            return
        else:
            raise RuntimeError(f"unexpected record type {kind} in the SPSS dictionary")
        at = end


def _end(segment: tuple[bytes, int, int]) -> int:
    """The offset just after ``segment`` in a case: a number or up to 255 bytes, in 8-byte slots."""
    _, width, offset = segment
    return offset + max(8, (width + 7) // 8 * 8)


def _very_long_widths(body: bytes) -> dict[bytes, int]:
    """Record 7.14: the full width of each very long string, by the short name of its first segment."""
    pairs = (entry.strip(b"\x00").partition(b"=") for entry in body.split(b"\t"))
    return {name: int(width) for name, _, width in pairs if name}


def _fields(segments: list[tuple[bytes, int, int]], very_long: dict[bytes, int]) -> list[tuple[int, int, int]]:
    """Segments grouped into variables: a very long string is its first segment and the ones after it."""
    fields = []
    index = 0
    while index < len(segments):
        name, width, offset = segments[index]
        width = very_long.get(name, width)
        count = (width + _SEGMENT_WIDTH - 1) // _SEGMENT_WIDTH if width > _SEGMENT else 1
        index += count
        fields.append((offset, _end(segments[index - 1]) - offset, width))
    return fields


# Cases ---------------------------------------------------------------------------

class _CaseEncoder:
    """Rows to the bytes of uncompressed SPSS cases, a batch at a time (numpy does the packing)."""

    def __init__(self, layout: _Layout, variables: list[Variable], numpy: Any):
        if len(layout.fields) != len(variables) or any(
                (width == 0) != variable.numeric for (_, _, width), variable in zip(layout.fields, variables)):
            raise RuntimeError("pyreadstat wrote other variables than asked for")
        self._numpy = numpy
        self._layout = layout
        self._variables = variables
        self._dtype = numpy.dtype({
            "names": [f"v{index}" for index in range(len(variables))],
            "formats": [f"{layout.byte_order}f8" if width == 0 else f"S{size}" for _, size, width in layout.fields],
            "offsets": [offset for offset, _, _ in layout.fields],
            "itemsize": layout.case_size})

    def encode(self, rows: list[Sequence], first: int) -> bytes:
        """The cases of ``rows``; ``first`` is the number of the first row, for error messages."""
        numpy = self._numpy
        for number, row in enumerate(rows, first + 1):
            if len(row) != len(self._variables):
                raise ValueError(f"row {number} has {len(row)} values for {len(self._variables)} variables")
        cases = numpy.zeros(len(rows), self._dtype)
        for index, (column, variable, (_, size, width)) in enumerate(
                zip(zip(*rows), self._variables, self._layout.fields)):
            if width == 0:
                cases[f"v{index}"] = self._numbers(column, variable, first)
            else:
                cases[f"v{index}"] = numpy.frombuffer(_texts(column, width, size), dtype=f"S{size}")
        return cases.tobytes()

    def _numbers(self, column: tuple, variable: Variable, first: int) -> Any:
        numpy = self._numpy
        try:
            values = numpy.array(column, dtype=numpy.float64)   # None -> NaN, "1.5" -> 1.5
            if values.shape != (len(column),):
                raise TypeError
        except (TypeError, ValueError, OverflowError):
            values = numpy.array([_number(value, variable, f"row {number}")
                                  for number, value in enumerate(column, first + 1)], dtype=numpy.float64)
        values[numpy.isnan(values)] = self._layout.sysmis
        return values


def _number(value: Any, variable: Variable, where: str) -> float:
    """``value`` as a number (blank and ``None`` as NaN), or a ``ValueError`` that names the variable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"variable {variable.name!r} is numeric, but its {where} holds a "
                         f"{type(value).__name__} that is not a number") from None


def _texts(column: tuple, width: int, size: int) -> bytes:
    """The values as UTF-8, each cut to ``width`` bytes and padded with spaces to ``size``."""
    try:
        encoded = [b"" if value is None else value.encode("utf-8") for value in column]
    except AttributeError:   # not all str: the slow way
        encoded = [b"" if value is None else str(value).encode("utf-8") for value in column]
    limit = min(width, _SEGMENT)
    if max(map(len, encoded)) > limit:
        encoded = [data if len(data) <= limit else _fit(data, width) for data in encoded]
    return b"".join([data.ljust(size) for data in encoded])


def _fit(data: bytes, width: int) -> bytes:
    """``data`` cut to ``width`` bytes between letters; a very long string with a pad byte after every 255."""
    if len(data) > width:
        data = cut_utf8(data.decode("utf-8"), width).encode("utf-8")
    if len(data) > _SEGMENT:
        data = b" ".join([data[at:at + _SEGMENT] for at in range(0, len(data), _SEGMENT)])
    return data
