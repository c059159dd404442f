"""Export benchmark: anonymize N generated submissions of 60 fields, then write CSV, SPSS .sav and XLSX.

Runs the pipeline the server runs for an anonymized dataset (``server.services.dataset_export``)
on generated rows, without Flask or a database: pass 1 observes every row, the k-anonymity
search decides, pass 2 transforms every row into a ``KeyOrder`` (sorted by the pseudonymous
KEY), the sorted rows are typed and spooled, and each writer reads the spool. Every scratch
file is an ``EphemeralFile`` (AES-CTR), as on the server. Not measured: reading and opening the
submissions from the database (twice) and deflating the files into the export's zip (unless
``--deflate``).

The rows have the shape of the library's questionnaires: 40 Likert and select-one answers,
7 quasi-identifiers (SubmissionDate, start, today, sex, age band, one of 16 specialties, year of
study), 2 sensitive answers, 2 Kyrgyz/Russian free-text answers that sometimes hold generated
PINs, phones and names, 3 linking identifiers, 2 direct identifiers, 3 integers and the KEY.
They come from a seeded pool, with KEY, participant and school codes made unique per row; the
generator's own cost is measured and printed so it can be subtracted.

Prints rows/s for anonymize + CSV, SAV and XLSX, then the peak RSS of the whole pipeline for
each ``--memory-sizes`` in a fresh child process (XLSX only up to 100,000 rows unless
``--xlsx-all``). Figures are printed, never asserted.

    .venv/bin/python bench/export.py [--rows 100000] [--memory-sizes 10000,100000,1000000]
                                     [--xlsx-all] [--deflate] [--profile] [--quick]
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pickle
import platform
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from anonymizer import Column, KeyOrder, Policy, Scrubber, TableAnonymizer  # noqa: E402
from server.crypto import EphemeralFile  # noqa: E402
from server.datasets import Variable  # noqa: E402
from server.datasets.csvs import write_csv  # noqa: E402
from server.datasets.sav import write_sav  # noqa: E402
from server.datasets.workbooks import Sheet, write_xlsx  # noqa: E402
from server.services.dataset_tables import KEY, SUBMISSION_DATE, Table, typed, variable  # noqa: E402

FORM_ID, TITLE = "student_questionnaire", "Анкета обучающегося (студента)"
XLSX_DEFAULT_LIMIT = 100_000
TARGETS = {"csv": 50_000, "sav": 50_000, "xlsx": 5_000, "rss_mb": 300}
PSEUDONYM_KEY = bytes(range(32))
MB = 1024 * 1024


def _choices(*pairs: str) -> dict:
    """``"value=ky label|ru label"`` strings as a codebook's choices."""
    out = {}
    for pair in pairs:
        value, labels = pair.split("=", 1)
        ky, ru = labels.split("|")
        out[value] = {"ky": ky, "ru": ru}
    return out


