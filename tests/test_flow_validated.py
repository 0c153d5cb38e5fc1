"""The validated flow integrator: enclosures contain closed forms, planted slips are caught,
blow-ups stop with their status."""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify.arith.ball import ARB, BallArith, to_arb, workprec
from mfverify.errors import InputError
from mfverify.flow import _ballops as bo
from mfverify.flow import validated as V
from mfverify.flow import vector_field
from mfverify.flow.status import FlowStatus
from mfverify.flow.validated import integrate_validated
from mfverify.problems import AsymmetricMF, SymmetricMF

HP = 500  # bits for the closed forms (far beyond the enclosures' widths)


def _cf_scalar(t: Fraction, sigma: int = 2, a0: Fraction = Fraction(1, 100)) -> flint.arb:
    """Ye & Du's scalar flow: s_t = σe^{2σt}/(e^{2σt} + σ/a₀² − 1)."""
    with workprec(HP):
        e = (2 * sigma * to_arb(t)).exp()
        return sigma * e / (e + sigma / to_arb(a0) ** 2 - 1)


def test_exponential_decay_enclosed() -> None:
    vf = vector_field(lambda A, x: {"x": -x["x"]}, {"x": (1,)})
    res = integrate_validated(vf, {"x": ["3/7"]}, [1, "5/2"], dps=40)
    assert res.status is FlowStatus.DONE
    for pt in res.points:
        with workprec(HP):
            exact = to_arb(Fraction(3, 7)) * (-to_arb(pt.t)).exp()
        assert pt.state["x"][0].contains(exact)
        assert pt.width < 1e-35
    assert "Picard" in res.evidence()["method"]


def test_scalar_tightness_closed_form_60_digits() -> None:
    p = AsymmetricMF([[2]], 1)
    res = integrate_validated(p, {"U": [["1/100"]], "V": [["1/100"]]}, [1, 3, 10], dps=60)
    assert res.status is FlowStatus.DONE
    assert [pt.t for pt in res.points] == [1, 3, 10]
    for pt in res.points:
        u, v = pt.state["U"][0, 0], pt.state["V"][0, 0]
        with workprec(HP):
            assert (u * v).contains(_cf_scalar(pt.t))
            assert (u * u).contains(_cf_scalar(pt.t))
        assert pt.width < 1e-40
    # every step box, not only the requested times: the tube contains the closed form at its ends
    for step in res.steps[::7]:
        box = step.enclose(Fraction(0), step.t1 - step.t0)
        with workprec(HP):
            assert (box[0] * box[1]).contains(_cf_scalar(step.t0))
            assert (box[0] * box[1]).contains(_cf_scalar(step.t1))


def _schur_2x2(X: np.ndarray) -> flint.arb:
    """S = P₂ − P₁₂²/P₁ for M = diag(1, 0), X 2×2 (rows X₁, X₂)."""
    x1, x2 = X[0], X[1]
    p1 = x1[0] * x1[0] + x1[1] * x1[1]
    p12 = x1[0] * x2[0] + x1[1] * x2[1]
    p2 = x2[0] * x2[0] + x2[1] * x2[1]
    return p2 - p12 * p12 / p1


def test_schur_complement_closed_form_and_bound() -> None:
    # M = diag(1, 0): Λ₂ = 0, so S(t) = S₀/(1 + 2tS₀) and S(t) ≤ 1/(2t)
    p = SymmetricMF([[1, 0], [0, 0]], rank=2)
    X0 = [["1/2", "1/3"], ["1/5", "1/4"]]
    res = integrate_validated(p, {"X": X0}, [1, 3, 10], dps=60)
    assert res.status is FlowStatus.DONE
    with workprec(HP):
        S0 = _schur_2x2(np.array([[to_arb(Fraction(1, 2)), to_arb(Fraction(1, 3))],
                                  [to_arb(Fraction(1, 5)), to_arb(Fraction(1, 4))]],
                                 dtype=object))
        for pt in res.points:
            S = _schur_2x2(pt.state["X"])
            assert S.contains(S0 / (1 + 2 * to_arb(pt.t) * S0))
            assert S < 1 / (2 * to_arb(pt.t))
            assert pt.width < 1e-40


