"""Hypothesis strategies for property tests of matrix-factorization facts.

``hypothesis`` is a test extra (``pip install mfverify[test]``); it is imported when a strategy
is built, and :class:`~mfverify.errors.UnsupportedError` says how to install it when missing.

The strategies produce *tolerance-friendly* inputs rather than arbitrary floats: bounded entries,
eigenvalues and singular values with a bounded condition number, orthogonal matrices built from
Householder reflections (exactly orthogonal to round-off), so that a property test's relative
tolerance is meaningful and failures shrink to small, readable examples.

Examples
--------
>>> from hypothesis import given, settings
>>> from mfverify.strategies import orthogonal_matrices
>>> @settings(max_examples=5)
... @given(orthogonal_matrices(3))
... def test_orthogonal(Q):
...     import numpy as np
...     assert np.allclose(Q.T @ Q, np.eye(3))
>>> test_orthogonal()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, UnsupportedError

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

    from .problems import AsymmetricMF, SymmetricMF

__all__ = [
    "bounded_floats",
    "matrices",
    "orthogonal_matrices",
    "well_conditioned_spectra",
    "symmetric_matrices",
    "psd_matrices",
    "low_rank_matrices",
    "symmetric_mf",
    "asymmetric_mf",
    "points",
]


def _st() -> Any:
    try:
        import hypothesis.strategies as st
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UnsupportedError("mfverify.strategies needs the 'hypothesis' package; install "
                               "it with `pip install mfverify[test]` (or `pip install "
                               "hypothesis`)") from exc
    return st


def _check_dim(**dims: int) -> None:
    for name, v in dims.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"{name} must be a positive integer, got {v!r}")


def bounded_floats(low: float = -1.0, high: float = 1.0) -> SearchStrategy[float]:
    """Finite floats in [low, high] (no NaN, no infinity, no subnormals)."""
    if not low < high:
        raise InputError(f"need low < high, got {low}, {high}")
    return _st().floats(low, high, allow_nan=False, allow_infinity=False,
                        allow_subnormal=False)


def matrices(rows: int, cols: int, *, bound: float = 1.0) -> SearchStrategy[np.ndarray]:
    """rows×cols float64 matrices with entries in [−bound, bound]."""
    _check_dim(rows=rows, cols=cols)
    st = _st()
    return st.lists(bounded_floats(-bound, bound), min_size=rows * cols,
                    max_size=rows * cols).map(
        lambda v: np.asarray(v, dtype=np.float64).reshape(rows, cols))


def orthogonal_matrices(n: int) -> SearchStrategy[np.ndarray]:
    """n×n orthogonal matrices: a product of n Householder reflections I − 2vvᵀ/‖v‖² with
    ‖v‖ >= 1/4, times a diagonal of signs. Every orthogonal matrix is reachable."""
    _check_dim(n=n)
    st = _st()
    vec = st.lists(bounded_floats(-1, 1), min_size=n, max_size=n).map(np.asarray).filter(
        lambda v: float(np.linalg.norm(v)) >= 0.25)
    signs = st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)

    def build(vs: list[np.ndarray], s: list[float]) -> np.ndarray:
        Q = np.diag(np.asarray(s, dtype=np.float64))
        for v in vs:
            v = np.asarray(v, dtype=np.float64)
            Q = Q - 2.0 * np.outer(v, v @ Q) / float(v @ v)
        return Q

    return st.builds(build, st.lists(vec, min_size=n, max_size=n), signs)


def well_conditioned_spectra(n: int, *, cond: float = 10.0, top: float = 1.0,
                             positive: int | None = None, negative: int = 0,
                             zero: int = 0) -> SearchStrategy[np.ndarray]:
    """Sorted (decreasing) length-n spectra with ``positive`` values in [top/cond, top],
    ``negative`` values in [−top, −top/cond] and ``zero`` exact zeros (positive defaults to
    n − negative − zero)."""
    _check_dim(n=n)
    pos = n - negative - zero if positive is None else positive
    if min(pos, negative, zero) < 0 or pos + negative + zero != n:
        raise InputError(f"positive + negative + zero must equal n = {n}, got "
                         f"{pos} + {negative} + {zero}")
    if not (cond >= 1 and top > 0):
        raise InputError(f"need cond >= 1 and top > 0, got {cond}, {top}")
    st = _st()
    mag = bounded_floats(top / cond, top) if cond > 1 else st.just(float(top))

    def build(p: list[float], q: list[float]) -> np.ndarray:
        vals = np.concatenate([np.asarray(p, dtype=np.float64), np.zeros(zero),
                               -np.asarray(q, dtype=np.float64)])
        return np.sort(vals)[::-1]

    return st.builds(build, st.lists(mag, min_size=pos, max_size=pos),
                     st.lists(mag, min_size=negative, max_size=negative))


def symmetric_matrices(n: int, *, signature: tuple[int, int, int] | None = None,
                       cond: float = 10.0, top: float = 1.0) -> SearchStrategy[np.ndarray]:
    """Symmetric n×n matrices Q·diag(λ)·Qᵀ with a given signature (p, q, z) = (#positive,
    #negative, #zero eigenvalues), magnitudes in [top/cond, top] (default signature: all
    positive). The result is exactly symmetric (averaged with its transpose)."""
    p, q, z = signature if signature is not None else (n, 0, 0)
    st = _st()

    def build(lam: np.ndarray, Q: np.ndarray) -> np.ndarray:
        M = (Q * lam) @ Q.T
        return 0.5 * (M + M.T)

    return st.builds(build, well_conditioned_spectra(n, cond=cond, top=top, positive=p,
                                                     negative=q, zero=z),
                     orthogonal_matrices(n))


def psd_matrices(n: int, rank: int, *, cond: float = 10.0,
                 top: float = 1.0) -> SearchStrategy[np.ndarray]:
    """PSD n×n matrices of rank ``rank`` (nonzero eigenvalues in [top/cond, top])."""
    _check_dim(n=n, rank=rank)
    if rank > n:
        raise InputError(f"rank must be <= n = {n}, got {rank}")
    return symmetric_matrices(n, signature=(rank, 0, n - rank), cond=cond, top=top)


def low_rank_matrices(m: int, n: int, rank: int, *, cond: float = 10.0,
                      top: float = 1.0) -> SearchStrategy[np.ndarray]:
    """m×n matrices U·diag(σ)·Vᵀ of rank ``rank`` with σ in [top/cond, top]."""
    _check_dim(m=m, n=n, rank=rank)
    if rank > min(m, n):
        raise InputError(f"rank must be <= min(m, n) = {min(m, n)}, got {rank}")
    st = _st()

    def build(s: np.ndarray, U: np.ndarray, V: np.ndarray) -> np.ndarray:
        return (U[:, :rank] * s[:rank]) @ V[:, :rank].T

    return st.builds(build, well_conditioned_spectra(rank, cond=cond, top=top),
                     orthogonal_matrices(m), orthogonal_matrices(n))


def symmetric_mf(n: int, r: int, *, signature: tuple[int, int, int] | None = None,
                 cond: float = 10.0, exact_integers: bool = False) -> SearchStrategy[SymmetricMF]:
    """:class:`~mfverify.problems.SymmetricMF` instances (scale ¼) of size n, width r.

    With ``exact_integers=True`` M has small integer entries in [−3, 3] (symmetric), which the
    exact engines handle quickly; otherwise M is drawn by :func:`symmetric_matrices`."""
    from .problems import SymmetricMF

    _check_dim(n=n, r=r)
    if r > n:
        raise InputError(f"r must be <= n = {n}, got {r}")
    st = _st()
    if exact_integers:
        k = n * (n + 1) // 2

        def build_int(v: list[int]) -> SymmetricMF:
            M = np.zeros((n, n), dtype=object)
            it = iter(v)
            for i in range(n):
                for j in range(i, n):
                    M[i, j] = M[j, i] = int(next(it))
            return SymmetricMF(M.tolist(), r)

        return st.lists(st.integers(-3, 3), min_size=k, max_size=k).map(build_int)
    return symmetric_matrices(n, signature=signature, cond=cond).map(
        lambda M: SymmetricMF(M, r))


def asymmetric_mf(m: int, n: int, r: int, *, rank: int | None = None,
                  cond: float = 10.0) -> SearchStrategy[AsymmetricMF]:
    """:class:`~mfverify.problems.AsymmetricMF` instances (scale ½) with Σ of rank ``rank``
    (default r) and condition number <= cond."""
    from .problems import AsymmetricMF

    k = r if rank is None else rank
    return low_rank_matrices(m, n, k, cond=cond).map(lambda S: AsymmetricMF(S, r))


def points(problem: Any, *, bound: float = 1.0) -> SearchStrategy[dict[str, np.ndarray]]:
    """Points of ``problem`` (dict name -> float64 array of the variable's shape) with entries in
    [−bound, bound]."""
    st = _st()
    parts = {name: matrices(*shape, bound=bound) if len(shape) == 2 else
             st.lists(bounded_floats(-bound, bound), min_size=int(np.prod(shape)),
                      max_size=int(np.prod(shape))).map(
                          lambda v, s=shape: np.asarray(v, dtype=np.float64).reshape(s))
             for name, shape in problem.variables.items()}
    return st.fixed_dictionaries(parts)