CHOICES = {
    "agree5": _choices("1=Такыр макул эмесмин|Совсем не согласен(-на)", "2=Көбүнчө макул эмесмин|Скорее не согласен(-на)",
                       "3=Макулмун да, макул эмесмин да|И да, и нет", "4=Көбүнчө макулмун|Скорее согласен(-на)",
                       "5=Толугу менен макулмун|Полностью согласен(-на)", "dk=Жооп берүү кыйын|Затрудняюсь ответить"),
    "satisf5": _choices("1=Такыр канааттанбайм|Совсем не удовлетворён(-а)", "2=Көбүнчө канааттанбайм|Скорее нет",
                        "3=Орточо|Средне", "4=Көбүнчө канааттанам|Скорее удовлетворён(-а)",
                        "5=Толук канааттанам|Полностью удовлетворён(-а)", "dk=Жооп берүү кыйын|Затрудняюсь ответить"),
    "yes_no": _choices("yes=Ооба|Да", "no=Жок|Нет"),
    "yes_no_dk": _choices("yes=Ооба|Да", "no=Жок|Нет", "dk=Билбейм|Не знаю"),
    "yes_no_pna": _choices("yes=Ооба|Да", "no=Жок|Нет", "pna=Жооп бергим келбейт|Предпочитаю не отвечать"),
    "frequency": _choices("often=Көп|Часто", "sometimes=Кээде|Иногда", "rarely=Сейрек|Редко", "never=Эч качан|Никогда"),
    "hands_on": _choices("every=Дээрлик ар бир сабакта|Почти на каждом занятии", "most=Көпчүлүк сабактарда|На большинстве",
                         "sometimes=Кээде|Иногда", "rarely=Сейрек|Редко", "never=Эч качан|Никогда"),
    "injury": _choices("none=Жок|Нет", "minor=Жеңил жаракат|Лёгкая травма", "medical=Дарыгерге кайрылдым|Обращался к врачу"),
    "sex": _choices("male=Эркек|Мужской", "female=Аял|Женский"),
    "age_band": _choices("le15=15 жана кичүү|15 и младше", "16_17=16–17 жаш|16–17 лет", "18_19=18–19 жаш|18–19 лет",
                         "20_24=20–24 жаш|20–24 года", "25plus=25 жана улуу|25 и старше"),
    "year_of_study": _choices("1=1-курс|1-й курс", "2=2-курс|2-й курс", "3=3-курс|3-й курс", "4=4-курс|4-й курс"),
    "specialty": _choices(*(f"{s}={s}|{s}" for s in (
        "welder", "auto_mechanic", "tractor_driver", "electrician", "turner", "builder", "plumber", "carpenter",
        "cook", "waiter", "tailor", "hairdresser", "computer_operator", "farmer", "sales", "other"))),
}
LIKERT = """consent yes_no|teaching theory_to_practice agree5|teaching teachers_clear agree5|teaching teachers_feedback agree5
teaching teachers_prepared agree5|teaching teachers_respect agree5|teaching schedule_kept agree5|workshops hands_on hands_on
workshops equipment_enough agree5|workshops equipment_modern agree5|workshops materials_enough agree5
workshops materials_language agree5|practice practice_status yes_no_dk|practice practice_in_specialty yes_no_dk
practice practice_learned agree5|practice practice_job_offer yes_no|practice practice_mentor yes_no_dk
practice practice_found_by yes_no|digital digital_frequency frequency|digital digital_confident agree5
digital library_access agree5|inclusion equal_treatment agree5|inclusion accessible_premises agree5
inclusion support_person agree5|inclusion career_guidance agree5|safety safety_briefing agree5
safety ppe_provided agree5|safety feel_safe agree5|safety injury_reported yes_no_dk|satisfaction sat_theory satisf5
satisfaction sat_workshop satisf5|satisfaction sat_practice satisf5|satisfaction sat_teachers satisf5
satisfaction sat_conditions satisf5|satisfaction sat_dormitory satisf5|satisfaction sat_overall satisf5
satisfaction recommend yes_no_dk|future plans frequency|future job_confidence agree5|future further_study yes_no_dk"""
LIKERT_ITEMS = [line.split() for line in LIKERT.replace("\n", "|").split("|")]
QUASI = [SUBMISSION_DATE, Column("start", "start", "dateTime", "quasi_identifier"),
         Column("today", "today", "date", "quasi_identifier")] + [
    Column(f"background-{n}", f"background/{n}", "select1", "quasi_identifier")
    for n in ("sex", "age_band", "specialty", "year_of_study")]
COLUMNS = QUASI + [
    Column("deviceid", "deviceid", "deviceid", "direct_identifier"),
    Column("participant_code", "participant_code", "string", "linking_identifier"),
    Column("school_code", "school_code", "string", "linking_identifier"),
    Column("group_code", "group_code", "string", "linking_identifier"),
] + [Column("-".join(item[:-1]), "/".join(item[:-1]), "select1", "none") for item in LIKERT_ITEMS] + [
    Column("health-health_limitation", "health/health_limitation", "select1", "sensitive"),
    Column("safety-injury", "safety/injury", "select1", "sensitive"),
    Column("comment", "comment", "string", "free_text"),
    Column("practice-practice_comment", "practice/practice_comment", "string", "free_text"),
    Column("workshop_photo", "workshop_photo", "binary", "direct_identifier"),
    Column("practice-hours_per_week", "practice/hours_per_week", "int", "none"),
    Column("absences", "absences", "int", "none"),
    Column("household_size", "household_size", "int", "none"),
    KEY,
]
INDEX = {c.name: i for i, c in enumerate(COLUMNS)}
LISTS = {"background-" + n: n for n in ("sex", "age_band", "specialty", "year_of_study")} | {
    "-".join(item[:-1]): item[-1] for item in LIKERT_ITEMS} | {
    "health-health_limitation": "yes_no_pna", "safety-injury": "injury"}

