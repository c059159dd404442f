"""Allocation of the school sample to strata: totals, bounds, Neyman, rounding and errors."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from server.sampling.allocation import allocate

POPULATIONS = {("Chui", "lyceum", "ky"): 100, ("Chui", "college", "ru"): 50, ("Naryn", "lyceum", "ky"): 3}


def test_proportional_allocation_follows_stratum_populations_after_minimums():
    sizes = allocate(POPULATIONS, 20, "proportional")
    # Naryn gets its minimum of 2; the other 18 split 100:50.
    assert sizes == {("Chui", "college", "ru"): 6, ("Chui", "lyceum", "ky"): 12, ("Naryn", "lyceum", "ky"): 2}


def test_proportional_allocation_to_a_measure_uses_the_measure_not_unit_counts():
    sizes = allocate({"a": 10, "b": 10}, 8, "proportional", measure={"a": 3000.0, "b": 1000.0}, minimum=0)
    assert sizes == {"a": 6, "b": 2}


def test_equal_allocation_splits_evenly_and_gives_remainder_ties_to_the_first_stratum_in_sorted_order():
    assert allocate({"c": 10, "a": 10, "b": 10}, 10, "equal") == {"a": 4, "b": 3, "c": 3}


def test_result_does_not_depend_on_the_order_strata_are_given_in():
    reordered = dict(reversed(list(POPULATIONS.items())))
    for method in ("proportional", "equal"):
        assert allocate(POPULATIONS, 17, method) == allocate(reordered, 17, method)


def test_neyman_allocation_matches_the_hand_computed_n_h_times_s_h_shares():
    populations = {"a": 100, "b": 200, "c": 100}
    sd = {"a": 10.0, "b": 5.0, "c": 20.0}  # N_h·S_h = 1000, 1000, 2000
    assert allocate(populations, 40, "neyman", sd=sd) == {"a": 10, "b": 10, "c": 20}
    # 41 · (1/4, 1/4, 1/2) = 10.25, 10.25, 20.5: the one left over goes to the largest remainder.
    assert allocate(populations, 41, "neyman", sd=sd) == {"a": 10, "b": 10, "c": 21}


def test_neyman_overflow_above_the_stratum_population_is_redistributed():
    # Unbounded Neyman would give 50/50; stratum a only has 10 units.
    assert allocate({"a": 10, "b": 1000}, 100, "neyman", sd={"a": 100.0, "b": 1.0}) == {"a": 10, "b": 90}


def test_caps_are_redistributed_until_no_stratum_exceeds_its_population():
    sizes = allocate({"a": 2, "b": 5, "c": 100}, 30, "equal")
    assert sizes == {"a": 2, "b": 5, "c": 23}


def test_every_stratum_gets_the_minimum_or_all_its_units_when_it_has_fewer():
    sizes = allocate({"big": 1000, "small": 5, "tiny": 1}, 10, "proportional", minimum=3)
    assert sizes == {"big": 6, "small": 3, "tiny": 1}


def test_strata_with_zero_sd_take_what_the_others_cannot():
    sizes = allocate({"a": 5, "b": 20}, 15, "neyman", sd={"a": 1.0, "b": 0.0}, minimum=0)
    assert sizes == {"a": 5, "b": 10}


def test_fixed_allocation_is_returned_as_given():
    assert allocate({"a": 5, "b": 7}, None, "fixed", fixed={"a": 2, "b": 7}) == {"a": 2, "b": 7}


@pytest.mark.parametrize("call, message", [
    (lambda: allocate(POPULATIONS, 5, "proportional"), "too small"),
    (lambda: allocate(POPULATIONS, 154, "proportional"), "larger than the frame"),
    (lambda: allocate(POPULATIONS, 10, "optimal"), "unknown allocation method"),
    (lambda: allocate(POPULATIONS, 10, "neyman"), "standard deviation"),
    (lambda: allocate(POPULATIONS, 10, "neyman", sd={("Chui", "lyceum", "ky"): 1.0,
                                                     ("Chui", "college", "ru"): 1.0}), "Naryn / lyceum / ky"),
    (lambda: allocate(POPULATIONS, 10, "neyman", sd=dict.fromkeys(POPULATIONS, -1.0)), ">= 0"),
    (lambda: allocate(POPULATIONS, 10, "equal", measure=dict.fromkeys(POPULATIONS, 1.0)), "measure of size"),
    (lambda: allocate({"a": 5}, None, "fixed"), "fixed=..."),
    (lambda: allocate({"a": 5, "b": 5}, None, "fixed", fixed={"a": 2}), "stratum b: no fixed sample size"),
    (lambda: allocate({"a": 5}, None, "fixed", fixed={"a": 6}), "fixed sample size 6 exceeds the 5 units"),
    (lambda: allocate({"a": 5}, 3, "fixed", fixed={"a": 2}), "sum to 2, not to the total sample size 3"),
    (lambda: allocate({"a": -1}, 3, "equal"), "stratum a: the population"),
    (lambda: allocate({}, 3, "equal"), "no strata"),
    (lambda: allocate({"a": 5}, None, "equal"), "whole number"),
])
def test_impossible_or_incomplete_requests_raise_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call()


@settings(max_examples=300, deadline=None)
@given(populations=st.lists(st.integers(0, 60), min_size=1, max_size=8),
       sds=st.lists(st.floats(0.0, 50.0), min_size=8, max_size=8),
       method=st.sampled_from(["proportional", "equal", "neyman"]),
       minimum=st.integers(0, 4), fraction=st.floats(0.0, 1.0))
def test_sizes_sum_to_n_and_stay_between_the_minimum_and_the_population(populations, sds, method, minimum,
                                                                        fraction):
    strata = {f"s{i}": size for i, size in enumerate(populations)}
    low = sum(min(minimum, size) for size in populations)
    n = low + round(fraction * (sum(populations) - low))
    sizes = allocate(strata, n, method, sd={f"s{i}": sds[i] for i in range(8)}, minimum=minimum)
    assert sum(sizes.values()) == n
    for h, size in strata.items():
        assert min(minimum, size) <= sizes[h] <= size