def test_imbalance_conserved() -> None:
    p = AsymmetricMF([[3, 1], [0, 2]], 1)
    x0 = {"U": [["1/3"], ["1/4"]], "V": [["1/5"], ["-1/7"]]}
    res = integrate_validated(p, x0, [2], dps=40)
    assert res.status is FlowStatus.DONE
    U, Vv = res.points[0].state["U"], res.points[0].state["V"]
    with workprec(HP):
        d = U[0, 0] ** 2 + U[1, 0] ** 2 - Vv[0, 0] ** 2 - Vv[1, 0] ** 2
        d0 = to_arb(Fraction(1, 9) + Fraction(1, 16) - Fraction(1, 25) - Fraction(1, 49))
        assert d.contains(d0)
        assert d.rad() < 1e-30


def test_blow_up_stops_with_status() -> None:
    vf = vector_field(lambda A, x: {"x": x["x"] * x["x"]}, {"x": (1,)})
    res = integrate_validated(vf, {"x": [1]}, [2], dps=30, max_steps=5000)
    assert res.status in (FlowStatus.BLOW_UP, FlowStatus.PICARD_FAILED)
    assert res.points == []
    assert res.t_reached < 1
    assert "t =" in res.message
    # what was enclosed before the stop is still right: x(t) = 1/(1 − t)
    for step in res.steps[::25]:
        with workprec(HP):
            assert step.end_box()[0].contains(1 / (1 - to_arb(step.t1)))


def test_ball_of_initial_states() -> None:
    vf = vector_field(lambda A, x: {"x": -x["x"]}, {"x": (2,)})
    res = integrate_validated(vf, {"x": [1, 2]}, [1], dps=30, radius="1/1000")
    box = res.points[0].state["x"]
    with workprec(HP):
        e = (-ARB(1)).exp()
        # the extreme start (1 + 1/1000, 2) is inside the ball, so its solution must be enclosed
        assert box[0].contains((1 + ARB(1) / 1000) * e)
    assert res.points[0].radius <= ARB(1) / 1000 * ARB(1).exp() / 2 + ARB(10) ** -20


def _mutated_low_order_run() -> V.ValidatedFlow:
    vf = vector_field(lambda A, x: {"x": -x["x"] * x["x"] * x["x"] + x["x"]}, {"x": (1,)})
    return integrate_validated(vf, {"x": ["1/2"]}, [3], dps=30, order=3, tol="1e-2",
                               max_radius=1)


def _contains_logistic(res: V.ValidatedFlow) -> bool:
    # ẋ = x − x³: x(t)² = 1/(1 + (1/x₀² − 1)e^{−2t})
    pt = res.points[0]
    with workprec(HP):
        s = 1 / (1 + 3 * (-2 * to_arb(pt.t)).exp())
        return bool((pt.state["x"][0] ** 2).contains(s))


def test_low_order_run_is_correct() -> None:
    res = _mutated_low_order_run()
    assert res.status is FlowStatus.DONE
    assert _contains_logistic(res)


def test_planted_wrong_remainder_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutation: drop the Lagrange remainder (or take it at the centre instead of on the
    a-priori box): the enclosure then misses the exact solution, and the check sees it."""
    monkeypatch.setattr(V, "_remainder", lambda lo, U, K: [ARB(0) for _ in U])
    assert not _contains_logistic(_mutated_low_order_run())


def test_planted_centre_remainder_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(V, "_remainder",
                        lambda lo, U, K: lo.series([u.mid() for u in U], K + 1)[K + 1])
    assert not _contains_logistic(_mutated_low_order_run())


def test_planted_log_norm_slip_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutation: a log-norm bound that is too small (μ − 1) lets the radius shrink too fast."""
    real = bo.lambda_max_upper
    monkeypatch.setattr(bo, "lambda_max_upper", lambda S: real(S) - 2)
    vf = vector_field(lambda A, x: {"x": x["x"]}, {"x": (1,)})
    res = integrate_validated(vf, {"x": [1]}, [3], dps=20, radius="1/10")
    with workprec(HP):
        assert not res.points[0].state["x"][0].contains(ARB("1.1") * ARB(3).exp())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(-20, 20), min_size=3, max_size=3), min_size=3,
                max_size=3), st.floats(-5, 5))
def test_lambda_max_upper_is_an_upper_bound(rows: list[list[int]], shift: float) -> None:
    A = np.array(rows, dtype=float) / 7 + shift * np.eye(3)
    S = np.array([[ARB(float(v)) for v in r] for r in A], dtype=object)
    lam = np.linalg.eigvalsh((A + A.T) / 2)[-1]
    ub = bo.lambda_max_upper(S)
    assert float(ub.mid()) >= lam - 1e-12
    assert float(ub.mid()) <= lam + 1e-6


