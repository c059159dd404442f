"""Generated sampling frames and rosters (never real schools or people), as XLSX or CSV bytes."""
from __future__ import annotations

import io
import random
import uuid

from openpyxl import Workbook

from tests.support.kyrgyz_people import FAMILY, GIVEN, OPERATORS, REGIONS
from tests.support.xlsforms import xlsform

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


# ---- two probe instruments: students by participant code, schools by school code -------------------

def student_form() -> bytes:
    return xlsform([
        ("text", "participant_code", "Катышуучунун коду", "Код участника", "yes", "linking_identifier",
         "regex(., '^[0-9]{6}-S[0-9]{3}$')"),
        ("integer", "score", "Балл", "Балл", "", "none"),
        ("select_one yn", "satisfied", "Канааттандыңызбы?", "Довольны?", "", "none"),
        ("text", "remark", "Пикир", "Комментарий", "", "free_text"),
    ], form_id="student_probe", title="Окуучу / Студент", choices=[("yn", "yes", "Ооба", "Да"),
                                                                   ("yn", "no", "Жок", "Нет")])


def observation_form() -> bytes:
    return xlsform([
        ("text", "school_code", "Окуу жайдын коду", "Код учебного заведения", "yes", "linking_identifier",
         "regex(., '^[0-9]{6}$')"),
        ("integer", "rating", "Баа", "Оценка", "", "none"),
    ], form_id="observation_probe", title="Байкоо / Наблюдение")


def answer(form_id: str, code_field: str, code: str, **values) -> bytes:
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return (f'<data id="{form_id}" version="1"><{code_field}>{code}</{code_field}>{body}'
            f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>").encode()


def sampled_project(world, name: str, *, participants_per_school: int = 0, observed: int = 0) -> int:
    """A project with a frame of 60 schools and an SRS sample of 24; optionally rosters and selected students,
    and the observation probe answered by the first ``observed`` schools and weighted."""
    from server.services import audit, participants, projects, sampling, submissions, weighting
    from server.services import forms as form_service
    project_id = world.project(name)

    def project():
        return projects.get_project(project_id)
    world.run(lambda: sampling.import_frame(project(), xlsx(FRAME_HEADERS, frame_rows(60)), "f.xlsx", audit.SYSTEM))
    world.run(lambda: sampling.draw_sample(project(), 1, sampling.DesignRequest(n=24, method="srs"), None,
                                           audit.SYSTEM))
    codes = world.run(lambda: [s.school.code for s in sampling.taking_part(project())])
    if participants_per_school:
        roster = xlsx(ROSTER_HEADERS, roster_rows(codes, students=participants_per_school * 2, teachers=0))
        world.run(lambda: participants.import_roster(project(), roster, "r.xlsx", audit.SYSTEM))
        world.run(lambda: participants.select_participants(
            project(), 1, participants.SelectionRequest({"student": participants_per_school}), audit.SYSTEM))
    if observed:
        world.publish(project_id, observation_form())
        for code in codes[:observed]:
            world.run(lambda code=code: submissions.ingest(
                lambda form_id: form_service.get_form(project(), form_id),
                answer("observation_probe", "school_code", code, rating=3), [], submissions.Submitter()))
        world.run(lambda: weighting.compute_weights(project(), weighting.WeightingRequest("observation_probe"),
                                                    audit.SYSTEM))
    return project_id
