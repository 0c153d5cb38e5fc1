"""Batched solvers: agreement with per-instance loops, per-run statuses, determinism, dtypes,
step-size rules, the Dormand–Prince flow, primal–dual, input validation."""

from __future__ import annotations

import numpy as np
import pytest

from mfverify.arith import NumpyArith
from mfverify.batch import (
    STATUS,
    Armijo,
    alternating_gd,
    gd,
    gradient_flow,
    primal_dual,
    scaled_gd,
    solve,
)
from mfverify.batch.generators import rectangular_instances, symmetric_instances
from mfverify.batch.inits import small_random
from mfverify.errors import InputError, ShapeError, UnsupportedError
from mfverify.problems import AsymmetricMF, ConstrainedMF, SymmetricMF


def _sym(B: int = 3, n: int = 5, r: int = 2, seed: int = 0):
    inst = symmetric_instances(B, n, spectrum_kind="psd", rank=r, cond=3.0, seed=seed)
    prob = SymmetricMF(np.zeros((n, n), dtype=int), r)
    return prob, inst


def test_gd_matches_per_instance_loop() -> None:
    prob, inst = _sym()
    x0 = small_random(prob, 3, 2, 0.1, seed=1)
    res = gd(prob, x0, data=inst.data, step=0.2, max_iter=50, gtol=0.0)
    for b in range(3):
        for k in range(2):
            X = x0["X"][b, k].copy()
            M = inst.M[b]
            for _ in range(50):
                X = X - 0.2 * ((X @ X.T - M) @ X)  # ∇f for scale 1/4
            np.testing.assert_allclose(res.x["X"][b, k], X, rtol=1e-12, atol=1e-14)
    assert (res.iterations == 50).all()
    assert (res.status == 2).all()  # max_iter


def test_asymmetric_gd_is_ye_du_update() -> None:
    inst = rectangular_instances(2, 4, 3, rank=2, seed=3)
    prob = AsymmetricMF(np.zeros((4, 3), dtype=int), 2)
    x0 = small_random(prob, 2, 1, 0.3, seed=2)
    res = gd(prob, x0, data=inst.data, step=0.1, max_iter=1, gtol=0.0)
    U, V, S = x0["U"][:, 0], x0["V"][:, 0], inst.Sigma
    R = S - U @ np.swapaxes(V, 1, 2)
    np.testing.assert_allclose(res.x["U"][:, 0], U + 0.1 * R @ V, rtol=1e-13)
    np.testing.assert_allclose(res.x["V"][:, 0], V + 0.1 * np.swapaxes(R, 1, 2) @ U, rtol=1e-13)


def test_divergent_runs_are_reported_and_others_finish() -> None:
    prob, inst = _sym(B=4)
    x0 = small_random(prob, 4, 3, 0.1, seed=2)
    steps = np.array([0.3, 0.3, 5.0, 0.3])  # instance 2 diverges
    res = gd(prob, x0, data=inst.data, step=steps, max_iter=3000, gtol=1e-9)
    assert (res.status[2] == 3).all(), res.status
    assert (res.status[[0, 1, 3]] == 1).all(), res.status
    assert np.all(np.isfinite(res.x["X"]))  # frozen at the last finite point
    assert res.counts() == {"converged": 9, "max_iter": 0, "diverged": 3, "stalled": 0}
    assert np.all(res.f[[0, 1, 3]] < 1e-12)


def test_same_seed_bit_identical_and_chunk_independent() -> None:
    prob, inst = _sym(B=7)
    a = gd(prob, small_random(prob, 7, 3, 0.1, seed=5), data=inst.data, step=0.2,
           max_iter=200, record_every=10)
    b = gd(prob, small_random(prob, 7, 3, 0.1, seed=5), data=inst.data, step=0.2,
           max_iter=200, record_every=10)
    c = gd(prob, small_random(prob, 7, 3, 0.1, seed=5), data=inst.data, step=0.2,
           max_iter=200, record_every=10, chunk=2)
    for other in (b, c):
        assert np.array_equal(a.x["X"], other.x["X"])
        assert np.array_equal(a.history["f"], other.history["f"])
        assert np.array_equal(a.iterations, other.iterations)
    d = gd(prob, small_random(prob, 7, 3, 0.1, seed=6), data=inst.data, step=0.2, max_iter=200)
    assert not np.array_equal(a.x["X"], d.x["X"])


