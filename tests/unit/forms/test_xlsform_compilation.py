"""compile_xlsform: XLSForm bytes to an XForm, or a FormError that points at the cell."""

from __future__ import annotations

import io

import openpyxl
import pytest

from forms import FormError, compile_xlsform

CHOICES_HEADER = ["list_name", "name", "label"]


def test_compiled_form_reports_id_version_title_and_root_from_settings(make_xlsform):
    data = make_xlsform(
        [["type", "name", "label"], ["text", "school_code", "School code"]],
        settings={"form_id": "pilot_survey", "version": "2026112301",
                  "form_title": "Пилотная анкета", "name": "survey_root"},
    )

    form = compile_xlsform(data, validate=False)

    assert form.info.form_id == "pilot_survey"
    assert form.info.version == "2026112301"
    assert form.info.title == "Пилотная анкета"
    assert form.info.root_name == "survey_root"
    assert form.info.has_meta_instance_id
    assert form.xml.startswith(b"<?xml")
    assert "Пилотная анкета".encode() in form.xml


def test_form_without_settings_takes_its_id_from_the_file_name(make_xlsform):
    data = make_xlsform([["type", "name", "label"], ["text", "a", "A"]])

    form = compile_xlsform(data, filename="Workshop inspection 2026.xlsx", validate=False)

    assert form.info.form_id == "Workshop_inspection_2026"
    assert form.info.version is None


def test_image_and_select_from_file_are_listed_as_media_and_photo_as_binary(make_xlsform):
    data = make_xlsform(
        [
            ["type", "name", "label", "media::image"],
            ["note", "welcome", "Welcome", "logo.png"],
            ["select_one_from_file schools.csv", "school", "School", None],
            ["begin_group", "visit", "Visit", None],
            ["image", "photo", "Photo", None],
            ["audio", "interview", "Interview", None],
            ["end_group", "visit", None, None],
        ],
        settings={"form_id": "media_form", "version": "1"},
    )

    form = compile_xlsform(data, validate=False)

    assert form.info.media_files == ["logo.png", "schools.csv"]
    assert form.info.binary_paths == ["/data/visit/photo", "/data/visit/interview"]
    assert b"jr://images/logo.png" in form.xml
    assert form.media == {}


def test_image_without_max_pixels_compiles_with_pyxforms_warning(make_xlsform):
    data = make_xlsform([["type", "name", "label"], ["image", "photo", "Photo"]])

    form = compile_xlsform(data, validate=False)

    assert any("[row : 2]" in w and "max-pixels" in w for w in form.warnings)


def test_external_choices_are_shipped_as_an_itemsets_csv_media_file(make_xlsform):
    workbook = openpyxl.load_workbook(io.BytesIO(make_xlsform(
        [
            ["type", "name", "label", "choice_filter"],
            ["select_one regions", "region", "Region", None],
            ["select_one_external districts", "district", "District", "region=${region}"],
        ],
        [CHOICES_HEADER, ["regions", "chui", "Чуйская"], ["regions", "osh", "Ошская"]],
    )))
    external = workbook.create_sheet("external_choices")
    for row in [["list_name", "name", "label", "region"],
                ["districts", "alamudun", "Аламудунский", "chui"],
                ["districts", "kara_suu", "Кара-Суйский", "osh"]]:
        external.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    form = compile_xlsform(buffer.getvalue(), validate=False)

    assert form.info.media_files == ["itemsets.csv"]
    assert "Кара-Суйский" in form.media["itemsets.csv"].decode("utf-8")


def test_markdown_xlsform_is_compiled_too():
    markdown = """
    | survey   |         |      |       |
    |          | type    | name | label |
    |          | integer | age  | Age   |
    | settings |         |      |       |
    |          | form_id |      |       |
    |          | md_form |      |       |
    """

    form = compile_xlsform(markdown.encode(), filename="form.md", validate=False)

    assert form.info.form_id == "md_form"


