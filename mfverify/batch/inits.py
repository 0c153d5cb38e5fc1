"""Initializations of shape ``(B, K, *shape)`` for every variable of a problem (float64).

* :func:`small_random`: i.i.d. N(0, α²) entries (Ye & Du's N(0, ε²) with ε = α).
* :func:`imbalanced`: U with N(0, α²), V with N(0, (ratio·α)²) (XDD: α for F, α/3 for G).
* :func:`spectral`: the top-r eigen/singular pairs of the data (plus optional noise).
* :func:`rank_deficient`: random of rank k < r (X = G·H with G ∈ ℝ^{n×k}), optionally scaled to a
  target point so that it is near a feasible set.
* :func:`perturbed`: a given (stationary) point plus a perturbation of Frobenius norm ε per run.

All are seeded (``numpy.random.default_rng(seed)``), so equal arguments give equal arrays.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import InputError, NonFiniteError, RankError, ShapeError, UnsupportedError
from ..inputs import check_int
from ..problems.base import Point, Problem

__all__ = ["small_random", "imbalanced", "spectral", "rank_deficient", "perturbed",
           "batch_shape", "by_name", "NAMES"]

#: Initializations selectable by name (:func:`by_name`; the CLI's ``--init`` and study files).
NAMES = ("small", "imbalanced", "spectral", "rank_deficient")


def _bk(B: int, K: int) -> None:
    for name, v in (("B", B), ("K", K)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"{name} must be a positive integer, got {v!r}")


def batch_shape(x: Mapping[str, np.ndarray], problem: Problem) -> tuple[int, int]:
    """(B, K) of a batched point, checking every variable's trailing shape."""
    bk = None
    for name, shape in problem.variables.items():
        arr = np.asarray(x[name])
        if arr.ndim != len(shape) + 2 or arr.shape[2:] != shape:
            raise ShapeError(f"{name} must have shape (B, K, *{shape}), got {arr.shape}")
        if bk is None:
            bk = arr.shape[:2]
        elif bk != arr.shape[:2]:
            raise ShapeError("variables have different (B, K)")
    assert bk is not None
    return int(bk[0]), int(bk[1])


def small_random(problem: Problem, B: int, K: int, alpha: float, *, seed: int = 0,
                 scales: Mapping[str, float] | None = None) -> Point:
    """Entries i.i.d. N(0, (α·scales[name])²) for each variable (``scales`` default 1)."""
    _bk(B, K)
    if not alpha > 0:
        raise InputError(f"alpha must be > 0, got {alpha}")
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    out: Point = {}
    for name, shape in problem.variables.items():
        s = alpha * float((scales or {}).get(name, 1.0))
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: refused in _finite
            out[name] = s * rng.standard_normal((B, K, *shape))
    return _finite(out, alpha)


def _finite(point: Point, alpha: float) -> Point:
    """An initialization that overflowed float64 is a typed error, not a NumPy warning."""
    for name, v in point.items():
        if not np.all(np.isfinite(v)):
            raise NonFiniteError(f"the initialization of {name} overflows float64 with scale "
                                 f"alpha = {alpha:g}; use a smaller --alpha")
    return point


def imbalanced(problem: Problem, B: int, K: int, alpha: float, *, ratio: float = 1 / 3,
               seed: int = 0) -> Point:
    """Two-factor problems: first factor N(0, α²), second N(0, (ratio·α)²) (default α/3)."""
    names = list(problem.variables)
    if len(names) != 2:
        raise UnsupportedError("imbalanced initialization needs a two-factor problem (U, V)")
    return small_random(problem, B, K, alpha, seed=seed, scales={names[1]: ratio})


def spectral(problem: Problem, data: Mapping[str, np.ndarray], K: int = 1, *,
             noise: float = 0.0, seed: int = 0) -> Point:
    """Spectral initialization from batched data (``name -> (B, *shape)``), by the problem's
    :meth:`~mfverify.problems.Problem.spectral_init` hook.

    Symmetric (variable X, data M): X = V_r·diag(√max(λ_i, 0)) from the r largest eigenvalues.
    Asymmetric (U, V, data Sigma): U = U_r·diag(√σ), V = V_r·diag(√σ) from the top-r SVD.
    Other families document theirs (e.g. phase retrieval: the leading eigenvector of
    (1/m)Σ yᵢaᵢaᵢᴴ scaled to the estimated norm). ``noise`` adds N(0, noise²) entries
    (independent per initialization k).
    """
    _bk(1, K)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: refused in _finite
        base = problem.spectral_init(data, K, noise=noise, seed=check_int(seed, "seed", lo=0))
    return _finite(base, noise)


