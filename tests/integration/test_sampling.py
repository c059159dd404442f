"""The sample end to end: frame import, draw, refusals, rosters sealed at rest, participants, sheets,
coverage from real OpenRosa submissions, weights and estimates, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import random
import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from server.problems import Problem
from server.sampling import estimation
from server.services import audit, coverage, estimates, participants, projects, sampling, sealing, sheets, weighting
from server.storage import db
from server.storage.audit import AuditEntry
from server.storage.sampling import Participant, RosterPerson, SampleSchool, SampleWeight
from tests.integration.test_canary import database_bytes, leaks
from tests.support.database import database_rows
from tests.support.sampling_data import (FRAME_HEADERS, ROSTER_HEADERS, answer, csv_bytes, frame_rows,
                                         observation_form, roster_rows, student_form, xlsx)
from tests.support.staff import sign_in
from tests.support.submissions import post_submission

ACTOR = audit.SYSTEM
DESIGN = sampling.DesignRequest(n=24, method="srs", allocation="proportional", reserves=1)


class Cycle:
    """A project driven through the services, each step committed (``world.run``)."""

    def __init__(self, world, name="Мониторинг 2026"):
        self.world = world
        self.id = world.project(name)

    def run(self, func, *args, **kwargs):
        return self.world.run(lambda: func(projects.get_project(self.id), *args, **kwargs))

    def frame(self, data: bytes, name="frame.xlsx", **options):
        return self.run(sampling.import_frame, data, name, ACTOR, **options)

    def draw(self, seed=11, design=DESIGN):
        self.run(sampling.draw_sample, seed, design, None, ACTOR)
        return self.world.run(lambda: [(s.school.code, s.role, s.probability) for s in
                                       sampling.sample_schools(projects.get_project(self.id))])

    def codes(self, statuses=sampling.TAKING_PART) -> list[str]:
        return self.world.run(lambda: [s.school.code for s in sampling.sample_schools(projects.get_project(self.id))
                                       if s.status in statuses])


@pytest.fixture
def cycle(world) -> Cycle:
    c = Cycle(world)
    c.frame(xlsx(FRAME_HEADERS, frame_rows(60)))
    c.draw()
    return c


def problem_of(call) -> Problem:
    with pytest.raises(Problem) as caught:
        call()
    return caught.value


# ---- frame ---------------------------------------------------------------------------------------

def test_frame_with_bad_rows_is_refused_naming_every_row_and_imports_nothing(world):
    c = Cycle(world)
    rows = frame_rows(10)
    bad = rows + [["12345", "Лицей", "Марс", "", "lyceum", "ky", 100, 10, 10],
                  [rows[0][0], "Копия", "chui", "", "college", "ru", "", None, None],
                  ["100500", "Лицей", "osh", "", "lyceum", "эсперанто", "много", None, None]]
    before = database_rows(world)
    found = problem_of(lambda: c.frame(xlsx(FRAME_HEADERS, bad)))
    assert found.code == "422.2"
    by_line = {r["line"]: " ".join(r["problems"]) for r in found.details["rejects"]}
    assert set(by_line) == {2, 12, 13, 14}          # the first copy of the duplicate code too
    assert "six-digit" in by_line[12] and "unknown region 'Марс'" in by_line[12]
    assert "enrolment is missing" in by_line[13] and "appears 2 times" in by_line[13]
    assert "unknown language" in by_line[14] and "'много' is not a number" in by_line[14]
    assert database_rows(world) == before


def test_accepting_the_rejects_imports_the_clean_rows_only(world):
    c = Cycle(world)
    rows = frame_rows(10) + [["1", "Лицей", "Марс", "", "lyceum", "ky", 100, None, None]]
    result = c.frame(xlsx(FRAME_HEADERS, rows), accept_rejects=True)
    assert result.imported == 10 and [r["line"] for r in result.rejects] == [12]
    assert len(world.run(lambda: sampling.frame_schools(projects.get_project(c.id)))) == 10


def test_a_mapping_renames_headers_and_adds_spellings_and_numeric_codes_keep_their_zeros(world):
    c = Cycle(world)
    headers = ["Код ОКПО", "Наименование", "Область", "Район", "Тип", "Язык обучения", "Контингент"]
    rows = [["012345", "Лицей №1", "Чуйская обл.", "Аламедин", "лицей", "кырг.", "420"],
            ["054321", "Колледж №2", "г. Бишкек", "", "колледж", "русский", "1 250"]]
    mapping = ('[columns]\n"Код ОКПО" = "code"\n"Наименование" = "name"\n"Область" = "region"\n'
               '"Район" = "district"\n"Тип" = "type"\n"Язык обучения" = "language"\n"Контингент" = "enrolment"\n'
               '[regions]\n"Чуйская обл." = "chui"\n[languages]\n"кырг." = "ky"\n'
               '[types]\n"лицей" = "lyceum"\n"колледж" = "college"\n')
    c.frame(csv_bytes(headers, rows).decode().encode("cp1251"), "frame.csv", mapping_text=mapping)
    schools = world.run(lambda: [(s.code, s.region, s.type, s.language, s.enrolment)
                                 for s in sampling.frame_schools(projects.get_project(c.id))])
    assert schools == [("012345", "chui", "lyceum", "ky", 420), ("054321", "bishkek", "college", "ru", 1250)]
    numeric = xlsx(FRAME_HEADERS, [[12345, "Лицей", "osh", "", "lyceum", "uz", 300, None, None]])
    Cycle(world, "Другой").frame(numeric)   # Excel stored the code as the number 12345
    assert world.run(lambda: sampling.frame_schools(projects.find_project("Другой"))[0].code) == "012345"


def test_a_new_frame_is_refused_once_a_sample_was_drawn_from_the_old_one(cycle):
    assert problem_of(lambda: cycle.frame(xlsx(FRAME_HEADERS, frame_rows(30)))).code == "409.22"


# ---- draw ----------------------------------------------------------------------------------------

def test_same_frame_design_and_seed_give_the_same_sample_whatever_the_row_order(world):
    rows = frame_rows(60)
    first, second = Cycle(world, "A"), Cycle(world, "B")
    first.frame(xlsx(FRAME_HEADERS, rows))
    shuffled = rows[:]
    random.Random(5).shuffle(shuffled)
    second.frame(xlsx(FRAME_HEADERS, shuffled))
    for design in (DESIGN, sampling.DesignRequest(n=24), sampling.DesignRequest(n=24, method="systematic")):
        assert first.draw(3, design) == second.draw(3, design)
    assert first.draw(3) != first.draw(4)
    digests = world.run(lambda: {sampling.current_draw(projects.find_project(n)).frame_digest for n in "AB"})
    assert len(digests) == 1


def test_the_draw_follows_the_allocation_and_weights_add_up_to_the_frame(cycle, world):
    strata = world.run(lambda: sampling.strata_summary(projects.get_project(cycle.id)))
    assert sum(r["allocated"] for r in strata) == 24 and len(strata) == 12
    schools = world.run(lambda: [(s.stratum, s.role, s.design_weight, s.probability) for s in
                                 sampling.sample_schools(projects.get_project(cycle.id))])
    for row in strata:
        drawn = [s for s in schools if s[0] == row["stratum"] and s[1] == "sample"]
        assert len(drawn) == row["allocated"] >= 2
        assert sum(s[2] for s in drawn) == pytest.approx(row["population"])       # Σ 1/π = N_h (SRS)
        assert all(s[3] == pytest.approx(row["allocated"] / row["population"]) for s in drawn)
    assert sum(1 for s in schools if s[1] == "reserve") > 0


def test_bad_designs_are_refused_with_the_reason(cycle):
    assert problem_of(lambda: cycle.draw(design=sampling.DesignRequest(n=5))).code == "400.64"
    unknown = problem_of(lambda: cycle.draw(design=sampling.DesignRequest(n=24, strata=("colour",))))
    assert unknown.code == "400.64" and "colour" in unknown.message
    neyman = sampling.DesignRequest(n=24, allocation="neyman", sd={"nowhere|x|y": 1.0})
    assert "nowhere|x|y" in problem_of(lambda: cycle.draw(design=neyman)).message


def test_a_refusal_is_replaced_by_the_next_reserve_of_its_stratum_and_recorded(cycle, world):
    def state():
        return {s.school.code: (s.stratum, s.role, s.status, s.position, s.replaces_id, s.id)
                for s in sampling.sample_schools(projects.get_project(cycle.id))}
    before = world.run(state)
    refusing = next(code for code, s in before.items() if s[1] == "sample")
    stratum = before[refusing][0]
    replacement = cycle.run(sampling.refuse_school, refusing, "Директор отказался", ACTOR)
    after = world.run(state)
    first_reserve = min((s[3], code) for code, s in before.items() if s[0] == stratum and s[1] == "reserve")[1]
    assert after[refusing][2] == "refused"
    assert after[first_reserve][2] == "replacement" and after[first_reserve][4] == before[refusing][5]
    assert world.run(lambda: db.session.get(SampleSchool, before[first_reserve][5]).school.code) == first_reserve
    assert replacement is not None
    again = problem_of(lambda: cycle.run(sampling.refuse_school, refusing, "ещё раз", ACTOR))
    assert again.code == "409.22"
    book = io.BytesIO()
    world.run(lambda: sampling.write_sample_report(projects.get_project(cycle.id), book))
    sheet = load_workbook(io.BytesIO(book.getvalue()))["sample"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[first_reserve][9] == "replacement" and rows[first_reserve][14] == refusing
    assert rows[refusing][9] == "refused"


# ---- rosters and participants --------------------------------------------------------------------

CYRILLIC = "абвгдежзийклмнопрстуфхцчшщыэюяңөү"


def canary_roster(codes: list[str]) -> tuple[bytes, list[str]]:
    """A roster whose names are random Cyrillic words (found nowhere else) with generated PINs and phones."""
    rng = random.Random(9)
    rows = roster_rows(codes, students=12, teachers=3)
    marks = []
    for row in rows:
        row[4], row[5] = ("".join(rng.choices(CYRILLIC, k=10)).title() for _ in range(2))
        marks += [row[4], row[5], row[7], row[8]]
    return xlsx(ROSTER_HEADERS, rows), marks


@pytest.fixture
def selected(cycle, world) -> Cycle:
    data, cycle.canaries = canary_roster(cycle.codes(("active", "refused", "unused")))
    cycle.run(participants.import_roster, data, "roster.xlsx", ACTOR)
    cycle.run(participants.select_participants, 21, participants.SelectionRequest({"student": 3, "teacher": 2},
                                                                                   ("specialty",)), ACTOR)
    return cycle


def test_roster_details_are_sealed_at_rest_and_never_audited(selected, world, migrated, tmp_path):
    stored = database_bytes(migrated, tmp_path)
    assert leaks(stored, selected.canaries) == []
    people = world.run(lambda: db.session.scalar(select(func.count(RosterPerson.id))))
    assert people == len(selected.codes(("active", "refused", "unused"))) * 15
    someone = world.run(lambda: participants.personal_details(db.session.scalars(select(RosterPerson)).first()))
    assert someone["last_name"] in selected.canaries and someone["pin"] in selected.canaries
    details = world.run(lambda: [repr((e.details, e.target)) for e in db.session.scalars(select(AuditEntry))])
    assert leaks("".join(details).encode(), selected.canaries) == []


def test_bad_roster_rows_are_named_without_repeating_personal_data(cycle, world):
    rows = roster_rows(cycle.codes()[:1], students=2, teachers=0)
    rows[0][7] = "31129912345678"           # not a PIN: its first digit is 3
    rows[1][0] = "999999"                   # not a sampled school
    found = problem_of(lambda: cycle.run(participants.import_roster, xlsx(ROSTER_HEADERS, rows), "r.xlsx", ACTOR))
    assert found.code == "422.2"
    assert [r["line"] for r in found.details["rejects"]] == [2, 3]
    assert "31129912345678" not in repr(found.details) and rows[0][4] not in repr(found.details)
    assert world.run(lambda: db.session.scalar(select(func.count(RosterPerson.id)))) == 0


def test_participants_get_codes_of_the_instruments_pattern_and_within_school_probabilities(selected, world):
    found = world.run(lambda: [(p.code, p.category, p.probability, p.cell_size, p.person.specialty)
                               for p in db.session.scalars(select(Participant))])
    taking = selected.codes()
    assert len(found) == len(taking) * (2 * 3 + 2)            # 3 per specialty cell, 2 teachers
    for code, category, probability, size, specialty in found:
        assert code[:6] in taking and code[6:8] == ("-S" if category == "student" else "-T")
        assert len(code) == 11 and code[8:].isdigit()
        assert probability == pytest.approx(min(1, (3 if category == "student" else 2) / size))
    assert len({f[0] for f in found}) == len(found)


def test_selection_in_a_replacement_school_leaves_earlier_selections_unchanged(selected, world):
    before = world.run(lambda: sorted((p.code, p.person_id) for p in db.session.scalars(select(Participant))))
    refusing = selected.codes()[0]
    new_code = selected.run(lambda p: sampling.refuse_school(p, refusing, "Закрыто на ремонт", ACTOR).school.code)
    added = selected.run(participants.select_participants, 21,
                         participants.SelectionRequest({"student": 3, "teacher": 2}, ("specialty",)), ACTOR)
    assert added == 8
    after = world.run(lambda: sorted((p.code, p.person_id) for p in db.session.scalars(select(Participant))))
    assert set(before) < set(after) and {c[:6] for c, _ in set(after) - set(before)} == {new_code}
    assert problem_of(lambda: selected.draw()).code == "409.22"      # no redraw under selected participants


def test_assignment_sheets_need_a_purpose_list_names_codes_and_links_and_are_audited(selected, world):
    school = selected.codes()[0]
    refused = problem_of(lambda: selected.run(sheets.assignment_sheets, school, "печать", ACTOR, "http://h"))
    assert refused.code == "400.31"
    made = selected.run(sheets.assignment_sheets, school, "Списки для тестирования в школе", ACTOR,
                        "https://sapat.example.kg")
    assert made.people == 8
    pdf, book = io.BytesIO(), io.BytesIO()
    world.run(lambda: (made.write_pdf(pdf), made.write_xlsx(book)))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.getvalue())).pages)
    rows = list(load_workbook(io.BytesIO(book.getvalue()))[school].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 8
    for row in rows:
        code, last_name, link = row[2], row[6], row[10]
        assert code in text and last_name in text
        assert link.startswith("https://sapat.example.kg/w/") and len(link.rsplit("/", 1)[1]) >= 32
        token = link.rsplit("/", 1)[1]
        assert world.run(lambda: db.session.scalar(select(Participant.code).where(
            Participant.link_index == participants.link_index(selected.id, token)))) == code
    purposes = world.run(lambda: list(db.session.scalars(select(AuditEntry.purpose).where(
        AuditEntry.action == "personal.sheets"))))
    assert purposes == ["Списки для тестирования в школе"]


# ---- coverage, weights and estimates -------------------------------------------------------------

@pytest.fixture
def fieldwork(selected, world, live_server):
    """Both probe forms published; two thirds of the students and every other school answer over OpenRosa."""
    for form in (student_form(), observation_form()):
        world.publish(selected.id, form)
    _, token = world.app_user(selected.id, forms=["student_probe", "observation_probe"])
    base = world.collect_base(live_server, selected.id, token)
    students = world.run(lambda: [p.code for p in db.session.scalars(
        select(Participant).where(Participant.category == "student").order_by(Participant.code))])
    rng = random.Random(4)
    for i, code in enumerate(students):
        if i % 3:
            xml = answer("student_probe", "participant_code", code, score=rng.randint(20, 90),
                         satisfied=rng.choice(["yes", "no"]), remark="Жакшы")
            assert post_submission(base, xml).status_code == 201
    schools = selected.codes()
    for code in schools[::2]:
        assert post_submission(base, answer("observation_probe", "school_code", code, rating=4)).status_code == 201
    stranger = answer("student_probe", "participant_code", "999999-S001", score=50, satisfied="yes")
    assert post_submission(base, stranger).status_code == 201
    selected.students, selected.answered = students, [c for i, c in enumerate(students) if i % 3]
    return selected


def test_coverage_links_submissions_to_participants_and_schools_by_code(fieldwork, world, live_server):
    world.admin()
    found = fieldwork.run(coverage.project_coverage, 0.7)
    by_form = {i.form: i for i in found.instruments}
    students, schools = by_form["student_probe"], by_form["observation_probe"]
    assert (students.unit, students.total.selected, students.total.responded) == \
        ("student", len(fieldwork.students), len(fieldwork.answered))
    assert students.unmatched == 1
    assert (schools.unit, schools.total.selected, schools.total.responded) == \
        ("school", len(fieldwork.codes()), len(fieldwork.codes()[::2]))
    assert set(found.below(schools)) == set(fieldwork.codes()[1::2])
    for code, cell in students.schools.items():
        expected = sum(1 for c in fieldwork.answered if c.startswith(code))
        assert (cell.selected, cell.responded) == (6, expected) and cell.last is not None
    assert sum(c.selected for c in students.strata.values()) == students.total.selected

    http = sign_in(live_server)
    page = http.get(f"{live_server}/projects/{fieldwork.id}/coverage?threshold=0.5", timeout=30)
    assert page.status_code == 200 and "student_probe" in page.text and "<svg" in page.text
    assert f"{len(fieldwork.answered)}/{len(fieldwork.students)}" in page.text
    download = http.get(f"{live_server}/projects/{fieldwork.id}/coverage.xlsx?threshold=0.5", timeout=30)
    rows = list(load_workbook(io.BytesIO(download.content))["coverage"].iter_rows(min_row=2, values_only=True))
    total = next(r for r in rows if r[0] == "student_probe" and r[2] == "total")
    assert (total[6], total[7]) == (len(fieldwork.students), len(fieldwork.answered))
    bad = http.get(f"{live_server}/projects/{fieldwork.id}/coverage?threshold=7", timeout=30)
    assert bad.status_code == 400


def test_school_weights_add_up_to_the_frame_and_student_weights_to_frame_enrolment(fieldwork, world):
    frame = world.run(lambda: [(s.region, s.enrolment) for s in sampling.frame_schools(
        projects.get_project(fieldwork.id))])
    summary = fieldwork.run(weighting.compute_weights, weighting.WeightingRequest("observation_probe"), ACTOR)
    assert summary["respondents"] == len(fieldwork.codes()[::2])
    assert summary["sum_of_weights"] == pytest.approx(len(frame))       # Σ over responding schools = N
    fieldwork.run(weighting.compute_weights, weighting.WeightingRequest(
        "student_probe", calibration="poststratify", margins=("region",)), ACTOR)
    stored = world.run(lambda: [(w.school_id, w.participant_id, w.weight) for w in db.session.scalars(
        select(SampleWeight).join(Participant, Participant.id == SampleWeight.participant_id))])
    assert len(stored) == len(fieldwork.answered)
    regions = world.run(lambda: {w.participant_id: db.session.get(Participant, w.participant_id).school.region
                                 for w in db.session.scalars(select(SampleWeight).where(
                                     SampleWeight.participant_id.is_not(None)))})
    for region in {r for r, _ in frame}:
        weighted = sum(w for _, p, w in stored if regions[p] == region)
        assert weighted == pytest.approx(sum(e for r, e in frame if r == region))
    bad = weighting.WeightingRequest("student_probe", calibration="rake", margins=("colour",))
    assert problem_of(lambda: fieldwork.run(weighting.compute_weights, bad, ACTOR)).code == "400.64"


def test_estimates_weight_each_answer_and_match_the_estimator_on_the_same_data(fieldwork, world):
    fieldwork.run(weighting.compute_weights, weighting.WeightingRequest("student_probe"), ACTOR)
    result = fieldwork.run(estimates.estimate, estimates.EstimateRequest("student_probe", "score", by="region"))
    assert result.kind == "mean" and result.unweighted == 1
    scores = world.run(lambda: _scores_by_code(fieldwork.id))
    rows = world.run(lambda: [(w.weight, w.stratum, w.school_id, float(scores[p.code]), p.school.region)
                              for w in db.session.scalars(select(SampleWeight))
                              for p in [db.session.get(Participant, w.participant_id)]])
    expected = estimation.mean([r[3] for r in rows], [r[0] for r in rows], [r[1] for r in rows],
                               [r[2] for r in rows], domain=[r[4] for r in rows], lonely_psu="certainty")
    assert [(e.domain, e.estimate, e.se, e.n) for e in result.rows] == \
        [(e.domain, e.estimate, e.se, e.n) for e in expected]
    shares = fieldwork.run(estimates.estimate, estimates.EstimateRequest("student_probe", "satisfied"))
    assert shares.kind == "proportion" and sum(e.estimate for e in shares.rows) == pytest.approx(1)
    sealed = problem_of(lambda: fieldwork.run(estimates.estimate, estimates.EstimateRequest("student_probe",
                                                                                            "remark")))
    assert sealed.code == "400.11" and "sealed" in sealed.message


def _scores_by_code(project_id: int) -> dict[str, str]:
    """The clear answers keyed by the code they carry, matched through the participants' blind indexes."""
    from server.storage.submissions import SubmissionDef
    by_index = {p.code_index: p.code for p in db.session.scalars(select(Participant))}
    found = {}
    for version in db.session.scalars(select(SubmissionDef).where(SubmissionDef.current.is_(True))):
        code = by_index.get(version.index_values.get("/data/participant_code"))
        if code:
            found[code] = version.values["/data/score"]
    return found


