"""Export benchmark: anonymize N generated submissions of 60 fields, then write CSV, SPSS .sav and XLSX.

Runs the pipeline the server runs for an anonymized dataset (``server.services.dataset_export``)
on generated rows, without Flask or a database: pass 1 observes every row, the k-anonymity
search decides, pass 2 transforms every row into a ``KeyOrder`` (sorted by the pseudonymous
KEY), the sorted rows are typed and spooled, and each writer reads the spool. Every scratch
file is an ``EphemeralFile`` (AES-CTR), as on the server. Not measured: reading and opening the
submissions from the database (twice), and deflating the files into the export's zip unless
``--deflate`` is given.

The rows have the shape of the library's questionnaires: 40 Likert and select-one answers,
7 quasi-identifiers (SubmissionDate, start, today, sex, age band, one of 16 specialties, year of
study), 2 sensitive answers, 2 Kyrgyz/Russian free-text answers that sometimes hold generated
PINs, phones and names, 3 linking identifiers, 2 direct identifiers, 3 integers and the KEY.
They are copied from a seeded pool (2,000 answer rows, 9,973 quasi-identifier tuples, 500 pupils
a school) and given unique KEYs and participant codes; the generator's own cost is measured and
printed so that it can be subtracted. From about 50,000 rows on each of those tuples recurs k
times; with the school code, which the default policy also holds to k, most combinations are
unique, as in real data.

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
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from anonymizer import Column, KeyOrder, Policy, Scrubber, TableAnonymizer  # noqa: E402
from server.datasets.csvs import write_csv  # noqa: E402
from server.datasets.sav import write_sav  # noqa: E402
from server.datasets.workbooks import Sheet, write_xlsx  # noqa: E402
from server.services.dataset_export import PublishedTable, spool  # noqa: E402
from server.services.dataset_tables import KEY, SUBMISSION_DATE, Table, typed, variable  # noqa: E402

FORM_ID, TITLE = "student_questionnaire", "Анкета обучающегося (студента)"
XLSX_LIMIT = 100_000            # memory children write XLSX up to this many rows (unless --xlsx-all)
TARGETS = {"csv": 50_000, "sav": 50_000, "xlsx": 5_000, "rss_mb": 300}
PSEUDONYM_KEY = bytes(range(32))
MB = 1024 * 1024


def _choices(*pairs: str) -> dict:
    """``"value=Kyrgyz|Russian"`` strings as a codebook's choices: value -> {language: label}."""
    out = {}
    for pair in pairs:
        value, labels = pair.split("=", 1)
        ky, ru = labels.split("|")
        out[value] = {"ky": ky, "ru": ru}
    return out


SPECIALTIES = ("welder auto_mechanic tractor_driver electrician turner builder plumber carpenter cook waiter tailor "
               "hairdresser computer_operator farmer sales other").split()
