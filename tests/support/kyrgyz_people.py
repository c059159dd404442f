"""Hypothesis strategies for generated personal data shaped like Kyrgyz data (never real people).

PINs (sex digit 1 or 2, birth date DDMMYYYY, five digits), phones (+996 and nine digits, written
the ways people write them), e-mail addresses, and Kyrgyz, Russian and Uzbek names in Cyrillic, in
the Latin spellings people use (scholarly, passport/ICAO, Uzbek Latin, chat), with Russian case
endings and Kyrgyz suffixes. Each generated mention carries the strings that must never survive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import strategies as st

from anonymizer import Column

# Regions as the forms code them: Bishkek and Osh cities, then the seven oblasts.
REGIONS = ["bishkek", "osh_city", "batken", "jalal_abad", "issyk_kul", "naryn", "osh", "talas", "chui"]

# ---- names -----------------------------------------------------------------------------------------

KYRGYZ_GIVEN = ["Айгүл", "Бакыт", "Нургүл", "Эрмек", "Жылдыз", "Айжан", "Чынара", "Азамат", "Гүлзат",
                "Мээрим", "Талант", "Бермет", "Жаныбек", "Айбек", "Өмүрбек", "Чолпон"]
KYRGYZ_FAMILY = ["Асанов", "Асанова", "Токтогулов", "Токтогулова", "Жумабеков", "Абдыкадырова", "Сыдыков",
                 "Турдубаева", "Осмонова", "Бейшеналиев", "Мамытов", "Кочкорбаева"]
RUSSIAN_GIVEN = ["Ольга", "Сергей", "Ирина", "Дмитрий", "Елена", "Наталья", "Андрей", "Татьяна", "Людмила"]
RUSSIAN_FAMILY = ["Иванов", "Иванова", "Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Морозова"]
UZBEK_GIVEN = ["Шерзод", "Дильноза", "Улугбек", "Хуршид", "Нодира", "Бахтиёр", "Зарина", "Жавлон"]
UZBEK_FAMILY = ["Юсупов", "Каримова", "Рахимов", "Хожиев", "Мирзаева", "Эргашев", "Насриддинова"]
GIVEN = KYRGYZ_GIVEN + RUSSIAN_GIVEN + UZBEK_GIVEN
FAMILY = KYRGYZ_FAMILY + RUSSIAN_FAMILY + UZBEK_FAMILY
NAME_PARTS = GIVEN + FAMILY

_COMMON = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "з": "z", "и": "i", "к": "k", "л": "l",
           "м": "m", "н": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u",
           "ф": "f", "ч": "ch", "ш": "sh", "ь": "", "ъ": "", "э": "e", "щ": "shch"}
LATIN_SCHEMES = {
    "scholarly": {**_COMMON, "ё": "yo", "ж": "zh", "й": "y", "ң": "ng", "х": "kh", "ц": "ts", "ы": "y",
                  "ю": "yu", "я": "ya"},
    "passport": {**_COMMON, "ё": "e", "ж": "zh", "й": "i", "ң": "n", "х": "kh", "ц": "ts", "ы": "y",
                 "ю": "iu", "я": "ia"},
    "uzbek": {**_COMMON, "ё": "yo", "ж": "j", "й": "y", "ң": "ng", "х": "x", "ц": "ts", "ы": "i",
              "ю": "yu", "я": "ya"},
    "chat": {**_COMMON, "ё": "yo", "ж": "j", "й": "i", "ң": "n", "х": "h", "ц": "c", "ы": "y",
             "ю": "yu", "я": "ya"},
}


def latin(part: str, scheme: str) -> str:
    """``part`` in one Latin spelling, capitalised as written (``Айжан`` -> ``Aizhan`` in passports)."""
    table = LATIN_SCHEMES[scheme]
    out = "".join(table.get(ch, ch) for ch in part.lower())
    return out.upper() if part.isupper() and len(part) > 1 else out.capitalize()


def latin_forms(part: str) -> set[str]:
    return {latin(part, scheme).lower() for scheme in LATIN_SCHEMES}


# Russian case endings by how the name part ends (every part above keeps a stem of four letters or more:
# the scrubber matches shorter ones only as written); Kyrgyz case suffixes (both harmonies, plural, "like").
RUSSIAN_ENDINGS = [("ова", "ов", ["ой", "у", "ою"]), ("ева", "ев", ["ой", "у"]), ("ина", "ин", ["ой", "у"]),
                   ("ов", "ов", ["а", "у", "ым", "е", "ых"]), ("ев", "ев", ["а", "у", "ым", "е"]),
                   ("ин", "ин", ["а", "у", "ым", "е"]), ("а", "", ["ы", "е", "у", "ой"]),
                   ("я", "", ["и", "е", "ю", "ей"]), ("й", "", ["я", "ю", "ем", "е"])]
CONSONANT_ENDINGS = ["а", "у", "ом", "е"]
KYRGYZ_SUFFIXES = ["га", "ге", "го", "гө", "ка", "ке", "ко", "дын", "дин", "дун", "дүн", "нын", "нун", "тын",
                   "ды", "ду", "ны", "ну", "дан", "дон", "тан", "да", "до", "та", "дай", "дор", "лар"]
LATIN_SUFFIXES = ["ga", "ge", "ka", "dyn", "dun", "nyn", "ny", "dan", "da"]


def russian_case(part: str, index: int) -> str:
    """``part`` in an oblique case: Асанова -> Асановой, Иванов -> Иванову, Ольга -> Ольгой, Сергей -> Сергея."""
    for ending, kept, endings in RUSSIAN_ENDINGS:
        if part.lower().endswith(ending):
            stem = part[:len(part) - len(ending)] + kept
            chosen = endings[index % len(endings)]
            if chosen == "ы" and stem[-1].lower() in "гкхжшчщ":
                chosen = "и"
            return stem + chosen
    return part + CONSONANT_ENDINGS[index % len(CONSONANT_ENDINGS)]


@dataclass(frozen=True)
class Mention:
    """Something personal as written into a free-text answer, and what must never come out again."""

    kind: str                       # pin, phone, email, name, code
    written: str                    # as it appears in the text
    forbidden_text: tuple[str, ...]     # never a substring of the output (case-insensitive)
    forbidden_digits: tuple[str, ...] = ()   # never in the output once separators are removed


def _digits_only(text: str) -> str:
    return re.sub(r"[\s\-().+/]", "", text)


def leaks(mention: Mention, published: str) -> list[str]:
    """What of ``mention`` survives in ``published`` (scrubbing markers taken out first)."""
    text = re.sub(r"\[(?:NAME|ID|PIN|CODE|EMAIL|NUMBER)\]", " ", published).lower()
    found = [f for f in mention.forbidden_text if f.lower() in text]
    packed = _digits_only(text)
    return found + [d for d in mention.forbidden_digits if d in packed]


# ---- strategies ------------------------------------------------------------------------------------

birth_dates = st.dates(min_value=date(1960, 1, 1), max_value=date(2010, 12, 31))


@st.composite
def pins(draw) -> str:
    """A 14-digit PIN: 1 or 2, the birth date DDMMYYYY, five digits."""
    born = draw(birth_dates)
    return f"{draw(st.sampled_from('12'))}{born:%d%m%Y}{draw(st.integers(0, 99999)):05d}"


OPERATORS = ["555", "550", "557", "700", "701", "705", "770", "777", "500", "505", "220", "222", "990", "999",
             "755"]


@st.composite
def phones(draw) -> tuple[str, str]:
    """(as written, the nine national digits): +996 555 12 34 56, +996(700)123456, 0555 123 456 …"""
    op = draw(st.sampled_from(OPERATORS))
    n = f"{draw(st.integers(0, 999999)):06d}"
    written = draw(st.sampled_from([
        f"+996 {op} {n[:2]} {n[2:4]} {n[4:]}", f"+996({op}){n}", f"0{op} {n[:3]} {n[3:]}", f"+996{op}{n}",
        f"0 ({op}) {n[:2]}-{n[2:4]}-{n[4:]}", f"996 {op} {n}", f"{op}-{n[:2]}-{n[2:4]}-{n[4:]}",
        f"0{op}{n}", f"+996 ({op}) {n[:3]}-{n[3:]}", f"0{op}.{n[:3]}.{n[3:]}"]))
    return written, op + n


@st.composite
def pin_mentions(draw) -> Mention:
    pin = draw(pins())
    written = draw(st.sampled_from([pin, f"{pin[0]} {pin[1:9]} {pin[9:]}", f"{pin[0]}-{pin[1:9]}-{pin[9:]}",
                                    f"{pin[0]} {pin[1:3]} {pin[3:5]} {pin[5:9]} {pin[9:]}"]))
    return Mention("pin", written, (written,), (pin,))


@st.composite
def phone_mentions(draw) -> Mention:
    written, national = draw(phones())
    return Mention("phone", written, (written,), (national, _digits_only(written)))


DOMAINS = ["mail.kg", "gmail.com", "mail.ru", "yandex.ru", "inbox.ru", "elcat.kg", "kyrgyztelecom.kg"]


@st.composite
def emails(draw) -> str:
    given, family = draw(st.sampled_from(GIVEN)), draw(st.sampled_from(FAMILY))
    scheme = draw(st.sampled_from(sorted(LATIN_SCHEMES)))
    parts = [latin(given, scheme).lower(), latin(family, scheme).lower()]
    local = draw(st.sampled_from([".", "_", "", "-"])).join(draw(st.permutations(parts))[:draw(st.integers(1, 2))])
    local += draw(st.sampled_from(["", str(draw(st.integers(1, 99))), f"{draw(birth_dates):%Y}"]))
    return f"{local}@{draw(st.sampled_from(DOMAINS))}"


@st.composite
def email_mentions(draw) -> Mention:
    address = draw(emails())
    local = address.split("@")[0]
    return Mention("email", address, (address, local))


@st.composite
def name_mentions(draw, names: list[str]) -> Mention:
    """One part of one of ``names`` as someone would write it: any case, Latin, inflected."""
    full = draw(st.sampled_from(names))
    parts = [p for p in full.split() if len(p) >= 3]
    part = draw(st.sampled_from(parts))
    shape = draw(st.sampled_from(["as is", "lower", "upper", "latin", "russian case", "kyrgyz suffix",
                                  "latin suffix", "full name"]))
    if shape == "full name":
        written = full
    elif shape == "lower":
        written = part.lower()
    elif shape == "upper":
        written = part.upper()
    elif shape == "latin":
        written = latin(part, draw(st.sampled_from(sorted(LATIN_SCHEMES))))
    elif shape == "russian case":
        written = russian_case(part, draw(st.integers(0, 3)))
    elif shape == "kyrgyz suffix":
        written = part + draw(st.sampled_from(KYRGYZ_SUFFIXES))
    elif shape == "latin suffix":
        written = latin(part, draw(st.sampled_from(sorted(LATIN_SCHEMES)))) + draw(st.sampled_from(LATIN_SUFFIXES))
    else:
        written = part
    mentioned = parts if shape == "full name" else [part]
    forbidden = {written.lower()} | {p.lower() for p in mentioned}
    for p in mentioned:
        forbidden |= latin_forms(p)
    return Mention("name", written, tuple(sorted(forbidden)))


@st.composite
def full_names(draw) -> str:
    """Given name and family name (sometimes reversed, as in registers), Kyrgyz, Russian or Uzbek."""
    origin = draw(st.sampled_from([(KYRGYZ_GIVEN, KYRGYZ_FAMILY), (RUSSIAN_GIVEN, RUSSIAN_FAMILY),
                                   (UZBEK_GIVEN, UZBEK_FAMILY), (GIVEN, FAMILY)]))
    given, family = draw(st.sampled_from(origin[0])), draw(st.sampled_from(origin[1]))
    return draw(st.sampled_from([f"{given} {family}", f"{family} {given}"]))


# Ordinary words of open answers at a college (Kyrgyz and Russian): no name hides in any of them.
ORDINARY_WORDS = [
    "сабак", "мугалим", "окуучу", "студент", "колледж", "абдан", "жакшы", "жаман", "өттү", "практика", "устакана",
    "жабдуу", "жаңы", "эски", "китеп", "бүгүн", "эртең", "жана", "менен", "үчүн", "бирок", "биз", "алар", "иш",
    "тамак", "жатакана", "стипендия", "занятие", "преподаватель", "мастер", "хорошо", "плохо", "очень", "учеба",
    "группа", "общежитие", "оборудование", "новое", "старое", "сварка", "повар", "урок", "вчера", "сегодня", "и",
    "но", "что", "нет", "да", "курс", "мастерская", "тел.", "ПИН:", "почта:", "звонить", "номер", "2", "3-курс",
    "15", "№4", "(жок)", "«жакшы»",
]
SEPARATORS = [" ", " ", " ", ", ", ". ", " — ", ": ", "; ", "\n", " (", ") ", "! ", "? ", " / "]


def _check_vocabulary() -> None:
    """The generators are only sound if no ordinary word or marker contains a name part or its spelling."""
    spelled = {p.lower() for p in NAME_PARTS} | {s for p in NAME_PARTS for s in latin_forms(p)}
    fixed = ORDINARY_WORDS + ["name", "number", "email", "code", "pin", "other", "uuid"] + REGIONS \
        + [d.split(".")[0] for d in DOMAINS]
    clashes = [(w, s) for w in fixed for s in spelled if s in w.lower()]
    hexlike = [s for s in spelled if re.fullmatch(r"[a-f]+", s)]
    assert not clashes and not hexlike, (clashes, hexlike)


_check_vocabulary()


@st.composite
def free_texts(draw, names: list[str], max_mentions: int = 4) -> tuple[str, list[Mention]]:
    """An open answer of ordinary words with personal data put at random places."""
    kinds = [pin_mentions(), phone_mentions(), email_mentions()] + ([name_mentions(names)] * 3 if names else [])
    mentions = draw(st.lists(st.one_of(kinds), max_size=max_mentions))
    words = draw(st.lists(st.sampled_from(ORDINARY_WORDS), min_size=1, max_size=12))
    pieces: list[str] = list(words)
    for m in mentions:
        pieces.insert(draw(st.integers(0, len(pieces))), m.written)
    text = pieces[0]
    for piece in pieces[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + piece
    return text + draw(st.sampled_from(["", ".", "!", " ))"])), mentions


# ---- a questionnaire table -------------------------------------------------------------------------

QUESTIONNAIRE = [
    Column("SubmissionDate", "__system/submissionDate", "dateTime", "quasi_identifier"),
    Column("respondent-full_name", "respondent/full_name", "string", "direct_identifier"),
    Column("respondent-pin", "respondent/pin", "string", "direct_identifier"),
    Column("respondent-phone", "respondent/phone", "string", "direct_identifier"),
    Column("respondent-email", "respondent/email", "string", "direct_identifier"),
    Column("participant_code", "participant_code", "string", "linking_identifier"),
    Column("school_code", "school_code", "string", "linking_identifier"),
    Column("background-sex", "background/sex", "select1", "quasi_identifier"),
    Column("background-region", "background/region", "select1", "quasi_identifier"),
    Column("satisfaction", "satisfaction", "int", "none"),
    Column("comment", "comment", "string", "free_text"),
    Column("teacher_comment", "teacher/comment", "text", "free_text"),
    Column("KEY", "KEY", "string", "linking_identifier"),
]


@st.composite
def participant_codes(draw) -> str:
    """A participant code: the six-digit school code, a role letter, three digits (``100234-S017``)."""
    return f"{draw(st.integers(100000, 999999))}-{draw(st.sampled_from('SGT'))}{draw(st.integers(0, 999)):03d}"


@st.composite
def instance_ids(draw) -> str:
    return f"uuid:{draw(st.uuids())}"


@st.composite
def submission_times(draw) -> str:
    moment = date(2026, 9, 1) + timedelta(days=draw(st.integers(0, 120)))
    return f"{moment:%Y-%m-%d}T{draw(st.integers(8, 18)):02d}:{draw(st.integers(0, 59)):02d}:00.000Z"


@st.composite
def questionnaire_rows(draw, roster: list[str]) -> tuple[list, list[Mention]]:
    """One submission whose open answers mention the respondent, roster names, PINs, phones, e-mails."""
    name, pin = draw(full_names()), draw(pins())
    phone, national = draw(phones())
    email = draw(emails())
    known = roster + [name]
    comment, said = draw(free_texts(known))
    teacher, said_too = draw(free_texts(known, max_mentions=2))
    code = draw(participant_codes())
    if draw(st.booleans()):      # the respondent writes down their own identifiers as the form holds them
        comment += f" {pin}, {phone}, {email}, {code.lower()}"
        said = said + [Mention("pin", pin, (pin,), (pin,)), Mention("phone", phone, (phone,), (national,)),
                       Mention("email", email, (email, email.split("@")[0])), Mention("code", code, (code,))]
    row = [draw(submission_times()), name, pin, phone, email, code, code[:6], draw(st.sampled_from("fm")),
           draw(st.sampled_from(REGIONS)), str(draw(st.integers(1, 5))), comment, teacher, draw(instance_ids())]
    return row, said + said_too
