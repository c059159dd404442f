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
from .workbooks import label, plain_sheet, write_xlsx as write_workbook

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
    variables = [(t["table"], v) for t in book["tables"] for v in t["variables"]]
    about = [["form_id", book["form_id"]], ["version", book["version"]], ["title", book["title"]],
             ["labels shown in", label({"ky": "Кыргызча", "ru": "Русский"}, language)]]
    about += [[f"anonymization: {key}", str(value)] for key, value in book["anonymization"].items()]
    about.append(["system missing", book["system_missing"]])
    write_workbook(target, [
        plain_sheet("variables", ["table", "name", "label_ky", "label_ru", "type", "storage", "measure", "missing",
                            "classification", "treatment"],
              ([table, v["name"], v["labels"]["ky"], v["labels"]["ru"], v["type"], v["storage"], v["measure"],
                " ".join(map(str, v["missing"])), v["classification"], v["treatment"]] for table, v in variables)),
        plain_sheet("values", ["table", "name", "value", "label_ky", "label_ru"],
              ([table, v["name"], str(item["value"]), item["labels"]["ky"], item["labels"]["ru"]]
               for table, v in variables for item in v["values"])),
        plain_sheet("dropped", ["table", "name", "reason"],
              ([item["table"], item["variable"], item["reason"]] for item in book["dropped"])),
        plain_sheet("truncations", ["file", "name", "what", "original", "written"],
              ([item["file"], item["variable"], item["what"], item["original"], item["written"]]
               for item in book["truncations"])),
        plain_sheet("about", ["key", "value"], about),
    ], language)
