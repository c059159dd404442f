"""The SPSS writer, checked by reading every file back with pyreadstat (readstat), an independent reader."""
from __future__ import annotations

import io
import math
import struct
import sys
import tempfile
import zipfile
from pathlib import Path

import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.datasets import Truncation, Variable, cut_utf8
from server.datasets.sav import SavResult, write_sav

KYRGYZ = "Сиздин билим берүү мекемеңиздеги окутуунун сапаты кандай деп ойлойсуз? Өңүттөр, үй-бүлө, жаштар"
RUSSIAN = "Как вы оцениваете качество обучения в вашем учебном заведении? Ёлки, щётка, объём, подъезд"


def _write(variables, rows, widths=None, *, language="ru", file_label=""):
    target = io.BytesIO()
    result = write_sav(target, variables, rows, widths or {}, language=language, file_label=file_label)
    return result, target.getvalue()


def _read(data: bytes, **options):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "read.sav"
        path.write_bytes(data)
        return pyreadstat.read_sav(str(path), **options)


def _round_trip(variables, rows, widths=None, *, language="ru", file_label="", **options):
    result, data = _write(variables, rows, widths, language=language, file_label=file_label)
    frame, meta = _read(data, **options)
    return result, frame, meta


def _column(frame, name):
    return [None if isinstance(value, float) and math.isnan(value) else value for value in frame[name]]


def _widths(variables, rows):
    """What the caller computes in its first pass: each string column's longest value in UTF-8 bytes."""
    return {variable.name: max([len((row[index] or "").encode("utf-8")) for row in rows] + [0])
            for index, variable in enumerate(variables) if not variable.numeric}


def test_numbers_text_and_missing_values_come_back_in_their_columns():
    variables = [Variable("age", numeric=True), Variable("city"), Variable("score", numeric=True)]
    rows = [[17, "Бишкек", 4.25], [None, None, -1e10], [0, "Ош шаары", None], [3, "", 0.1]]
    result, frame, meta = _round_trip(variables, rows, _widths(variables, rows))

    assert result == SavResult(names={"age": "age", "city": "city", "score": "score"}, truncations=[], rows=4)
    assert meta.column_names == ["age", "city", "score"]
    assert _column(frame, "age") == [17, None, 0, 3]
    assert _column(frame, "city") == ["Бишкек", "", "Ош шаары", ""]
    assert _column(frame, "score") == [4.25, -1e10, None, 0.1]
    assert meta.file_encoding == "UTF-8"


def test_case_count_is_written_as_unknown_and_readers_count_the_cases():
    variables = [Variable("x", numeric=True)]
    _, data = _write(variables, [[1], [2], [3]])
    assert data[:4] == b"$FL2"
    assert struct.unpack_from("<i", data, 80)[0] == -1
    frame, meta = _read(data)
    assert meta.number_rows == 3
    assert list(frame["x"]) == [1, 2, 3]


def test_missing_numbers_are_spss_system_missing_not_nan():
    # readstat reads NaN as missing too, so look at the case itself: the last 8 bytes of the file.
    for value in (None, float("nan"), ""):
        _, data = _write([Variable("x", numeric=True)], [[value]])
        assert struct.unpack("<d", data[-8:])[0] == -sys.float_info.max
    _, data = _write([Variable("x", numeric=True)], [[1.5]])
    assert struct.unpack("<d", data[-8:])[0] == 1.5


def test_very_long_strings_over_255_and_512_bytes_come_back_whole():
    # 'a' first puts every segment boundary (255, 510, ...) in the middle of a two-byte letter.
    values = ["a" + "Ж" * 150, "a" + "ж" * 300, "b" * 512, "в" * 2000, None, "short"]
    variables = [Variable("free_text"), Variable("n", numeric=True)]
    rows = [[value, index] for index, value in enumerate(values)]
    _, frame, meta = _round_trip(variables, rows, _widths(variables, rows))

    assert _column(frame, "free_text") == [v or "" for v in values]
    assert list(frame["n"]) == list(range(len(values)))
    assert meta.original_variable_types["free_text"] == "A4000"


def test_values_longer_than_their_width_are_cut_between_letters():
    variables = [Variable("short"), Variable("long")]
    rows = [["ыйык", "ы" * 400]]
    _, frame, _ = _round_trip(variables, rows, {"short": 5, "long": 301})
    assert _column(frame, "short") == ["ый"]
    assert _column(frame, "long") == ["ы" * 150]