def test_sample_page_shows_the_strata_and_the_report_downloads(cycle, world, live_server):
    world.admin()
    http = sign_in(live_server)
    page = http.get(f"{live_server}/projects/{cycle.id}/sample", timeout=30)
    assert page.status_code == 200
    for code in cycle.codes():
        assert code in page.text
    assert "batken|college|ky" in page.text and "<svg" in page.text
    report = http.get(f"{live_server}/projects/{cycle.id}/sample.xlsx", timeout=30)
    sheet = load_workbook(io.BytesIO(report.content))["sample"]
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == sorted(cycle.codes())


def test_anonymized_export_carries_the_weights_and_scrubs_roster_names_from_free_text(fieldwork, world, app,
                                                                                      live_server):
    from server.services import exports
    from server.services import forms as form_service
    from server.storage.users import StaffUser
    code = fieldwork.answered[0]
    name = world.run(lambda: participants.personal_details(
        db.session.scalar(select(Participant).where(Participant.code == code)).person)["last_name"])
    _, token = world.app_user(fieldwork.id, forms=["student_probe"], name="Планшет 2")
    base = world.collect_base(live_server, fieldwork.id, token)
    xml = answer("student_probe", "participant_code", fieldwork.students[0], score=70, satisfied="yes",
                 remark=f"Студент {name} жакшы окуйт")
    assert post_submission(base, xml).status_code == 201
    fieldwork.run(weighting.compute_weights, weighting.WeightingRequest("student_probe"), ACTOR)
    analyst = world.admin("analyst@example.kg", role="analyst")
    world.grant(analyst, fieldwork.id)

    def export() -> bytes:
        user = db.session.get(StaffUser, analyst)
        form = form_service.get_form(projects.get_project(fieldwork.id), "student_probe")
        job = exports.request_export(form, user, "anonymized", ["csv"], "ru", None, audit.Actor("staff", analyst))
        db.session.commit()
        job = exports.run_export(job.id)
        return b"".join(sealing.open_file(exports.open_export(job, user, audit.Actor("staff", analyst))))
    with app.app_context():
        archive = zipfile.ZipFile(io.BytesIO(export()))
        db.session.commit()
    table = list(csv.DictReader(io.StringIO(archive.read("student_probe.csv").decode("utf-8-sig"))))
    stored = world.run(lambda: sorted(round(w.weight, 6) for w in db.session.scalars(select(SampleWeight))))
    exported = sorted(round(float(r["weight"]), 6) for r in table if r["weight"])
    assert exported == stored and len(table) == len(fieldwork.answered) + 2   # plus the stranger and the new one
    assert sum(1 for r in table if not r["weight"]) == 1                      # the code outside the sample
    assert name not in archive.read("student_probe.csv").decode("utf-8-sig")


