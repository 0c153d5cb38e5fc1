"""Numeric mode of mfverify.derivation: Taylor-remainder tests at scale."""

from __future__ import annotations

import numpy as np
import pytest

from mfverify import SymmetricMF
from mfverify.derivation import (
    TaylorStatus,
    check_gradient,
    check_hessian,
    check_hvp,
    check_identity,
    taylor_check_gradient,
    taylor_check_hessian,
)
from mfverify.derivation.taylor import fit_taylor

SYM = SymmetricMF([[1, 0], [0, 0]], rank=1)
BIG = {"n": 100, "r": 10}
HESS = "1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D"


def test_true_gradient_supported_at_random_points_n100_r10() -> None:
    res = check_gradient(SYM, "(X*X.T - M)*X", numeric=True, size=BIG)
    assert res.verdict == "SUPPORTED"
    assert res.instances == 3 and "slope" in res.tolerance
    assert all(abs(c.slope - 2) < 0.1 for c in res.checks)
    assert res.to_json()["sizes_checked"] == [BIG]


def test_true_gradient_supported_at_zero() -> None:
    res = check_gradient(SYM, "(X*X.T - M)*X", numeric=True, size=BIG, at="zero")
    assert res.verdict == "SUPPORTED"


def test_gradient_three_percent_off_is_refuted_and_certified() -> None:
    res = check_gradient(SYM, "1.03*(X*X.T - M)*X", numeric=True, size=BIG)
    assert res.verdict == "REFUTED"
    assert all(c.status is TaylorStatus.WRONG_ORDER for c in res.checks)
    assert all(abs(c.slope - 1) < 0.1 for c in res.checks)
    assert "103/100" in res.diagnosis
    assert abs(float(res.counterexample["relative_gap"]) - 0.03) < 1e-9


def test_hessian_at_zero_has_slope_four_and_passes() -> None:
    res = check_hessian(SYM, HESS, numeric=True, size=BIG, at="zero")
    assert res.verdict == "SUPPORTED"
    assert res.checks[0].slope > 3.5  # the cubic term vanishes at X = 0
    # and a wrong Hessian is still caught there (at X = 0 it is -1.03 <M, D Dᵀ>)
    bad = check_hessian(SYM, "1.03*(1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T)) "
                             "in D", numeric=True, size=BIG, at="zero")
    assert bad.verdict == "REFUTED"


def test_hessian_at_random_points() -> None:
    assert check_hessian(SYM, HESS, numeric=True, size=BIG).verdict == "SUPPORTED"
    bad = check_hessian(SYM, "norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D",
                        numeric=True, size={"n": 30, "r": 4})
    assert bad.verdict == "REFUTED"  # certified through the exact line polynomial


def test_hvp_consistency_and_symmetry() -> None:
    good = check_hvp(SYM, "(X*D.T + D*X.T)*X + (X*X.T - M)*D in D", numeric=True,
                     size={"n": 40, "r": 5})
    assert good.verdict == "SUPPORTED"
    whats = {c.what for c in good.checks}
    assert whats == {"hessian", "hvp-consistency", "hvp-symmetry"}
    # D -> X Xᵀ M D is not self-adjoint: the symmetry test flags it too
    bad = check_hvp(SYM, "(X*D.T + D*X.T)*X + (X*X.T*M)*D in D", numeric=True,
                    size={"n": 40, "r": 5})
    assert bad.verdict == "REFUTED"
    assert any(c.what == "hvp-symmetry" and not c.passed for c in bad.checks)
    # D X X: a wrong but self-adjoint HVP; consistency catches it
    bad2 = check_hvp(SYM, "(D*X.T)*X + (X*X.T - M)*D in D", numeric=True, size={"n": 40, "r": 5})
    assert bad2.verdict == "REFUTED"
    assert any(c.what == "hvp-consistency" and not c.passed for c in bad2.checks)


