"""CSV, XLSX and codebook writers, read back with the readers analysts use (csv, openpyxl, json)."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from openpyxl import load_workbook

from server.datasets import Variable, codebooks, cut_utf8
from server.datasets.csvs import write_csv
from server.datasets.workbooks import Sheet, sheet_names, write_xlsx

SEX = Variable("background-sex", {"ky": "Жынысы", "ru": "Пол"}, value_labels={"m": {"ky": "Эркек", "ru": "Мужской"},
                                                                               "f": {"ky": "Аял", "ru": "Женский"}},
               type="select one", classification="quasi_identifier", treatment="generalized: exact")
AGE = Variable("age", {"ru": "Возраст"}, numeric=True, measure="scale", type="integer", treatment="kept")


def test_csv_starts_with_a_byte_order_mark_and_reads_back_with_cyrillic_and_missing_cells():
    out = io.BytesIO()
    assert write_csv(out, [SEX, AGE], iter([["m", 17], [None, None], ["f", 18.5]])) == 3
    raw = out.getvalue()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["background-sex", "age"], ["m", "17"], ["", ""], ["f", "18.5"]]


def test_csv_keeps_newlines_and_quotes_inside_one_cell():
    out = io.BytesIO()
    write_csv(out, [SEX], [['строка 1\nстрока "2", и запятая']])
    assert list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))[1] == ['строка 1\nстрока "2", и запятая']


def test_xlsx_has_a_sheet_per_table_with_names_then_labels_in_the_chosen_language():
    out = io.BytesIO()
    counts = write_xlsx(out, [Sheet("main", [SEX, AGE], [["m", 17]]), Sheet("staff/lesson", [SEX], [["f"], ["m"]])],
                        "ky")
    assert counts == {"main": 1, "staff/lesson": 2}
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["main", "staff_lesson"]
    main = [[c.value for c in row] for row in book["main"].iter_rows()]
    assert main == [["background-sex", "age"], ["Жынысы", "Возраст"], ["m", 17]]   # no Kyrgyz label: Russian
    assert book["main"].freeze_panes == "A3"


def test_sheet_names_are_cut_to_31_characters_cleaned_and_made_unique():
    names = sheet_names(["a" * 40, "a" * 40, "x:y/z", "Main", "main"])
    assert names == ["a" * 31, "a" * 29 + "~2", "x_y_z", "Main", "main~2"]
    assert all(len(n) <= 31 for n in names)


def test_xlsx_drops_control_characters_that_the_format_forbids():
    out = io.BytesIO()
    write_xlsx(out, [Sheet("main", [SEX], [["a\x00b\x07c"]])], "ru")
    assert load_workbook(io.BytesIO(out.getvalue()))["main"]["A3"].value == "abc"


def test_codebook_lists_labels_values_treatment_dropped_and_truncations_in_json_and_xlsx():
    book = codebooks.codebook("f", "2026", "Форма", [("main", [SEX, AGE])],
                              [{"file": "f.sav", "variable": "background-sex", "what": "variable label",
                                "original": "Я" * 200, "written": cut_utf8("Я" * 200, 255)}],
                              {"anonymized": True, "k": 5}, [{"table": "main", "variable": "deviceid",
                                                              "reason": "type deviceid"}])
    data = json.loads(codebooks.to_json(book))
    sex = data["tables"][0]["variables"][0]
    assert sex["labels"] == {"ky": "Жынысы", "ru": "Пол"} and sex["treatment"] == "generalized: exact"
    assert sex["values"][0] == {"value": "m", "labels": {"ky": "Эркек", "ru": "Мужской"}}
    assert data["tables"][0]["variables"][1]["storage"] == "numeric"
    assert data["dropped"] == [{"table": "main", "variable": "deviceid", "reason": "type deviceid"}]
    out = io.BytesIO()
    codebooks.write_xlsx(out, book, "ru")
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    assert workbook.sheetnames == ["variables", "values", "dropped", "truncations", "about"]
    assert [c.value for c in workbook["variables"][2]][:4] == ["main", "background-sex", "Жынысы", "Пол"]
    assert workbook["truncations"]["E2"].value == "Я" * 127
    assert zipfile.is_zipfile(io.BytesIO(out.getvalue()))


def test_cut_utf8_never_splits_a_letter():
    assert cut_utf8("Ырыс", 3) == "Ы"
    assert cut_utf8("abc", 3) == "abc"
    assert cut_utf8("Ө" * 10, 7).encode("utf-8") == "Ө".encode("utf-8") * 3
