"""Generated sampling frames and rosters (never real schools or people), as XLSX or CSV bytes."""
from __future__ import annotations

import io
import random

from openpyxl import Workbook

from tests.support.kyrgyz_people import FAMILY, GIVEN, OPERATORS, REGIONS

FRAME_HEADERS = ["code", "name", "region", "district", "type", "language", "enrolment", "enrolment:welder",
                 "enrolment:cook"]
TYPES = ["lyceum", "college"]
LANGUAGES = ["ky", "ru", "uz"]
ROSTER_HEADERS = ["school_code", "category", "specialty", "year", "last_name", "first_name", "patronymic", "pin",
                  "phone"]


def frame_rows(schools: int = 60, seed: int = 1, regions=REGIONS[:3]) -> list[list]:
    """Schools spread over ``regions`` × 2 types × (ky, ru), skewed enrolments, six-digit codes."""
    rng = random.Random(seed)
    rows = []
    for i in range(schools):
        region, kind, language = regions[i % len(regions)], TYPES[(i // len(regions)) % 2], LANGUAGES[(i // 7) % 2]
        enrolment = int(rng.lognormvariate(5.3, 0.6)) + 40
        welders = rng.randint(0, enrolment // 2)
        rows.append([f"{100000 + i * 37:06d}", f"Кесиптик лицей №{i + 1}", region, f"{region}-district-{i % 3}",
                     kind, language, enrolment, welders, rng.randint(0, enrolment - welders)])
    return rows


def xlsx(headers: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headers: list[str], rows: list[list], delimiter: str = ";") -> bytes:
    lines = [delimiter.join(headers)] + [delimiter.join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def person(rng: random.Random) -> tuple[str, str, str, str, str]:
    """(last name, first name, patronymic, PIN, phone), generated."""
    born_day, born_month, born_year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1995, 2009)
    pin = f"{rng.choice('12')}{born_day:02d}{born_month:02d}{born_year}{rng.randint(0, 99999):05d}"
    phone = f"+996{rng.choice(OPERATORS)}{rng.randint(0, 999999):06d}"
    return rng.choice(FAMILY), rng.choice(GIVEN), rng.choice(GIVEN) + "ович", pin, phone


def roster_rows(school_codes: list[str], students: int = 30, teachers: int = 6, seed: int = 2) -> list[list]:
    rng = random.Random(seed)
    rows = []
    for code in school_codes:
        for i in range(students):
            rows.append([code, "student", "welder" if i % 2 else "cook", 1 + i % 3, *person(rng)])
        for _ in range(teachers):
            rows.append([code, "teacher", "", None, *person(rng)])
    return rows