def test_string_without_a_width_is_one_byte_wide():
    _, frame, meta = _round_trip([Variable("code")], [["a"], [None]], {"code": 0})
    assert meta.original_variable_types["code"] == "A1"
    assert _column(frame, "code") == ["a", ""]


def test_labels_are_taken_in_the_asked_language_then_kyrgyz_then_any():
    variables = [
        Variable("both", labels={"ky": "Жынысы", "ru": "Пол"}, numeric=True,
                 value_labels={1: {"ky": "Эркек", "ru": "Мужской"}, 2: {"ky": "Аял", "ru": "Женский"}}),
        Variable("kyrgyz_only", labels={"ky": "Жашы"}, numeric=True, value_labels={9: {"ky": "Жооп жок"}}),
        Variable("english_only", labels={"en": "Region"}),
        Variable("none"),
    ]
    rows = [[1, 9, "x", "y"]]
    _, _, russian = _round_trip(variables, rows, language="ru")
    _, _, kyrgyz = _round_trip(variables, rows, language="ky")

    assert russian.column_names_to_labels == {
        "both": "Пол", "kyrgyz_only": "Жашы", "english_only": "Region", "none": None}
    assert russian.variable_value_labels == {
        "both": {1: "Мужской", 2: "Женский"}, "kyrgyz_only": {9: "Жооп жок"}}
    assert kyrgyz.column_names_to_labels["both"] == "Жынысы"
    assert kyrgyz.variable_value_labels["both"] == {1: "Эркек", 2: "Аял"}


def test_short_and_long_text_variables_get_their_value_labels():
    variables = [
        Variable("yes_no", value_labels={"yes": {"ru": "Да"}, "no": {"ru": "Нет"}}),
        Variable("school", value_labels={"kesiptik_lyceum_12": {"ru": "Профессиональный лицей №12"}}),
    ]
    rows = [["yes", "kesiptik_lyceum_12"], ["no", None]]
    _, frame, meta = _round_trip(variables, rows, {"yes_no": 3, "school": 18})
    assert meta.variable_value_labels == {
        "yes_no": {"yes": "Да", "no": "Нет"}, "school": {"kesiptik_lyceum_12": "Профессиональный лицей №12"}}
    assert _column(frame, "yes_no") == ["yes", "no"]


def test_text_variable_is_widened_to_fit_its_longest_labelled_value():
    variables = [Variable("answer", value_labels={"dont_know": {"ru": "Не знаю"}})]
    _, frame, meta = _round_trip(variables, [["no"]], {"answer": 2})
    assert meta.original_variable_types["answer"] == "A9"
    assert meta.variable_value_labels == {"answer": {"dont_know": "Не знаю"}}
    assert _column(frame, "answer") == ["no"]


def test_value_labels_of_a_very_long_string_are_skipped_without_failing():
    variables = [Variable("essay", value_labels={"a": {"ru": "Буква"}})]
    result, frame, meta = _round_trip(variables, [["a" * 300]], {"essay": 300})
    assert meta.variable_value_labels == {}
    assert result.truncations == []
    assert _column(frame, "essay") == ["a" * 300]


def test_long_cyrillic_variable_label_is_cut_between_letters_and_reported():
    label = "Ж" * 200   # 400 bytes: byte 255 is the first half of a letter
    variables = [Variable("q1", labels={"ru": label}, numeric=True), Variable("q2", labels={"ru": "a" + label})]
    result, _, meta = _round_trip(variables, [[1, "x"]])

    assert meta.column_names_to_labels == {"q1": "Ж" * 127, "q2": "a" + "Ж" * 127}
    assert len(meta.column_names_to_labels["q1"].encode("utf-8")) == 254
    assert len(meta.column_names_to_labels["q2"].encode("utf-8")) == 255
    assert result.truncations == [
        Truncation(variable="q1", what="variable label", original=label, written="Ж" * 127),
        Truncation(variable="q2", what="variable label", original="a" + label, written="a" + "Ж" * 127)]