CHOICES = {
    "agree5": _choices("1=Такыр макул эмесмин|Совсем не согласен(-на)", "2=Көбүнчө макул эмесмин|Скорее не согласен",
                       "3=Макулмун да, макул эмесмин да|И да, и нет", "4=Көбүнчө макулмун|Скорее согласен(-на)",
                       "5=Толугу менен макулмун|Полностью согласен(-на)", "dk=Жооп берүү кыйын|Затрудняюсь ответить"),
    "satisf5": _choices("1=Такыр канааттанбайм|Совсем не удовлетворён(-а)", "2=Көбүнчө канааттанбайм|Скорее нет",
                        "3=Орточо|Средне", "4=Көбүнчө канааттанам|Скорее удовлетворён(-а)",
                        "5=Толук канааттанам|Полностью удовлетворён(-а)", "dk=Жооп берүү кыйын|Затрудняюсь ответить"),
    "yes_no": _choices("yes=Ооба|Да", "no=Жок|Нет"),
    "yes_no_dk": _choices("yes=Ооба|Да", "no=Жок|Нет", "dk=Билбейм|Не знаю"),
    "yes_no_pna": _choices("yes=Ооба|Да", "no=Жок|Нет", "pna=Жооп бергим келбейт|Предпочитаю не отвечать"),
    "frequency": _choices("often=Көп|Часто", "sometimes=Кээде|Иногда", "rarely=Сейрек|Редко", "never=Эч качан|Никогда"),
    "hands_on": _choices("every=Дээрлик ар бир сабакта|Почти на каждом занятии", "most=Көпчүлүгүндө|На большинстве",
                         "sometimes=Кээде|Иногда", "rarely=Сейрек|Редко", "never=Эч качан|Никогда"),
    "injury": _choices("none=Жок|Нет", "minor=Жеңил жаракат|Лёгкая травма", "medical=Дарыгерге|Обращался к врачу"),
    "sex": _choices("male=Эркек|Мужской", "female=Аял|Женский"),
    "age_band": _choices("le15=15 жана кичүү|15 и младше", "16_17=16–17 жаш|16–17 лет", "18_19=18–19 жаш|18–19 лет",
                         "20_24=20–24 жаш|20–24 года", "25plus=25 жана улуу|25 и старше"),
    "year_of_study": _choices("1=1-курс|1-й курс", "2=2-курс|2-й курс", "3=3-курс|3-й курс", "4=4-курс|4-й курс"),
    "specialty": _choices(*(f"{s}={s}|{s}" for s in SPECIALTIES)),
}
# The answers of class none, by group: item=choice list (as the student questionnaire asks them).
LIKERT = """\
teaching: theory_to_practice=agree5 teachers_clear=agree5 teachers_feedback=agree5 teachers_prepared=agree5
teaching: teachers_respect=agree5 schedule_kept=agree5
workshops: hands_on=hands_on equipment_enough=agree5 equipment_modern=agree5 materials_enough=agree5
workshops: materials_language=agree5
practice: practice_status=yes_no_dk practice_in_specialty=yes_no_dk practice_learned=agree5 practice_job_offer=yes_no
practice: practice_mentor=yes_no_dk practice_found_by=yes_no
digital: digital_frequency=frequency digital_confident=agree5 library_access=agree5
inclusion: equal_treatment=agree5 accessible_premises=agree5 support_person=agree5 career_guidance=agree5
safety: safety_briefing=agree5 ppe_provided=agree5 feel_safe=agree5 injury_reported=yes_no_dk
satisfaction: sat_theory=satisf5 sat_workshop=satisf5 sat_practice=satisf5 sat_teachers=satisf5
satisfaction: sat_conditions=satisf5 sat_dormitory=satisf5 sat_overall=satisf5 recommend=yes_no_dk
future: plans=frequency job_confidence=agree5 further_study=yes_no_dk"""
LISTS = {"consent": "yes_no"} | {f"{line.split(':')[0]}/{item.split('=')[0]}": item.split("=")[1]
                                 for line in LIKERT.splitlines() for item in line.split()[1:]}
BACKGROUND = {f"background/{n}": n for n in ("sex", "age_band", "specialty", "year_of_study")}
SENSITIVE = {"health/health_limitation": "yes_no_pna", "safety/injury": "injury"}


def _column(path: str, kind: str, classification: str) -> Column:
    return Column(path.replace("/", "-"), path, kind, classification)


QUASI = [SUBMISSION_DATE, _column("start", "dateTime", "quasi_identifier"), _column("today", "date", "quasi_identifier")
         ] + [_column(p, "select1", "quasi_identifier") for p in BACKGROUND]
COLUMNS = QUASI + [
    _column("deviceid", "deviceid", "direct_identifier"),
    *(_column(p, "string", "linking_identifier") for p in ("participant_code", "school_code", "group_code")),
    *(_column(p, "select1", "none") for p in LISTS),
    *(_column(p, "select1", "sensitive") for p in SENSITIVE),
    *(_column(p, "string", "free_text") for p in ("comment", "practice/practice_comment")),
    _column("workshop_photo", "binary", "direct_identifier"),
    *(_column(p, "int", "none") for p in ("practice/hours_per_week", "absences", "household_size")),
    KEY,
]
INDEX = {c.name: i for i, c in enumerate(COLUMNS)}
TABLE = Table("main", None, COLUMNS, [None] * len(COLUMNS), {
    c.name: {"labels": {"ky": f"{c.name}: суроо", "ru": f"{c.name}: насколько вы согласны с утверждением"},
             "choices": CHOICES.get((LISTS | BACKGROUND | SENSITIVE).get(c.path), {}), "odk_type": c.type}
    for c in COLUMNS})

