"""Blocking of the batch solvers (#14 item 7): the instances are processed in blocks of
``chunk`` instances, and the result is bit for bit the same whatever the block size, for
every solver, with per-run stopping (convergence, divergence, Armijo stalls) and records."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mfverify.batch import Armijo, alternating_gd, gd, gradient_flow, scaled_gd
from mfverify.batch.generators import rectangular_instances, symmetric_instances
from mfverify.batch.inits import small_random
from mfverify.batch.solvers import BLOCK_BYTES, BatchRun, _blocks
from mfverify.problems import AsymmetricMF, SymmetricMF


def _same(a: BatchRun, b: BatchRun) -> None:
    for k in a.x:
        assert a.x[k].tobytes() == b.x[k].tobytes(), k
    for name in ("f", "grad_norm", "status", "iterations", "step"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    assert set(a.history) == set(b.history)
    for k in a.history:
        assert a.history[k].tobytes() == b.history[k].tobytes(), k
    for d in a.hits:
        assert np.array_equal(a.hits[d], b.hits[d])


sizes = st.tuples(st.integers(1, 6), st.integers(1, 3), st.integers(2, 5), st.integers(1, 3),
                  st.integers(0, 10**6))


@given(sizes, st.sampled_from(["fixed", "armijo"]), st.sampled_from([np.float64, np.float32]))
def test_symmetric_solvers_do_not_depend_on_the_block_size(size: Any, rule: str,
                                                           dtype: Any) -> None:
    B, K, n, r, seed = size
    r = min(r, n)
    inst = symmetric_instances(B, n, spectrum_kind="psd", rank=r, cond=3.0, seed=seed)
    prob = SymmetricMF(np.zeros((n, n), dtype=int), r)
    x0 = small_random(prob, B, K, 0.3, seed=seed + 1)
    # per-instance steps: some runs converge early (gtol), some diverge (step 40)
    steps = np.where(np.arange(B) % 3 == 2, 40.0, 0.25)
    step = Armijo() if rule == "armijo" else steps
    opts = dict(data=inst.data, max_iter=60, gtol=1e-4, record_every=7,
                thresholds=(1e-2, 1e-6), dtype=dtype)
    for solver in (gd, scaled_gd):
        extra = {"damping": 1e-3} if solver is scaled_gd else {}
        ref = solver(prob, x0, step=step, chunk=B, **extra, **opts)
        for chunk in sorted({1, 2, max(1, B - 1), None}, key=str):
            _same(ref, solver(prob, x0, step=step, chunk=chunk, **extra, **opts))
    flow = dict(data=inst.data, t_eval=[0.0, 0.5, 1.0, 2.0], gtol=1e-4, dtype=dtype)
    ref = gradient_flow(prob, x0, chunk=B, **flow)
    _same(ref, gradient_flow(prob, x0, chunk=1, **flow))


@given(sizes)
def test_asymmetric_solvers_do_not_depend_on_the_block_size(size: Any) -> None:
    B, K, n, r, seed = size
    m = n + 1
    r = min(r, n)
    inst = rectangular_instances(B, m, n, rank=r, seed=seed)
    prob = AsymmetricMF(np.zeros((m, n), dtype=int), r)
    x0 = small_random(prob, B, K, 0.3, seed=seed + 1)
    opts = dict(data=inst.data, step=0.2, max_iter=50, gtol=1e-5, record_every=5,
                thresholds=(1e-3,))
    for solver in (gd, alternating_gd):
        ref = solver(prob, x0, chunk=B, **opts)
        for chunk in (1, 2, None):
            _same(ref, solver(prob, x0, chunk=chunk, **opts))


def test_automatic_blocks_fit_the_cache_heuristic() -> None:
    # n = 500 float64: one M is 2 MB; with the objective in every iteration (its n×n residual
    # per run) a block holds one instance, without it BLOCK_BYTES // (M + 4 X) instances
    big = {"M": np.zeros((100, 1, 500, 500))}
    x = {"X": np.zeros((100, 1, 500, 20))}
    assert _blocks(100, 1, x, big, {"M"}, None) == [(i, i + 1) for i in range(100)]
    per = 500 * 500 * 8 + 4 * 500 * 20 * 8
    lean = _blocks(100, 1, x, big, {"M"}, None, f_every=False)
    assert lean[0] == (0, BLOCK_BYTES // per) and BLOCK_BYTES // per >= 2
    big32 = {"M": np.zeros((100, 1, 500, 500), dtype=np.float32)}
    x32 = {"X": np.zeros((100, 1, 500, 20), dtype=np.float32)}
    assert _blocks(100, 1, x32, big32, {"M"}, None, f_every=False)[0] == (0, 2 * lean[0][1])
    small = {"M": np.zeros((1000, 1, 20, 20))}
    xs = {"X": np.zeros((1000, 1, 20, 5))}
    blocks = _blocks(1000, 1, xs, small, {"M"}, None)
    assert 1 < len(blocks) < 1000 and blocks[0] == (0, blocks[0][1])
    assert blocks[-1][1] == 1000
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:], strict=False))


@given(st.integers(1, 4), st.integers(1, 2), st.integers(0, 10**6))
def test_primal_dual_does_not_depend_on_the_block_size(B: int, K: int, seed: int) -> None:
    from mfverify.batch import primal_dual
    from mfverify.problems import ConstrainedMF

    prob = ConstrainedMF.gaussian(4, 12, 2, seed=1, truth_rank=1, merit="augmented_lagrangian")
    U0 = np.random.default_rng(seed).standard_normal((B, K, 4, 2))
    alpha = np.where(np.arange(B) % 3 == 1, 5.0, 0.05)  # one diverges, the others converge
    opts = dict(alpha=alpha, max_iter=400, tol=1e-3, record_every=7)
    ref = primal_dual(prob, {"U": U0}, chunk=B, **opts)
    _same(ref, primal_dual(prob, {"U": U0}, chunk=1, **opts))
    assert ref.extra["lam"].tobytes() == primal_dual(prob, {"U": U0}, chunk=1,
                                                     **opts).extra["lam"].tobytes()


def test_a_run_stopped_between_records_keeps_its_final_values() -> None:
    # regression: a block whose runs had all stopped padded its history with the last
    # *recorded* column (from before the stop), while a block with a longer run recorded the
    # stopped run's final values: the history depended on the block
    inst = symmetric_instances(2, 3, spectrum_kind="psd", rank=1, cond=3.0, seed=0)
    prob = SymmetricMF(np.zeros((3, 3), dtype=int), 1)
    x0 = small_random(prob, 2, 1, 0.3, seed=1)
    res = gd(prob, x0, data=inst.data, step=np.array([0.25, 0.01]), max_iter=400, gtol=1e-6,
             record_every=50, chunk=1)
    fast = int(res.iterations[0, 0])
    assert fast % 50 and fast < int(res.iterations[1, 0])
    tail = res.history["grad_norm"][0, 0, fast // 50 + 1:]
    assert tail.size and np.all(tail == res.grad_norm[0, 0])
    assert np.all(res.history["f"][0, 0, fast // 50 + 1:] == res.f[0, 0])


@pytest.mark.parametrize("steps", [(0.25, 0.05, 30.0), (0.25, 0.1, 0.05)])
def test_per_run_stopping_matches_a_loop_that_tests_every_iteration(steps: tuple) -> None:
    # the driver skips its bookkeeping in iterations where every run is active and none can
    # stop (min ‖∇f‖ > gtol, max ‖∇f‖ <= blowup); each run must still stop at the first
    # iteration its own test holds, as in a plain per-run loop. Without a diverging run the
    # fast path stays on until the first run converges (a diverging run turns it off early).
    inst = symmetric_instances(3, 4, spectrum_kind="psd", rank=2, cond=3.0, seed=5)
    prob = SymmetricMF(np.zeros((4, 4), dtype=int), 2)
    x0 = small_random(prob, 3, 2, 0.3, seed=6)
    steps_a = np.array(steps)
    gtol = 1e-6
    res = gd(prob, x0, data=inst.data, step=steps_a, max_iter=2000, gtol=gtol)
    for b in range(3):
        for k in range(2):
            X, M = x0["X"][b, k].copy(), inst.M[b]
            it, status = 0, 2
            while True:
                with np.errstate(all="ignore"):
                    G = X @ (X.T @ X) - M @ X
                    gn = np.sqrt(np.sum(G * G))
                if not np.isfinite(gn) or gn > 1e150:
                    status = 3
                    break
                if gn <= gtol:
                    status = 1
                    break
                if it == 2000:
                    break
                with np.errstate(all="ignore"):
                    X = X - steps_a[b] * G
                it += 1
            assert int(res.status[b, k]) == status, (b, k)
            if status != 3:
                assert int(res.iterations[b, k]) == it, (b, k)
    assert set(res.status[0].tolist()) == {1}
    if steps[2] > 1:
        assert set(res.status[2].tolist()) == {3}
    else:
        assert len(set(res.iterations.reshape(-1).tolist())) > 1  # runs stop at different its
