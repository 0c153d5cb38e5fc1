"""Tests that kill planted mutants (mutation/mutants.py) in the flow engine.

The reported global error of a flow must bound its actual error. The actual error is measured
against a closed form evaluated at a much higher precision: for f(x) = ¼(x² − m)² (symmetric MF
with n = r = 1) the gradient flow ẋ = (m − x²)x is a Bernoulli equation with

    x(t)² = m·x₀²·e^{2mt} / (m + x₀²(e^{2mt} − 1)).

Started near the maximum x = 0 the flow escapes at the rate m, so errors committed early are
amplified by about e^{mt}: an estimate that leaves out that amplification, or a step of the wrong
size, or a wrong Taylor coefficient, reports less than the actual error.
"""

from __future__ import annotations

import mpmath
import pytest

from mfverify.flow import integrate
from mfverify.problems import SymmetricMF


def _closed_form(m: int, x0: str, t: object) -> mpmath.mpf:
    with mpmath.workdps(120):
        m_, a0, tt = mpmath.mpf(m), mpmath.mpf(x0), mpmath.mpf(str(t))
        e = mpmath.exp(2 * m_ * tt)
        return mpmath.sqrt(m_ * a0**2 * e / (m_ + a0**2 * (e - 1)))


@pytest.mark.parametrize("m,x0,times,dps", [
    (1, "1e-12", [5, 20, 28, 40], 20),
    (2, "1e-8", [3, 9, 15], 25),
    (3, "1/2", [1, 4], 30),
])
def test_reported_error_bounds_the_actual_error(m: int, x0: str, times: list, dps: int) -> None:
    res = integrate(SymmetricMF([[m]], 1), {"X": [[x0]]}, times, dps=dps, time_budget=30)
    assert res.status == "done"
    assert len(res.points) == len(times)
    for pt in res.points:
        exact = _closed_form(m, x0, pt.t)
        with mpmath.workdps(120):
            actual = abs(mpmath.mpf(pt.state["X"][0, 0]) - exact)
            estimate = mpmath.mpf(pt.error_estimate)
        assert actual <= estimate, (pt.t, actual, estimate)
        # and the estimate is informative: well below the size of the state
        assert estimate < mpmath.mpf(10) ** (-dps // 2) * max(1, abs(exact))


def test_error_estimate_grows_with_the_escape() -> None:
    # near the maximum the flow expands at rate m = 1: by t = 28 an error committed at t ≈ 0 is
    # amplified ~e^{28} ≈ 1e12 times, so the estimate must grow by many orders of magnitude
    res = integrate(SymmetricMF([[1]], 1), {"X": [["1e-12"]]}, [1, 28], dps=20, time_budget=30)
    early, late = (mpmath.mpf(p.error_estimate) for p in res.points)
    assert late > early * 10**6
