"""Drawing schools from a stratified frame and people inside a school."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from server.sampling.allocation import allocate
from server.sampling.selection import (Design, FrameUnit, draw_schools, inclusion_probabilities,
                                       select_within)

ROOT = Path(__file__).resolve().parents[4]
CHUI, OSH, NARYN = ("Chui", "lyceum", "ky"), ("Osh", "college", "uz"), ("Naryn", "lyceum", "ru")


def make_frame() -> list[FrameUnit]:
    """Three strata of 14, 12 and 9 schools, skewed sizes; Chui has one very large school."""
    rng = np.random.default_rng(7)
    frame = []
    for stratum, count in ((CHUI, 14), (OSH, 12), (NARYN, 9)):
        for i in range(count):
            size = float(np.round(rng.lognormal(5.0, 0.8))) + 10.0
            frame.append(FrameUnit(f"{stratum[0][:2].upper()}{i:03d}", stratum, size, (f"district{i % 3}",)))
    frame[0] = replace(frame[0], size=20_000.0)
    return frame


def picked(result) -> list[tuple]:
    return [(s.key, s.stratum, s.probability, s.certainty, s.order) for s in result.selected]


@pytest.mark.parametrize("method", ["srs", "systematic", "pps"])
def test_same_frame_design_and_seed_give_the_same_sample_in_any_row_order(method):
    frame = make_frame()
    design = Design(n=10, method=method, reserves=1)
    shuffled = frame[:]
    random.Random(3).shuffle(shuffled)
    first, again, from_shuffled = (draw_schools(frame, design, 42), draw_schools(frame, design, 42),
                                   draw_schools(shuffled, design, 42))
    assert picked(first) == picked(again) == picked(from_shuffled)
    assert first.reserves == from_shuffled.reserves


@pytest.mark.parametrize("method", ["srs", "systematic", "pps"])
def test_a_different_seed_gives_a_different_sample(method):
    frame = make_frame()
    design = Design(n=10, method=method)
    samples = {tuple(s.key for s in draw_schools(frame, design, seed).selected) for seed in range(5)}
    assert len(samples) > 1


@pytest.mark.parametrize("method", ["srs", "systematic", "pps"])
def test_changing_one_stratum_leaves_the_other_strata_selections_identical(method):
    frame = make_frame()
    design = Design(n=None, allocation="fixed", fixed={CHUI: 4, OSH: 3, NARYN: 3}, method=method, reserves=1)
    changed = [replace(u, size=u.size * 3) if u.stratum == CHUI and u.key.endswith("5") else u for u in frame]
    changed = [u for u in changed if u.key != "CH007"] + [FrameUnit("CH999", CHUI, 400.0, ("district1",))]
    before, after = draw_schools(frame, design, 11), draw_schools(changed, design, 11)
    for stratum in (OSH, NARYN):
        assert [s for s in before.selected if s.stratum == stratum] == \
               [s for s in after.selected if s.stratum == stratum]
        assert [r for r in before.reserves if r.stratum == stratum] == \
               [r for r in after.reserves if r.stratum == stratum]


@pytest.mark.parametrize("method", ["srs", "systematic", "pps"])
@pytest.mark.parametrize("allocation", ["proportional", "equal"])
def test_sizes_per_stratum_equal_the_allocation(method, allocation):
    frame = make_frame()
    result = draw_schools(frame, Design(n=13, allocation=allocation, method=method), 5)
    expected = allocate({CHUI: 14, OSH: 12, NARYN: 9}, 13, allocation)
    counts = {h: sum(1 for s in result.selected if s.stratum == h) for h in expected}
    assert counts == expected
    assert {r.stratum: r.allocated for r in result.strata} == expected
    assert len({s.key for s in result.selected}) == 13


def test_allocation_proportional_to_size_uses_total_enrolment_per_stratum():
    frame = make_frame()
    result = draw_schools(frame, Design(n=10, method="srs", proportional_to_size=True), 1)
    measures = {h: sum(u.size for u in frame if u.stratum == h) for h in (CHUI, OSH, NARYN)}
    assert {r.stratum: r.allocated for r in result.strata} == \
        allocate({CHUI: 14, OSH: 12, NARYN: 9}, 10, "proportional", measure=measures)
    assert {r.stratum: r.measure for r in result.strata} == pytest.approx(measures)


def test_certainty_schools_are_taken_before_systematic_selection():
    frame = make_frame()
    result = draw_schools(frame, Design(n=None, allocation="fixed", fixed={CHUI: 3, OSH: 2, NARYN: 2}), 9)
    chui = [s for s in result.selected if s.stratum == CHUI]
    assert (chui[0].key, chui[0].probability, chui[0].weight, chui[0].certainty, chui[0].order) == \
        ("CH000", 1.0, 1.0, True, 1)
    assert not any(s.certainty for s in chui[1:])
    rest = sum(u.size for u in frame if u.stratum == CHUI and u.key != "CH000")
    sizes = {u.key: u.size for u in frame}
    for s in chui[1:]:
        assert s.probability == pytest.approx(2 * sizes[s.key] / rest)
    assert {r.stratum: r.certainty for r in result.strata} == {CHUI: 1, OSH: 0, NARYN: 0}


def test_certainty_is_applied_again_after_the_first_certainties_are_removed():
    # 3·50/200 < 1 at first, but once the 100 is taken, 2·50/100 = 1.
    pi, certainty = inclusion_probabilities([100.0, 50.0] + [5.0] * 10, 3)
    assert certainty.tolist() == [True, True] + [False] * 10
    assert pi.tolist() == pytest.approx([1.0, 1.0] + [0.1] * 10)


def test_pps_probabilities_sum_to_the_sample_size():
    pi, certainty = inclusion_probabilities([1.0, 2.0, 3.0, 50.0, 4.0, 7.0], 3)
    assert pi.sum() == pytest.approx(3.0)
    assert certainty.tolist() == [False, False, False, True, False, False]


def test_a_stratum_sampled_entirely_has_probability_one_everywhere():
    frame = make_frame()
    result = draw_schools(frame, Design(n=None, allocation="fixed", fixed={CHUI: 1, OSH: 1, NARYN: 9},
                                        method="systematic"), 2)
    naryn = [s for s in result.selected if s.stratum == NARYN]
    assert len(naryn) == 9 and all(s.probability == 1.0 and s.certainty for s in naryn)


def test_weights_are_inverse_probabilities():
    for selected in draw_schools(make_frame(), Design(n=12), 4).selected:
        assert selected.weight == pytest.approx(1.0 / selected.probability)


def test_systematic_selection_spreads_the_sample_over_the_implicit_strata():
    # 20 schools sorted into 4 districts of 5: a systematic sample of 4 takes one per district.
    frame = [FrameUnit(f"S{i:02d}", ("Talas",), 1.0, (f"d{i % 4}", i)) for i in range(20)]
    for seed in range(30):
        result = draw_schools(frame, Design(n=4, method="systematic"), seed)
        districts = sorted(next(u.sort[0] for u in frame if u.key == s.key) for s in result.selected)
        assert districts == ["d0", "d1", "d2", "d3"]


@pytest.mark.parametrize("method", ["srs", "systematic", "pps"])
def test_reserves_are_disjoint_from_the_sample_ranked_and_from_the_same_stratum(method):
    frame = make_frame()
    result = draw_schools(frame, Design(n=12, method=method, reserves=2), 8)
    chosen = {s.key for s in result.selected}
    assert not chosen & {r.key for r in result.reserves}
    strata = {u.key: u.stratum for u in frame}
    for row in result.strata:
        ranks = [r.rank for r in result.reserves if r.stratum == row.stratum]
        assert ranks == list(range(1, min(2 * row.allocated, row.population - row.allocated) + 1))
        assert row.reserves == len(ranks)
    assert all(strata[r.key] == r.stratum for r in result.reserves)


def test_reserves_are_capped_at_the_schools_left_in_the_stratum():
    frame = make_frame()
    result = draw_schools(frame, Design(n=None, allocation="fixed", fixed={CHUI: 2, OSH: 2, NARYN: 7},
                                        reserves=1), 3)
    assert {r.stratum: r.reserves for r in result.strata} == {CHUI: 2, OSH: 2, NARYN: 2}


def test_asking_for_reserves_does_not_change_the_main_sample():
    frame = make_frame()
    assert picked(draw_schools(frame, Design(n=12, reserves=0), 6)) == \
        picked(draw_schools(frame, Design(n=12, reserves=3), 6))


def test_pps_reserve_probability_is_its_main_draw_probability():
    frame = make_frame()
    result = draw_schools(frame, Design(n=None, allocation="fixed", fixed={CHUI: 3, OSH: 2, NARYN: 2},
                                        reserves=1), 4)
    sizes = {u.key: u.size for u in frame}
    osh_total = sum(u.size for u in frame if u.stratum == OSH)
    for reserve in (r for r in result.reserves if r.stratum == OSH):
        assert reserve.probability == pytest.approx(2 * sizes[reserve.key] / osh_total)


@pytest.mark.parametrize("size", [0.0, -5.0, float("nan")])
def test_pps_refuses_schools_without_a_positive_size_and_names_them(size):
    frame = make_frame()
    frame[20] = replace(frame[20], size=size)
    with pytest.raises(ValueError, match=f"{frame[20].key} \\(Osh / college / uz"):
        draw_schools(frame, Design(n=10), 1)
    draw_schools(frame, Design(n=10, method="srs"), 1)  # size is not used by srs


@pytest.mark.parametrize("frame_change, design, message", [
    (lambda f: f + [f[0]], Design(n=10), "repeated: CH000"),
    (lambda f: [], Design(n=10), "frame is empty"),
    (lambda f: f, Design(n=10, method="cluster"), "unknown selection method"),
    (lambda f: f, Design(n=10, reserves=-1), "reserves"),
    (lambda f: f, Design(n=None), "whole number"),
    (lambda f: f, Design(n=None, allocation="fixed", fixed={CHUI: 15, OSH: 1, NARYN: 1}),
     "Chui / lyceum / ky: fixed sample size 15 exceeds the 14 units"),
])
def test_bad_frames_and_designs_raise_a_clear_error(frame_change, design, message):
    with pytest.raises(ValueError, match=message):
        draw_schools(frame_change(make_frame()), design, 1)


def test_a_negative_seed_is_refused():
    with pytest.raises(ValueError, match="seed"):
        draw_schools(make_frame(), Design(n=10), -1)


def test_the_sample_does_not_depend_on_the_python_hash_seed():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
            "from test_selection import make_frame; from server.sampling.selection import Design, draw_schools;"
            "print([s.key for s in draw_schools(make_frame(), Design(n=10, reserves=1), 5).selected])")
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", code, str(ROOT), str(Path(__file__).parent)], env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1


@pytest.mark.parametrize("method", ["srs", "systematic"])
def test_select_within_takes_n_distinct_sorted_people_with_probability_n_over_n_listed(method):
    indices, probability = select_within(37, 6, method, (2024, "school-17", "group-a"))
    assert len(indices) == len(set(indices)) == 6
    assert indices == sorted(indices) and 0 <= indices[0] and indices[-1] < 37
    assert probability == pytest.approx(6 / 37)
    assert select_within(37, 6, method, (2024, "school-17", "group-a")) == (indices, probability)
    others = {tuple(select_within(37, 6, method, (2024, f"school-{k}"))[0]) for k in range(10)}
    assert len(others) > 1


def test_select_within_takes_everyone_when_the_list_is_not_longer_than_n():
    assert select_within(4, 20, "srs", (1,)) == ([0, 1, 2, 3], 1.0)
    assert select_within(20, 20, "systematic", (1,)) == (list(range(20)), 1.0)


def test_systematic_within_school_selection_is_evenly_spaced():
    indices, _ = select_within(100, 8, "systematic", (5, "x"))
    assert set(np.diff(indices).tolist()) <= {12, 13}


@pytest.mark.parametrize("args, message", [
    ((10, 2, "pps", (1,)), "unknown within-school method"),
    ((-1, 2, "srs", (1,)), "number of listed people"),
    ((10, 2, "srs", (-1,)), "seed parts"),
    ((10, 2, "srs", ()), "seed part"),
])
def test_select_within_rejects_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        select_within(*args)
