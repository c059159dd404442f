"""Submissions of the library's instruments filled with generated answers (never real people).

Every answer follows the form: choices from its lists, numbers, dates and timestamps,
codes that match the library's patterns, and free text that carries a generated
person's name, PIN and phone — the canaries that must never reach an anonymized file.
"""
from __future__ import annotations

import random
import uuid
from xml.sax.saxutils import escape

from forms import Codebook

from .people import Person, person


def fill(book: Codebook, seed: int, who: Person | None = None, repeats: int = 2) -> tuple[bytes, str, Person]:
    """One submission's XML (with a fresh instanceID), and the person whose data it carries."""
    rng = random.Random(seed)
    who = who or person(seed)
    instance_id = f"uuid:{uuid.UUID(int=rng.getrandbits(128))}"
    root = book.variables[0].path.split("/")[1]
    answers = {v.path: _answer(v, rng, who, instance_id, seed) for v in book.variables}
    tree: dict = {}
    for path, value in answers.items():
        node = tree
        steps = path.split("/")[2:]
        for step in steps[:-1]:
            node = node.setdefault(step, {})
        node[steps[-1]] = value
    repeat_paths = {v.repeat for v in book.variables if v.repeat}
    body = _xml(tree, f"/{root}", repeat_paths, repeats)
    xml = (f'<?xml version="1.0"?><{root} xmlns:jr="http://openrosa.org/javarosa" id="{book.form_id}" '
           f'version="{book.version}">{body}</{root}>')
    return xml.encode(), instance_id, who


def _xml(node: dict, path: str, repeats: set[str], copies: int) -> str:
    out = []
    for name, value in node.items():
        here = f"{path}/{name}"
        if isinstance(value, dict):
            inner = _xml(value, here, repeats, copies)
            out.append(f"<{name}>{inner}</{name}>" * (copies if here in repeats else 1))
        else:
            out.append(f"<{name}>{escape(value)}</{name}>" if value is not None else f"<{name}/>")
    return "".join(out)


def _answer(v, rng: random.Random, who: Person, instance_id: str, seed: int) -> str | None:
    name = v.name
    if name == "instanceID":
        return instance_id
    if name == "instanceName":
        return f"123456-S001 {who.name}"
    if v.choices:
        if v.type == "select all that apply":
            return " ".join(c.value for c in v.choices if rng.random() < 0.4) or v.choices[0].value
        return rng.choice(v.choices).value
    if v.type in ("start", "end"):
        return f"2026-03-{rng.randint(1, 28):02d}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00.000+06:00"
    if v.type == "date":
        return f"2026-03-{rng.randint(1, 28):02d}"
    if v.type in ("integer", "range"):
        return str(rng.randint(1, 30))
    if v.type == "decimal":
        return f"{rng.uniform(0, 10):.2f}"
    if v.type == "geopoint":
        return f"{rng.uniform(39.5, 43):.6f} {rng.uniform(69.5, 80):.6f} 800 5"
    if v.type in ("photo", "image", "audio", "file"):
        return f"{who.pin}-{rng.randint(1000, 9999)}.jpg"
    if v.type == "deviceid":
        return f"collect:{who.phone[-6:]}{rng.randint(100000, 999999)}"
    if "school_code" in name:
        return f"{100001 + seed % 2}"         # two schools: each holds every other submission
    if "participant_code" in name:
        return f"{rng.randint(100000, 999999)}-S{rng.randint(0, 999):03d}"
    if name.endswith("_code"):
        return f"{rng.choice(['AB', 'KG', 'TS'])}{rng.randint(0, 999):03d}"
    if v.type == "calculate":
        return "0"
    if v.type == "text":
        return (f"Мастер {who.name} айтты: телефон {who.phone}, ПИН {who.pin}. "
                f"Жабдуулар жетиштүү эмес. Оборудования не хватает.")
    return "1"