GIVEN = ["Айгүл", "Бакыт", "Нургүл", "Эрмек", "Жылдыз", "Азамат", "Мээрим", "Талант", "Бермет", "Жаныбек",
         "Өмүрбек", "Чолпон", "Ольга", "Сергей", "Ирина", "Дмитрий", "Елена", "Шерзод", "Дильноза", "Улугбек"]
FAMILY = ["Асанов", "Токтогулова", "Жумабеков", "Абдыкадырова", "Сыдыков", "Турдубаева", "Осмонова",
          "Бейшеналиев", "Мамытов", "Кочкорбаева", "Иванов", "Смирнова", "Кузнецов", "Юсупов", "Каримова"]
STAFF = tuple(f"{family} {given}" for family, given in zip(FAMILY * 3, GIVEN * 2))   # the scrubber's known names
SENTENCES = [   # what people write in open answers; one in five sentences is personal (PERSONAL)
    "Устаканада жабдуулар эски, баарыбызга жетпейт.", "Практика өтө кыска болду, көп нерсе үйрөнө алган жокмун.",
    "Жатаканада кыш бою суук, жылуулук жок.", "Окуу китептери кыргыз тилинде аз, орусча гана бар.",
    "Нужно больше практики в мастерской, сварочных аппаратов не хватает на всех.",
    "Оборудование старое, половина станков не работает уже второй год.",
    "Хотелось бы больше занятий на компьютере и современных программ.", "В столовой дорого, а кормят плохо.",
]
PERSONAL = [
    "Мугалим {name} жакшы түшүндүрөт, бирок сабакка кечигет.", "Менин телефонум {phone}, чалып коюңуз.",
    "Стипендия убагында берилбейт, ПИН {pin} боюнча текшериңиз.", "Мой ПИН {pin}, стипендию не выплачивают с января.",
    "Мастер {name} требует деньги за зачёт, об этом знают все.", "Позвоните мне по номеру {phone}, расскажу подробнее.",
    "Куратор {name} помогла с общежитием, спасибо ей.", "Код участника {code}, анкету заполнял на планшете.",
]


# ---- generated rows -------------------------------------------------------------------------------

@dataclass
class Pool:
    """Pre-built answers; ``submissions`` copies them and gives each row its own KEY and codes."""

    rows: list[list]
    quasi: list[tuple]          # quasi-identifier tuples, cycled with another period than the rows
    schools: list[str]
    key_prefix: str


def build_pool(seed: int, size: int = 2000, quasi_size: int = 9973) -> Pool:
    rng = random.Random(seed)
    quasi = [_quasi(rng) for _ in range(quasi_size)]
    rows = [[answers.get(c.path) for c in COLUMNS] for answers in (_answers(rng) for _ in range(size))]
    schools = [f"{n:06d}" for n in rng.sample(range(100_000, 1_000_000), 2000)]
    return Pool(rows, quasi, schools, str(uuid.UUID(int=rng.getrandbits(128), version=4))[:24])


def _quasi(rng: random.Random) -> tuple:
    start = datetime(2026, 3, 2, 8, tzinfo=timezone(timedelta(hours=6))) + timedelta(
        days=rng.randrange(54), seconds=rng.randrange(9 * 3600))
    submitted = (start + timedelta(minutes=rng.randint(12, 3 * 24 * 60))).astimezone(timezone.utc)
    pick = lambda name, weights: rng.choices(list(CHOICES[name]), weights)[0]  # noqa: E731
    return (f"{submitted:%Y-%m-%dT%H:%M:%S}.{rng.randrange(1000):03d}Z", start.isoformat(timespec="milliseconds"),
            start.date().isoformat(), pick("sex", [55, 45]), pick("age_band", [4, 46, 34, 12, 4]),
            pick("specialty", [16, 12, 6, 9, 4, 8, 4, 5, 10, 3, 6, 5, 5, 3, 3, 1]),
            pick("year_of_study", [36, 34, 25, 5]))


