"""XLSForms built in memory for tests, in Kyrgyz and Russian."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

LABELS = ("label::Kyrgyz (ky)", "label::Russian (ru)")
NAMESPACES = 'sapat="https://sapat.kg/xforms"'


def xlsform(survey: list[tuple], *, form_id: str = "probe", version: str = "1", title: str = "Текшерүү",
            choices: list[tuple] = ()) -> bytes:
    """``survey`` rows are (type, name, label_ky, label_ru[, required[, class[, constraint]]]); choices
    (list, name, ky, ru)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", *LABELS, "required", "bind::sapat:class", "constraint"])
    for row in survey:
        sheet.append(list(row) + [""] * (7 - len(row)))
    if choices:
        sheet_c = book.create_sheet("choices")
        sheet_c.append(["list_name", "name", *LABELS])
        for row in choices:
            sheet_c.append(list(row))
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language", "namespaces"])
    settings.append([title, form_id, version, "Kyrgyz (ky)", NAMESPACES])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def photo_form(form_id: str = "photos", version: str = "1") -> bytes:
    """A school code, a photo, and a repeat of further photos: attachments in and out of repeats."""
    return xlsform([
        ("text", "school", "Мектептин коду", "Код учебного заведения", "yes", "linking_identifier"),
        ("integer", "rooms", "Бөлмөлөр", "Кабинеты", "", "none"),
        ("image", "photo", "Сүрөт", "Фото", "", "direct_identifier"),
        ("begin_repeat", "more", "Дагы сүрөттөр", "Ещё фото"),
        ("image", "extra", "Сүрөт", "Фото", "", "direct_identifier"),
        ("end_repeat", "", "", ""),
    ], form_id=form_id, version=version, title="Сүрөттөр / Фото")


def simple_form(form_id: str = "simple", version: str = "1") -> bytes:
    return xlsform([
        ("text", "school", "Мектептин коду", "Код учебного заведения", "yes", "linking_identifier"),
        ("select_one yn", "consent", "Макулсузбу?", "Согласны?", "", "none"),
    ], form_id=form_id, version=version, title="Жөнөкөй / Простая",
        choices=[("yn", "yes", "Ооба", "Да"), ("yn", "no", "Жок", "Нет")])


def media_form(form_id: str = "with_media", version: str = "1") -> bytes:
    """A form that needs two media files: an image label and a CSV of schools."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", *LABELS, "media::image::Russian (ru)", "media::image::Kyrgyz (ky)"])
    sheet.append(["note", "intro", "Саламатсызбы", "Здравствуйте", "logo.png", "logo.png"])
    sheet.append(["select_one_from_file schools.csv", "school", "Мектеп", "Учебное заведение", "", ""])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["Медиа / Медиа", form_id, version, "Kyrgyz (ky)"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
