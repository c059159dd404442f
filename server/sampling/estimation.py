"""Design-based estimates of means, proportions and totals, with their standard errors.

Strata h, schools i sampled in each stratum (the primary sampling units, PSUs), people j in each
school. Variances use the ultimate-cluster Taylor linearization of Stata ``svy: mean``, R
``survey::svymean`` and samplics ``TaylorEstimator``: with the linearized variable z (for a mean
in domain d, ``z_j = d_j·w_j·(y_j − ȳ_d)/Ŵ_d``) summed to school totals z_hi,

    v(θ̂) = Σ_h (1 − f_h) · n_h/(n_h − 1) · Σ_i (z_hi − z̄_h)²,

schools being treated as drawn with replacement in their stratum (conservative when they were
not), times (1 − f_h) when ``fpc`` gives the first-stage sampling fraction f_h = n_h/N_h. The
within-school stage needs no term of its own: the school totals carry its variance.

* Missing values: units whose y (or domain label) is None or NaN are dropped first, as samplics
  does with ``remove_nan=True``. A school counts in n_h and in the degrees of freedom while one
  of its units has a value; a school with no value at all drops out.
* Domains use the whole design, never a subset of it: a school without anyone from the domain
  counts with z_hi = 0, and the degrees of freedom (#schools − #strata) are the full design's.
* Intervals: estimate ± t_{df, 1−α/2}·se for means and totals; for proportions the logit
  interval of samplics and ``svyciprop(method="logit")``, logit⁻¹(logit p̂ ± t·se/(p̂(1−p̂))),
  degenerate at (0, 0) or (1, 1) when p̂ is 0 or 1.
* Design effect (Kish's deff): v(θ̂) over the variance under simple random sampling without
  replacement of the same number n_d of people from the domain, ``(1 − n_d/Ŵ_d)·S²_d/n_d`` with
  the weighted population variance ``S²_d = n_d/(n_d − 1)·Σ_{j∈d} w_j(y_j − ȳ_d)²/Ŵ_d`` (times
  Ŵ_d² for a total): R ``svymean(deff=TRUE)``, and Stata ``estat effects`` for the whole
  population. None when undefined (n_d < 2, or weights not scaled to the population).
  samplics 0.6 accepts ``deff=True`` but computes nothing.
* A stratum with a single school is an error by default; ``lonely_psu="certainty"`` makes it
  contribute 0, ``"center"`` measures its school from the grand mean of all school totals (R
  ``survey.lonely.psu="adjust"``). A stratum taken whole (f_h = 1) contributes 0 and is fine.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .quantiles import student_t_quantile

LONELY_PSU = ("error", "certainty", "center")


@dataclass(frozen=True)
class Estimate:
    """One estimate for one domain (and, for a proportion, one category)."""

    domain: object            # domain label, or None for the whole population
    category: object | None   # for a proportion: the category; None otherwise
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    deff: float | None        # Kish's design effect, see the module docstring
    n: int                    # unweighted units with a value in the domain
    population: float         # Σ weights of those units
    df: int                   # degrees of freedom of the whole design: #PSUs − #strata


def _labels(values: Any, what: str, n: int | None = None) -> np.ndarray:
    """Per-unit labels as a 1-D array; tuples stay whole labels (e.g. region × type strata)."""
    if isinstance(values, np.ndarray):
        array = values
    else:
        items = list(values)
        array = np.asarray(items) if items else np.empty(0)
        if array.ndim != 1 or array.dtype.kind not in "biuf":
            array = np.fromiter(items, dtype=object, count=len(items))
    if array.ndim != 1:
        raise ValueError(f"{what} must be one value per unit (a 1-D sequence)")
    if n is not None and array.shape[0] != n:
        raise ValueError(f"{what} has {array.shape[0]} values but there are {n} units")
    return array


def _missing(array: np.ndarray) -> np.ndarray:
    """Which entries are None or NaN."""
    if array.dtype.kind in "fc":
        return np.isnan(array)
    if array.dtype == object:
        return np.fromiter((v is None or (isinstance(v, float) and math.isnan(v)) for v in array),
                           dtype=bool, count=array.shape[0])
    return np.zeros(array.shape[0], dtype=bool)


def _factorize(array: np.ndarray, what: str) -> tuple[list, np.ndarray]:
    """Sorted distinct labels and each unit's index into them."""
    if array.dtype != object:
        found, codes = np.unique(array, return_inverse=True)
        return found.tolist(), codes.reshape(-1).astype(np.int64)
    index: dict[Hashable, int] = {}
    try:
        codes = np.fromiter((index.setdefault(v, len(index)) for v in array),
                            dtype=np.int64, count=array.shape[0])
    except TypeError as error:
        raise ValueError(f"{what} labels must be hashable (text, numbers or tuples): {error}") from None
    found = list(index)
    try:
        order = sorted(range(len(found)), key=found.__getitem__)
    except TypeError:
        order = sorted(range(len(found)), key=lambda k: repr(found[k]))
    rank = np.empty(len(found), dtype=np.int64)
    rank[order] = np.arange(len(found))
    return [found[k] for k in order], rank[codes]


