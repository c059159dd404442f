"""Free text: generated PINs, phones, e-mails and known names never survive, ordinary words do."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from anonymizer.hierarchies import OTHER
from anonymizer import Policy, Scrubber, TableAnonymizer
from tests.support.kyrgyz_people import (QUESTIONNAIRE, free_texts, full_names, latin, leaks, name_mentions, phones, pins,
                           questionnaire_rows)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])
KEY = b"generated pseudonym key for tests"
rosters = st.lists(full_names(), min_size=1, max_size=6)


@FAST
@given(st.data(), rosters)
def test_generated_pins_phones_emails_and_roster_names_never_survive_scrubbing(data, roster):
    text, mentions = data.draw(free_texts(roster, max_mentions=6))
    out = Scrubber(roster).scrub(text)
    assert [(m.written, leaks(m, out)) for m in mentions if leaks(m, out)] == [], out


@FAST
@given(st.data(), full_names(), pins(), phones())
def test_the_records_own_identifiers_are_scrubbed_though_no_roster_knows_them(data, name, pin, phone):
    text, mentions = data.draw(free_texts([name], max_mentions=6))
    text = f"{text} {pin} {phone[0]} {name}, коду 100234-s017"
    out = Scrubber().scrub(text, [name, pin, phone[0], "100234-S017"])
    assert [(m.written, leaks(m, out)) for m in mentions if leaks(m, out)] == [], out
    for value in (name, pin, phone[0], phone[1], *name.split(), "100234"):
        assert value.lower() not in out.lower(), out


@FAST
@given(st.data(), rosters)
def test_names_in_every_latin_spelling_people_use_are_scrubbed(data, roster):
    mention = data.draw(name_mentions(roster))
    for scheme in ("scholarly", "passport", "uzbek", "chat"):
        for part in roster[0].split():
            out = Scrubber(roster).scrub(f"сабак {latin(part, scheme)} жакшы өттү")
            assert out == "сабак [NAME] жакшы өттү", (scheme, part, out)
    out = Scrubber(roster).scrub(f"мугалим {mention.written} менен")
    assert leaks(mention, out) == [], out


def test_case_endings_and_kyrgyz_suffixes_of_known_names_are_scrubbed():
    scrubber = Scrubber(["Айгүл Асанова", "Сергей Иванов", "Ольга Токтогулова", "Мария Юсупова", "Айжан Хожиев"])
    for written in ["Асановой", "Асановага", "Асановадын", "Иванову", "Ивановдун", "Ивановым", "Ольгой", "Ольги",
                    "Ольгага", "Сергея", "Сергеем", "Сергейге", "Айгүлдүн", "Айгүлгө", "Токтогуловага", "Марией",
                    "Марии", "Aizhan", "Aizhanga", "Xojiev", "Hojiev", "Khozhiev", "Sergei", "Sergey", "Olga",
                    "AIGUL", "Aygul"]:
        assert scrubber.scrub(f"сабак {written} менен") == "сабак [NAME] менен", written


def test_uzbek_names_match_whether_written_with_uzbek_letters_or_without():
    for roster, written in [("Ғайрат Қодиров", "Гайрат"), ("Ғайрат Қодиров", "Кодировдун"),
                            ("Гайрат Кодиров", "Ғайратга"), ("Ўлмас Ҳасанов", "Улмаска"), ("Улмас Хасанов", "Ҳасанова")]:
        assert Scrubber([roster]).scrub(f"сабак {written} менен") == "сабак [NAME] менен", (roster, written)


def test_pins_and_phones_written_the_ways_people_write_them_are_scrubbed():
    scrubber = Scrubber()
    for written in ["21203199812345", "2 12031998 12345", "2-12031998-12345", "+996 555 12 34 56",
                    "+996(700)123456", "0555 123 456", "0 (555) 12-34-56", "+996555123456", "0555.123.456"]:
        out = scrubber.scrub(f"тел: {written}, чалыңыз")
        assert out in ("тел: [PIN], чалыңыз", "тел: [NUMBER], чалыңыз"), (written, out)


def test_ordinary_text_without_personal_data_comes_back_unchanged():
    scrubber = Scrubber(["Айгүл Асанова", "Бакыт Токтогулов", "Сергей Иванов", "Шерзод Юсупов"])
    for text in ["Сабак абдан жакшы өттү, мугалим баарын түшүндүрдү.",
                 "Практика в мастерской прошла хорошо, оборудование новое, но сварочных аппаратов мало.",
                 "Жатаканада суу жок (3-кабат), ашкана 2 саатта жабылат!",
                 "Хотелось бы больше занятий по технике безопасности; 15 студентов в группе."]:
        assert scrubber.scrub(text) == text


@TABLES
@given(st.data(), rosters, st.integers(4, 25))
def test_no_published_row_of_a_questionnaire_holds_generated_personal_data(data, roster, size):
    drawn = [data.draw(questionnaire_rows(roster)) for _ in range(size)]
    worker = TableAnonymizer("student_questionnaire", QUESTIONNAIRE, Policy(k=2, suppression_limit=1.0), KEY,
                             Scrubber(roster))
    for row, _ in drawn:
        worker.observe(row)
    worker.decide()
    published = [worker.transform(row) for row, _ in drawn]
    names = [c.name for c in worker.output_columns()]
    assert names == ["SubmissionDate", "participant_code", "school_code", "background-sex", "background-region",
                     "satisfaction", "comment", "teacher_comment", "KEY"]
    assert sum(out is not None for out in published) >= size - 1   # k = 2: at most one record removed
    cells = [str(cell) for out in published if out is not None for cell in out if cell is not None]
    everything = "\n".join(cells)
    for (row, mentions), out in zip(drawn, published):
        for mention in mentions:
            assert leaks(mention, everything) == [], (mention.written, row[10], row[11])
        for value in row[1:7] + row[12:]:       # identifiers: dropped or replaced by pseudonyms
            assert value.lower() not in everything.lower()
        if out is not None:
            assert all(len(out[names.index(c)]) == 16 for c in ("participant_code", "KEY"))
            assert out[names.index("school_code")] in (OTHER, None) or len(out[names.index("school_code")]) == 16
