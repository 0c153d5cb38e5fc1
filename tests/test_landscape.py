"""Acceptance tests of the exact landscape engine (issue 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from mfverify.problems import AsymmetricMF, SymmetricMF
from mfverify.problems.custom import CustomProblem
from mfverify.symbolic import derive, landscape
from mfverify.symbolic.algebraic import RealField, S
from mfverify.symbolic.classify import inertia_from_charpoly


def _by_type(L, kind):
    return [c for c in L.components if c.type == kind]


@pytest.mark.parametrize("strategy", ["auto", "groebner"])
def test_symmetric_n2_r1_five_points(strategy: str) -> None:
    L = landscape(SymmetricMF([[3, 0], [0, 1]], rank=1), strategy=strategy)
    assert L.complete and L.global_min_value == sp.Rational(1, 4)
    assert L.real_component_count == 5
    got = {(c.type, tuple(c.hessian_eigenvalues), c.count) for c in L.components}
    assert got == {("local_max", (-1, -3), 1), ("global_min", (6, 2), 2),
                   ("strict_saddle", (2, -2), 2)}
    gm = _by_type(L, "global_min")[0]
    assert [abs(v) for v in gm.representative["X"].reshape(-1)] == [sp.sqrt(3), 0]
    assert gm.strict is True


@pytest.mark.parametrize("strategy", ["auto", "groebner"])
def test_symmetric_n3_r2_li_classes(strategy: str) -> None:
    L = landscape(SymmetricMF([[3, 0, 0], [0, 2, 0], [0, 0, 1]], rank=2), strategy=strategy)
    assert L.complete
    assert len(L.components) == 7  # 1 + 3 + 3 O(2)-orbit classes (prediction L-P2)
    grams = set()
    for c in L.components:
        X = sp.Matrix(c.representative["X"].tolist())
        grams.add(tuple(sp.simplify(v) for v in (X * X.T)))
        rank = X.rank()
        assert c.orbit_dimension == (0 if rank == 0 else 1)
        assert c.excess_zero_directions == 0
        assert c.count == (2 if rank == 2 else 1)
    expect = [sp.diag(*d) for d in [(0, 0, 0), (3, 0, 0), (0, 2, 0), (0, 0, 1), (3, 2, 0),
                                    (3, 0, 1), (0, 2, 1)]]
    assert grams == {tuple(m) for m in expect}
    assert L.global_min_value == sp.Rational(1, 4)
    assert len(_by_type(L, "global_min")) == 1 and _by_type(L, "global_min")[0].strict is False
    assert len(_by_type(L, "local_max")) == 1
    assert len(_by_type(L, "strict_saddle")) == 5
    assert L.real_component_count == 1 + 3 + 2 * 3  # full-rank orbits have 2 components


@pytest.mark.parametrize("strategy", ["auto", "groebner"])
def test_overparametrized_excess_zero_directions(strategy: str) -> None:
    L = landscape(SymmetricMF([[1, 0, 0], [0, 0, 0], [0, 0, 0]], rank=2), strategy=strategy)
    assert L.complete
    gm = _by_type(L, "global_min")
    assert len(gm) == 1
    c = gm[0]
    assert c.value == 0 and c.orbit_dimension == 1
    assert c.excess_zero_directions == 2  # (n − r*)(r − r*) = 2·1, (H3) of docs/paper-li2019.md
    assert c.inertia == (3, 3, 0)
    origin = [c for c in L.components if c.value == sp.Rational(1, 4)]
    assert origin and origin[0].type == "strict_saddle"


def test_asymmetric_scalar_hyperbola() -> None:
    L = landscape(AsymmetricMF([[1]], rank=1))
    assert L.complete
    gm = _by_type(L, "global_min")
    assert len(gm) == 1 and gm[0].dimension == 1 and gm[0].count == 2
    u, v = gm[0].representative["U"][0, 0], gm[0].representative["V"][0, 0]
    assert u * v == 1
    sd = _by_type(L, "strict_saddle")
    assert len(sd) == 1 and sd[0].dimension == 0 and sd[0].value == sp.Rational(1, 2)


def test_custom_hyperbola_piece() -> None:
    L = landscape(CustomProblem({"u": [], "v": []}, "(u*v - 1)**2/2"))
    assert L.complete
    gm = _by_type(L, "global_min")
    assert gm and gm[0].dimension == 1


@pytest.mark.parametrize("objective,order", [("x[0]**3 - 3*x[0]*x[1]**2", 3),
                                             ("x[0]**4 - 3*x[0]**2*x[1]**2 + x[1]**4", 4),
                                             ("(x[1] - x[0]**2)*(x[1] - 2*x[0]**2)", 4)])
def test_degenerate_saddles_have_descent_curves(objective: str, order: int) -> None:
    prob = CustomProblem({"x": [2]}, objective)
    L = landscape(prob)
    assert L.complete
    (c,) = L.components
    assert c.type == "degenerate_saddle"
    curve = c.descent_curve
    assert curve is not None and curve.order == order and curve.coefficient < 0
    # re-check the curve exactly
    t = sp.Symbol("t")
    x = curve.point["x"]
    f = sp.sympify(objective.replace("x[0]", "a").replace("x[1]", "b"))
    val = sp.expand(f.subs({sp.Symbol("a"): x[0], sp.Symbol("b"): x[1]}))
    assert sp.Poly(val, t).terms()[-1] == ((order,), curve.coefficient)


def test_zero_hessian_point() -> None:
    L = landscape(CustomProblem({"x": [2]}, "x[0]**4 - 3*x[0]**2*x[1]**2 + x[1]**4"))
    (c,) = L.components
    assert c.inertia == (0, 2, 0) and c.type == "degenerate_saddle"


def test_degenerate_local_min_certified() -> None:
    L = landscape(CustomProblem({"x": [2]}, "x[0]**4 + x[1]**2 + x[0]**2*x[1]"))
    (c,) = L.components
    assert c.type in ("global_min", "local_min") and c.strict is False


def test_zsl_family() -> None:
    from mfverify.problems.sensing import zsl_family

    L = landscape(zsl_family("11/20"))
    assert L.complete
    sp_min = _by_type(L, "spurious_local_min")
    assert len(sp_min) == 1
    assert sp_min[0].value == 1 - sp.Rational(11, 20) ** 2
    L2 = landscape(zsl_family("9/20"))
    assert not _by_type(L2, "spurious_local_min")
    assert any(c.value == 1 - sp.Rational(9, 20) ** 2 and c.type == "strict_saddle"
               for c in L2.components)


def test_budget_exceeded_is_inconclusive_with_partial_results() -> None:
    p = SymmetricMF([[4, 1, 0, 0], [1, 3, 0, 1], [0, 0, 2, 0], [0, 1, 0, 1]], rank=2)
    L = landscape(p, budget=2.0)
    assert not L.complete and L.status == "INCONCLUSIVE"
    assert "budget" in L.reason and L.global_min_value is None
    # whatever was found is genuine: every partial component is an exact stationary point
    grad = p.gradient
    for c in L.components:
        g = p.grad(c.representative, "exact")["X"]
        assert all(sp.simplify(v) == 0 for v in g.reshape(-1)), grad
    assert L.to_json()["status"] == "INCONCLUSIVE"


def test_partial_points_survive_a_budget_overrun() -> None:
    from mfverify.errors import BudgetExceeded
    from mfverify.symbolic.stationary import Budget, solve_polynomial_system

    x, y = sp.symbols("x y")
    eqs = [x * (x - 1) * (x - 2), y * (y - 1)]

    class _Stop(Budget):
        calls = 0

        def check(self, what: str = "") -> None:
            type(self).calls += 1
            if type(self).calls > 12:
                raise BudgetExceeded("stop")

    with pytest.raises(BudgetExceeded) as info:
        solve_polynomial_system(eqs, [x, y], _Stop(None))
    partial = info.value.partial  # type: ignore[attr-defined]
    assert 0 < len(partial.points) < 6


def test_json_round_trip() -> None:
    L = landscape(SymmetricMF([[3, 0], [0, 1]], rank=1))
    data = json.loads(json.dumps(L.to_json()))
    assert data["complete"] is True and data["global_min_value"] == "1/4"
    for c in data["components"]:
        assert set(c["inertia"]) == {"positive", "zero", "negative"}
        sp.sympify(c["value"])
        for row in c["representative"]["X"]:
            for v in row:
                sp.sympify(v)


def test_cli_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    from mfverify.cli import main

    assert main(["landscape", '{"problem":"symmetric","M":[[3,0],[0,1]],"rank":1}',
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["real_component_count"] == 5
    assert main(["landscape", '{"problem":"symmetric","M":[[3,0],[0,1]],"rank":7}']) == 2


def test_inertia_descartes_matches_exact_eigenvalues() -> None:
    F = RealField.rational(0)
    M = sp.Matrix([[2, 1, 0], [1, 0, 0], [0, 0, -1]])
    cp = [F.elem(c) for c in M.charpoly().all_coeffs()]
    assert inertia_from_charpoly(F, cp) == (1, 0, 2)


def test_real_field_sign_sqrt2() -> None:
    (neg, pos) = RealField.real_roots_of(sp.Poly(S ** 2 - 2, S))
    a = pos.elem(S - sp.Rational(141421, 100000))
    assert pos.sign(a) == 1 and neg.sign(a) == -1
    assert pos.to_expr(pos.elem(S)) == sp.sqrt(2)


def test_derive_matrix_form_symbolic() -> None:
    from mfverify.symbolic.derive import ordered_parameters

    (l1, l2), _ = ordered_parameters(2)
    d = derive(SymmetricMF([[3, 0], [0, 1]], rank=1), data={"M": np.array([[l1, 0], [0, l2]],
                                                                          dtype=object)})
    assert d.matrix_form is not None
    # the gradient is (XXᵀ − M)X (scale ¼) with the symbolic λ₁ > λ₂ > 0 substituted
    x0, x1 = (sp.Symbol(n, real=True) for n in ("X_0_0", "X_1_0"))
    X = sp.Matrix([x0, x1])
    want = (X * X.T - sp.diag(l1, l2)) * X
    got = sp.Matrix(np.asarray(d.gradient["X"] if isinstance(d.gradient, dict) else d.gradient,
                               dtype=object).reshape(-1).tolist())
    assert all(sp.expand(a - b) == 0 for a, b in zip(got, want, strict=True))
    assert "stationarity" in d.plain() and str(l2.free_symbols.pop()) in d.plain()
    assert d.hessian.shape == (2, 2)
    assert d.latex().startswith("f =")


def test_regression_scalar_variables_descent_curve_cli(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """Regression: a descent curve over scalar variables (shape []) crashed the CLI views."""
    from mfverify.cli import main

    spec = ('{"problem":"custom","variables":{"x":[],"y":[]},'
            '"objective":"x**3 - 3*x*y**2"}')
    assert main(["landscape", spec]) == 0
    assert "descent curve" in capsys.readouterr().out
    assert main(["landscape", spec, "--json"]) == 0
    (c,) = json.loads(capsys.readouterr().out)["components"]
    dc = c["descent_curve"]
    assert c["type"] == "degenerate_saddle" and dc["order"] == 3
    t = sp.Symbol("t")
    x, y = sp.sympify(dc["curve"]["x"]), sp.sympify(dc["curve"]["y"])
    assert sp.expand(x ** 3 - 3 * x * y ** 2) == sp.sympify(dc["f(curve) - f(point)"])
    assert sp.Poly(sp.sympify(dc["f(curve) - f(point)"]), t).LC() < 0


def test_regression_zero_hessian_with_f_vanishing_on_a_kernel_line() -> None:
    """Regression: f ≡ 0 along a null direction (here y = 0) made the series degree −∞ and
    crashed; the point must still be resolved by the descent line x = 0, f = −t³."""
    L = landscape(CustomProblem({"x": [], "y": []}, "x**4*y - y**3 + x**2*y**2"))
    assert L.complete
    (c,) = L.components
    assert c.inertia == (0, 2, 0) and c.type == "degenerate_saddle"
    curve = c.descent_curve
    assert curve is not None and curve.order == 3 and curve.coefficient < 0


def test_regression_overrun_after_solve_keeps_partial_results() -> None:
    """Regression: when the solve finished in time but the budget ran out while grouping the
    points, every found point was dropped (INCONCLUSIVE with no partial results)."""
    from mfverify.errors import BudgetExceeded
    from mfverify.symbolic.stationary import Budget

    class _OverrunWhileGrouping(Budget):
        def check(self, what: str = "") -> None:
            if what == "grouping":
                raise BudgetExceeded(f"time budget of {self.seconds} s exceeded: {what}")
            super().check(what)

    L = landscape(SymmetricMF([[3, 0], [0, 1]], rank=1), budget=_OverrunWhileGrouping(600.0),
                  strategy="groebner")  # the chart path (the orbit construction never groups)
    assert not L.complete and L.status == "INCONCLUSIVE" and "grouping" in L.reason
    assert L.global_min_value is None
    assert sum(c.count for c in L.components) == 5  # all points found are still reported
    assert {c.type for c in L.components} <= {"strict_saddle", "local_max", "global_min",
                                               "spurious_local_min", "local_min"}


@pytest.mark.parametrize("budget", ["nan", "inf", "-inf", "0"])
def test_regression_cli_rejects_non_finite_budget(budget: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: ``--budget nan`` was an internal error (exit 3) instead of bad input."""
    from mfverify.cli import main

    spec = '{"problem":"symmetric","M":[[3,0],[0,1]],"rank":1}'
    assert main(["landscape", spec, f"--budget={budget}"]) == 2
    err = capsys.readouterr().err
    assert "--budget" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_regression_incomplete_result_has_no_component_count() -> None:
    """Regression: an INCONCLUSIVE result reported the number of pieces found so far as the
    real component count of the stationary set."""
    L = landscape(CustomProblem({"x": [2]}, "x[0]**2 + sqrt(2)*x[1]**2"))
    assert not L.complete and L.real_component_count is None
    assert L.to_json()["real_component_count"] is None



