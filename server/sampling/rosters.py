"""Checking a roster (the people of sampled schools) row by row before anything is stored.

A roster row says which school and category a person belongs to (clear: selection
needs it) and who they are (names, PIN, phone, e-mail, organisation: sealed by the
caller). A PIN is 14 digits: 1 or 2 (sex), the date of birth as DDMMYYYY, five digits.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .frames import cell_text

PERSONAL = ("last_name", "first_name", "patronymic", "pin", "phone", "email", "organisation")
CLEAR = ("school_code", "category", "specialty", "year")
CATEGORY_NAMES = {
    "student": ("student", "студент", "обучающийся", "окуучу", "учащийся"),
    "graduate": ("graduate", "выпускник", "бүтүрүүчү"),
    "teacher": ("teacher", "преподаватель", "мастер", "мугалим", "педагог"),
    "head": ("head", "руководитель", "директор", "жетекчи", "администрация"),
    "employer": ("employer", "работодатель", "иш берүүчү"),
}
PHONE = re.compile(r"^\+996[0-9]{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class RosterRecord:
    line: int
    school_code: str
    category: str
    specialty: str
    year: int | None
    personal: dict[str, str]


@dataclass
class RosterCheck:
    records: list[RosterRecord] = field(default_factory=list)
    rejects: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)   # (line, problems): no personal data


def check_roster(headers: list[str], rows: Iterable[tuple[int, list]], known_schools: set[str],
                 school_code: str | None = None) -> RosterCheck:
    """Validate every row; ``school_code`` fills a missing school column (a roster of one school)."""
    names = [(h or "").strip().lower() for h in headers]
    needed = ["category"] + ([] if school_code else ["school_code"])
    missing = [c for c in needed if c not in names]
    if missing or not {"last_name", "organisation"} & set(names):
        missing += [] if {"last_name", "organisation"} & set(names) else ["last_name (or organisation)"]
        raise ValueError(f"the roster has no column {', '.join(missing)} (headers found: {', '.join(headers)})")
    unknown = [h for h in names if h and h not in PERSONAL + CLEAR]
    if unknown:
        raise ValueError(f"unknown roster column(s) {', '.join(unknown)}; expected {', '.join(CLEAR + PERSONAL)}")
    check = RosterCheck()
    found = []
    for line, values in rows:
        cells = {n: cell_text(v) for n, v in zip(names, values) if n}
        if any(cells.values()):
            found.append(_record(line, cells, known_schools, school_code))
    pins = Counter((r.school_code, r.personal["pin"]) for r, _ in found if r.personal.get("pin"))
    for record, problems in found:
        if record.personal.get("pin") and pins[(record.school_code, record.personal["pin"])] > 1:
            problems.append("the same PIN appears more than once in this school")
        if problems:
            check.rejects.append((record.line, tuple(problems)))
        else:
            check.records.append(record)
    return check


def _record(line: int, cells: dict, known: set[str], school_code: str | None):
    problems: list[str] = []
    school = cells.get("school_code") or school_code or ""
    if school not in known:
        problems.append(f"school {school} is not in the sample" if school else "school_code is missing")
    category = category_of(cells.get("category", ""))
    if category is None:
        problems.append(f"unknown category '{cells.get('category', '')}'; expected one of "
                        f"{', '.join(CATEGORY_NAMES)}")
    year = None
    if cells.get("year"):
        if cells["year"].isdigit() and 1 <= int(cells["year"]) <= 6:
            year = int(cells["year"])
        else:
            problems.append(f"year of study '{cells['year']}' is not a number from 1 to 6")
    personal = {k: cells[k] for k in PERSONAL if cells.get(k)}
    if "phone" in personal:
        personal["phone"] = re.sub(r"[\s()-]", "", personal["phone"])
    problems += person_problems(personal)
    return RosterRecord(line, school, category or "", cells.get("specialty", ""), year, personal), problems


def person_problems(personal: dict[str, str]) -> list[str]:
    """What is wrong with a person's identifying details (the messages never repeat the values)."""
    problems = []
    if not personal.get("last_name") and not personal.get("organisation"):
        problems.append("last_name is missing")
    if personal.get("pin") and not valid_pin(personal["pin"]):
        problems.append("the PIN is not 14 digits starting with 1 or 2 and a valid date of birth")
    if personal.get("phone") and not PHONE.match(personal["phone"]):
        problems.append("the phone is not +996 followed by 9 digits")
    if personal.get("email") and not EMAIL.match(personal["email"]):
        problems.append("the e-mail address is not valid")
    return problems


def valid_pin(pin: str) -> bool:
    if not re.fullmatch(r"[12][0-9]{13}", pin):
        return False
    try:
        date(int(pin[5:9]), int(pin[3:5]), int(pin[1:3]))
    except ValueError:
        return False
    return True


def category_of(text: str) -> str | None:
    folded = " ".join(text.strip().lower().split())
    return next((code for code, names in CATEGORY_NAMES.items() if folded in names), None)