GIVEN = ["Айгүл", "Бакыт", "Нургүл", "Эрмек", "Жылдыз", "Азамат", "Мээрим", "Талант", "Бермет", "Жаныбек",
         "Өмүрбек", "Чолпон", "Ольга", "Сергей", "Ирина", "Дмитрий", "Елена", "Шерзод", "Дильноза", "Улугбек"]
FAMILY = ["Асанов", "Токтогулова", "Жумабеков", "Абдыкадырова", "Сыдыков", "Турдубаева", "Осмонова",
          "Бейшеналиев", "Мамытов", "Кочкорбаева", "Иванов", "Смирнова", "Кузнецов", "Юсупов", "Каримова"]
SENTENCES = [
    "Устаканада жабдуулар эски, баарыбызга жетпейт.", "Практика өтө кыска болду, көп нерсе үйрөнө алган жокмун.",
    "Жатаканада кыш бою суук, жылуулук жок.", "Окуу китептери кыргыз тилинде аз, орусча гана бар.",
    "Мугалим {name} жакшы түшүндүрөт, бирок сабакка кечигет.", "Менин телефонум {phone}, чалып коюңуз.",
    "Стипендия убагында берилбейт, ПИН {pin} боюнча текшериңиз.",
    "Нужно больше практики в мастерской, сварочных аппаратов не хватает на всех.",
    "Оборудование старое, половина станков не работает уже второй год.",
    "Хотелось бы больше занятий на компьютере и современных программ.",
    "Мастер {name} требует деньги за зачёт, об этом знают все.", "Позвоните мне по номеру {phone}, расскажу подробнее.",
    "Мой ПИН {pin}, стипендию не выплачивают с января.", "В столовой дорого, а кормят плохо.",
    "Куратор {name} помогла с общежитием, спасибо ей.", "Код участника {code}, анкету заполнял на планшете.",
]


@dataclass
class Pool:
    """Pre-built answers: rows are copied from it and given unique keys and codes as they are generated."""

    rows: list[list]
    quasi: list[tuple]
    schools: list[str]
    key_prefix: str


def build_pool(seed: int, size: int = 2000, quasi_size: int = 9973) -> Pool:
    rng = random.Random(seed)
    quasi = [_quasi(rng) for _ in range(quasi_size)]
    rows = []
    for _ in range(size):
        answers = _answers(rng)
        rows.append([answers.get(c.name) for c in COLUMNS])
    schools = [f"{n:06d}" for n in rng.sample(range(100_000, 1_000_000), 2000)]
    return Pool(rows, quasi, schools, str(uuid.UUID(int=rng.getrandbits(128), version=4))[:24])


def _quasi(rng: random.Random) -> tuple:
    six = timezone(timedelta(hours=6))
    start = datetime(2026, 3, 2, 8, tzinfo=six) + timedelta(days=rng.randrange(54), seconds=rng.randrange(9 * 3600))
    submitted = (start + timedelta(minutes=rng.randint(12, 3 * 24 * 60))).astimezone(timezone.utc)
    pick = lambda name, weights: rng.choices(list(CHOICES[name]), weights)[0]  # noqa: E731
    return (submitted.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randrange(1000):03d}Z",
            start.isoformat(timespec="milliseconds"), start.date().isoformat(),
            pick("sex", [55, 45]), pick("age_band", [4, 46, 34, 12, 4]),
            pick("specialty", [16, 12, 6, 9, 4, 8, 4, 5, 10, 3, 6, 5, 5, 3, 3, 1]), pick("year_of_study", [36, 34, 25, 5]))


def _answers(rng: random.Random) -> dict:
    answers = {"deviceid": "collect:" + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789", k=16)),
               "group_code": f"{rng.choice(['ЭГС', 'АМ', 'ПК', 'ТШ', 'ОКТ', 'СТ'])}-{rng.randint(21, 25)}",
               "workshop_photo": f"{rng.randrange(10 ** 12, 10 ** 13)}.jpg" if rng.random() < 0.6 else None,
               "practice-hours_per_week": str(rng.randint(0, 36)) if rng.random() < 0.7 else None,
               "absences": str(rng.randint(0, 20)), "household_size": str(rng.randint(1, 11)),
               "comment": _free_text(rng) if rng.random() < 0.45 else None,
               "practice-practice_comment": _free_text(rng) if rng.random() < 0.2 else None}
    for name, choices in LISTS.items():
        if not name.startswith("background-") and rng.random() > 0.03:
            values = list(CHOICES[choices])
            answers[name] = rng.choices(values, list(range(2, len(values) + 1)) + [1])[0]   # the last is rare
    return answers


