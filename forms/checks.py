"""The library's own rules (forms/README.md), checked on a compiled XLSForm.

pyxform and ODK Validate say whether a form works; these checks say whether it
is fit for the monitoring: both languages everywhere, Kyrgyz first, every field
classified for the anonymizer.
"""
from __future__ import annotations

from forms.codebooks import CLASSES, by_language, codebook
from forms.xforms import CompiledForm

LANGUAGES = ("ky", "ru")
DEFAULT_LANGUAGE = "Kyrgyz (ky)"
TEXT_KEYS = ("label", "hint")


def library_problems(form: CompiledForm) -> list[str]:
    """What keeps a compiled XLSForm out of the library; an empty list means it conforms."""
    definition = form.definition or {}
    problems = [f"pyxform warning: {w}" for w in form.warnings]
    if definition.get("default_language") != DEFAULT_LANGUAGE:
        problems.append(f"settings: default_language must be '{DEFAULT_LANGUAGE}'.")
    problems += _text_problems(definition.get("children", []), "/" + definition.get("name", "data"))
    for variable in codebook(form).variables:
        if variable.classification not in CLASSES:
            problems.append(f"{variable.path}: bind::sapat:class is {variable.classification!r}; "
                            f"use one of {', '.join(CLASSES)}.")
    return problems


def _text_problems(children: list[dict], path: str) -> list[str]:
    problems = []
    for child in children:
        here = f"{path}/{child.get('name', '')}"
        texts = [(key, child.get(key)) for key in TEXT_KEYS]
        texts.append(("constraint_message", child.get("bind", {}).get("jr:constraintMsg")))
        for key, text in texts:
            problems += _missing(here, key, text)
        for choice in child.get("choices", []):
            problems += _missing(f"{here} choice {choice.get('name')}", "label", choice.get("label"))
        problems += _text_problems(child.get("children", []), here)
    return problems


def _missing(where: str, key: str, text) -> list[str]:
    if not text:
        return []
    found = by_language(text)
    if "default" in found:
        return [f"{where}: {key} has no language; write it as {key}::Kyrgyz (ky) and {key}::Russian (ru)."]
    return [f"{where}: {key} lacks {language}." for language in LANGUAGES if not str(found.get(language, "")).strip()]
