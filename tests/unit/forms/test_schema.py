"""form_schema on XForms compiled by pyxform: the tree, the types and the repeats analysts' tables come from."""
from __future__ import annotations

from pathlib import Path

import pytest

from forms import compile_xlsform
from forms.schema import REPEAT, STRUCTURE, form_schema
from tests.support.xlsforms import photo_form, xlsform

LIBRARY = Path(__file__).resolve().parents[3] / "forms" / "library"

INSPECTION = xlsform([
    ("text", "school", "Мектеп", "Учебное заведение", "yes", "linking_identifier"),
    ("integer", "rooms", "Бөлмөлөр", "Кабинеты", "", "none"),
    ("begin_group", "visit", "Барыш", "Визит"),
    ("decimal", "score", "Балл", "Балл", "", "none"),
    ("geopoint", "where", "Жер", "Место", "", "quasi_identifier"),
    ("select_multiple tools", "tools", "Шаймандар", "Инструменты", "", "none"),
    ("select_one tools", "main_tool", "Негизги", "Основной", "", "none"),
    ("end_group", "", "", ""),
    ("begin_repeat", "staff", "Кызматкерлер", "Сотрудники"),
    ("text", "role", "Ролу", "Роль", "", "none"),
    ("begin_repeat", "lesson", "Сабак", "Урок"),
    ("date", "day", "Күнү", "День", "", "none"),
    ("dateTime", "started", "Башталды", "Начало", "", "none"),
    ("end_repeat", "", "", ""),
    ("end_repeat", "", "", ""),
    ("barcode", "code", "Код", "Код", "", "none"),
    ("geotrace", "route", "Жол", "Маршрут", "", "none"),
], form_id="inspection", choices=[("tools", "saw", "Араа", "Пила"), ("tools", "drill", "Бургу", "Дрель")])


def schema_of(xlsx: bytes):
    return form_schema(compile_xlsform(xlsx, validate=False).xml)


def test_fields_come_in_document_order_with_their_instance_paths_and_odk_types():
    schema = schema_of(INSPECTION)
    assert schema.root_name == "data"
    assert [(f.path, f.type) for f in schema.walk()] == [
        ("/data/school", "string"), ("/data/rooms", "int"), ("/data/visit", STRUCTURE),
        ("/data/visit/score", "decimal"), ("/data/visit/where", "geopoint"), ("/data/visit/tools", "select"),
        ("/data/visit/main_tool", "select1"), ("/data/staff", REPEAT), ("/data/staff/role", "string"),
        ("/data/staff/lesson", REPEAT), ("/data/staff/lesson/day", "date"),
        ("/data/staff/lesson/started", "dateTime"), ("/data/code", "barcode"), ("/data/route", "geotrace"),
        ("/data/meta", STRUCTURE), ("/data/meta/instanceID", "string")]


def test_a_repeat_appears_once_though_pyxform_writes_its_template_and_a_first_instance():
    schema = schema_of(INSPECTION)
    assert [r.path for r in schema.repeats()] == ["/data/staff", "/data/staff/lesson"]
    staff = schema.find("/data/staff")
    assert [c.name for c in staff.children] == ["role", "lesson"]
    assert staff.structural and not schema.find("/data/rooms").structural


def test_photos_are_binary_and_the_repeat_holds_its_own_photo():
    schema = schema_of(photo_form())
    assert schema.find("/data/photo").type == "binary"
    assert [(f.path, f.type) for f in schema.find("/data/more").walk()] == [("/data/more/extra", "binary")]


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*.xlsx")), ids=lambda p: p.stem)
def test_every_library_instrument_has_a_tree_whose_answers_all_carry_a_type(path):
    compiled = compile_xlsform(path.read_bytes(), filename=path.name, validate=False)
    schema = form_schema(compiled.xml)
    assert schema.root_name == compiled.info.root_name
    leaves = [f for f in schema.walk() if not f.structural]
    assert leaves and all(f.type for f in leaves)
    assert set(compiled.info.binary_paths) <= {f.path for f in leaves if f.type == "binary"}
