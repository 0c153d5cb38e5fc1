"""Cross-check of the batch engine with the exact landscape engine (issue 6, item 9): on small
instances every batched GD run that converges ends at a point of the real stationary set that
:func:`mfverify.symbolic.landscape` lists (matched by value and, for components that are single
symmetry orbits, by the orbit invariant XXᵀ resp. UVᵀ)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify.batch import gd
from mfverify.batch.outcomes import classes_from_landscape, classify_runs
from mfverify.problems import AsymmetricMF, SymmetricMF
from mfverify.symbolic import landscape


def _axis_inits(problem: Any, K_random: int, seed: int) -> dict[str, np.ndarray]:
    """Random starts plus starts inside eigen/singular subspaces (these converge to saddles)."""
    rng = np.random.default_rng(seed)
    if "X" in problem.variables:
        n, r = problem.variables["X"]
        M = np.asarray(problem.data["M"], dtype=float)
        w, Q = np.linalg.eigh(M)
        starts = [0.7 * rng.standard_normal((n, r)) for _ in range(K_random)]
        for i in range(n):
            if abs(w[i]) > 1e-9:
                X = np.zeros((n, r))
                X[:, 0] = 0.6 * Q[:, i]
                starts.append(X)
        return {"X": np.asarray(starts)[None]}
    m, r = problem.variables["U"]
    n = problem.variables["V"][0]
    S = np.asarray(problem.data["Sigma"], dtype=float)
    Uf, s, Vt = np.linalg.svd(S)
    Us = [0.7 * rng.standard_normal((m, r)) for _ in range(K_random)]
    Vs = [0.7 * rng.standard_normal((n, r)) for _ in range(K_random)]
    for i in range(min(m, n)):
        if s[i] > 1e-9:
            U = np.zeros((m, r))
            V = np.zeros((n, r))
            U[:, 0], V[:, 0] = 0.5 * Uf[:, i], 0.5 * Vt[i]
            Us.append(U)
            Vs.append(V)
    return {"U": np.asarray(Us)[None], "V": np.asarray(Vs)[None]}


def _check(problem: Any) -> dict[str, int]:
    L = landscape(problem, budget=60)
    assert L.complete, L.reason
    x0 = _axis_inits(problem, 12, seed=1)
    res = gd(problem, x0, step=0.05, max_iter=20000, gtol=1e-11)
    out = classify_runs(res, f_global=float(L.global_min_value), ftol=1e-9, gtol=1e-8,
                        classes=classes_from_landscape(L), ftol_class=1e-8, xtol=1e-5)
    converged = res.status == 1
    labels = out.labels[converged]
    assert not np.isin(labels, ["stationary_unmatched", "diverged"]).any(), (
        out.counts, problem.describe())
    # runs that did not reach ‖∇f‖ <= 1e-11 are the sublinear (degenerate) ones: M singular
    # with r above the number of positive eigenvalues; elsewhere every run converges
    if not converged.all():
        M = problem.data.get("M")
        assert M is not None and abs(float(np.linalg.det(np.asarray(M, dtype=float)))) < 1e-12
    return out.counts


@pytest.mark.parametrize("M,r", [
    ([[3, 0], [0, 1]], 1),
    ([[2, 1], [1, -1]], 1),
    ([[2, 1], [1, 2]], 2),
    ([[3, 1, 0], [1, 2, 0], [0, 0, -1]], 1),
])
def test_gd_ends_on_listed_stationary_points_symmetric(M: list[list[int]], r: int) -> None:
    counts = _check(SymmetricMF(M, r))
    assert counts.get("global_min", 0) >= 1


def test_gd_reaches_a_saddle_class() -> None:
    """From the e₂ axis GD converges to the strict saddle ±(0, 1) of M = diag(3, 1)."""
    counts = _check(SymmetricMF([[3, 0], [0, 1]], 1))
    assert any(k.startswith("strict_saddle") for k in counts), counts


def test_gd_ends_on_listed_stationary_points_asymmetric() -> None:
    _check(AsymmetricMF([[2, 0], [0, 1]], 1))


@settings(max_examples=5)
@given(st.lists(st.integers(-3, 3), min_size=3, max_size=3))
def test_property_random_integer_2x2(v: list[int]) -> None:
    a, b, c = v
    _check(SymmetricMF([[a, b], [b, c]], 1))