def rank_deficient(problem: Problem, B: int, K: int, rank: int, *, alpha: float = 1.0,
                   target: Mapping[str, np.ndarray] | None = None, seed: int = 0) -> Point:
    """Points of rank exactly ``rank`` (< factor width r) in every variable.

    Without ``target``: X = α·G·H/√rank with G, H Gaussian (G ∈ ℝ^{n×k}, H ∈ ℝ^{k×r}).
    With ``target`` (``name -> (B, *shape)``, e.g. a ground truth padded to width r or a point
    near a feasible set): the best rank-``rank`` approximation of the target, rotated by a
    random orthogonal r×r matrix per run, plus α·(random rank-``rank`` point in the same column
    space) — it stays rank ``rank`` and within O(α) of the target's truncation.
    """
    _bk(B, K)
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    out: Point = {}
    for name, shape in problem.variables.items():
        if len(shape) != 2:
            raise UnsupportedError("rank-deficient initialization needs matrix variables")
        n, r = shape
        if not 1 <= rank < r:
            raise RankError(f"rank must be in [1, {r - 1}] (below the factor width {r}), "
                            f"got {rank}")
        if target is None:
            G = rng.standard_normal((B, K, n, rank))
            H = rng.standard_normal((B, K, rank, r))
            with np.errstate(over="ignore", invalid="ignore"):  # refused in _finite
                out[name] = alpha * (G @ H) / np.sqrt(rank)
            continue
        T = np.asarray(target[name], dtype=np.float64)
        if T.shape != (B, n, r):
            raise ShapeError(f"target[{name!r}] must have shape ({B}, {n}, {r}), got {T.shape}")
        Uf, s, Vt = np.linalg.svd(T, full_matrices=False)
        Tk = (Uf[:, :, :rank] * s[:, None, :rank]) @ Vt[:, :rank, :]
        G = rng.standard_normal((B, K, rank, r)) / np.sqrt(r)
        pert = Uf[:, None, :, :rank] @ G
        Q = np.linalg.qr(rng.standard_normal((B, K, r, r)))[0]
        with np.errstate(over="ignore", invalid="ignore"):  # refused in _finite
            out[name] = (Tk[:, None] + alpha * pert) @ Q
    return _finite(out, alpha)


def perturbed(point: Mapping[str, np.ndarray], K: int, eps: float, *, seed: int = 0) -> Point:
    """``point`` (``name -> (B, *shape)``) plus, per run, a random direction of Frobenius norm
    ε (all variables together) — the start for "stationary point + ε" experiments."""
    if eps < 0:
        raise InputError(f"eps must be >= 0, got {eps}")
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    names = list(point)
    base = {k: np.asarray(point[k], dtype=np.float64) for k in names}
    B = base[names[0]].shape[0]
    _bk(B, K)
    dirs = {k: rng.standard_normal((B, K, *v.shape[1:])) for k, v in base.items()}
    nrm = np.sqrt(sum(np.sum(d ** 2, axis=tuple(range(2, d.ndim))) for d in dirs.values()))
    out: Point = {}
    for k, v in base.items():
        d = dirs[k] / nrm.reshape(B, K, *([1] * (v.ndim - 1)))
        out[k] = v[:, None] + eps * d
    return out


def by_name(name: str, problem: Problem, data: Mapping[str, np.ndarray], B: int, K: int,
            alpha: float, *, seed: int = 0) -> Point:
    """The initialization called ``name`` (:data:`NAMES`) at scale α: ``small``
    (:func:`small_random`), ``imbalanced``, ``spectral`` (α = the noise level) or
    ``rank_deficient`` (rank r − 1, at least 1, of the narrowest factor width r)."""
    if name == "small":
        return small_random(problem, B, K, alpha, seed=seed)
    if name == "imbalanced":
        return imbalanced(problem, B, K, alpha, seed=seed)
    if name == "spectral":
        return spectral(problem, data, K, noise=alpha, seed=seed)
    if name == "rank_deficient":
        widths = [s[-1] for s in problem.variables.values()]
        return rank_deficient(problem, B, K, max(1, min(widths) - 1), alpha=alpha, seed=seed)
    raise InputError(f"unknown initialization {name!r}; expected one of {NAMES}")