@pytest.mark.parametrize("unit", [1e-6, 1.0, 1e6])
def test_verdict_does_not_depend_on_the_scale(unit: float) -> None:
    p = SymmetricMF(np.diag([3.0 * unit, unit, 0.0]).tolist(), rank=2)
    X = (np.sqrt(unit) * np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).tolist()
    good = check_gradient(p, "(X*X.T - M)*X", numeric=True, at={"X": X})
    bad = check_gradient(p, "1.03*(X*X.T - M)*X", numeric=True, at={"X": X})
    assert good.verdict == "SUPPORTED"
    assert bad.verdict == "REFUTED"


def test_manopt_style_helpers() -> None:
    A = np.array([[2.0, 1.0], [1.0, 3.0]])

    def f(x: np.ndarray) -> float:
        return float(x @ A @ x) + float(np.sum(x**4))

    def g(x: np.ndarray) -> np.ndarray:
        return 2 * A @ x + 4 * x**3

    def h(x: np.ndarray, d: np.ndarray) -> np.ndarray:
        return 2 * A @ d + 12 * x**2 * d

    x = np.array([0.3, -0.7])
    assert taylor_check_gradient(f, g, x).status is TaylorStatus.OK
    assert taylor_check_gradient(f, lambda y: 1.1 * g(y), x).status is TaylorStatus.WRONG_ORDER
    res = taylor_check_hessian(f, g, h, x)
    assert res.passed and res.extra["symmetry_defect"] < 1e-12


def test_exact_model_status() -> None:
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    res = taylor_check_hessian(lambda x: float(x @ A @ x), lambda x: 2 * A @ x,
                               lambda x, d: 2 * A @ d, np.array([1.0, 2.0]))
    assert res.status is TaylorStatus.EXACT_MODEL and res.passed


def test_fit_taylor_without_window() -> None:
    h = np.logspace(-8, 0, 49)
    rng = np.random.default_rng(0)
    err = 10.0 ** rng.uniform(-3, 3, size=h.size)  # no straight piece
    res = fit_taylor(h, err, np.full_like(h, 1e-12), expected=2)
    assert res.status is TaylorStatus.NO_WINDOW and not res.passed


def test_numeric_identity() -> None:
    decl = {"A": "n x n", "B": "n x n"}
    good = check_identity("(A + B)*(A + B) == A*A + A*B + B*A + B*B", declare=decl,
                          numeric=True, size={"n": 30})
    assert good.verdict == "SUPPORTED" and good.instances == 3
    bad = check_identity("(A + B)*(A + B) == A*A + 2*A*B + B*B", declare=decl, numeric=True,
                         size={"n": 30})
    assert bad.verdict == "REFUTED"


def test_gradient_hessian_consistency() -> None:
    ok = check_hessian(SYM, HESS, numeric=True, size={"n": 20, "r": 3},
                       gradient="(X*X.T - M)*X")
    assert ok.verdict == "SUPPORTED"
    bad = check_hessian(SYM, HESS, numeric=True, size={"n": 20, "r": 3},
                        gradient="2*(X*X.T - M)*X")
    assert bad.verdict == "REFUTED"
    assert "inconsistent" in bad.counterexample["entry"]


# ---------------------------------------------------------------------------------------------
# regressions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", [1e-30, 1e15])
def test_regression_verdict_at_zero_does_not_depend_on_the_units_of_the_data(unit: float
                                                                           ) -> None:
    """At X = 0 the sweep was centred on 1/‖d‖ whatever the data's units: with M of size 10¹⁵
    every change of f(hD) stayed below the rounding of f(0) = ¼‖M‖² (a 3%-wrong Hessian was
    SUPPORTED as an 'exact model'), and with M of size 10⁻³⁰ the sweep missed the quadratic
    regime and float32 underflow inflated the noise estimate (the wrong Hessian passed with
    slope 4)."""
    rng = np.random.default_rng(1)
    M = rng.standard_normal((20, 20))
    p = SymmetricMF((unit * (M + M.T) / 2).tolist(), rank=3)
    good = check_hessian(p, HESS, numeric=True, at="zero")
    bad = check_hessian(p, "1.03*(1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T)) in D",
                        numeric=True, at="zero")
    assert good.verdict == "SUPPORTED"
    assert bad.verdict == "REFUTED"
    assert "103/100" in bad.diagnosis