@dataclass(frozen=True)
class _Design:
    """The design restricted to the units with a value, ready for variance sums."""

    weights: np.ndarray        # per unit
    unit_psu: np.ndarray       # per unit: index of its (stratum, school)
    psu_stratum: np.ndarray    # per school: index of its stratum
    n_h: np.ndarray            # schools per stratum
    factor: np.ndarray         # per stratum: (1 − f_h)·n_h/(n_h − 1), or the lonely-PSU rule
    lonely_center: np.ndarray  # per stratum: centre a lonely school on the grand mean
    domain: np.ndarray         # per unit: domain index
    domains: list              # domain labels ([None] for the whole population)
    count: np.ndarray          # per domain: units with a value
    size: np.ndarray           # per domain: Σ weights, Ŵ_d
    df: int


def _stratum_fractions(strata: list, fpc: Mapping | None) -> np.ndarray:
    """The first-stage sampling fraction f_h of each stratum (0 without ``fpc``)."""
    if fpc is None:
        return np.zeros(len(strata))
    absent = [h for h in strata if h not in fpc]
    if absent:
        raise ValueError(f"fpc has no sampling fraction for stratum {', '.join(map(repr, absent))}")
    fractions = np.array([float(fpc[h]) for h in strata])
    bad = [h for h, f in zip(strata, fractions) if not 0.0 <= f <= 1.0]
    if bad:
        raise ValueError("fpc must give the sampling fraction f_h = n_h/N_h, between 0 and 1; "
                         f"stratum {bad[0]!r} has {fpc[bad[0]]!r}")
    return fractions


def _schools(strata: np.ndarray, psu: np.ndarray) -> tuple[list, np.ndarray, np.ndarray]:
    """Strata labels, each unit's school index and each school's stratum index."""
    stratum_labels, s_codes = _factorize(strata, "stratum")
    psu_labels, p_codes = _factorize(psu, "psu")
    pairs, unit_psu = np.unique(s_codes * len(psu_labels) + p_codes, return_inverse=True)
    if pairs.size != len(psu_labels):
        counts = np.bincount(pairs % len(psu_labels), minlength=len(psu_labels))
        school = psu_labels[int(np.argmax(counts))]
        raise ValueError(f"school (PSU) {school!r} appears in more than one stratum; a PSU lies in "
                         "one stratum: label schools uniquely, e.g. (stratum, school)")
    return stratum_labels, unit_psu.reshape(-1), pairs // len(psu_labels)


def _design(keep: np.ndarray, weights: np.ndarray, strata: Any, psu: Any,
            domain: np.ndarray | None, fpc: Mapping | None, lonely_psu: str) -> _Design:
    """Validate the design columns and tally schools per stratum among the kept units."""
    if lonely_psu not in LONELY_PSU:
        raise ValueError(f"lonely_psu must be one of {', '.join(LONELY_PSU)}, got {lonely_psu!r}")
    n = weights.shape[0]
    strata_array, psu_array = _labels(strata, "strata", n), _labels(psu, "psu", n)
    for what, array in (("stratum", strata_array), ("psu", psu_array)):
        if _missing(array).any():
            raise ValueError(f"{int(_missing(array).sum())} units have no {what} label")
    stratum_labels, unit_psu, psu_stratum = _schools(strata_array[keep], psu_array[keep])
    n_h = np.bincount(psu_stratum, minlength=len(stratum_labels))
    fractions = _stratum_fractions(stratum_labels, fpc)
    lonely = (n_h == 1) & (fractions < 1.0)
    if lonely.any() and lonely_psu == "error":
        names = ", ".join(repr(stratum_labels[h]) for h in np.flatnonzero(lonely))
        raise ValueError(f"stratum {names} has a single school (PSU) among the units with a value, "
                         "so its variance cannot be estimated: collapse it with a similar stratum, "
                         "or pass lonely_psu='certainty' (contributes 0) or 'center' "
                         "(deviation from the grand mean)")
    scale = np.where(n_h > 1, n_h / np.maximum(n_h - 1, 1), 1.0)
    if lonely_psu == "certainty":
        scale = np.where(lonely, 0.0, scale)
    df = int(psu_stratum.size - len(stratum_labels))
    if df < 1:
        raise ValueError(f"the design has {psu_stratum.size} schools in {len(stratum_labels)} strata, "
                         "so no degrees of freedom are left for a standard error")
    if domain is None:
        domains, domain_codes = [None], np.zeros(int(keep.sum()), dtype=np.int64)
    else:
        domains, domain_codes = _factorize(domain[keep], "domain")
    count, size = _domain_sizes(weights[keep], domain_codes, domains)
    return _Design(weights[keep], unit_psu, psu_stratum, n_h, (1.0 - fractions) * scale,
                   lonely & (lonely_psu == "center"), domain_codes, domains, count, size, df)


