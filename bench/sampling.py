"""Sampling benchmark: school selection from a national frame and within-school selection from rosters.

Target: a frame of 10,000 schools and rosters of 1,000,000 students in under 5 s on 2 cores.

    .venv/bin/python bench/sampling.py [--schools 10000] [--students 1000000] [--n 600]
                                       [--per-school 20] [--reserves 1] [--seed 2024]

Phases timed: the PPS draw of schools (proportional allocation, with reserves); indexing the
student rosters (a lexsort of every student by school, specialty, id); selecting students in
the sampled schools; and, so that the roster side touches every student, the same selection in
all schools as if every school had been sampled. Generating the synthetic data is not counted.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.sampling.selection import Design, FrameUnit, draw_schools, select_within  # noqa: E402

REGIONS = ["Bishkek city", "Osh city", "Batken", "Jalal-Abad", "Issyk-Kul", "Naryn", "Osh", "Talas", "Chui"]
REGION_SHARE = [0.20, 0.08, 0.08, 0.15, 0.09, 0.05, 0.14, 0.05, 0.16]
TYPES = ["lyceum", "college", "training centre"]
LANGUAGES = ["ky", "ru", "uz"]
UZ_REGIONS = {"Osh city", "Batken", "Jalal-Abad", "Osh"}


def synthetic(schools: int, students: int, rng: np.random.Generator) -> tuple[list[FrameUnit], dict]:
    """A frame with skewed enrolments summing to ≈ students, and a shuffled roster of every student."""
    region = rng.choice(len(REGIONS), size=schools, p=REGION_SHARE)
    kind = rng.choice(len(TYPES), size=schools, p=[0.5, 0.3, 0.2])
    language = np.where(rng.random(schools) < 0.55, 0, 1)
    uz = np.isin(region, [REGIONS.index(r) for r in UZ_REGIONS]) & (rng.random(schools) < 0.25)
    language[uz] = 2
    raw = rng.lognormal(0.0, 0.9, size=schools)
    enrolment = np.maximum(5, np.round(raw / raw.sum() * students)).astype(np.int64)
    district = rng.integers(1, 8, size=schools)
    frame = [FrameUnit(f"KG{i:05d}", (REGIONS[region[i]], TYPES[kind[i]], LANGUAGES[language[i]]),
                       float(enrolment[i]), (int(district[i]), -int(enrolment[i]))) for i in range(schools)]
    school = np.repeat(np.arange(schools), enrolment)
    specialties = rng.integers(1, 9, size=schools)
    specialty = (rng.random(len(school)) * specialties[school]).astype(np.int64)
    order = rng.permutation(len(school))  # rosters arrive in no particular order
    roster = {"student": np.arange(len(school))[order], "school": school[order], "specialty": specialty[order]}
    return frame, roster


def index_rosters(roster: dict, schools: int) -> tuple[np.ndarray, np.ndarray]:
    """Students sorted by (school, specialty, id) — specialty is the implicit stratum — and school offsets."""
    order = np.lexsort((roster["student"], roster["specialty"], roster["school"]))
    starts = np.searchsorted(roster["school"][order], np.arange(schools + 1))
    return order, starts


def within(schools: list[int], keys: list[str], order: np.ndarray, starts: np.ndarray, roster: dict,
           per_school: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Systematic selection of per_school students in each given school: (student ids, within-school π)."""
    picked, probability = [], []
    for s in schools:
        listed = int(starts[s + 1] - starts[s])
        indices, p = select_within(listed, per_school, "systematic", (seed, keys[s]))
        picked.append(order[starts[s] + np.asarray(indices, dtype=np.int64)])
        probability.append(np.full(len(indices), p))
    rows = np.concatenate(picked)
    return roster["student"][rows], np.concatenate(probability)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=10_000)
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=600, help="schools to sample")
    parser.add_argument("--per-school", type=int, default=20, help="students to sample per school")
    parser.add_argument("--reserves", type=int, default=1, help="reserve schools per sampled school")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    started = time.perf_counter()
    frame, roster = synthetic(args.schools, args.students, np.random.default_rng(args.seed))
    generated = time.perf_counter() - started
    keys = [u.key for u in frame]
    position = {key: i for i, key in enumerate(keys)}
    rows: list[tuple[str, str, float]] = []

    def timed(phase: str, what, call):
        begin = time.perf_counter()
        result = call()
        rows.append((phase, what(result), time.perf_counter() - begin))
        return result

    sample = timed("draw schools (pps, proportional)",
                   lambda r: f"{len(r.selected)} + {len(r.reserves)} reserves, {len(r.strata)} strata",
                   lambda: draw_schools(frame, Design(n=args.n, method="pps", reserves=args.reserves), args.seed))
    order, starts = timed("index rosters (sort by school, specialty)", lambda r: f"{len(r[0]):,} students",
                          lambda: index_rosters(roster, args.schools))
    sampled = sorted(position[s.key] for s in sample.selected)
    timed("students in sampled schools", lambda r: f"{len(r[0]):,} from {len(sampled)} schools",
          lambda: within(sampled, keys, order, starts, roster, args.per_school, args.seed))
    timed("students in all schools", lambda r: f"{len(r[0]):,} from {args.schools:,} schools",
          lambda: within(list(range(args.schools)), keys, order, starts, roster, args.per_school, args.seed))

    print(f"frame: {args.schools:,} schools, {len(roster['student']):,} students "
          f"(synthetic data generated in {generated:.2f} s, not counted)")
    width = max(len(r[0]) for r in rows)
    print(f"{'phase':<{width}}  {'items':<36}  {'seconds':>8}")
    for phase, what, seconds in rows:
        print(f"{phase:<{width}}  {what:<36}  {seconds:8.3f}")
    total = sum(r[2] for r in rows)
    print(f"{'total':<{width}}  {'':<36}  {total:8.3f}  ({'under' if total < 5 else 'OVER'} the 5 s target)")


if __name__ == "__main__":
    main()