@pytest.mark.slow
def test_sapat_sample_draw_prints_the_report_path_last_and_its_sample_sheet_lists_the_drawn_codes(
        app, migrated, world, tmp_path):
    from tests.integration.test_cli import PASSWORD, sapat
    world.admin("admin@example.kg", PASSWORD)
    project_id = world.project()
    frame = tmp_path / "frame.csv"
    frame.write_bytes(csv_bytes(FRAME_HEADERS, frame_rows(60)))
    out = sapat(app, migrated, "sample", "import-frame", str(frame), "--project", str(project_id)).stdout
    assert out.strip() == "imported 60 schools"
    bad = sapat(app, migrated, "sample", "draw", "--project", str(project_id), "--seed", "5", "--size", "3",
                check=False)
    assert bad.returncode == 1 and "(400.64)" in bad.stderr and bad.stdout == ""
    drawn = sapat(app, migrated, "sample", "draw", "--project", str(project_id), "--seed", "5", "--size", "30",
                  "--method", "systematic").stdout.strip().splitlines()
    path = drawn[-1]
    assert path.endswith(".xlsx") and len(drawn) == 13          # a line per stratum, then the report
    codes = sorted(r[0] for r in load_workbook(path)["sample"].iter_rows(min_row=2, values_only=True))
    assert codes == sorted(world.run(lambda: [s.school.code for s in sampling.sample_schools(
        projects.get_project(project_id), ("sample",))]))
    assert len(codes) == 30


def test_key_rotation_reseals_rosters_and_participant_links(selected, world):
    from server import crypto
    from server.services import rotation

    def opened():
        return ({p.id: participants.personal_details(p) for p in db.session.scalars(select(RosterPerson))},
                {p.id: participants.link_token(p) for p in db.session.scalars(select(Participant))},
                {crypto.key_id_of(v) for v in db.session.scalars(select(RosterPerson.sealed))}
                | {crypto.key_id_of(v) for v in db.session.scalars(select(Participant.link_sealed))})
    people, links, before = world.run(opened)
    report = world.run(lambda: rotation.rotate_data_keys(rotation.rotation_scopes(selected.id), audit.SYSTEM))
    assert report.finished
    assert report.resealed[(f"project:{selected.id}", "roster_people.sealed")] == len(people)
    assert report.resealed[(f"project:{selected.id}", "participants.link")] == len(links)
    after = world.run(opened)
    assert after[:2] == (people, links) and after[2].isdisjoint(before) and len(after[2]) == 1