def test_long_cyrillic_value_label_is_cut_between_letters_and_reported():
    long_label = "ю" + "Щ" * 100   # 202 bytes; 120 bytes end in the middle of a letter
    variables = [Variable("grade", numeric=True, value_labels={1: {"ru": long_label}, 2: {"ru": "Хорошо"}}),
                 Variable("kind", value_labels={"a": {"ky": KYRGYZ + KYRGYZ}})]
    result, _, meta = _round_trip(variables, [[1, "a"]], {"kind": 1})

    assert meta.variable_value_labels["grade"] == {1: "ю" + "Щ" * 59, 2: "Хорошо"}
    assert meta.variable_value_labels["kind"] == {"a": cut_utf8(KYRGYZ + KYRGYZ, 120)}
    assert len(cut_utf8(KYRGYZ + KYRGYZ, 120).encode("utf-8")) <= 120
    assert result.truncations == [
        Truncation(variable="grade", what="value label 1", original=long_label, written="ю" + "Щ" * 59),
        Truncation(variable="kind", what="value label a", original=KYRGYZ + KYRGYZ,
                   written=cut_utf8(KYRGYZ + KYRGYZ, 120))]


def test_file_label_is_written_and_cut_to_64_bytes():
    _, _, meta = _round_trip([Variable("x", numeric=True)], [[1]], file_label="Сапат 2025")
    assert meta.file_label == "Сапат 2025"
    result, _, meta = _round_trip([Variable("x", numeric=True)], [[1]], file_label="ф" * 40)
    assert meta.file_label == "ф" * 32
    assert result.truncations == [Truncation(variable="", what="file label", original="ф" * 40, written="ф" * 32)]


def test_user_missing_values_are_declared_and_kept_as_values():
    variables = [Variable("income", numeric=True, missing=(97, 98, 99.5)),
                 Variable("status", missing=("НО", "x")),
                 Variable("comment", missing=("-",))]
    rows = [[97, "НО", "-"], [10, "да", "хорошо"], [99.5, "x", None]]
    _, frame, meta = _round_trip(variables, rows, _widths(variables, rows), user_missing=True)

    assert meta.missing_ranges == {
        "income": [{"lo": 97.0, "hi": 97.0}, {"lo": 98.0, "hi": 98.0}, {"lo": 99.5, "hi": 99.5}],
        "status": [{"lo": "НО", "hi": "НО"}, {"lo": "x", "hi": "x"}],
        "comment": [{"lo": "-", "hi": "-"}]}
    assert _column(frame, "income") == [97, 10, 99.5]
    _, frame, _ = _round_trip(variables, rows, _widths(variables, rows), user_missing=False)
    assert _column(frame, "income") == [None, 10, None]


def test_more_than_three_missing_values_or_long_text_codes_are_refused():
    with pytest.raises(ValueError, match="'q'.*at most 3"):
        _write([Variable("q", numeric=True, missing=(1, 2, 3, 4))], [])
    with pytest.raises(ValueError, match="'t'.*8 bytes"):
        _write([Variable("t", missing=("жооп жок",))], [])


def test_measures_are_written_and_text_cannot_be_scale():
    variables = [Variable("n", numeric=True, measure="nominal"), Variable("o", numeric=True, measure="ordinal"),
                 Variable("s", numeric=True, measure="scale"), Variable("t", measure="scale"),
                 Variable("u", measure="ordinal")]
    _, _, meta = _round_trip(variables, [[1, 2, 3, "a", "b"]])
    assert meta.variable_measure == {"n": "nominal", "o": "ordinal", "s": "scale", "t": "nominal", "u": "ordinal"}
    with pytest.raises(ValueError, match="'n'.*measure"):
        _write([Variable("n", numeric=True, measure="interval")], [])


def test_colliding_names_become_unique_valid_spss_names():
    names = ["a-b", "a/b", "a_b", "1st", "to", "end.", "Age", "age", "жашы", "group-1/q-2", "ы" * 40]
    variables = [Variable(name, numeric=True) for name in names]
    result, frame, meta = _round_trip(variables, [list(range(len(names)))])

    assert result.names == {
        "a-b": "a_b_2", "a/b": "a_b_3", "a_b": "a_b", "1st": "v1st", "to": "v_to", "end.": "end_",
        "Age": "Age", "age": "age_2", "жашы": "жашы", "group-1/q-2": "group_1_q_2", "ы" * 40: "ы" * 32}
    assert meta.column_names == list(result.names.values())
    assert [frame[result.names[name]][0] for name in names] == list(range(len(names)))


