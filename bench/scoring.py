"""Scoring benchmark: score 20,000 test takers on 60 items against a key, then the item analysis.

Target (issue 9): scoring and item analysis of 20,000 students × 60 items in under 10 s.

    .venv/bin/python bench/scoring.py [--takers 20000] [--items 60] [--seed 7] [--calibrate]

The key mixes the library's item types: single choice (4 options), multiple choice with
all-or-nothing and partial credit, and open items already coded (0–2). Answers are drawn
from a Rasch model with some omitted and not-reached items. Phases timed: scoring every
answer with the same code the server runs on arrival (``server.measurement.scoring``), the
classical item analysis with distractors (``server.measurement.items``), and with
``--calibrate`` the Rasch and 2PL calibrations and EAP abilities (``server.measurement.irt``),
which the report adds. Generating the answers is not counted.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.measurement import irt, items, scoring  # noqa: E402
from server.measurement.scoring import Item  # noqa: E402

OPTIONS = ["a", "b", "c", "d"]
CODING = ({"code": 2}, {"code": 1}, {"code": 0}, {"code": 9, "missing": True})


def make_key(count: int, rng: np.random.Generator) -> list[Item]:
    key = []
    for j in range(count):
        name = f"q{j + 1:02d}"
        kind = j % 10
        if kind == 9:
            key.append(Item(name, "open", 2, coding=CODING))
        elif kind in (3, 7):
            picked = sorted(rng.choice(list("abcde"), size=2 + j % 2, replace=False).tolist())
            key.append(Item(name, "multiple", 2, picked, "partial" if kind == 3 else "all_or_nothing"))
        else:
            key.append(Item(name, "single", 1, OPTIONS[int(rng.integers(4))]))
    return key


def make_answers(key: list[Item], takers: int, rng: np.random.Generator):
    theta = rng.normal(0, 1, takers)
    difficulty = rng.normal(0, 1, len(key))
    right = rng.random((takers, len(key))) < 1 / (1 + np.exp(difficulty[None, :] - theta[:, None]))
    omitted = rng.random((takers, len(key))) < 0.03
    stop = np.where(rng.random(takers) < 0.1, rng.integers(len(key) // 2, len(key), takers), len(key))
    answers, codes = [], []
    for i in range(takers):
        row, row_codes = {}, {}
        for j, item in enumerate(key):
            if omitted[i, j] or j >= stop[i]:
                continue
            if item.type == "single":
                row[item.name] = item.key if right[i, j] else OPTIONS[(OPTIONS.index(item.key) + 1) % 4]
            elif item.type == "multiple":
                row[item.name] = " ".join(item.key) if right[i, j] else item.key[0] + " e"
            else:
                row[item.name] = "ответ"
                row_codes[item.name] = int(right[i, j]) + int(rng.random() < 0.5 and right[i, j])
        answers.append(row)
        codes.append(row_codes)
    return answers, codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takers", type=int, default=20000)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    key = make_key(args.items, rng)
    answers, codes = make_answers(key, args.takers, rng)
    names = [item.name for item in key]

    start = time.perf_counter()
    scored = [scoring.score_response(key, row, row_codes) for row, row_codes in zip(answers, codes)]
    matrix = np.array([[s[n] if isinstance(s[n], float) else np.nan for n in names] for s in scored])
    scored_at = time.perf_counter()
    choice = {item.name: [row.get(item.name) for row in answers] for item in key if item.type != "open"}
    options = {name: OPTIONS + (["e"] if len(set(" ".join(v for v in choice[name] if v).split())) > 4 else [])
               for name in choice}
    keys = {item.name: ([item.key] if isinstance(item.key, str) else item.key) for item in key if item.type != "open"}
    result = items.analyse(matrix, [item.points for item in key], names, choice, keys, options)
    analysed_at = time.perf_counter()
    print(f"takers {args.takers}, items {args.items}: alpha {result.alpha:.3f}, mean {result.mean_total:.2f}"
          f" of {result.max_total:.0f}")
    print(f"scoring        {scored_at - start:6.2f} s")
    print(f"item analysis  {analysed_at - scored_at:6.2f} s")
    print(f"together       {analysed_at - start:6.2f} s   (target: under 10 s)")
    if args.calibrate:
        steps = np.array([1.0 if item.type == "open" else
                          item.points / len(item.key) if item.scoring == "partial" else item.points for item in key])
        late = items.not_reached(matrix)
        categories = np.rint(np.nan_to_num(matrix) / steps)
        categories[late] = np.nan
        for model in irt.MODELS:
            begun = time.perf_counter()
            calibration = irt.calibrate(categories, model)
            theta, _ = irt.eap(calibration, categories)
            print(f"{model:5s} calibration + EAP {time.perf_counter() - begun:6.2f} s "
                  f"({calibration.iterations} EM cycles)")
    print(f"peak memory    {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:6.0f} MiB")


if __name__ == "__main__":
    main()
