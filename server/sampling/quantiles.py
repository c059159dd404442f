"""Quantiles of the standard normal and Student's t distributions, for confidence intervals.

Written here so the server needs no SciPy: Acklam's approximation refined to machine precision
for the normal, Newton's method on the regularized incomplete beta function for t. The tests
compare both with SciPy and with printed tables.
"""
from __future__ import annotations

import math

import numpy as np

_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709951230e-03, 3.224671290700398e-01, 2.445134137142996e+00,
      3.754408661907416e+00)


def normal_quantile(p: float) -> float:
    """The standard normal quantile Φ⁻¹(p), to about 1e-15 relative error.

    Acklam's rational approximation (relative error 1.2e-9) followed by one Halley step on
    ``Φ(x) = erfc(−x/√2)/2``, which brings it to machine precision without scipy.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"a probability strictly between 0 and 1 is needed, got {p!r}")
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        x = np.polyval(_C, q) / (np.polyval(_D, q) * q + 1.0)
    elif p > 1.0 - 0.02425:
        q = math.sqrt(-2.0 * math.log1p(-p))
        x = -np.polyval(_C, q) / (np.polyval(_D, q) * q + 1.0)
    else:
        q = p - 0.5
        r = q * q
        x = np.polyval(_A, r) * q / (np.polyval(_B, r) * r + 1.0)
    if p < 0.5:
        error = 0.5 * math.erfc(-x / math.sqrt(2.0)) - p
    else:  # Φ(x) − p through the upper tail, which 1 − p represents exactly
        error = (1.0 - p) - 0.5 * math.erfc(x / math.sqrt(2.0))
    u = error * math.sqrt(2.0 * math.pi) * math.exp(x * x / 2.0)
    return float(x - u / (1.0 + x * u / 2.0))


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        for aa in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                   -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            return h
    raise ArithmeticError(f"incomplete beta fraction did not converge for a={a}, b={b}, x={x}")


def _beta_regularized(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def student_t_quantile(p: float, df: float) -> float:
    """The quantile of Student's t with ``df`` degrees of freedom.

    Solves ``P(T > t) = 1 − p`` with ``P(T > t) = I_{df/(df+t²)}(df/2, 1/2)/2`` by Newton's
    method from the normal quantile: the upper tail is convex for t > 0 and the t quantile
    lies beyond the normal one, so the iterates increase monotonically to the root.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"a probability strictly between 0 and 1 is needed, got {p!r}")
    if not df >= 1:
        raise ValueError(f"the t distribution needs at least 1 degree of freedom, got {df!r}")
    if p < 0.5:
        return -student_t_quantile(1.0 - p, df)
    tail = 1.0 - p
    log_norm = (math.lgamma((df + 1.0) / 2.0) - math.lgamma(df / 2.0)
                - 0.5 * math.log(df * math.pi))
    t, previous = normal_quantile(p), math.inf
    for _ in range(500):
        gap = 0.5 * _beta_regularized(df / 2.0, 0.5, df / (df + t * t)) - tail
        step = gap / math.exp(log_norm - (df + 1.0) / 2.0 * math.log1p(t * t / df))
        if abs(step) < 1e-9 * t and abs(step) >= abs(previous):  # at the beta's rounding noise
            return t
        t, previous = t + step, step
        if abs(step) <= 1e-13 * t:
            return t
    raise ArithmeticError(f"t quantile did not converge for p={p}, df={df}")