def test_float32_option() -> None:
    prob, inst = _sym()
    x0 = small_random(prob, 3, 2, 0.1, seed=1)
    res = gd(prob, x0, data=inst.data, step=0.2, max_iter=2000, gtol=1e-5, dtype=np.float32)
    assert res.x["X"].dtype == np.float32
    assert res.options["dtype"] == "float32"
    assert np.all(res.f < 1e-6)


def test_thresholds_and_history() -> None:
    prob, inst = _sym(B=2)
    res = gd(prob, small_random(prob, 2, 2, 0.1, seed=1), data=inst.data, step=0.2,
             max_iter=400, gtol=0.0, record_every=1, thresholds=(1e-4, 1e-8))
    h = res.history["f"]
    for dl in (1e-4, 1e-8):
        T = res.hits[dl]
        assert (T > 0).all()
        for b in range(2):
            for k in range(2):
                t = T[b, k]
                assert h[b, k, t] <= dl < h[b, k, t - 1]
    assert (res.hits[1e-8] > res.hits[1e-4]).all()


def test_armijo_monotone_and_converges() -> None:
    prob, inst = _sym()
    x0 = small_random(prob, 3, 2, 1.0, seed=4)
    res = gd(prob, x0, data=inst.data, step=Armijo(initial=10.0), max_iter=500,
             record_every=1)
    f = res.history["f"]
    assert np.all(np.diff(f, axis=-1) <= 1e-15)
    assert (res.status == 1).all()


def test_scaled_gd_fast_on_ill_conditioned() -> None:
    inst = symmetric_instances(2, 6, spectrum_kind="psd", rank=2, cond=100.0, seed=0)
    prob = SymmetricMF(np.zeros((6, 6), dtype=int), 2)
    x0 = small_random(prob, 2, 2, 0.1, seed=0)
    plain = gd(prob, x0, data=inst.data, step=0.3, max_iter=3000, gtol=1e-9)
    sc = scaled_gd(prob, x0, data=inst.data, step=0.5, damping=1e-10, max_iter=3000,
                   gtol=1e-9)
    assert (sc.status == 1).all()
    assert sc.iterations.max() * 5 < plain.iterations.min()


def test_alternating_gd_and_errors() -> None:
    inst = rectangular_instances(2, 5, 4, rank=2, seed=3)
    prob = AsymmetricMF(np.zeros((5, 4), dtype=int), 2)
    res = alternating_gd(prob, small_random(prob, 2, 3, 0.1, seed=2), data=inst.data,
                         step=0.3, max_iter=5000, gtol=1e-10)
    assert (res.status == 1).all()
    assert np.all(res.f < 1e-18)
    sym, _ = _sym()
    with pytest.raises(UnsupportedError):
        alternating_gd(sym, small_random(sym, 1, 1, 0.1), step=0.1)


def test_gradient_flow_matches_closed_form() -> None:
    """ẋ = (σ − x²)x (SymmetricMF, n = r = 1, scale 1/4): s = x² has the closed form
    s_t = σe^{2σt}/(e^{2σt} + σ/a₀² − 1) (Ye & Du 2021 tightness example)."""
    sig = 2.0
    prob = SymmetricMF([[2]], 1)
    a0 = np.array([1e-3, 0.1, 1.0, 3.0])
    x0 = {"X": a0[None, :, None, None]}
    t_eval = np.array([0.0, 0.5, 1.0, 3.0, 6.0])
    res = gradient_flow(prob, x0, t_eval, rtol=1e-10, atol=1e-14)
    s = res.x["X"][0, :, 0, 0] ** 2
    e = np.exp(2 * sig * 6.0)
    exact = sig * e / (e + sig / a0 ** 2 - 1)
    np.testing.assert_allclose(s, exact, rtol=1e-8)
    f_hist = res.history["f"][0]
    ex_all = sig * np.exp(2 * sig * t_eval)[None] / (np.exp(2 * sig * t_eval)[None]
                                                     + sig / a0[:, None] ** 2 - 1)
    # f = (s − σ)²/4 loses relative accuracy near the minimum (cancellation in s − σ)
    np.testing.assert_allclose(f_hist, 0.25 * (ex_all - sig) ** 2, rtol=1e-6, atol=1e-14)
    assert (res.status == 2).all()  # reached t_final
    assert np.array_equal(res.extra["t"], np.full((1, 4), 6.0))


