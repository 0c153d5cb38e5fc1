"""mfverify.strategies: the strategies produce what they promise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from mfverify import strategies as ms
from mfverify.errors import InputError
from mfverify.problems import AsymmetricMF, SymmetricMF


@given(ms.orthogonal_matrices(4))
def test_orthogonal(Q: np.ndarray) -> None:
    np.testing.assert_allclose(Q.T @ Q, np.eye(4), atol=1e-12)


@given(ms.well_conditioned_spectra(5, cond=8.0, top=2.0, negative=2, zero=1))
def test_spectra(lam: np.ndarray) -> None:
    assert lam.shape == (5,)
    assert np.all(np.diff(lam) <= 0)
    nz = lam[lam != 0]
    assert (lam > 0).sum() == 2 and (lam < 0).sum() == 2 and (lam == 0).sum() == 1
    assert np.all(np.abs(nz) <= 2.0) and np.all(np.abs(nz) >= 2.0 / 8.0)


@given(ms.symmetric_matrices(4, signature=(1, 2, 1), cond=5.0))
def test_signature(M: np.ndarray) -> None:
    np.testing.assert_array_equal(M, M.T)
    w = np.linalg.eigvalsh(M)
    assert (w > 1e-9).sum() == 1 and (w < -1e-9).sum() == 2 and (np.abs(w) <= 1e-9).sum() == 1


@given(ms.psd_matrices(4, 2))
def test_psd(M: np.ndarray) -> None:
    w = np.linalg.eigvalsh(M)
    assert w.min() >= -1e-12 and (w > 1e-9).sum() == 2


@given(ms.low_rank_matrices(4, 3, 2, cond=10.0))
def test_low_rank(S: np.ndarray) -> None:
    s = np.linalg.svd(S, compute_uv=False)
    assert S.shape == (4, 3) and s[2] < 1e-9 and s[0] / s[1] <= 10.0 + 1e-9


@settings(max_examples=10)
@given(ms.symmetric_mf(2, 1, exact_integers=True))
def test_problem_instances(p: SymmetricMF) -> None:
    assert isinstance(p, SymmetricMF) and p.variables == {"X": (2, 1)}
    assert p.value({"X": [[0], [0]]}, "exact") >= 0


@settings(max_examples=10)
@given(ms.asymmetric_mf(3, 2, 1).flatmap(lambda p: ms.points(p, bound=2.0).map(
    lambda x: (p, x))))
def test_points_for_problem(pair: tuple[AsymmetricMF, dict[str, np.ndarray]]) -> None:
    p, x = pair
    assert x["U"].shape == (3, 1) and x["V"].shape == (2, 1)
    assert np.all(np.abs(x["U"]) <= 2.0)
    assert np.isfinite(p.value(x))


@given(ms.matrices(2, 3, bound=0.5))
def test_matrices(A: np.ndarray) -> None:
    assert A.shape == (2, 3) and np.all(np.abs(A) <= 0.5)


def test_bad_arguments() -> None:
    with pytest.raises(InputError):
        ms.orthogonal_matrices(0)
    with pytest.raises(InputError):
        ms.well_conditioned_spectra(3, positive=1, negative=1, zero=0)
    with pytest.raises(InputError):
        ms.psd_matrices(2, 3)
    with pytest.raises(InputError):
        ms.bounded_floats(1.0, 0.0)