def test_ball_arith_encloses_irrationals() -> None:
    A = BallArith(prec=200)
    with workprec(200):
        x = A.const("sqrt(3)/2")
        assert (x * x * 4).contains(3)
        assert A.const("1/3").contains(flint.fmpq(1, 3))


def test_bad_input_is_typed() -> None:
    vf = vector_field(lambda A, x: {"x": -x["x"]}, {"x": (1,)})
    with pytest.raises(InputError):
        integrate_validated(vf, {"x": [1]}, ["sqrt(2)"])
    with pytest.raises(InputError):
        integrate_validated(vf, {"x": [1]}, [-1])


def test_close_output_times_regression() -> None:
    """Regression: output times 1e-35 apart must not collapse the step (the step memory was
    applied to steps clipped by the output time, and a tiny gap to a target counted as a
    collapse, ending in PICARD_FAILED)."""
    vf = vector_field(lambda A, x: {"x": -x["x"] + x["x"] * x["x"]}, {"x": (1,)})
    t1 = Fraction(84056089154341207, 10**16)
    res = integrate_validated(vf, {"x": ["1/2"]}, [t1, t1 + Fraction(1, 10**35)], dps=50)
    assert res.status is FlowStatus.DONE, res.message
    assert len(res.steps) < 200


def test_schur_bound_on_every_box() -> None:
    """‖S(t)‖ ≤ 1/(2t) certified on every piece of every step, not only at output times."""
    from mfverify.flow.certified import certify_bound

    p = SymmetricMF([[1, 0], [0, 0]], rank=2)
    res = integrate_validated(p, {"X": [["1/2", "1/3"], ["1/5", "1/4"]]}, [10], dps=30)

    def schur_bound(A, box, lo, hi):  # type: ignore[no-untyped-def]
        return _schur_2x2(box["X"]) - 1 / (2 * to_arb(hi))

    cert = certify_bound(res, schur_bound, "S(t) ≤ 1/(2t)", t_min="1/100")
    assert cert.verdict == "PROVED", cert.reason

    def wrong_bound(A, box, lo, hi):  # type: ignore[no-untyped-def]
        return _schur_2x2(box["X"]) - 1 / (100 * to_arb(lo))  # S₀ ≈ 0.0094: fails for t > 1.1

    assert certify_bound(res, wrong_bound, "S(t) ≤ 1/(100t)",
                         t_min="1/100").verdict == "REFUTED"



def _picard_hs(monkeypatch: pytest.MonkeyPatch) -> list[Fraction]:
    """Record the h of every Picard test that passed."""
    hs: list[Fraction] = []
    real = V._picard

    def recorded(lo: object, X: object, h: Fraction, scale: float,
                 base: object = None) -> object:
        U = real(lo, X, h, scale, base)
        if U is not None:
            hs.append(h)
        return U

    monkeypatch.setattr(V, "_picard", recorded)
    return hs


def _shortened_run() -> V.ValidatedFlow:
    return integrate_validated(SymmetricMF([[3, 1], [1, 2]], 1),
                               {"X": [["1/100"], ["-1/50"]]}, [2], dps=30, max_steps=400)


def _steps_within_their_boxes(res: V.ValidatedFlow, hs: list[Fraction]) -> bool:
    """Every step no longer than the h its a-priori box passed the Picard test for (the
    last passing test before the step; one passing test per step)."""
    return len(hs) >= len(res.steps) and all(
        s.t1 - s.t0 <= h for s, h in zip(res.steps, hs[-len(res.steps):], strict=True))


def test_step_shortened_on_the_same_apriori_box(monkeypatch: pytest.MonkeyPatch) -> None:
    """Step control from the remainder bound (issue 16, second pass): a step whose remainder
    misses the target is shortened with the same U and Φ_{K+1}(U), valid on [0, h'] ⊂ [0, h],
    instead of a new Picard test; a step is never longer than its box's h."""
    hs = _picard_hs(monkeypatch)
    res = _shortened_run()
    assert res.status is FlowStatus.DONE
    assert len(hs) == len(res.steps)  # one Picard test per step here
    assert any(s.t1 - s.t0 < h for s, h in zip(res.steps, hs, strict=True))  # path taken
    assert _steps_within_their_boxes(res, hs)
    assert res.points[0].width < 1e-25


