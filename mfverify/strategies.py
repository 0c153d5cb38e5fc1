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

    from .problems import (
        AsymmetricMF,
        DeepLinearNetwork,
        MatrixCompletion,
        PhaseRetrieval,
        SymmetricMF,
    )

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
    "phase_retrieval",
    "deep_linear_networks",
    "matrix_completions",
    "problems",
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


def phase_retrieval(n: int, m: int | None = None, *, field: str = "real",
                    model: str = "finite") -> SearchStrategy[PhaseRetrieval]:
    """:class:`~mfverify.problems.PhaseRetrieval` instances with a signal of norm in
    [1/4, 1] and, for the finite model, m (default 3n) measurement
    vectors with entries in [−1, 1]; measurements are noiseless."""
    from .problems import PhaseRetrieval

    _check_dim(n=n)
    m = 3 * n if m is None else m
    _check_dim(m=m)
    st = _st()
    k = 2 if field == "complex" else 1
    sig = matrices(n, k).filter(lambda x: float(np.linalg.norm(x)) >= 0.25).map(
        lambda x: x / max(1.0, float(np.linalg.norm(x))))

    def build(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> PhaseRetrieval:
        imag = x[:, 1] if k == 2 else None
        if model == "population":
            return PhaseRetrieval(signal=x[:, 0], signal_imag=imag, field=field,
                                  model="population")
        return PhaseRetrieval(a=a, a_imag=b if k == 2 else None, signal=x[:, 0],
                              signal_imag=imag, field=field)

    return st.builds(build, sig, matrices(m, n), matrices(m, n))


def deep_linear_networks(dims: tuple[int, ...] | list[int], samples: int | None = None, *,
                         balance: float = 0.0) -> SearchStrategy[DeepLinearNetwork]:
    """:class:`~mfverify.problems.DeepLinearNetwork` instances with widths ``dims`` =
    (d₀, d₁, …, d_L) (depth L = len(dims) − 1 >= 2), X with entries in [−1, 1] and
    ``samples`` (default d₀ + 1) columns, Y with entries in [−1, 1]."""
    from .problems import DeepLinearNetwork

    dims = list(dims)
    if len(dims) < 3:
        raise InputError(f"dims must list d_0, ..., d_L with depth L >= 2, got {dims}")
    _check_dim(**{f"d{i}": d for i, d in enumerate(dims)})
    N = dims[0] + 1 if samples is None else samples
    _check_dim(samples=N)
    st = _st()
    return st.builds(lambda X, Y: DeepLinearNetwork(X, Y, dims[1:-1], balance=balance),
                     matrices(dims[0], N), matrices(dims[-1], N))


def matrix_completions(n: int, r: int, *, rank: int | None = None, symmetric: bool = True,
                       m: int | None = None, cond: float = 10.0
                       ) -> SearchStrategy[MatrixCompletion]:
    """:class:`~mfverify.problems.MatrixCompletion` instances of width r: M PSD of rank
    ``rank`` (default r; or m×n of that rank when not symmetric) with a bounded condition
    number, and a random 0/1 mask (symmetric when M is) with every row observed at least once.
    """
    from .problems import MatrixCompletion

    k = r if rank is None else rank
    rows = n if symmetric or m is None else m
    st = _st()
    Ms = psd_matrices(n, k, cond=cond) if symmetric else low_rank_matrices(rows, n, k,
                                                                           cond=cond)

    def build(M: np.ndarray, bits: list[bool]) -> MatrixCompletion:
        W = np.asarray(bits, dtype=int).reshape(rows, n)
        if symmetric:
            W = np.triu(W) + np.triu(W, 1).T
        W[np.arange(rows), np.arange(rows) % n] = 1  # every row observed at least once
        return MatrixCompletion(M, W, r, symmetric=symmetric)

    return st.builds(build, Ms, st.lists(st.booleans(), min_size=rows * n, max_size=rows * n))


def problems(kind: str, **options: Any) -> SearchStrategy[Any]:
    """Instances of the registered problem family ``kind`` (its ``strategy`` hook), e.g.
    ``problems("phase_retrieval", n=3, field="complex")``."""
    from .problems import PROBLEM_KINDS

    if kind not in PROBLEM_KINDS:
        raise InputError(f"unknown problem kind {kind!r}; expected one of "
                         f"{sorted(PROBLEM_KINDS)}")
    return PROBLEM_KINDS[kind].strategy(**options)
