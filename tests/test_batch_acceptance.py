"""Acceptance tests of the batch engine (issue 6): the M-P6 constant, per-run divergence, and
bit-identical reruns."""

from __future__ import annotations

import numpy as np
import pytest

from mfverify.batch import gd
from mfverify.batch.generators import symmetric_instances
from mfverify.batch.inits import small_random
from mfverify.problems import SymmetricMF

TARGET = np.sqrt(2) / 2  # √k/2 with k = min(r, n) − r* = 2 (prediction M-P6 (docs/predictions.md))


def _scaled_error(T: int, B: int = 2) -> np.ndarray:
    """η·t·‖X_tX_tᵀ − M‖_F at t = T for n = 50, r* = 3, r = 5, η = 0.1, X₀ ~ N(0, 0.1²)."""
    n, r_star, r, eta = 50, 3, 5, 0.1
    inst = symmetric_instances(B, n, spectrum_kind="psd", rank=r_star, cond=3.0, seed=11)
    prob = SymmetricMF(np.zeros((n, n), dtype=int), r)
    x0 = small_random(prob, B, 1, 0.1, seed=12)
    res = gd(prob, x0, data=inst.data, step=eta, max_iter=T, gtol=0.0)
    X = res.x["X"]
    E = X @ np.swapaxes(X, -1, -2) - inst.M[:, None]
    return eta * T * np.sqrt(np.sum(E ** 2, axis=(-2, -1)))


@pytest.mark.slow
def test_mp6_constant_at_t_20000() -> None:
    vals = _scaled_error(20000, B=4)
    assert np.all(np.abs(vals - TARGET) <= 0.02 * TARGET), vals
    # a reference run measured 0.7065 at t = 20,000: the approach is from below
    assert np.all(vals < TARGET)


def test_mp6_constant_fast_variant() -> None:
    """The same run stopped at t = 5000 (0.4% below the limit here)."""
    vals = _scaled_error(5000)
    assert np.all(np.abs(vals - TARGET) <= 0.02 * TARGET), vals


def test_divergent_step_sizes_only_affect_their_instances() -> None:
    inst = symmetric_instances(6, 8, spectrum_kind="psd", rank=2, seed=3)
    prob = SymmetricMF(np.zeros((8, 8), dtype=int), 2)  # exact rank: linear convergence
    x0 = small_random(prob, 6, 4, 0.1, seed=4)
    steps = np.array([0.1, 3.0, 0.1, 10.0, 0.1, 0.1])
    with np.errstate(all="raise"):  # the solver must contain the overflow itself
        res = gd(prob, x0, data=inst.data, step=steps, max_iter=20000, gtol=1e-8)
    names = np.vectorize(lambda s: {1: "converged", 3: "diverged"}.get(int(s), "other"))(
        res.status)
    assert (names[[1, 3]] == "diverged").all()
    assert (names[[0, 2, 4, 5]] == "converged").all()
    assert np.all(np.isfinite(res.f[[0, 2, 4, 5]]))


def test_same_seed_same_bits() -> None:
    runs = []
    for _ in range(2):
        inst = symmetric_instances(5, 10, spectrum_kind="indefinite", rank=3, seed=21)
        prob = SymmetricMF(np.zeros((10, 10), dtype=int), 4)
        x0 = small_random(prob, 5, 3, 0.05, seed=22)
        runs.append(gd(prob, x0, data=inst.data, step=0.1, max_iter=500, record_every=7,
                       thresholds=(1e-3,)))
    a, b = runs
    assert a.x["X"].tobytes() == b.x["X"].tobytes()
    assert a.f.tobytes() == b.f.tobytes()
    assert a.history["grad_norm"].tobytes() == b.history["grad_norm"].tobytes()
    assert np.array_equal(a.hits[1e-3], b.hits[1e-3])
