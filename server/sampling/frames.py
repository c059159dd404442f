"""Checking a sampling frame (the list of schools) row by row before anything is imported.

The frame comes from the National Statistics Committee as a spreadsheet whose headers and
spellings vary from year to year; a small mapping (TOML) renames headers and adds
spellings. Every bad row is named with what is wrong, so the contractor can fix the file
or knowingly drop those rows.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

REQUIRED = ("code", "name", "region", "type", "language", "enrolment")
OPTIONAL = ("district",)
SPECIALTY_PREFIX = "enrolment:"
CODE = re.compile(r"^[0-9]{6}$")

# The regions of the Kyrgyz Republic (two cities of republican significance, seven oblasts):
# code -> (Kyrgyz, Russian, English).
REGIONS = {
    "bishkek": ("Бишкек шаары", "г. Бишкек", "Bishkek city"),
    "osh_city": ("Ош шаары", "г. Ош", "Osh city"),
    "batken": ("Баткен облусу", "Баткенская область", "Batken"),
    "jalal_abad": ("Жалал-Абад облусу", "Джалал-Абадская область", "Jalal-Abad"),
    "issyk_kul": ("Ысык-Көл облусу", "Иссык-Кульская область", "Issyk-Kul"),
    "naryn": ("Нарын облусу", "Нарынская область", "Naryn"),
    "osh": ("Ош облусу", "Ошская область", "Osh"),
    "talas": ("Талас облусу", "Таласская область", "Talas"),
    "chui": ("Чүй облусу", "Чуйская область", "Chui"),
}
# Languages of instruction: Kyrgyz, Russian, Uzbek, or more than one.
LANGUAGES = {
    "ky": ("кыргыз тили", "кыргызский", "Kyrgyz"),
    "ru": ("орус тили", "русский", "Russian"),
    "uz": ("өзбек тили", "узбекский", "Uzbek"),
    "mixed": ("аралаш", "смешанный", "mixed"),
}
_EXTRA_SPELLINGS = {
    "regions": {"бишкек": "bishkek", "ош": "osh_city", "chuy": "chui", "чуйская": "chui", "issyk-kul": "issyk_kul",
                "jalal-abad": "jalal_abad", "джалал-абадская": "jalal_abad", "иссык-кульская": "issyk_kul"},
    "languages": {"кыргызча": "ky", "кыргызский язык": "ky", "русский язык": "ru", "орусча": "ru",
                  "узбекский язык": "uz", "өзбекче": "uz", "kg": "ky", "kgz": "ky", "rus": "ru", "uzb": "uz"},
}


@dataclass(frozen=True)
class FrameRecord:
    line: int
    code: str
    name: str
    region: str
    district: str
    type: str
    language: str
    enrolment: int
    specialties: dict[str, int]
    extra: dict[str, str]


@dataclass(frozen=True)
class Reject:
    line: int
    code: str
    problems: tuple[str, ...]


@dataclass
class FrameCheck:
    records: list[FrameRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)   # source header -> Sapat column


@dataclass(frozen=True)
class Mapping_:
    """Header renames and extra spellings of regions, languages and school types."""

    columns: dict[str, str] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)


def parse_mapping(settings: Mapping) -> Mapping_:
    """A mapping from its TOML tables ``[columns]``, ``[regions]``, ``[languages]``, ``[types]``."""
    unknown = set(settings) - {"columns", "regions", "languages", "types"}
    if unknown:
        raise ValueError(f"unknown table(s) in the mapping: {', '.join(sorted(unknown))}; "
                         "expected [columns], [regions], [languages], [types]")
    parts = {}
    for table in ("columns", "regions", "languages", "types"):
        values = settings.get(table, {})
        if not isinstance(values, Mapping) or not all(isinstance(v, str) for v in values.values()):
            raise ValueError(f"[{table}] must map names to text")
        parts[table] = {_fold(k): v for k, v in values.items()} if table != "columns" else dict(values)
    for target in parts["regions"].values():
        if target not in REGIONS:
            raise ValueError(f"[regions] maps to '{target}', which is not one of {', '.join(REGIONS)}")
    for target in parts["languages"].values():
        if target not in LANGUAGES:
            raise ValueError(f"[languages] maps to '{target}', which is not one of {', '.join(LANGUAGES)}")
    return Mapping_(**parts)


def check_frame(headers: list[str], rows: Iterable[tuple[int, list]], mapping: Mapping_ | None = None) -> FrameCheck:
    """Validate every row; the records of the good rows and every bad row with its problems.

    ``rows`` yields (line number in the source, cell values aligned with ``headers``).
    A required column that is missing altogether is a ``ValueError`` (the file is unusable).
    """
    mapping = mapping or Mapping_()
    columns = _columns(headers, mapping)
    check = FrameCheck(columns={h: c for h, c in zip(headers, columns) if c})
    found = [row for row in (_record(line, columns, values, mapping) for line, values in rows) if row is not None]
    counts = Counter(r.code for r, _ in found if r.code)
    for record, problems in found:
        if record.code and counts[record.code] > 1:
            problems.append(f"code {record.code} appears {counts[record.code]} times in the frame")
        if problems:
            check.rejects.append(Reject(record.line, record.code, tuple(problems)))
        else:
            check.records.append(record)
    return check


def _columns(headers: list[str], mapping: Mapping_) -> list[str | None]:
    names = []
    for header in headers:
        text = (header or "").strip()
        target = mapping.columns.get(text, text.lower())
        names.append(target if target in REQUIRED + OPTIONAL or target.startswith(SPECIALTY_PREFIX) else
                     (f"extra:{text}" if text else None))
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ValueError(f"the frame has no column {', '.join(missing)} (headers found: "
                         f"{', '.join(h or '?' for h in headers)}); rename the headers or map them in a mapping file")
    return names


def _record(line: int, columns: list[str | None], values: list, mapping: Mapping_):
    cells = {c: cell_text(v) for c, v in zip(columns, values) if c}
    raw_code = next((v for c, v in zip(columns, values) if c == "code"), None)
    if isinstance(raw_code, (int, float)) and cells.get("code", "").isdigit():
        cells["code"] = cells["code"].zfill(6)   # a spreadsheet drops a code's leading zeros
    if not any(cells.values()):
        return None   # blank lines are not rows
    problems: list[str] = []
    code = cells.get("code", "")
    if not CODE.match(code):
        problems.append(f"code '{code}' is not a six-digit school code" if code else "code is missing")
    if not cells.get("name"):
        problems.append("name is missing")
    region = _lookup(cells.get("region", ""), REGIONS, _EXTRA_SPELLINGS["regions"] | mapping.regions)
    if region is None:
        problems.append(f"unknown region '{cells.get('region', '')}'" if cells.get("region") else "region is missing")
    language = _lookup(cells.get("language", ""), LANGUAGES, _EXTRA_SPELLINGS["languages"] | mapping.languages)
    if language is None:
        problems.append(f"unknown language of instruction '{cells.get('language', '')}'"
                        if cells.get("language") else "language is missing")
    school_type = mapping.types.get(_fold(cells.get("type", "")), cells.get("type", ""))
    if not school_type:
        problems.append("type is missing")
    enrolment = _count(cells.get("enrolment", ""), "enrolment", problems)
    specialties = {}
    for column, value in cells.items():
        if column.startswith(SPECIALTY_PREFIX) and value:
            count = _count(value, column, problems)
            if count is not None:
                specialties[column[len(SPECIALTY_PREFIX):]] = count
    if enrolment is not None and sum(specialties.values()) > enrolment:
        problems.append(f"enrolment by specialty ({sum(specialties.values())}) exceeds enrolment ({enrolment})")
    record = FrameRecord(line, code, cells.get("name", ""), region or "", cells.get("district", ""), school_type,
                         language or "", enrolment or 0, specialties,
                         {c[len("extra:"):]: v for c, v in cells.items() if c.startswith("extra:") and v})
    return record, problems


def _count(value: str, column: str, problems: list[str]) -> int | None:
    if not value:
        problems.append(f"{column} is missing")
        return None
    try:
        number = float(value.replace(" ", "").replace(",", "."))
    except ValueError:
        problems.append(f"{column} '{value}' is not a number")
        return None
    if number < 0 or number != int(number):
        problems.append(f"{column} '{value}' is not a whole number of students")
        return None
    return int(number)


def _lookup(value: str, canonical: dict[str, tuple[str, ...]], extra: dict[str, str]) -> str | None:
    folded = _fold(value)
    if not folded:
        return None
    if folded in canonical:
        return folded
    for code, names in canonical.items():
        if folded in (_fold(n) for n in names):
            return code
    return extra.get(folded)


def _fold(text: str) -> str:
    return " ".join(str(text).strip().lower().replace("ё", "е").split())


def cell_text(value) -> str:
    """A spreadsheet cell as text: empty for nothing, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