def _answers(rng: random.Random) -> dict:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"
    answers = {"deviceid": "collect:" + "".join(rng.choices(alphabet, k=16)),
               "group_code": f"{rng.choice(['ЭГС', 'АМ', 'ПК', 'ТШ', 'ОКТ', 'СТ'])}-{rng.randint(21, 25)}",
               "workshop_photo": f"{rng.randrange(10 ** 12, 10 ** 13)}.jpg" if rng.random() < 0.6 else None,
               "practice/hours_per_week": str(rng.randint(0, 36)) if rng.random() < 0.7 else None,
               "absences": str(rng.randint(0, 20)), "household_size": str(rng.randint(1, 11)),
               "comment": _free_text(rng) if rng.random() < 0.45 else None,
               "practice/practice_comment": _free_text(rng) if rng.random() < 0.2 else None}
    for path, name in (LISTS | SENSITIVE).items():
        if rng.random() > 0.03:   # not relevant, or skipped
            values = list(CHOICES[name])
            answers[path] = rng.choices(values, list(range(2, len(values) + 1)) + [1])[0]   # the last is rare
    return answers


def _free_text(rng: random.Random) -> str:
    """One to four sentences, Kyrgyz or Russian; some name someone, or give a phone, a PIN or a code."""
    return " ".join(rng.choice(PERSONAL if rng.random() < 0.2 else SENTENCES).format(
        name=_person(rng), phone=_phone(rng), pin=_pin(rng),
        code=f"{rng.randrange(100_000, 1_000_000)}-S{rng.randint(1, 400):03d}")
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4])))


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
    """``count`` fresh rows: a pool row, a quasi-identifier tuple, a unique KEY and participant code."""
    rows, quasi, schools, prefix = pool.rows, pool.quasi, pool.schools, pool.key_prefix
    code, school_at, key, width = INDEX["participant_code"], INDEX["school_code"], INDEX["KEY"], len(QUASI)
    for i in range(count):
        row = rows[i % len(rows)][:]
        row[:width] = quasi[i % len(quasi)]
        school = schools[i // 500 % len(schools)]
        row[code], row[school_at], row[key] = f"{school}-S{i % 500 + 1:03d}", school, f"uuid:{prefix}{i:012x}"
        yield row


# ---- the pipeline ---------------------------------------------------------------------------------

class Discard(io.RawIOBase):
    """A sink that counts the bytes and keeps none."""

    def __init__(self):
        super().__init__()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += memoryview(data).nbytes
        return memoryview(data).nbytes


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


class Laps:
    """Wall and CPU seconds per phase (CPU time says what the phase costs on a busy machine)."""

    def __init__(self):
        self.phases: dict[str, tuple[float, float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.phases[name] = (wall - self._wall, cpu - self._cpu)
        self._wall, self._cpu = wall, cpu

    def total(self) -> tuple[float, float]:
        return sum(w for w, _ in self.phases.values()), sum(c for _, c in self.phases.values())


def anonymize_csv(pool: Pool, count: int, deflate: bool) -> tuple[PublishedTable, TableAnonymizer, Laps, int]:
    """The server's anonymized path up to the CSV: the spool, the anonymizer, the phases and the CSV's bytes."""
    laps = Laps()
    worker = TableAnonymizer(FORM_ID, COLUMNS, Policy(), PSEUDONYM_KEY, Scrubber(STAFF))
    for row in submissions(pool, count):
        worker.observe(row)
    laps.lap("pass 1: observe")
    worker.decide()
    outputs = worker.output_columns()
    order = KeyOrder([c.name for c in outputs].index("KEY"), sum(worker.observation.counts.values()), spool)
    laps.lap("decide (k-anonymity search)")
    for row in submissions(pool, count):
        out = worker.transform(row)
        if out is not None:
            order.add(out)
    laps.lap("pass 2: transform + KeyOrder.add")
    variables = [variable(TABLE, c.source, c.treatment) for c in outputs]
    published = PublishedTable(TABLE, variables)
    for row in order:
        published.add(typed(variables, row))
    order.close()
    laps.lap("key order + typed + spool")
    output = Output("main.csv", deflate, discard=True)
    with output as sink:
        write_csv(sink, variables, published)
    laps.lap("write_csv")
    return published, worker, laps, output.size


def write_file(published: PublishedTable, kind: str, deflate: bool) -> tuple[float, float, int]:
    """Write the spool as ``sav`` or ``xlsx``; returns seconds (wall, CPU) and the file's bytes."""
    wall, cpu, output = time.perf_counter(), time.process_time(), Output(f"main.{kind}", deflate)
    with output as sink:
        if kind == "sav":
            write_sav(sink, published.variables, published, published.widths, language="ru", file_label=TITLE)
        else:
            write_xlsx(sink, [Sheet("main", published.variables, published)], "ru")
    return time.perf_counter() - wall, time.process_time() - cpu, output.size


# ---- memory, in fresh processes -------------------------------------------------------------------

def peak_rss_mb() -> float:
    """This process's peak RSS. On Linux VmHWM: ``ru_maxrss`` would include the parent's RSS at the fork."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak / 1024


def child(count: int, xlsx: bool, seed: int, deflate: bool) -> None:
    """One memory measurement: the whole pipeline on ``count`` rows; prints one JSON line."""
    import numpy, openpyxl, pandas, pyreadstat  # noqa: E401,F401  the writers load them: part of the start
    pool = build_pool(seed)
    result = {"rows": count, "start_mb": peak_rss_mb()}
    started = time.perf_counter()
    published, _, _, _ = anonymize_csv(pool, count, deflate)
    write_file(published, "sav", deflate)
    result.update(core_mb=peak_rss_mb(), core_s=time.perf_counter() - started)
    if xlsx:
        write_file(published, "xlsx", deflate)
        result["xlsx_mb"] = peak_rss_mb()
    result["seconds"] = time.perf_counter() - started
    published.file.close()
    print(json.dumps(result))


def memory_runs(sizes: list[int], xlsx_all: bool, seed: int, deflate: bool) -> list[dict]:
    results = []
    for n in sizes:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", str(n), "--seed", str(seed)]
        command += (["--child-xlsx"] if xlsx_all or n <= XLSX_LIMIT else []) + (["--deflate"] if deflate else [])
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the memory run of {n:,} rows failed:\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


# ---- the report -----------------------------------------------------------------------------------

def rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def verdict(value: float, target: float, below: bool = False) -> str:
    return "met" if (value < target if below else value >= target) else "MISSED"


def print_timings(n: int, generator: float, laps: Laps, csv_bytes: int, sav, xlsx) -> None:
    wall, cpu = laps.total()
    print(f"generator alone: {generator:.2f} s per pass ({rate(n, generator):,.0f} rows/s); anonymize + CSV "
          f"iterates it twice ({2 * generator:.2f} s, included below)")
    print(f"{'phase':<36}{'wall s':>8}{'CPU s':>8}{'%':>7}")
    for name, (w, c) in laps.phases.items():
        print(f"{name:<36}{w:>8.2f}{c:>8.2f}{100 * w / wall:>7.1f}")
    print(f"{'anonymize + CSV':<36}{wall:>8.2f}{cpu:>8.2f}{100:>7.1f}  {rate(n, wall):,.0f} rows/s, "
          f"{rate(n, wall - 2 * generator):,.0f} without the generator; CSV {csv_bytes / MB:.1f} MB")
    for name, (w, c, size) in (("write_sav (from the spool)", sav), ("write_xlsx (from the spool)", xlsx)):
        print(f"{name:<36}{w:>8.2f}{c:>8.2f}{'':>7}  {rate(n, w):,.0f} rows/s; {size / MB:.1f} MB")


def print_memory(memory: list[dict], xlsx_all: bool) -> None:
    limit = "at every size (--xlsx-all)" if xlsx_all else f"only up to {XLSX_LIMIT:,} rows: at 1M it takes minutes"
    print(f"\npeak RSS, each size in a fresh process (start: after imports and the row pool; XLSX {limit})")
    print(f"{'rows':>10}{'start MB':>10}{'anon+CSV+SAV MB':>17}{'+XLSX MB':>10}{'anon+CSV+SAV s':>16}{'total s':>9}")
    for m in memory:
        xlsx = f"{m['xlsx_mb']:.0f}" if "xlsx_mb" in m else "-"
        print(f"{m['rows']:>10,}{m['start_mb']:>10.0f}{m['core_mb']:>17.0f}{xlsx:>10}{m['core_s']:>16.1f}"
              f"{m['seconds']:>9.1f}")


def print_summary(n: int, laps: Laps, sav, xlsx, memory: list[dict]) -> None:
    print(f"\nsummary ({n:,} rows x {len(COLUMNS)} fields, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.machine()}):")
    for label, key, seconds in (("anonymize+CSV", "csv", laps.total()[0]), ("SAV", "sav", sav[0]),
                                ("XLSX", "xlsx", xlsx[0])):
        value = rate(n, seconds)
        print(f"  {label + ':':<15}{value:>9,.0f} rows/s (target ≥ {TARGETS[key]:,})  {verdict(value, TARGETS[key])}")
    if memory:
        peak = max(max(m["core_mb"], m.get("xlsx_mb", 0)) for m in memory)
        first, last = memory[0], memory[-1]
        print(f"  {'peak RSS:':<15}{peak:>9.0f} MB over {first['rows']:,}–{last['rows']:,} rows (target < "
              f"{TARGETS['rss_mb']} MB)  {verdict(peak, TARGETS['rss_mb'], below=True)}")
        print(f"  {'flatness:':<15}anonymize+CSV+SAV {first['core_mb']:.0f} MB at {first['rows']:,} rows, "
              f"{last['core_mb']:.0f} MB at {last['rows']:,} (target: flat)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="submissions in the timed run")
    parser.add_argument("--memory-sizes", default="10000,100000,1000000",
                        help="comma-separated row counts, each measured in a fresh process ('' for none)")
    parser.add_argument("--xlsx-all", action="store_true", help=f"XLSX in memory runs above {XLSX_LIMIT:,} rows too")
    parser.add_argument("--deflate", action="store_true", help="write into deflated zip entries, as the server does")
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
    with profiler or contextlib.nullcontext():
        published, worker, laps, csv_bytes = anonymize_csv(pool, n, args.deflate)
    sav = write_file(published, "sav", args.deflate)
    xlsx = write_file(published, "xlsx", args.deflate)
    published.file.close()
    risk = worker.risk_report()

    print(f"export benchmark: {n:,} generated submissions x {len(COLUMNS)} fields ({len(published.variables)} "
          f"published), seed {args.seed}{', deflated zip entries' if args.deflate else ''}")
    print(f"k-anonymity: k {risk['k_required']} required, {risk['k_reached']} reached; {risk['records_out']:,} "
          f"records out, {risk['records_with_suppressed_quasi_identifiers']:,} with suppressed quasi-identifiers; "
          f"levels {risk['generalization_levels']}")
    print_timings(n, generator, laps, csv_bytes, sav, xlsx)
    if profiler:
        print("\ncProfile of anonymize + CSV (profiling slows it down: read the shares, not the seconds)")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
    memory = memory_runs(sizes, args.xlsx_all, args.seed, args.deflate) if sizes else []
    if memory:
        print_memory(memory, args.xlsx_all)
    print_summary(n, laps, sav, xlsx, memory)


if __name__ == "__main__":
    main()