def test_gradient_flow_per_run_steps_differ() -> None:
    prob, inst = _sym(B=2)
    x0 = small_random(prob, 2, 2, 0.1, seed=0)
    x0["X"][1] *= 30.0  # stiffer runs need smaller steps
    res = gradient_flow(prob, x0, [0.0, 5.0], data=inst.data, rtol=1e-8)
    assert res.iterations[1].min() > res.iterations[0].max()


def test_primal_dual_reaches_planted_optimum() -> None:
    prob = ConstrainedMF.gaussian(4, 12, 2, seed=1, truth_rank=1,
                                  merit="augmented_lagrangian")
    rng = np.random.default_rng(0)
    U0 = rng.standard_normal((1, 3, 4, 2))
    res = primal_dual(prob, {"U": U0}, alpha=0.02, max_iter=20000, tol=1e-8)
    opt = 0.5 * float(np.trace(np.asarray(prob.ground_truth, dtype=float)))
    assert (res.status == 1).all(), res.counts()
    np.testing.assert_allclose(res.f, opt, rtol=1e-6)
    bad = primal_dual(prob, {"U": U0}, alpha=np.array([[0.02, 5.0, 0.02]]), max_iter=3000)
    assert bad.status[0, 1] == 3 and bad.status[0, 0] != 3


def test_solve_dispatch_and_validation() -> None:
    prob, inst = _sym()
    x0 = small_random(prob, 3, 1, 0.1)
    assert solve(prob, x0, method="gd", data=inst.data, max_iter=3).method == "gd"
    with pytest.raises(InputError):
        solve(prob, x0, method="newton")
    with pytest.raises(InputError):
        solve(prob, x0, method="gradient_flow")
    with pytest.raises(ShapeError):
        gd(prob, {"X": np.zeros((3, 5, 2))})
    with pytest.raises(ShapeError):
        gd(prob, x0, data={"M": inst.M[:2]})
    with pytest.raises(ShapeError):
        gd(prob, x0, data=inst.data, step=np.ones(5))
    with pytest.raises(InputError):
        gd(prob, {"X": np.full((1, 1, 5, 2), np.nan)})
    with pytest.raises(InputError):
        gradient_flow(prob, x0, [1.0, 0.5])
    with pytest.raises(InputError):
        Armijo(shrink=1.5)
    with pytest.raises(UnsupportedError):
        primal_dual(prob, {"U": np.zeros((1, 1, 5, 2))})
    assert set(STATUS.values()) >= {"converged", "diverged", "stalled", "max_iter"}


def test_history_keeps_divergence_visible_and_fills_after_stop() -> None:
    """Regression: a NaN/inf recorded when a run diverges must not be overwritten by the
    previous value; columns after the loop stopped repeat the last recorded column."""
    prob, inst = _sym(B=2)
    x0 = small_random(prob, 2, 1, 0.1, seed=1)
    res = gd(prob, x0, data=inst.data, step=np.array([0.2, 50.0]), max_iter=400, gtol=1e-9,
             record_every=1)
    f = res.history["f"]
    assert not np.all(np.isfinite(f[1, 0])) or np.max(f[1, 0]) > 1e6
    stop = int(res.iterations[0, 0])
    assert np.all(f[0, 0, stop:] == f[0, 0, stop])


def test_validation_regressions() -> None:
    """Regression (acceptance audit): non-finite flow times, NaN tolerances and thresholds, and
    a non-symmetric batched M for SymmetricMF (whose closed-form gradient assumes M = Mᵀ) were
    accepted silently."""
    from mfverify.errors import SymmetryError

    prob, inst = _sym()
    x0 = small_random(prob, 3, 1, 0.1)
    for t_eval in ([0.0, np.nan], [0.0, np.inf]):
        with pytest.raises(InputError):
            gradient_flow(prob, x0, t_eval, data=inst.data)
    for kw in ({"gtol": np.nan}, {"ftol": -1.0}, {"thresholds": (np.nan,)}):
        with pytest.raises(InputError):
            gd(prob, x0, data=inst.data, max_iter=2, **kw)
    M = inst.M.copy()
    M[1, 0, 1] += 1e-3
    with pytest.raises(SymmetryError):
        gd(prob, x0, data={"M": M}, max_iter=2)
    with pytest.raises(SymmetryError):
        gradient_flow(prob, x0, [0.0, 1.0], data={"M": M})
    gd(prob, x0, data=inst.data, max_iter=2)  # exactly symmetric data is accepted