def _free_text(rng: random.Random) -> str:
    sentences = [rng.choice(SENTENCES) for _ in range(rng.choice([1, 1, 2, 2, 3, 4]))]
    return " ".join(s.format(name=_person(rng), phone=_phone(rng), pin=_pin(rng),
                             code=f"{rng.randrange(100_000, 1_000_000)}-S{rng.randint(1, 400):03d}") for s in sentences)


def _person(rng: random.Random) -> str:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    return rng.choice([f"{given} {family}", f"{family} {given}", f"{given} {rng.choice(GIVEN)} уулу", given])


def _phone(rng: random.Random) -> str:
    digits = f"{rng.choice(['555', '700', '770', '500', '220', '998'])}{rng.randrange(10 ** 6):06d}"
    return rng.choice([f"+996{digits}", f"+996 {digits[:3]} {digits[3:6]} {digits[6:]}"])


def _pin(rng: random.Random) -> str:
    birth = datetime(1995, 1, 1) + timedelta(days=rng.randrange(16 * 365))
    return f"{rng.choice('12')}{birth:%d%m%Y}{rng.randrange(10 ** 5):05d}"


def submissions(pool: Pool, count: int):
    """``count`` fresh rows: a pool row, a quasi-identifier tuple of another period, unique KEY and codes."""
    rows, quasi, schools, prefix = pool.rows, pool.quasi, pool.schools, pool.key_prefix
    n_rows, n_quasi, n_schools = len(rows), len(quasi), len(schools)
    code, school_at, key = INDEX["participant_code"], INDEX["school_code"], INDEX["KEY"]
    width = len(QUASI)
    for i in range(count):
        row = rows[i % n_rows][:]
        row[:width] = quasi[i % n_quasi]
        school = schools[i // 500 % n_schools]
        row[code], row[school_at], row[key] = f"{school}-S{i % 500 + 1:03d}", school, f"uuid:{prefix}{i:012x}"
        yield row


STAFF = tuple(f"{f} {g}" for f, g in zip(FAMILY * 3, GIVEN * 3))[:40]
TABLE = Table("main", None, COLUMNS, [None] * len(COLUMNS), {
    c.name: {"labels": {"ky": f"{c.name}: суроо", "ru": f"{c.name}: насколько вы согласны с утверждением"},
             "choices": CHOICES.get(LISTS.get(c.name), {}), "odk_type": c.type} for c in COLUMNS})


def spool() -> io.BufferedRandom:
    return io.BufferedRandom(EphemeralFile())


@dataclass
class Spooled:
    """Typed published rows in an encrypted scratch file, with each text's UTF-8 width (as ``_Published``)."""

    variables: list[Variable]
    file: io.BufferedRandom = field(default_factory=spool)
    rows: int = 0
    widths: dict[str, int] = field(default_factory=dict)

    def add(self, row: list) -> None:
        for var, value in zip(self.variables, row):
            if isinstance(value, str) and not var.numeric:
                size = len(value.encode("utf-8"))
                if size > self.widths.get(var.name, 0):
                    self.widths[var.name] = size
        pickle.dump(row, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.rows += 1

    def __iter__(self):
        self.file.flush()
        end = self.file.tell()
        self.file.seek(0)
        while self.file.tell() < end:
            yield pickle.load(self.file)
        self.file.seek(end)


class Discard(io.RawIOBase):
    """A sink that counts bytes and keeps none."""

    def __init__(self):
        super().__init__()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        n = memoryview(data).nbytes
        self.size += n
        return n


class Output:
    """Where a writer writes: a discarding sink or a temp file, or a deflated zip entry on it (``deflate``).

    ``size`` is the bytes that reached the sink, known once the block is left.
    """

    def __init__(self, name: str, deflate: bool, discard: bool = False):
        self.name, self.deflate, self.discard, self.size = name, deflate, discard, 0
        self._stack = contextlib.ExitStack()

    def __enter__(self):
        self.sink = Discard() if self.discard else tempfile.TemporaryFile(prefix="sapat-bench-")
        if not self.deflate:
            return self.sink
        archive = self._stack.enter_context(zipfile.ZipFile(self.sink, "w", compression=zipfile.ZIP_DEFLATED))
        return self._stack.enter_context(archive.open(self.name, "w", force_zip64=True))

    def __exit__(self, *exc) -> None:
        self._stack.close()
        self.size = self.sink.size if self.discard else self.sink.seek(0, os.SEEK_END)
        self.sink.close()


def anonymize_csv(pool: Pool, count: int, deflate: bool) -> tuple[Spooled, TableAnonymizer, dict]:
    """The server's anonymized path up to the CSV; returns the spool, the anonymizer and seconds per phase."""
    phases, clock = {}, time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name], clock = now - clock, now

    worker = TableAnonymizer(FORM_ID, COLUMNS, Policy(), PSEUDONYM_KEY, Scrubber(STAFF))
    for row in submissions(pool, count):
        worker.observe(row)
    lap("pass 1: observe")
    worker.decide()
    outputs = worker.output_columns()
    order = KeyOrder([c.name for c in outputs].index("KEY"), sum(worker.observation.counts.values()), spool)
    lap("decide (k-anonymity search)")
    for row in submissions(pool, count):
        out = worker.transform(row)
        if out is not None:
            order.add(out)
    lap("pass 2: transform + KeyOrder.add")
    variables = [variable(TABLE, c.source, c.treatment) for c in outputs]
    published = Spooled(variables)
    for row in order:
        published.add(typed(variables, row))
    order.close()
    lap("key order + typed + spool")
    output = Output("main.csv", deflate, discard=True)
    with output as sink:
        write_csv(sink, variables, published)
    lap("write_csv")
    phases["csv bytes"] = output.size
    return published, worker, phases


def write_sav_file(published: Spooled, deflate: bool) -> tuple[float, int]:
    started = time.perf_counter()
    output = Output("main.sav", deflate)
    with output as sink:
        write_sav(sink, published.variables, published, published.widths, language="ru", file_label=TITLE)
    return time.perf_counter() - started, output.size


def write_xlsx_file(published: Spooled, deflate: bool) -> tuple[float, int]:
    started = time.perf_counter()
    output = Output("main.xlsx", deflate)
    with output as sink:
        write_xlsx(sink, [Sheet("main", published.variables, published)], "ru")
    return time.perf_counter() - started, output.size


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak / 1024


def child(count: int, xlsx: bool, seed: int, deflate: bool) -> None:
    """One memory measurement: the whole pipeline on ``count`` rows; prints a JSON line."""
    import numpy, openpyxl, pandas, pyreadstat  # noqa: E401,F401  (loaded by the writers anyway: a fair start)
    pool = build_pool(seed)
    result = {"rows": count, "start_mb": peak_rss_mb()}
    started = time.perf_counter()
    published, _, _ = anonymize_csv(pool, count, deflate)
    write_sav_file(published, deflate)
    result["core_mb"], result["core_s"] = peak_rss_mb(), time.perf_counter() - started
    if xlsx:
        write_xlsx_file(published, deflate)
        result["xlsx_mb"] = peak_rss_mb()
    result["seconds"] = time.perf_counter() - started
    published.file.close()
    print(json.dumps(result))


def memory_table(sizes: list[int], xlsx_all: bool, seed: int, deflate: bool) -> list[dict]:
    results = []
    for n in sizes:
        xlsx = xlsx_all or n <= XLSX_DEFAULT_LIMIT
        command = [sys.executable, __file__, "--child", str(n), "--seed", str(seed)] + \
            (["--child-xlsx"] if xlsx else []) + (["--deflate"] if deflate else [])
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"memory child for {n} rows failed:\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def verdict(value: float, target: float, below: bool = False) -> str:
    return "met" if (value < target if below else value >= target) else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="submissions for the timed run")
    parser.add_argument("--memory-sizes", default="10000,100000,1000000",
                        help="comma-separated row counts, each measured in a fresh child process ('' for none)")
    parser.add_argument("--xlsx-all", action="store_true",
                        help=f"write XLSX in memory children above {XLSX_DEFAULT_LIMIT:,} rows too (minutes at 1M)")
    parser.add_argument("--deflate", action="store_true", help="write each file into a deflated zip entry, as the server")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of anonymize + CSV")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10,000 rows, memory at 10,000 only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-xlsx", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return child(args.child, args.child_xlsx, args.seed, args.deflate)
    if args.quick:
        args.rows, args.memory_sizes = 10_000, "10000"
    sizes = [int(s.replace("_", "")) for s in args.memory_sizes.split(",") if s.strip()]
    n = args.rows

    pool = build_pool(args.seed)
    started = time.perf_counter()
    for _ in submissions(pool, n):
        pass
    generator = time.perf_counter() - started
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    published, worker, phases = anonymize_csv(pool, n, args.deflate)
    if profiler:
        profiler.disable()
    csv_bytes = phases.pop("csv bytes")
    total = sum(phases.values())
    sav_s, sav_bytes = write_sav_file(published, args.deflate)
    xlsx_s, xlsx_bytes = write_xlsx_file(published, args.deflate)
    published.file.close()
    risk = worker.risk_report()

    cpus, python = os.cpu_count(), platform.python_version()
    print(f"export benchmark: {n:,} generated submissions x {len(COLUMNS)} fields ({len(published.variables)} "
          f"published), seed {args.seed}, {cpus} CPUs, Python {python}{', deflated zip entries' if args.deflate else ''}")
    print(f"k-anonymity: k {risk['k_required']} required, {risk['k_reached']} reached; {risk['records_out']:,} "
          f"records out, {risk['records_with_suppressed_quasi_identifiers']:,} with suppressed quasi-identifiers; "
          f"levels {risk['generalization_levels']}")
    print(f"generator alone: {generator:.2f} s per pass ({rate(n, generator):,.0f} rows/s); "
          f"anonymize + CSV iterates it twice ({2 * generator:.2f} s, included below)")
    print(f"{'phase':<36}{'seconds':>9}{'%':>7}")
    for name, seconds in phases.items():
        print(f"{name:<36}{seconds:>9.2f}{100 * seconds / total:>7.1f}")
    print(f"{'anonymize + CSV':<36}{total:>9.2f}{100.0:>7.1f}   {rate(n, total):,.0f} rows/s, "
          f"{rate(n, total - 2 * generator):,.0f} without the generator; CSV {csv_bytes / MB:.0f} MB")
    print(f"{'write_sav (from the spool)':<36}{sav_s:>9.2f}{'':>7}   {rate(n, sav_s):,.0f} rows/s; {sav_bytes / MB:.0f} MB")
    print(f"{'write_xlsx (from the spool)':<36}{xlsx_s:>9.2f}{'':>7}   {rate(n, xlsx_s):,.0f} rows/s; {xlsx_bytes / MB:.0f} MB")
    if profiler:
        print("\ncProfile of anonymize + CSV (profiling slows it; shares matter, not seconds):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)

    memory = memory_table(sizes, args.xlsx_all, args.seed, args.deflate) if sizes else []
    if memory:
        print(f"\npeak RSS per size, each in a fresh process (start = after imports and the row pool; XLSX only "
              f"up to {XLSX_DEFAULT_LIMIT:,} rows{'' if not args.xlsx_all else ' (here: all, --xlsx-all)'}, "
              f"since it takes minutes at 1M)")
        print(f"{'rows':>10}{'start MB':>10}{'anon+CSV+SAV MB':>17}{'+XLSX MB':>10}{'anon+CSV+SAV s':>16}{'total s':>9}")
        for m in memory:
            xlsx = f"{m['xlsx_mb']:.0f}" if "xlsx_mb" in m else "-"
            print(f"{m['rows']:>10,}{m['start_mb']:>10.0f}{m['core_mb']:>17.0f}{xlsx:>10}{m['core_s']:>16.1f}"
                  f"{m['seconds']:>9.1f}")

    print(f"\nsummary ({n:,} rows x {len(COLUMNS)} fields, {cpus} CPUs, Python {python}, {platform.machine()}):")
    for label, key, seconds in (("anonymize+CSV", "csv", total), ("SAV", "sav", sav_s), ("XLSX", "xlsx", xlsx_s)):
        value = rate(n, seconds)
        print(f"  {label + ':':<15}{value:>9,.0f} rows/s (target ≥ {TARGETS[key]:,}) {verdict(value, TARGETS[key])}")
    if memory:
        peak = max(max(m["core_mb"], m.get("xlsx_mb", 0)) for m in memory)
        first, last = memory[0], memory[-1]
        print(f"  {'peak RSS:':<15}{peak:>9.0f} MB over {first['rows']:,}–{last['rows']:,} rows (target < "
              f"{TARGETS['rss_mb']} MB) {verdict(peak, TARGETS['rss_mb'], below=True)}; anon+CSV+SAV "
              f"{first['core_mb']:.0f} MB at {first['rows']:,} → {last['core_mb']:.0f} MB at {last['rows']:,} "
              f"(target: flat)")


if __name__ == "__main__":
    main()