def test_regression_exact_numbers_beyond_4300_digits(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: an exact Hessian eigenvalue with more than 4300 digits (Python's int ↔ str
    limit) crashed the table and the JSON views (internal error, exit 3)."""
    import sys

    from mfverify.cli import main

    objective = "x[0]**64 + x[1]**63 + x[0]*x[1]**62"
    spec = '{"problem":"custom","variables":{"x":[2]},"objective":"' + objective + '"}'
    old = sys.get_int_max_str_digits()
    assert main(["landscape", spec]) == 0
    capsys.readouterr()
    assert main(["landscape", spec, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sys.get_int_max_str_digits() == old  # the limit is restored
    eigs = [e for c in out["components"] for e in c["hessian_eigenvalues"] or []]
    assert max(len(e) for e in eigs) > 4300
    L = landscape(CustomProblem({"x": [2]}, objective))
    assert L.to_json()["components"] == out["components"]
    (m,) = [c for c in L.components if c.type != "degenerate_saddle"]
    (mj,) = [c for c in out["components"] if c["type"] != "degenerate_saddle"]
    sys.set_int_max_str_digits(0)
    try:
        assert sp.sympify(mj["value"]) == m.value
        assert [sp.sympify(e) for e in mj["hessian_eigenvalues"]] == m.hessian_eigenvalues
    finally:
        sys.set_int_max_str_digits(old)


def test_cli_exit_code_1_for_inconclusive(capsys: pytest.CaptureFixture[str]) -> None:
    from mfverify.cli import main

    # GL(2), Σ = diag(A, A) with σ(A)² = 3 ± √5: repeated irrational singular values
    spec = ('{"problem":"asymmetric","Sigma":[[2,1,0,0],[0,1,0,0],[0,0,2,1],[0,0,0,1]],'
            '"rank":2}')
    assert main(["landscape", spec, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["complete"] is False and out["status"] == "INCONCLUSIVE"
    assert out["real_component_count"] is None and "GL(2)" in out["reason"]


def test_regression_huge_budget_is_not_an_internal_error() -> None:
    """Regression: ``budget=1e300`` overflowed setitimer (OverflowError, CLI exit 3)."""
    from mfverify.cli import main

    assert main(["landscape", '{"problem":"symmetric","M":[[3,0],[0,1]],"rank":1}',
                 "--budget", "1e300"]) == 0
    assert landscape(SymmetricMF([[3, 0], [0, 1]], rank=1), budget=1e300).complete



def _check_gl_component(p: AsymmetricMF, c, r: int) -> None:
    """Independent exact checks of one GL(r) component entry."""
    U = sp.Matrix(c.representative["U"].tolist())
    V = sp.Matrix(c.representative["V"].tolist())
    g = p.grad(c.representative, "exact")
    assert all(sp.simplify(v) == 0 for a in g.values() for v in np.asarray(a).reshape(-1))
    k = (U * V.T).rank(simplify=True)
    assert c.dimension == 2 * k * r - k * k == c.orbit_dimension  # one GL(r)-orbit
    assert c.count == (2 if k == r else 1)
    assert sp.simplify(c.value - p.value(c.representative, "exact")) == 0


def test_unbalanced_asymmetric_gl2_quotient() -> None:
    """Σ = diag(2, 1), r = 2, no balancing: the GL(2) quotient through Z = UVᵀ (S3)."""
    p = AsymmetricMF([[2, 0], [0, 1]], rank=2)
    L = landscape(p)
    assert L.complete and L.global_min_value == 0
    got = sorted((c.value, c.dimension, c.count, c.inertia, c.type) for c in L.components)
    assert got == [(0, 4, 2, (4, 4, 0), "global_min"),
                   (sp.Rational(1, 2), 3, 1, (4, 3, 1), "strict_saddle"),
                   (2, 3, 1, (3, 3, 2), "strict_saddle"),
                   (sp.Rational(5, 2), 0, 1, (4, 0, 4), "strict_saddle")]
    assert L.real_component_count == 5
    for c in L.components:
        _check_gl_component(p, c, 2)
        assert c.excess_zero_directions == 0


def test_unbalanced_asymmetric_gl2_non_diagonal_and_3x3() -> None:
    p = AsymmetricMF([[2, 1], [0, 1]], rank=2)  # σ² = 3 ± √5
    L = landscape(p)
    assert L.complete
    want = {0, (3 - sp.sqrt(5)) / 2, (3 + sp.sqrt(5)) / 2, 3}
    assert {sp.nsimplify(c.value) for c in L.components} == {sp.nsimplify(w) for w in want}
    for c in L.components:
        _check_gl_component(p, c, 2)
    q = AsymmetricMF([[3, 0, 0], [0, 2, 0], [0, 0, 1]], rank=2)
    L3 = landscape(q)
    assert L3.complete and L3.global_min_value == sp.Rational(1, 2)
    assert len(L3.components) == 7 and L3.real_component_count == 3 * 2 + 3 + 1
    assert len(L3.of_type("global_min")) == 1 and len(L3.of_type("strict_saddle")) == 6


def test_unbalanced_gl2_outside_the_proved_cases_is_inconclusive() -> None:
    """Repeated singular values whose square is irrational: INCONCLUSIVE (at once, before any
    Gröbner basis), never a partial list called complete."""
    A = [[2, 1, 0, 0], [0, 1, 0, 0], [0, 0, 2, 1], [0, 0, 0, 1]]
    L = landscape(AsymmetricMF(A, rank=2))
    assert not L.complete and L.status == "INCONCLUSIVE" and "GL(2)" in L.reason
    assert L.real_component_count is None and L.seconds < 30
    assert "repeated irrational eigenvalue" in L.evidence["orbit_strata"]