def test_results_never_alias_or_modify_x0() -> None:
    """x0 is used without a defensive copy (audit speed-up): the caller's arrays must stay
    untouched and results must not share memory with them, also for max_iter = 0 and
    for every solver."""
    prob, inst = _sym(B=2)
    x0 = small_random(prob, 2, 2, 0.1, seed=3)
    keep = x0["X"].copy()
    runs = [gd(prob, x0, data=inst.data, max_iter=0), gd(prob, x0, data=inst.data, max_iter=5),
            gd(prob, x0, data=inst.data, step=Armijo(), max_iter=5),
            scaled_gd(prob, x0, data=inst.data, damping=1e-3, max_iter=5),
            gradient_flow(prob, x0, [0.0, 0.1], data=inst.data)]
    for res in runs:
        assert not np.shares_memory(res.x["X"], x0["X"])
    assert np.array_equal(x0["X"], keep)
    runs[0].x["X"][...] = 7.0
    assert np.array_equal(x0["X"], keep)


def test_scaled_gd_singular_gram_does_not_crash_the_batch() -> None:
    """Regression: with damping 0, one run with a zero factor made np.linalg.solve raise
    LinAlgError for the whole batch. That run now gets a zero step; the others are
    unchanged (bitwise) compared with a batch without it."""
    prob, inst = _sym(B=2)
    x0 = small_random(prob, 2, 2, 0.3, seed=7)
    ref = scaled_gd(prob, x0, data=inst.data, step=0.3, max_iter=40)
    x0["X"][1, 0, :, 1] = 0.0  # rank-deficient factor: XᵀX singular, ∇f ≠ 0
    start = x0["X"][1, 0].copy()
    res = scaled_gd(prob, x0, data=inst.data, step=0.3, max_iter=40)
    assert np.array_equal(res.x["X"][1, 0], start)  # zero step: it stays put
    assert res.status[1, 0] == 2 and res.grad_norm[1, 0] > 1e-3
    for b, k in ((0, 0), (0, 1), (1, 1)):
        assert np.array_equal(res.x["X"][b, k], ref.x["X"][b, k])
    arm = scaled_gd(prob, x0, data=inst.data, step=Armijo(), max_iter=20)
    assert np.all(np.isfinite(arm.f))


# -- the symmetric product fast path (regressions for the FLOP-rate work) -------------------------


@pytest.mark.parametrize("lead_S, lead_X", [((), ()), ((3, 1), (3, 4)), ((3, 1), (3, 1)),
                                            ((1,), (5,)), ((2, 2), (2, 2))])
def test_sym_mul_equals_plain_product(lead_S, lead_X):
    from mfverify.arith.exact import ExactArith

    rng = np.random.default_rng(7)
    n, r = 6, 2
    S = rng.standard_normal((*lead_S, n, n))
    S = S + np.swapaxes(S, -1, -2)
    X = rng.standard_normal((*lead_X, n, r))
    got = NumpyArith().sym_mul(S, X)
    assert got.shape == (S @ X).shape
    np.testing.assert_allclose(got, S @ X, rtol=1e-12, atol=1e-12)
    # the exact arithmetic keeps the plain product
    Se = np.array([[1, 2], [2, 5]], dtype=object)
    Xe = np.array([[1], [3]], dtype=object)
    assert (ExactArith().sym_mul(Se, Xe) == Se @ Xe).all()


def test_batched_override_does_not_convert_the_problems_own_data():
    prob = SymmetricMF(np.zeros((40, 40), dtype=int), 2)
    A = NumpyArith()
    Ms = np.zeros((3, 40, 40))
    d = prob.data_in(A, {"M": Ms})
    assert d["M"] is not None and d["M"].shape == (3, 40, 40)
    cached = next(iter(prob._cache.by_arith.values()))
    assert "M" not in cached and "scale" in cached
    # without an override the problem's own data is converted (and cached) as before
    assert prob.data_in(A)["M"].shape == (40, 40)


def test_unknown_method_lists_each_method_once() -> None:
    # regression: primal_dual was listed twice in the message
    from mfverify.batch import solve

    prob, _ = _sym(B=1)
    with pytest.raises(InputError) as err:
        solve(prob, np.zeros((1, 1, 5, 2)), method="nope")
    names = str(err.value).split("expected one of ")[1]
    assert names.count("'primal_dual'") == 1 and names.count("'gradient_flow'") == 1
