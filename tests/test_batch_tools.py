"""Generators, initializations, outcome classification and rate fits of the batch engine."""

from __future__ import annotations

import numpy as np
import pytest

from mfverify.batch import gd
from mfverify.batch.generators import (
    gaussian_sensing,
    ground_truths,
    rectangular_instances,
    spectrum,
    symmetric_instances,
)
from mfverify.batch.inits import imbalanced, perturbed, rank_deficient, small_random, spectral
from mfverify.batch.outcomes import (
    StationaryClass,
    classify_runs,
    global_values,
    hitting_times,
)
from mfverify.batch.rates import classify_rate, fit_iterations, fit_line
from mfverify.errors import InputError, RankError, UnsupportedError
from mfverify.problems import AsymmetricMF, SymmetricMF

# -- generators -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["psd", "indefinite", "singular"])
def test_symmetric_spectra(kind: str) -> None:
    inst = symmetric_instances(4, 6, spectrum_kind=kind, rank=2, cond=5.0, seed=1)
    lam = np.sort(np.linalg.eigvalsh(inst.M), axis=1)[:, ::-1]
    np.testing.assert_allclose(lam, inst.eigenvalues, atol=1e-12)
    np.testing.assert_array_equal(inst.M, np.swapaxes(inst.M, 1, 2))
    pos, neg = (inst.eigenvalues[0] > 0).sum(), (inst.eigenvalues[0] < 0).sum()
    assert pos == 2
    assert (neg == 0) == (kind == "psd")
    if kind == "singular":
        assert (inst.eigenvalues[0] == 0).any() and neg >= 1
    assert inst.eigenvalues[0, 0] / inst.eigenvalues[0, 1] == pytest.approx(5.0)


def test_generators_seeded_and_validated() -> None:
    a = symmetric_instances(2, 3, seed=7).M
    assert np.array_equal(a, symmetric_instances(2, 3, seed=7).M)
    assert not np.array_equal(a, symmetric_instances(2, 3, seed=8).M)
    r = rectangular_instances(3, 5, 4, rank=2, singular_values=[4.0, 1.0], seed=1)
    np.testing.assert_allclose(np.linalg.svd(r.Sigma, compute_uv=False)[:, :2],
                               [[4.0, 1.0]] * 3, rtol=1e-12)
    assert r.condition_number == pytest.approx([4.0] * 3)
    g = ground_truths(2, 5, 2, cond=3.0, seed=1)
    np.testing.assert_allclose(g.M, g.X @ np.swapaxes(g.X, 1, 2), atol=1e-14)
    A = gaussian_sensing(2, 30, 4, seed=1)
    assert A.shape == (2, 30, 4, 4)
    np.testing.assert_array_equal(A, np.swapaxes(A, -1, -2))
    with pytest.raises(RankError):
        spectrum(3, "psd", rank=4)
    with pytest.raises(InputError):
        spectrum(3, "weird")
    with pytest.raises(RankError):
        rectangular_instances(1, 2, 2, rank=3)
    with pytest.raises(InputError):
        symmetric_instances(0, 3)


# -- initializations --------------------------------------------------------------------------


def test_initializations() -> None:
    p = AsymmetricMF(np.zeros((6, 5), dtype=int), 3)
    x = imbalanced(p, 2, 400, 0.3, seed=1)
    assert x["U"].shape == (2, 400, 6, 3) and x["V"].shape == (2, 400, 5, 3)
    assert np.std(x["U"]) == pytest.approx(0.3, rel=0.05)
    assert np.std(x["V"]) == pytest.approx(0.1, rel=0.05)
    s = SymmetricMF(np.zeros((6, 6), dtype=int), 3)
    with pytest.raises(UnsupportedError):
        imbalanced(s, 1, 1, 0.1)
    rd = rank_deficient(s, 2, 3, 2, seed=1)
    assert (np.linalg.matrix_rank(rd["X"]) == 2).all()
    g = ground_truths(2, 6, 2, seed=3)
    target = {"X": np.concatenate([g.X, np.zeros((2, 6, 1))], axis=-1)}
    near = rank_deficient(s, 2, 3, 2, alpha=1e-3, target=target, seed=1)
    assert (np.linalg.matrix_rank(near["X"], tol=1e-10) == 2).all()
    prod = near["X"] @ np.swapaxes(near["X"], -1, -2)
    assert np.max(np.abs(prod - g.M[:, None])) < 1e-2
    with pytest.raises(RankError):
        rank_deficient(s, 1, 1, 3)
    inst = symmetric_instances(2, 6, spectrum_kind="psd", rank=3, seed=2)
    sp = spectral(s, inst.data, 2)
    res = gd(s, sp, data=inst.data, max_iter=0)
    assert np.all(res.f < 1e-20)  # spectral init of a rank-3 PSD M at width 3 is exact
    pt = perturbed({"X": g.X}, 5, 1e-3, seed=0)
    d = pt["X"] - g.X[:, None]
    np.testing.assert_allclose(np.sqrt(np.sum(d ** 2, axis=(-2, -1))), 1e-3, rtol=1e-12)
    assert np.array_equal(small_random(s, 1, 2, 0.1, seed=3)["X"],
                          small_random(s, 1, 2, 0.1, seed=3)["X"])


