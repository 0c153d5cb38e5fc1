"""The family hook ``Problem.orbit_invariant`` (issue 12, item 3): one invariant per family,
constant along the family's group action and changing off the orbit, and the batch outcome
classifier using it (a deep linear network run matched to a landscape class up to the GL chain,
which the raw coordinates would miss)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from mfverify.batch.outcomes import StationaryClass, classify_runs
from mfverify.batch.solvers import BatchRun
from mfverify.problems import AsymmetricMF, DeepLinearNetwork, MatrixCompletion, SymmetricMF
from mfverify.problems.custom import CustomProblem
from mfverify.problems.phase import PhaseRetrieval

rng = np.random.default_rng(0)


def _gl(k: int) -> np.ndarray:
    return rng.standard_normal((k, k)) + 3 * np.eye(k)


CASES = [
    ("symmetric O(r)", SymmetricMF([[2, 0, 0], [0, 1, 0], [0, 0, 0]], 2),
     lambda: ortho_group.rvs(2, random_state=1)),
    ("asymmetric GL(r)", AsymmetricMF([[2, 0], [0, 1], [0, 0]], 2), lambda: _gl(2)),
    ("asymmetric balanced O(r)", AsymmetricMF([[2, 0], [0, 1], [0, 0]], 2, balance=1),
     lambda: ortho_group.rvs(2, random_state=2)),
    ("completion O(r)", MatrixCompletion([[1, 1], [1, 1]], [[1, 1], [1, 0]], 1),
     lambda: np.array([[-1.0]])),
    ("deep linear GL chain", DeepLinearNetwork([[1, 0], [0, 1]], [[2, 0]], [2, 2]),
     lambda: [_gl(2), _gl(2)]),
    ("real phase retrieval ±1", PhaseRetrieval(signal=[1, 0], model="population"),
     lambda: np.array(-1.0)),
    ("complex phase retrieval U(1)", PhaseRetrieval(signal=[1, 0], signal_imag=[0, 0],
                                                     field="complex", model="population"),
     lambda: np.array([[np.cos(0.7), np.sin(0.7)], [-np.sin(0.7), np.cos(0.7)]])),
]


@pytest.mark.parametrize(("name", "problem", "element"), CASES, ids=[c[0] for c in CASES])
def test_invariant_on_orbits_and_not_off_them(name, problem, element) -> None:
    x = {k: rng.standard_normal(s) for k, s in problem.variables.items()}
    inv = problem.orbit_invariant(x)
    assert inv.ndim == 1 and inv.size > 0
    moved = problem.act(x, element(), "numpy")
    np.testing.assert_allclose(problem.orbit_invariant(moved), inv, rtol=1e-9, atol=1e-9)
    # a generic perturbation leaves the orbit
    y = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in x.items()}
    assert np.abs(problem.orbit_invariant(y) - inv).max() > 1e-4
    # batched: leading axes are kept
    xb = {k: np.stack([v, v]) for k, v in x.items()}
    np.testing.assert_allclose(problem.orbit_invariant(xb), np.stack([inv, inv]))


def test_default_is_the_raw_coordinates() -> None:
    p = CustomProblem({"a": [2], "b": []}, "(a[0]*b - 1)**2 + a[1]**2")
    x = {"a": np.array([1.0, 2.0]), "b": np.array(3.0)}
    np.testing.assert_array_equal(p.orbit_invariant(x), [1.0, 2.0, 3.0])


def _raw_layers(x):
    return np.concatenate([np.asarray(x[k]).reshape(*np.shape(x[k])[:-2], -1)
                           for k in ("W1", "W2", "W3")], axis=-1)


def test_classifier_matches_a_deep_linear_run_up_to_the_chain() -> None:
    """A saddle W (W₁ = diag(0, 1), W₂ = (0, 1), W₃ = 0: ∇f = 0, f = ½‖Y‖² = 2) and a GL-chain
    image of it: the class listed at W matches the run at the image through the end-to-end
    product (the family hook); the raw coordinates do not."""
    p = DeepLinearNetwork([[1, 0], [0, 1]], [[2, 0]], [2, 1])
    W = {"W1": np.array([[0.0, 0.0], [0.0, 1.0]]), "W2": np.array([[0.0, 1.0]]),
         "W3": np.array([[0.0]])}
    assert np.abs(p.flatten(p.grad(W, "numpy"))).max() == 0 and p.value(W, "numpy") == 2
    image = p.act(W, [_gl(2), np.array([[3.0]])], "numpy")
    run = BatchRun("gd", {k: v[None, None] for k, v in image.items()}, np.array([[2.0]]),
                   np.array([[0.0]]), np.array([[0]]), np.array([[1]]), np.array([[0.1]]),
                   np.array([0]))
    cls = [StationaryClass("saddle", 2.0, W, False, "strict_saddle")]
    out = classify_runs(run, f_global=0.0, ftol=1e-12, classes=cls, problem=p)
    assert out.counts == {"saddle": 1}
    raw = classify_runs(run, f_global=0.0, ftol=1e-12, classes=cls, invariant=_raw_layers)
    assert raw.counts == {"stationary_unmatched": 1}