def test_writes_to_a_zip_entry_which_cannot_seek(tmp_path):
    variables = [Variable("region", labels={"ru": "Регион"}), Variable("n", numeric=True)]
    rows = [["Чүй", 1], ["Талас", None]]
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        with zipped.open("data.sav", "w") as entry:
            assert not entry.seekable()
            result = write_sav(entry, variables, iter(rows), _widths(variables, rows), language="ru")
    with zipfile.ZipFile(archive) as zipped:
        zipped.extract("data.sav", tmp_path)
    frame, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"))

    assert result.rows == 2
    assert _column(frame, "region") == ["Чүй", "Талас"]
    assert _column(frame, "n") == [1, None]
    assert meta.column_names_to_labels["region"] == "Регион"


def test_zero_rows_give_a_file_with_the_dictionary_and_no_cases():
    variables = [Variable("q", labels={"ru": "Вопрос"}, numeric=True), Variable("t")]
    result, frame, meta = _round_trip(variables, [])
    assert result.rows == 0
    assert len(frame) == 0
    assert meta.column_names == ["q", "t"]
    assert meta.column_names_to_labels["q"] == "Вопрос"


def test_ten_thousand_rows_from_a_generator_come_back_in_order():
    variables = [Variable("i", numeric=True), Variable("half", numeric=True), Variable("name")]
    rows = ([i, i / 2 if i % 7 else None, f"Окуучу {i}"] for i in range(10_000))
    result, frame, _ = _round_trip(variables, rows, {"name": 20})
    assert result.rows == 10_000
    assert list(frame["i"]) == list(range(10_000))
    assert _column(frame, "half")[:8] == [None, 0.5, 1, 1.5, 2, 2.5, 3, None]
    assert frame["name"][9_999] == "Окуучу 9999"


def test_numeric_text_is_accepted_and_blank_is_missing():
    _, frame, _ = _round_trip([Variable("n", numeric=True)], [["12"], [" 2.5 "], [""], [True], [None]])
    assert _column(frame, "n") == [12, 2.5, None, 1, None]


def test_non_number_in_a_numeric_variable_raises_naming_the_variable_and_row():
    rows = [[1, "a"]] * 2500 + [["жок", "b"]]
    with pytest.raises(ValueError, match=r"'score' is numeric, but its row 2501 holds a str") as raised:
        _write([Variable("score", numeric=True), Variable("t")], rows, {"t": 1})
    assert "жок" not in str(raised.value)   # values can be personal: they stay out of error messages


def test_row_with_the_wrong_number_of_values_raises():
    with pytest.raises(ValueError, match="row 2 has 1 values for 2 variables"):
        _write([Variable("a", numeric=True), Variable("b", numeric=True)], [[1, 2], [3]])


ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯңөүҢӨҮ .,:;!?-()«»№'\"")
TEXT = st.text(ALPHABET, max_size=300)
LABEL = st.text(ALPHABET, min_size=1, max_size=200)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(TEXT, min_size=1, max_size=6), label=LABEL, value_labels=st.lists(LABEL, min_size=1, max_size=3))
def test_any_cyrillic_or_latin_text_and_labels_round_trip(values, label, value_labels):
    variables = [Variable("text", labels={"ru": label}),
                 Variable("code", labels={"ky": label}, numeric=True,
                          value_labels={index: {"ru": text} for index, text in enumerate(value_labels, 1)})]
    rows = [[value, index] for index, value in enumerate(values)]
    result, frame, meta = _round_trip(variables, rows, _widths(variables, rows))

    # SPSS pads text with spaces, so trailing spaces cannot survive and are not written.
    written = cut_utf8(label, 255).rstrip(" ") or None
    assert _column(frame, "text") == [value.rstrip(" ") for value in values]
    assert meta.column_names_to_labels == {"text": written, "code": written}
    assert meta.variable_value_labels.get("code", {}) == {
        index: cut_utf8(text, 120).rstrip(" ") for index, text in enumerate(value_labels, 1) if text.strip(" ")}
    assert all(len(t.written.encode("utf-8")) <= 255 and t.original.startswith(t.written)
               for t in result.truncations)