# -- outcomes ---------------------------------------------------------------------------------


def test_outcomes_global_saddle_stalled_diverged() -> None:
    """M = diag(3, 1), r = 1: global minima ±(√3, 0), saddles ±(0, 1), max 0 (f = 9/4 at the
    saddle, 1/4 at the minimum). GD from the e₂ axis stays there and ends at the saddle."""
    p = SymmetricMF([[3, 0], [0, 1]], 1)
    X0 = np.array([[[0.1], [0.0]], [[0.0], [0.2]], [[0.1], [0.1]], [[0.3], [0.1]]])[None]
    steps = np.array([[0.1, 0.1, 1e-6, 2.0]])
    res = gd(p, {"X": X0}, step=steps, max_iter=3000, gtol=1e-12)
    fg = global_values(p)
    assert fg == pytest.approx([0.25])
    saddle = StationaryClass("strict_saddle e2", 9 / 4, {"X": np.array([[[0.0], [1.0]]])})
    out = classify_runs(res, f_global=fg[0], classes=[saddle])
    assert out.labels[0].tolist() == ["global_min", "strict_saddle e2", "stalled", "diverged"]
    assert out.counts == {"diverged": 1, "global_min": 1, "stalled": 1, "strict_saddle e2": 1}
    # the same saddle value but a wrong point is not matched
    wrong = StationaryClass("elsewhere", 9 / 4, {"X": np.array([[[1.0], [0.0]]])})
    out2 = classify_runs(res, f_global=fg[0], classes=[wrong])
    assert out2.labels[0, 1] == "stationary_unmatched"
    assert out.to_json()["runs"] == 4


def test_global_values_asymmetric_and_indefinite() -> None:
    inst = symmetric_instances(1, 4, eigenvalues=[3, 1, -2, 0.5], seed=0)
    p = SymmetricMF(np.zeros((4, 4), dtype=int), 2)
    assert global_values(p, inst.data)[0] == pytest.approx(0.25 * (0.25 + 4))
    r = rectangular_instances(1, 4, 3, rank=3, singular_values=[3, 2, 1], seed=0)
    q = AsymmetricMF(np.zeros((4, 3), dtype=int), 2)
    assert global_values(q, r.data)[0] == pytest.approx(0.5)


def test_hitting_times() -> None:
    v = np.array([[1.0, 0.1, 0.01, 0.001]])
    h = hitting_times(v, [0.5, 0.005, 1e-9])
    assert h[0.5].tolist() == [1] and h[0.005].tolist() == [3] and h[1e-9].tolist() == [-1]
    ht = hitting_times(v, [0.05], times=np.array([0.0, 2.0, 4.0, 6.0]))
    assert ht[0.05].tolist() == [4.0]


# -- rates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", [0.5, 0.9, 0.99])
def test_classify_linear(q: float) -> None:
    t = np.arange(400)
    v = 3.0 * q ** t * (1 + 0.01 * np.sin(t))
    fit = classify_rate(v)
    assert fit.kind == "linear"
    assert fit.rate == pytest.approx(q, rel=1e-3)


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0])
def test_classify_sublinear(p: float) -> None:
    t = np.arange(1, 5000)
    fit = classify_rate(2.0 / (t + 10.0) ** p)
    assert fit.kind == "sublinear"
    assert fit.exponent == pytest.approx(p, rel=0.05)


def test_fit_line_and_iterations() -> None:
    x = np.arange(10.0)
    f = fit_line(x, 2 + 3 * x)
    assert f.slope == pytest.approx(3) and f.intercept == pytest.approx(2) and f.r2 == 1.0
    deltas = 10.0 ** -np.arange(2, 8)
    T = 50 * np.log(1 / deltas) + 7
    assert fit_iterations(T, deltas).slope == pytest.approx(50)
    assert fit_iterations([1, 4, 9], [1, 2, 3], transform="identity").slope == pytest.approx(4)
    with pytest.raises(InputError):
        fit_line([1, 1, 1], [1, 2, 3])
    with pytest.raises(InputError):
        classify_rate([1.0, 0.5])
    with pytest.raises(InputError):
        fit_iterations([1, 2, 3], [1, 2, 3], transform="cube")


def test_gaussian_sensing_normalization_is_what_the_docstring_states() -> None:
    """Regression: the docstring said E‖A(X)‖² = ‖X‖²_F for the symmetrized operator; it is
    2‖X‖²_F (⟨(G + Gᵀ)/√2, X⟩ = √2⟨G, X⟩ for symmetric X). Averaged over 4000 operators the
    ratio is within 5% of the stated constant (standard error about 1%)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 4))
    X = X + X.T
    for symmetric, factor in ((True, 2.0), (False, 1.0)):
        A = gaussian_sensing(4000, 5, 4, symmetric=symmetric, seed=2)
        ratio = np.mean(np.sum(np.einsum("bkij,ij->bk", A, X) ** 2, axis=1)) / np.sum(X * X)
        assert ratio == pytest.approx(factor, rel=0.05)