def test_planted_step_longer_than_its_apriori_box_is_caught(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutation: the shortened step taken longer than the h of its Picard box (U then need not
    enclose the solution on the step) is seen by the invariant check above."""
    hs = _picard_hs(monkeypatch)
    monkeypatch.setattr(V, "_shorten",
                        lambda h, rnorm, K, target, h_min, prec: h * 9 / 8)
    assert not _steps_within_their_boxes(_shortened_run(), hs)


def _stiff_linear_picard(h: Fraction, p: int) -> tuple[list, list]:
    """The a-priori box of ẋ = −diag(40, 1)·x from the point (1, 1) for a step h, by the
    Picard test of order p; with the exact solution at 65 times of [0, h]."""
    vf = vector_field(lambda A, x: {"x": -np.array([40, 1], dtype=object) * x["x"]},
                      {"x": (2,)})
    lo = V._BallEngine(vf, 96)
    X = [ARB(1), ARB(1)]
    base = lo.series(X, p - 1) if p > 1 else None
    U = V._picard(lo, X, h, 1.0, base)
    with workprec(HP):
        exact = [[(-lam * to_arb(h * j / 64)).exp() for lam in (40, 1)] for j in range(65)]
    return U, exact


def test_high_order_apriori_box_passes_where_the_constant_one_cannot() -> None:
    """Nedialkov, Jackson & Pryce's high-order enclosure (issue 16, speed): at h = 1/20 the
    constant-enclosure test of ẋ = −40x fails (its interval operator X + [0,h]·F(B) scales
    the width of B by 40h = 2), the order-6 test passes (by about (40h)^6/6! = 0.09); its box
    contains the exact solution on the whole step and is no wider than the term-by-term sum
    Σ_k (40h)^k/k! < e² of the Taylor part allows (the solution's range is [e^{-2}, 1])."""
    h = Fraction(1, 20)
    U1, _ = _stiff_linear_picard(h, 1)
    assert U1 is None
    U6, exact = _stiff_linear_picard(h, 6)
    assert U6 is not None
    for xs in exact:
        assert all(u.contains(x) for u, x in zip(U6, xs, strict=True))
    assert float(U6[0].rad()) < float(flint.arb(2).exp())  # an enclosure, not a blow-up


def test_planted_high_order_box_missing_a_term_is_caught(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Mutation: the Taylor part Σ_{k<p} a_k(X)·[0,h]^k with its linear term dropped (a_1 = 0)
    gives a box that misses the exact solution, which the containment check sees."""
    h = Fraction(1, 20)
    real_series = V._BallEngine.series

    def slipped(self: V._BallEngine, xflat: list, K: int) -> list:
        out = real_series(self, xflat, K)
        if K == 5:  # the base a_0 … a_5 of the order-6 test
            out[1] = [ARB(0)] * len(out[1])
        return out

    monkeypatch.setattr(V._BallEngine, "series", slipped)
    U, exact = _stiff_linear_picard(h, 6)
    assert U is None or not all(u.contains(x) for xs in exact
                                for u, x in zip(U, xs, strict=True))


def test_high_order_box_encloses_a_growing_solution() -> None:
    """ẋ = x², x₀ = 1: x(t) = 1/(1 − t) = Σ t^k, every Taylor coefficient is 1, so the Taylor
    part Σ_{k<p} t^k alone falls short of x(t) by Σ_{k≥p} t^k: the box U of the order-6 test
    at h = 1/4 must contain x on the whole step, which only the term [0, h^p]·Φ_p(B) provides
    (a box without it ends at 1.33301 < x(1/4) = 4/3)."""
    vf = vector_field(lambda A, x: {"x": x["x"] * x["x"]}, {"x": (1,)})
    lo = V._BallEngine(vf, 96)
    X = [ARB(1)]
    h = Fraction(1, 4)
    U = V._picard(lo, X, h, 1.0, lo.series(X, 5))
    assert U is not None
    for j in range(33):
        t = h * j / 32
        assert U[0].contains(to_arb(1 / (1 - t))), t


def test_validated_flow_is_a_result_with_a_one_line_repr() -> None:
    from mfverify.results import ResultMixin

    vf = vector_field(lambda A, x: {"x": -x["x"]}, {"x": (1,)})
    res = integrate_validated(vf, {"x": [1]}, [1], dps=30)
    assert isinstance(res, ResultMixin)
    assert repr(res).startswith("<ValidatedFlow done: t=1, steps=") and "\n" not in repr(res)
    assert str(res).splitlines()[0] == "ValidatedFlow of user: done"
    assert "all requested times enclosed" in str(res)
