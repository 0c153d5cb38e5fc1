"""The Taylor flow integrator: accuracy against closed forms, trap and escape at a saddle, and
honest error estimates (every trajectory here is re-run at twice the digits and twice the
tolerance digits, and the reported error estimate must bound the difference)."""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify.errors import InputError, ShapeError, UnsupportedError
from mfverify.flow import integrate, primal_dual_field, vector_field
from mfverify.flow.events import ball_exit, hitting_time
from mfverify.flow.experiments import escape, trap, unstable_mode
from mfverify.problems import AsymmetricMF, ConstrainedMF, SymmetricMF
from mfverify.spec import load_spec


def _diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray], ctx: Any) -> Any:
    tot = ctx.zero
    for k in a:
        for u, v in zip(a[k].reshape(-1), b[k].reshape(-1), strict=True):
            tot += (ctx.mpf(u) - ctx.mpf(v)) ** 2
    return ctx.sqrt(tot)


def run_checked(system: Any, x0: Any, times: Any, dps: int, tol: Any = None, **kw: Any) -> Any:
    """Integrate, then check the error estimate against a run at 2·dps digits with tol²."""
    lo = integrate(system, x0, times, dps=dps, tol=tol, **kw)
    hi = integrate(system, x0, times, dps=2 * dps, tol=lo.tol ** 2, **kw)
    assert len(lo.points) == len(hi.points)
    ctx = hi.arith.ctx
    for a, b in zip(lo.points, hi.points, strict=True):
        assert a.t == b.t
        d = _diff(a.state, b.state, ctx)
        assert d <= ctx.mpf(a.error_estimate), (
            f"dishonest error estimate at t = {a.t}: |x - x_ref| = {d}, estimate "
            f"{a.error_estimate}")
    return lo


def _scalar_field(sigma: str) -> Any:
    return vector_field(lambda A, x: {"a": (A.const(sigma) - x["a"] * x["a"]) * x["a"]},
                        {"a": ()}, name="scalar tightness")


# -- acceptance ---------------------------------------------------------------------------------


def test_scalar_flow_matches_closed_form_to_40_digits() -> None:
    res = run_checked(_scalar_field("3/2"), {"a": "1/10"}, [1, 5, 20], dps=50)
    ctx = res.arith.ctx
    sigma, a0 = ctx.mpf(3) / 2, ctx.mpf(1) / 10
    for pt in res.points:
        e = ctx.exp(2 * sigma * pt.t)
        a_exact = ctx.sqrt(sigma * e / (e + sigma / a0**2 - 1))
        assert abs(pt.state["a"][()] - a_exact) < ctx.mpf(10) ** -40
        assert pt.error_estimate < ctx.mpf(10) ** -40


def test_exact_start_at_saddle_stays() -> None:
    p = SymmetricMF([[3, 0], [0, 1]], 1)
    res = run_checked(p, {"X": [[0], [1]]}, [10, 100], dps=30)
    for pt in res.points:
        assert pt.state["X"][0, 0] == 0 and pt.state["X"][1, 0] == 1
    assert res.exactly_stationary
    tr = trap(p, {"X": [[0], [1]]}, 50)
    assert tr.exactly_stationary and tr.series_constant and tr.stayed
    assert tr.max_deviation == 0


def test_escape_from_saddle_at_1e_minus_20_matches_linearization() -> None:
    """(0, 1) is a strict saddle of ¼‖xxᵀ − diag(3, 1)‖²: the Jacobian of the flow there is
    diag(2, −2), so x = (a, 1 + c) escapes along e₁ at rate λ = 2.

    Escape event: leaving the ball ‖x − (0, 1)‖ <= ρ = 1/10. Linearization: T ≈ ln(ρ/ε)/λ.
    Correction (derived): on the slow manifold c ≈ −a²/6, so ȧ = 2a − (2/3)a³ + O(a⁵), whose
    solution gives T = ¼ ln((1/ε² − 1/3)/(1/a*² − 1/3)) with a*² + a*⁴/36 = ρ²."""
    p = SymmetricMF([[3, 0], [0, 1]], 1)
    lam, vec = unstable_mode(p, {"X": [[0], [1]]}, dps=30)
    assert abs(lam - 2) < mpmath.mpf(10) ** -25
    ev = ball_exit(p, {"X": [[0], [1]]}, "1/10")
    hit = hitting_time(p, {"X": [["1e-20"], [1]]}, ev, 40, dps=30)
    assert hit is not None
    ctx = mpmath.MPContext()
    ctx.dps = 30
    eps, rho = ctx.mpf("1e-20"), ctx.mpf(1) / 10
    t_lin = ctx.ln(rho / eps) / 2
    assert abs(hit.t - t_lin) / t_lin < ctx.mpf("0.01")
    a2 = rho**2 - rho**4 / 36
    t_corr = ctx.ln((1 / eps**2 - ctx.mpf(1) / 3) / (1 / a2 - ctx.mpf(1) / 3)) / 4
    assert abs(hit.t - t_corr) / t_corr < ctx.mpf("1e-7")
    # the hit lies on the sphere
    X = hit.state["X"]
    assert abs(X[0, 0] ** 2 + (X[1, 0] - 1) ** 2 - rho**2) < ctx.mpf(10) ** -28
    # and the trajectory through it is honest
    run_checked(p, {"X": [["1e-20"], [1]]}, [5, 15, 22], dps=30)