def _prepare(y_missing: np.ndarray, weights: Any, strata: Any, psu: Any, domain: Any,
             fpc: Mapping | None, lonely_psu: str, alpha: float) -> tuple[np.ndarray, _Design]:
    """The units kept (value of y and domain present) and the design over them."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    w = np.asarray(_labels(weights, "weights", y_missing.shape[0]), dtype=float)
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and non-negative")
    keep = ~y_missing
    domain_array = None if domain is None else _labels(domain, "domain", w.shape[0])
    if domain_array is not None:
        keep &= ~_missing(domain_array)
    if not keep.any():
        raise ValueError("no unit has a value to estimate from")
    return keep, _design(keep, w, strata, psu, domain_array, fpc, lonely_psu)


def _variance(totals: np.ndarray, design: _Design) -> np.ndarray:
    """Σ_h factor_h · Σ_i (z_hi − centre_h)² for each column of school totals z_hi."""
    strata = design.n_h.shape[0]
    sums = np.zeros((strata, totals.shape[1]))
    np.add.at(sums, design.psu_stratum, totals)
    centre = sums / design.n_h[:, None]
    centre[design.lonely_center] = totals.sum(axis=0) / totals.shape[0]
    squares = np.zeros_like(sums)
    np.add.at(squares, design.psu_stratum, (totals - centre[design.psu_stratum]) ** 2)
    return design.factor @ squares


def _school_totals(z: np.ndarray, design: _Design) -> np.ndarray:
    """Sum a per-unit linearized variable to one column per domain: (schools × domains)."""
    size = design.n_h.sum() * len(design.domains)
    flat = np.bincount(design.unit_psu * len(design.domains) + design.domain, weights=z,
                       minlength=size)
    return flat.reshape(-1, len(design.domains))


def _domain_sizes(w: np.ndarray, codes: np.ndarray, domains: list) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted count and Σ weights per domain; a domain of zero weight cannot be estimated."""
    count = np.bincount(codes, minlength=len(domains))
    size = np.bincount(codes, weights=w, minlength=len(domains))
    if (size <= 0).any():
        label = domains[int(np.flatnonzero(size <= 0)[0])]
        raise ValueError(f"domain {label!r} has units with a value but their weights sum to 0")
    return count, size