def test_unknown_question_type_is_reported_at_its_survey_row(make_xlsform):
    data = make_xlsform(
        [["type", "name", "label"], ["text", "name", "Name"], ["txet", "school", "School"]]
    )

    with pytest.raises(FormError) as caught:
        compile_xlsform(data, validate=False)

    assert caught.value.details == [
        {"sheet": "survey", "row": 3, "message": "Unknown question type 'txet'."}
    ]
    assert "row : 3" in caught.value.message


def test_missing_choice_list_is_reported_at_the_row_that_uses_it(make_xlsform):
    data = make_xlsform(
        [["type", "name", "label"], ["text", "a", "A"], ["select_one agree5", "b", "B"]],
        [CHOICES_HEADER, ["yes_no", "yes", "Yes"]],
    )

    with pytest.raises(FormError) as caught:
        compile_xlsform(data, validate=False)

    [detail] = caught.value.details
    assert (detail["sheet"], detail["row"]) == ("survey", 3)
    assert detail["message"] == "List name not in choices sheet: agree5"


def test_reference_to_unknown_question_keeps_pyxforms_sentence_and_hint(make_xlsform):
    data = make_xlsform(
        [["type", "name", "label", "relevant"], ["text", "a", "A", None],
         ["text", "b", "B", "${consnet} = 'yes'"]]
    )

    with pytest.raises(FormError) as caught:
        compile_xlsform(data, validate=False)

    [detail] = caught.value.details
    assert (detail["sheet"], detail["row"]) == ("survey", 3)
    assert detail["message"].startswith("On the 'survey' sheet, the 'relevant' value is invalid.")
    assert "Could not find the name 'consnet'" in detail["message"]


def test_duplicate_choice_is_reported_on_the_choices_sheet(make_xlsform):
    data = make_xlsform(
        [["type", "name", "label"], ["select_one yes_no", "consent", "Consent"]],
        [CHOICES_HEADER, ["yes_no", "yes", "Да"], ["yes_no", "yes", "Нет"]],
    )

    with pytest.raises(FormError) as caught:
        compile_xlsform(data, validate=False)

    [detail] = caught.value.details
    assert (detail["sheet"], detail["row"]) == ("choices", 3)
    assert "allow_choice_duplicates" in detail["message"]


@pytest.mark.parametrize("data", [b"", b"not a workbook", b"PK\x03\x04" + b"\0" * 64])
def test_bytes_that_are_not_a_workbook_are_refused_with_a_form_error(data):
    with pytest.raises(FormError, match="could not be read as a .xlsx file"):
        compile_xlsform(data, filename="survey.xlsx", validate=False)


def test_file_that_is_not_an_xlsform_type_is_refused_by_its_suffix(make_xlsform):
    data = make_xlsform([["type", "name", "label"], ["text", "a", "A"]])

    with pytest.raises(FormError, match="is not an XLSForm file"):
        compile_xlsform(data, filename="survey.pdf", validate=False)


def test_form_that_javarosa_rejects_fails_compilation_with_odk_validates_reason(
    make_xlsform, java
):
    data = make_xlsform(
        [["type", "name", "label", "calculation"],
         ["calculate", "a", None, "${b} + 1"],
         ["calculate", "b", None, "${a} + 1"]]
    )

    with pytest.raises(FormError) as caught:
        compile_xlsform(data, validate=True)

    assert caught.value.message.startswith("ODK Validate rejected the form: Cycle detected")
    [detail] = caught.value.details
    assert "/data/a" in detail["message"]
    assert "\tat " not in detail["message"] and "org.javarosa" not in detail["message"]


def test_same_form_compiles_when_odk_validate_is_not_asked_for(make_xlsform):
    data = make_xlsform(
        [["type", "name", "label", "calculation"],
         ["calculate", "a", None, "${b} + 1"],
         ["calculate", "b", None, "${a} + 1"]]
    )

    assert compile_xlsform(data, validate=False).info.form_id == "form"