def test_escape_experiment_fits_slope_one_over_lambda() -> None:
    p = SymmetricMF([[3, 0], [0, 1]], 1)
    res = escape(p, {"X": [[0], [1]]}, ["1e-8", "1e-14", "1e-20"], seed=3, dps=25)
    assert len(res.rows) == 3
    assert abs(res.slope - mpmath.mpf(1) / 2) < mpmath.mpf("1e-6")
    assert res.max_rel_error < mpmath.mpf("0.01")


# -- accuracy and honesty on other fields ---------------------------------------------------------


def test_symmetric_flow_from_near_zero_is_honest() -> None:
    M = [[4, 1, 0, 0], [1, 3, 1, 0], [0, 1, 2, 1], [0, 0, 1, 1]]
    x0 = {"X": [["1/1000", "2/1000"], ["-1/1000", "1/1000"], ["3/1000", 0], [0, "-2/1000"]]}
    res = run_checked(SymmetricMF(M, 2), x0, [2, 6], dps=20)
    assert res.status == "done"


def test_asymmetric_balanced_flow_is_honest() -> None:
    q = AsymmetricMF([[3, 1], [0, 1]], 2, balance=1)
    x0 = {"U": [["1/10", 0], [0, "1/5"]], "V": [["1/7", "1/9"], [0, "1/3"]]}
    run_checked(q, x0, [1, 3], dps=20)


def test_primal_dual_flow_of_constrained_problem_is_honest() -> None:
    q = ConstrainedMF.gaussian(3, 2, 2, seed=1, merit="augmented_lagrangian")
    x0 = {"U": [["1/2", 0], [0, "1/3"], ["1/5", "1/7"]], "lam": [0, 0]}
    res = run_checked(primal_dual_field(q), x0, [1, 2], dps=20)
    # matches the problem's own primal-dual field: λ̇ = −(A(UUᵀ) − b)
    assert res.field.ascent == ("lam",)


def test_sensing_problem_flow_is_honest() -> None:
    spec = {"problem": "sensing", "symmetric": True, "rank": 1,
            "operator": [[[1, 0], [0, "1/2"]], [[0, "sqrt(3)/2"], ["sqrt(3)/2", 0]]],
            "ground_truth": [[1, 0], [0, 0]]}
    p = load_spec(spec)
    var = next(iter(p.variables))
    run_checked(p, {var: [["1/3"], ["1/4"]]}, [1, 4], dps=20)


def test_user_field_with_einsum_and_indexing() -> None:
    """Lotka–Volterra ẋ = x(1 − y), ẏ = y(x − 1) written with indexing and einsum; the
    first integral V = x − ln x + y − ln y is conserved."""

    def fn(A: Any, s: Any) -> Any:
        z = s["z"]
        x, y = z[0], z[1]
        one = A.const(1)
        w = np.einsum("i,i->", z, np.array([A.const(0), A.const(0)], dtype=object))
        return {"z": np.array([x * (one - y) + w, y * (x - one)], dtype=object)}

    vf = vector_field(fn, {"z": (2,)}, name="Lotka-Volterra")
    res = run_checked(vf, {"z": ["1/2", "3/2"]}, [3, 7], dps=25)
    ctx = res.arith.ctx

    def V(z: Any) -> Any:
        return z[0] - ctx.ln(z[0]) + z[1] - ctx.ln(z[1])

    v0 = V([ctx.mpf(1) / 2, ctx.mpf(3) / 2])
    for pt in res.points:
        assert abs(V(pt.state["z"]) - v0) < ctx.mpf(10) ** -22


def test_linear_flow_exponential_to_working_precision() -> None:
    vf = vector_field(lambda A, x: {"x": -x["x"]}, {"x": (1, 1)})
    res = run_checked(vf, {"x": [[1]]}, [1, 10, 50], dps=40)
    ctx = res.arith.ctx
    for pt in res.points:
        assert abs(pt.state["x"][0, 0] - ctx.exp(-pt.t)) <= pt.error_estimate


def test_global_mp_context_untouched() -> None:
    before = mpmath.mp.dps
    integrate(_scalar_field("1"), {"a": "1/3"}, [1], dps=60)
    assert mpmath.mp.dps == before


def test_initial_data_are_exact() -> None:
    """"1/3" is rounded once at the fixed-point grid, not through a float."""
    vf = vector_field(lambda A, x: {"a": A.const(0) * x["a"]}, {"a": ()})
    res = integrate(vf, {"a": "1/3"}, [1], dps=40)
    ctx = res.arith.ctx
    assert abs(res.final.state["a"][()] - ctx.mpf(1) / 3) < ctx.mpf(10) ** -40


