"""Generated answers to the library's welder test (no real people): a key, and takers of known ability."""
from __future__ import annotations

import json
import math
import random
import uuid
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[2] / "forms" / "library"
WELDER = LIBRARY / "test_welder.xlsx"
WELDER_KEY = LIBRARY / "test_welder.key.json"
SECTIONS = {"safety": "sec_safety", "materials": "sec_materials", "technology": "sec_technology",
            "quality": "sec_quality"}


def welder_key() -> dict:
    return json.loads(WELDER_KEY.read_text(encoding="utf-8"))


def welder_answer(key: dict, answers: dict[str, str | None], code: str = "100001-S001") -> bytes:
    """The submission XML of one taker (``answers``: item -> choice names or text; missing items left out)."""
    groups: dict[str, list[str]] = {}
    for item in key["items"]:
        value = answers.get(item["name"])
        section = "sec_open" if item["type"] == "open" else SECTIONS[item["domain"]]
        groups.setdefault(section, []).append(f"<{item['name']}>{value or ''}</{item['name']}>")
    body = "".join(f"<{g}>{''.join(parts)}</{g}>" for g, parts in groups.items())
    return (f'<data id="test_welder" version="{key["version"]}"><participant_code>{code}</participant_code>'
            f"<assent><consent>yes</consent></assent>{body}<meta><instanceID>uuid:{uuid.uuid4()}</instanceID>"
            "</meta></data>").encode()


def taker(key: dict, ability: float, rng: random.Random, open_text: str = "Зачистка, разделка, сборка") -> dict:
    """Right or wrong on each item with a Rasch probability (difficulty spread over the items)."""
    answers = {}
    items = key["items"]
    for index, item in enumerate(items):
        difficulty = -1.5 + 3 * index / max(1, len(items) - 1)
        right = rng.random() < 1 / (1 + math.exp(difficulty - ability))
        if item["type"] == "single":
            answers[item["name"]] = item["key"] if right else next(c for c in "abcd" if c != item["key"])
        elif item["type"] == "multiple":
            answers[item["name"]] = " ".join(item["key"]) if right else "a"
        else:
            answers[item["name"]] = open_text
    return answers