def _srs_variance(spread: np.ndarray, count: np.ndarray, size: np.ndarray) -> np.ndarray:
    """(1 − n/Ŵ)·S²/n with S² = n/(n − 1)·Σ w(y − ȳ)²/Ŵ; NaN where it is undefined (n < 2)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(count > 1, count / (count - 1.0) * spread / size, np.nan)
        return (1.0 - count / size) * s2 / count


def _interval(estimate: float, se: float, t: float, logit: bool) -> tuple[float, float]:
    """Wald interval, or the logit interval for a proportion (degenerate at 0 and 1)."""
    if not logit:
        return estimate - t * se, estimate + t * se
    if estimate <= 0.0 or estimate >= 1.0:
        return estimate, estimate
    centre = math.log(estimate / (1.0 - estimate))
    half = t * se / (estimate * (1.0 - estimate))
    return 1.0 / (1.0 + math.exp(-(centre - half))), 1.0 / (1.0 + math.exp(-(centre + half)))


def _results(design: _Design, categories: list | None, values: np.ndarray, variances: np.ndarray,
             srs: np.ndarray, alpha: float, *, logit: bool = False) -> list[Estimate]:
    """One Estimate per domain (× category); the arrays are (domains × categories) flattened."""
    count, size = design.count, design.size
    t = student_t_quantile(1.0 - alpha / 2.0, design.df)
    labels = [None] if categories is None else categories
    results = []
    for k, (d, c) in enumerate((d, c) for d in range(len(design.domains)) for c in labels):
        value, se = float(values[k]), math.sqrt(max(float(variances[k]), 0.0))
        low, high = _interval(value, se, t, logit)
        deff = float(variances[k] / srs[k]) if np.isfinite(srs[k]) and srs[k] > 0 else None
        results.append(Estimate(design.domains[d], c, value, se, low, high, deff,
                                int(count[d]), float(size[d]), design.df))
    return results


def _numeric(y: Any) -> np.ndarray:
    """y as floats, None becoming NaN; text is refused with a clear message."""
    try:
        return np.asarray(_labels(y, "y"), dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"y must be numeric (None or NaN for a missing value): {error}") from None


def _mean_parts(y: Any, weights: Any, strata: Any, psu: Any, domain: Any, fpc: Mapping | None,
                lonely_psu: str, alpha: float) -> tuple[_Design, np.ndarray, np.ndarray, np.ndarray]:
    """The design over the units with a value, their y, the domain means and Σ w(y − ȳ_d)²."""
    values = _numeric(y)
    keep, design = _prepare(np.isnan(values), weights, strata, psu, domain, fpc, lonely_psu, alpha)
    y_kept, w, dom, size = values[keep], design.weights, design.domain, design.size
    means = np.bincount(dom, weights=w * y_kept, minlength=size.size) / size
    spread = np.bincount(dom, weights=w * (y_kept - means[dom]) ** 2, minlength=size.size)
    return design, y_kept, means, spread


def mean(y: Sequence, weights: Sequence, strata: Sequence, psu: Sequence, *,
         domain: Sequence | None = None, fpc: Mapping | None = None, alpha: float = 0.05,
         lonely_psu: str = "error") -> list[Estimate]:
    """The weighted mean ȳ_d = Σ w y/Σ w of y in each domain (or overall), with its design SE.

    ``strata``, ``psu`` (school) and ``domain`` are per-unit labels; ``fpc`` maps each stratum to
    its first-stage sampling fraction f_h = n_h/N_h. Units whose y is missing are left out. One
    Estimate per domain, in sorted order; a single one with ``domain=None`` when no domain given.
    """
    design, y_kept, means, spread = _mean_parts(y, weights, strata, psu, domain, fpc,
                                                lonely_psu, alpha)
    dom, size = design.domain, design.size
    totals = _school_totals(design.weights * (y_kept - means[dom]) / size[dom], design)
    return _results(design, None, means, _variance(totals, design),
                    _srs_variance(spread, design.count, size), alpha)


def total(y: Sequence, weights: Sequence, strata: Sequence, psu: Sequence, *,
          domain: Sequence | None = None, fpc: Mapping | None = None, alpha: float = 0.05,
          lonely_psu: str = "error") -> list[Estimate]:
    """The estimated total Ŷ_d = Σ w y of y in each domain (or overall), with its design SE.

    Arguments as for ``mean``. Units whose y is missing contribute nothing, so the total covers
    only units with a value: impute or adjust the weights first if that is not what is wanted.
    """
    design, y_kept, _, spread = _mean_parts(y, weights, strata, psu, domain, fpc, lonely_psu, alpha)
    totals = _school_totals(design.weights * y_kept, design)
    return _results(design, None, totals.sum(axis=0), _variance(totals, design),
                    _srs_variance(spread, design.count, design.size) * design.size ** 2, alpha)


def proportion(y: Sequence, weights: Sequence, strata: Sequence, psu: Sequence, *,
               domain: Sequence | None = None, fpc: Mapping | None = None, alpha: float = 0.05,
               lonely_psu: str = "error") -> list[Estimate]:
    """The weighted share of each category of y in each domain (or overall), with its design SE.

    y holds category labels (text, numbers, tuples); None or NaN is missing and left out. The
    categories are those seen anywhere in the sample, so a domain where a category does not
    occur gets an estimate of 0 (interval (0, 0)). One Estimate per (domain, category), sorted.
    Intervals are logit intervals, see the module docstring.
    """
    labels = _labels(y, "y")
    keep, design = _prepare(_missing(labels), weights, strata, psu, domain, fpc, lonely_psu, alpha)
    categories, cat = _factorize(labels[keep], "y")
    k, d_count = len(categories), len(design.domains)
    w, count, size = design.weights, design.count, design.size
    shares = (np.bincount(design.domain * k + cat, weights=w, minlength=d_count * k)
              .reshape(d_count, k) / size[:, None])
    cell = (design.unit_psu * d_count + design.domain) * k + cat
    in_category = np.bincount(cell, weights=w, minlength=design.n_h.sum() * d_count * k)
    school_weight = _school_totals(w, design)
    totals = ((in_category.reshape(-1, d_count, k) - shares[None] * school_weight[:, :, None])
              / size[None, :, None]).reshape(-1, d_count * k)
    spread = (size[:, None] * shares * (1.0 - shares)).reshape(-1)
    srs = _srs_variance(spread, np.repeat(count, k), np.repeat(size, k))
    return _results(design, categories, shares.reshape(-1), _variance(totals, design), srs,
                    alpha, logit=True)