def test_blow_up_is_reported() -> None:
    vf = vector_field(lambda A, x: {"a": x["a"] * x["a"]}, {"a": ()})  # a = 1/(1 − t)
    res = integrate(vf, {"a": 1}, [2], dps=20, max_steps=2000)
    assert res.status in ("blow-up", "max_steps")
    assert not res.points or res.points[-1].t < 1


# -- input validation ------------------------------------------------------------------------------


def test_bad_inputs() -> None:
    p = SymmetricMF([[3, 0], [0, 1]], 1)
    with pytest.raises(ShapeError):
        integrate(p, {"X": [[1, 2], [1]]}, [1])
    with pytest.raises(ShapeError):
        integrate(p, {"X": [[1], [1], [1]]}, [1])
    with pytest.raises(InputError):
        integrate(p, {"Y": [[1], [1]]}, [1])
    with pytest.raises(InputError):
        integrate(p, {"X": [["1/0"], [1]]}, [1])
    with pytest.raises(InputError):
        integrate(p, {"X": [[1], [1]]}, [-1])
    with pytest.raises(InputError):
        integrate(p, {"X": [[1], [1]]}, [1], tol="-1")


def test_non_polynomial_field_is_refused() -> None:
    vf = vector_field(lambda A, x: {"a": A.sqrt(x["a"])}, {"a": ()})
    with pytest.raises(UnsupportedError):
        integrate(vf, {"a": 1}, [1])
    vf2 = vector_field(lambda A, x: {"a": 1 / x["a"]}, {"a": ()})
    with pytest.raises((UnsupportedError, TypeError)):
        integrate(vf2, {"a": 1}, [1])


def test_zero_time_returns_the_start() -> None:
    p = SymmetricMF([[3, 0], [0, 1]], 1)
    res = integrate(p, {"X": [["1/2"], ["1/4"]]}, [0, 1], dps=20)
    assert res.points[0].t == 0
    assert res.points[0].state["X"][0, 0] == sp.Rational(1, 2)


# -- property test: linear fields against the matrix exponential ----------------------------------


@settings(max_examples=6)
@given(st.lists(st.integers(-6, 6), min_size=4, max_size=4),
       st.lists(st.integers(-9, 9), min_size=2, max_size=2))
def test_linear_field_matches_expm(entries: list[int], x0: list[int]) -> None:
    """ẋ = Bx with B = entries/4: x(t) = e^{tB}x₀; the error estimate must cover the gap."""
    B = [[sp.Rational(entries[0], 4), sp.Rational(entries[1], 4)],
         [sp.Rational(entries[2], 4), sp.Rational(entries[3], 4)]]
    Bs = [[str(v) for v in row] for row in B]
    vf = vector_field(lambda A, x: {"x": A.asarray(Bs) @ x["x"]}, {"x": (2,)})
    res = integrate(vf, {"x": [str(v) for v in x0]}, [1, 2], dps=30)
    ctx = mpmath.MPContext()
    ctx.dps = 60
    Bm = ctx.matrix([[ctx.mpf(v.p) / v.q for v in row] for row in B])
    for pt in res.points:
        ref = ctx.expm(Bm * ctx.mpf(pt.t)) * ctx.matrix([[v] for v in x0])
        gap = ctx.sqrt(sum((ctx.mpf(pt.state["x"][i]) - ref[i]) ** 2 for i in range(2)))
        assert gap <= ctx.mpf(pt.error_estimate)


def test_symmetric_cauchy_product_gives_identical_integers(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """The A·Aᵀ shortcut (half the products) must reproduce the plain Cauchy sum exactly."""
    import sys

    jet = sys.modules["mfverify.flow._jet"]
    p = SymmetricMF([[2, 1, 0], [1, 1, 0], [0, 0, -1]], 2)
    x0 = {"X": [["1/3", "-1/5"], ["1/7", "1/2"], ["-1/4", "1/9"]]}
    fast = integrate(p, x0, [1, 3], dps=25)
    monkeypatch.setattr(jet, "SYMMETRIC_PRODUCTS", False)
    slow = integrate(p, x0, [1, 3], dps=25)
    for a, b in zip(fast.points, slow.points, strict=True):
        assert all(u == v for u, v in zip(a.state["X"].reshape(-1), b.state["X"].reshape(-1),
                                           strict=True))


def test_product_rewrites_agree_within_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """(XXᵀ − M)X is traced as X(XᵀX) − MX; the plain graph must agree within the estimates."""
    import sys

    jet = sys.modules["mfverify.flow._jet"]
    p = SymmetricMF([[2, 1, 0], [1, 1, 0], [0, 0, -1]], 2)
    x0 = {"X": [["1/3", "-1/5"], ["1/7", "1/2"], ["-1/4", "1/9"]]}
    fast = integrate(p, x0, [2], dps=25)
    monkeypatch.setattr(jet, "OPTIMIZE_PRODUCTS", False)
    plain = integrate(p, x0, [2], dps=25)
    ctx = fast.arith.ctx
    d = _diff(fast.final.state, plain.final.state, ctx)
    assert d <= fast.final.error_estimate + plain.final.error_estimate
