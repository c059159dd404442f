"""The codebook that goes with a dataset: every variable, what it means and what was done to it.

For each table and variable: its name, labels in Kyrgyz and Russian, ODK type, storage
(numeric or text), measure, values with their labels, missing codes, field class and
the anonymizer's treatment; the variables that were dropped and why; every label cut
to fit a format's limit; and the policy and code version that made the dataset.
As JSON (for programs) and XLSX (for people).
"""
from __future__ import annotations

import json
from typing import BinaryIO

from . import Variable
from .workbooks import clean, label

LANGUAGES = ("ky", "ru")


def codebook(form_id: str, version: str, title: str, tables: list[tuple[str, list[Variable]]],
             truncations: list[dict], policy: dict, dropped: list[dict]) -> dict:
    return {
        "form_id": form_id, "version": version, "title": title, "anonymization": policy,
        "system_missing": "an empty cell (CSV, XLSX) or system-missing (SPSS): not answered, not asked, "
                          "or suppressed by the anonymizer",
        "tables": [{"table": name, "variables": [_entry(v) for v in variables]} for name, variables in tables],
        "dropped": dropped, "truncations": truncations,
    }


def _entry(v: Variable) -> dict:
    return {"name": v.name, "labels": {code: v.labels.get(code, "") for code in LANGUAGES}, "type": v.type,
            "storage": "numeric" if v.numeric else "text", "measure": v.measure,
            "values": [{"value": value, "labels": {code: labels.get(code, "") for code in LANGUAGES}}
                       for value, labels in v.value_labels.items()],
            "missing": list(v.missing), "classification": v.classification, "treatment": v.treatment}


def to_json(book: dict) -> str:
    return json.dumps(book, ensure_ascii=False, indent=2)


def write_xlsx(target: BinaryIO, book: dict, language: str) -> None:
    """Sheets: variables, values, dropped, truncations, about."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("variables")
    sheet.append(["table", "name", "label_ky", "label_ru", "type", "storage", "measure", "missing",
                  "classification", "treatment"])
    for table in book["tables"]:
        for v in table["variables"]:
            sheet.append([table["table"], v["name"], clean(v["labels"]["ky"]), clean(v["labels"]["ru"]), v["type"],
                          v["storage"], v["measure"], " ".join(map(str, v["missing"])), v["classification"],
                          v["treatment"]])
    values = workbook.create_sheet("values")
    values.append(["table", "name", "value", "label_ky", "label_ru"])
    for table in book["tables"]:
        for v in table["variables"]:
            for item in v["values"]:
                values.append([table["table"], v["name"], str(item["value"]), clean(item["labels"]["ky"]),
                               clean(item["labels"]["ru"])])
    dropped = workbook.create_sheet("dropped")
    dropped.append(["table", "name", "reason"])
    for item in book["dropped"]:
        dropped.append([item["table"], item["variable"], item["reason"]])
    cut = workbook.create_sheet("truncations")
    cut.append(["file", "name", "what", "original", "written"])
    for item in book["truncations"]:
        cut.append([item["file"], item["variable"], item["what"], clean(item["original"]), clean(item["written"])])
    about = workbook.create_sheet("about")
    about.append(["form_id", book["form_id"]])
    about.append(["version", book["version"]])
    about.append(["title", clean(book["title"])])
    about.append(["labels shown in", label({"ky": "Кыргызча", "ru": "Русский"}, language)])
    for key, value in book["anonymization"].items():
        about.append([f"anonymization: {key}", str(value)])
    about.append(["system missing", book["system_missing"]])
    workbook.save(target)
