"""Study generators of every family (their own ``generate`` hooks), the recovery error, and the
matching of stationary runs against the closed-form landscape (#14 items 1, 2)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mfverify.batch.strata import MATCH_TOL, match_strata
from mfverify.problems import (
    AsymmetricMF,
    ConstrainedMF,
    MatrixSensing,
    SymmetricMF,
)
from mfverify.problems.sensing import apply_operator
from mfverify.problems.strata import eigen_strata, singular_strata
from mfverify.study import load_study, run_cell

pytest.importorskip("pyarrow")


def _one_cell(family: str, params: dict[str, Any], **run: Any) -> dict[str, np.ndarray]:
    study = load_study({"name": f"t-{family}", "family": family, "instances": 2, "inits": 2,
                        "params": params, **run})
    (cell,) = study.cells()
    return run_cell(cell.to_json(), study.instances, study.inits)


def test_sensing_generator_is_isotropic_and_noiseless() -> None:
    p, d = MatrixSensing.generate(3, 7, {"n": 6, "rank": 2, "m": 300})
    assert d["A"].shape == (3, 300, 6, 6) and d["b"].shape == (3, 300)
    assert np.array_equal(d["A"], np.swapaxes(d["A"], -1, -2))
    assert np.allclose(apply_operator(d["A"], p.planted), d["b"], rtol=0, atol=1e-14)
    # E‖A(Z)‖² = ‖Z‖²_F on symmetric Z: the mean over 3 × 300 measurements is within 15%
    Z = np.diag([1.0, -2.0, 0, 0, 0, 1.0]) + 0.5
    ratio = np.mean(np.sum(apply_operator(d["A"], Z) ** 2, axis=-1)) / np.sum(Z ** 2)
    assert 0.85 < ratio < 1.15
    assert np.array_equal(p.optimal_values(d), np.zeros(3))
    again = MatrixSensing.generate(3, 7, {"n": 6, "rank": 2, "m": 300})[1]
    assert np.array_equal(again["A"], d["A"])


@pytest.mark.parametrize("family, params, run", [
    ("sensing", {"n": 5, "rank": 1, "m": 60}, {"step": 0.2, "max_iter": 2000}),
    ("completion", {"n": 6, "rank": 1, "p": 0.9}, {"step": 0.1, "max_iter": 3000}),
    ("phase_retrieval", {"n": 4, "m": 40}, {"step": 0.05, "max_iter": 3000,
                                            "init": "spectral"}),
    ("deep_linear", {"d0": 3, "widths": "3"}, {"step": 0.05, "max_iter": 500}),
    ("constrained", {"n": 6, "rank": 1, "p": 2}, {"method": "primal_dual", "step": 0.01,
                                                  "max_iter": 4000, "alpha": 0.3}),
])
def test_every_family_runs_from_a_study_file(family: str, params: dict[str, Any],
                                             run: dict[str, Any]) -> None:
    cols = _one_cell(family, params, **run)
    assert len(cols["outcome"]) == 4
    err = cols["recovery_error"]
    if family == "deep_linear":  # no planted factorization to compare with
        assert np.all(np.isnan(err))
    else:
        ok = cols["outcome"] == "global_min" if family != "constrained" else cols[
            "grad_norm"] <= 1e-8  # KKT residual
        assert ok.any() and np.all(np.isfinite(err)), (family, err, cols["outcome"])
        assert np.all(err[ok] < 1e-3), (family, err, cols["outcome"])


def test_sensing_recovers_with_many_measurements_not_with_few() -> None:
    many = _one_cell("sensing", {"n": 6, "rank": 2, "m": 120}, step=0.2, max_iter=3000)
    few = _one_cell("sensing", {"n": 6, "rank": 2, "m": 8}, step=0.2, max_iter=3000)
    assert np.all(many["recovery_error"] < 1e-4)
    assert np.all(few["recovery_error"] > 1e-2)  # m < n(n+1)/2: A(XXᵀ) = b has other solutions


def _saddle(M: np.ndarray, S: list[int]) -> np.ndarray:
    lam, Q = np.linalg.eigh(M)
    lam, Q = lam[::-1], Q[:, ::-1]
    X = np.zeros((M.shape[0], 2))
    for j, i in enumerate(S):
        X[:, j] = np.sqrt(lam[i]) * Q[:, i]
    return X


def test_strata_values_match_the_exact_landscape_engine() -> None:
    from mfverify.symbolic.landscape import landscape

    M = np.diag([3.0, 2.0, 1.0])
    strata = eigen_strata(M[None], 2, 0.25)
    L = landscape(SymmetricMF([[3, 0, 0], [0, 2, 0], [0, 0, 1]], rank=2))
    exact = sorted(float(c.value) for c in L.components)
    ours = sorted(float(s.value[0]) for s in strata)
    assert np.allclose(ours, exact, rtol=0, atol=1e-12)
    kinds = {float(c.value): c.type for c in L.components}
    for s in strata:
        assert (kinds[float(s.value[0])] == "global_min") == (s.kind == "global_min")


def test_match_strata_identifies_the_saddle_and_refuses_a_planted_slip() -> None:
    rng = np.random.default_rng(3)
    Q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    M = (Q * np.array([4.0, 2.0, 1.0, -1.0])) @ Q.T
    p = SymmetricMF(np.eye(4, dtype=int).tolist(), 2)
    strata = p.critical_strata({"M": M[None]})
    assert len(strata) == 1 + 3 + 3  # S ⊆ {1,2,3} with |S| <= 2 (λ₄ < 0 never enters)
    X = np.stack([_saddle(M, [0, 2]), _saddle(M, [1]), _saddle(M, [0, 2])])[None]
    # the third run is moved off the class by 10× the tolerance: it must stay unmatched
    X[0, 2] += 10 * MATCH_TOL * np.sqrt(np.sum(M ** 2)) * np.eye(4, 2)
    R = X @ np.swapaxes(X, -1, -2) - M
    f = float(p.scale) * np.sum(R ** 2, axis=(-1, -2))
    labels = np.full((1, 3), "stationary_unmatched", dtype=object)
    out = match_strata(labels, {"X": X}, f, strata)
    assert list(out[0]) == ["saddle S={1,3}", "saddle S={2}", "stationary_unmatched"]


def test_singular_strata_of_the_asymmetric_family() -> None:
    Sig = np.zeros((1, 3, 2))
    Sig[0, 0, 0], Sig[0, 1, 1] = 3.0, 1.0
    st = AsymmetricMF(Sig[0].astype(int).tolist(), 1).critical_strata({"Sigma": Sig})
    assert {s.name: (s.kind, float(s.value[0])) for s in st} == {
        "S={}": ("saddle", 5.0), "S={1}": ("global_min", 0.5), "S={2}": ("saddle", 4.5)}
    assert np.allclose(singular_strata(Sig, 1, 0.5)[1].invariant, Sig * [1, 0])


def test_a_study_labels_a_saddle_it_reaches() -> None:
    """GD started exactly on the eigenvector u₂ stays in that invariant line and converges to
    the saddle class S={2}, which the study row names."""
    from mfverify.study.cell import _match

    M = np.diag([3.0, 1.0, 0.5])[None]
    p = SymmetricMF(np.eye(3, dtype=int).tolist(), 1)
    from mfverify.batch import solvers

    x0 = {"X": np.array([0.0, 0.1, 0.0]).reshape(1, 1, 3, 1)}
    res = solvers.solve(p, x0, method="gd", data={"M": M}, step=0.1, max_iter=500, gtol=1e-12)
    from mfverify.batch.outcomes import classify_runs

    out = classify_runs(res, f_global=p.optimal_values({"M": M})[:, None], gtol=1e-8)
    assert out.labels[0, 0] == "stationary_unmatched"
    assert _match(p, {"M": M}, res, out.labels)[0, 0] == "saddle S={2}"


def test_constrained_generator_plants_a_feasible_truth() -> None:
    p, d = ConstrainedMF.generate(2, 5, {"n": 5, "rank": 2, "p": 3})
    assert p.merit == "augmented_lagrangian" and p.variables["U"] == (5, 3)
    assert np.allclose(apply_operator(d["A"], p.planted), d["b"], atol=1e-13)


def test_singular_strata_match_the_exact_landscape_engine() -> None:
    """The exact engine's critical values (some invariant, e.g. UVᵀ = 0, is reached by several
    components: U = 0 or V = 0) are exactly the values of the singular-subset classes."""
    from mfverify.symbolic.landscape import landscape

    p = AsymmetricMF([[2, 0], [0, 1], [0, 0]], rank=1)
    L = landscape(p)
    exact = {(float(c.value), c.type == "global_min") for c in L.components}
    Sig = np.array([[[2.0, 0], [0, 1], [0, 0]]])
    ours = {(float(s.value[0]), s.kind == "global_min")
            for s in singular_strata(Sig, 1, float(p.scale))}
    assert ours == exact
