"""Preparation of a batched solve and its cache blocking: the checked points and data, the
blocks of instances, and f, ∇f, ‖∇f‖ of the problem's closed forms on one block.

Blocking
--------
The instances are processed in blocks of ``chunk`` instances (each block is one array program over
``chunk × K`` runs; there is no Python loop over single instances). The default block size keeps a
block's data and live temporaries within about 5 MiB (:data:`BLOCK_BYTES`) so that they stay in
cache across iterations, which is what makes small instances fast and keeps peak memory near the
size of the data. Results do not depend on the block size (each run's arithmetic is the same).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..arith import NumpyArith
from ..errors import InputError, ShapeError, SymmetryError, UnsupportedError
from ..problems.base import Point, Problem

__all__ = ["BLOCK_BYTES", "BatchArith", "Metric", "Progress"]

Metric = Callable[[Point, Mapping[str, Any]], np.ndarray]
#: ``progress(instances_done, B)``, called after each block.
Progress = Callable[[int, int], None]


class BatchArith(NumpyArith):
    """:class:`~mfverify.arith.NumpyArith` with a transpose tuned for stacks of small matrices.

    NumPy's ``matmul`` hands a stack of matrices to BLAS only when each matrix is contiguous in
    its last axis; a transposed *view* of a stack falls back to a slower generic loop. For
    stacks (ndim > 2) :meth:`T` therefore returns a contiguous copy: it costs one pass over the
    matrix, while the product that follows costs (inner dimension) passes. The values are
    identical either way.
    """

    @staticmethod
    def T(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a)
        if a.ndim < 2:
            raise ShapeError(f"transpose needs a matrix, got an array of shape {a.shape}")
        t = np.swapaxes(a, -1, -2)
        if a.ndim > 2 and a.dtype != object:
            return np.ascontiguousarray(t)
        return t


def _vecdot_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...i->...", a, b)


#: Σ aᵢbᵢ over the last axis (``np.vecdot`` from NumPy 2.0 on; einsum before).
_vecdot: Callable[[np.ndarray, np.ndarray], np.ndarray] = getattr(np, "vecdot", _vecdot_einsum)


class _Eval:
    """f and ∇f of ``problem`` on one block, through the problem's closed forms."""

    def __init__(self, problem: Problem, A: NumpyArith, d: Mapping[str, Any]) -> None:
        self.p = problem
        self.A = A
        self.d = d

    def f(self, x: Point) -> np.ndarray:
        return np.asarray(self.p.objective(self.A, x, self.d))

    def g(self, x: Point) -> Point:
        return self.p.gradient(self.A, x, self.d)

    def norm(self, g: Point) -> np.ndarray:
        """‖∇f‖ per run: every axis after the two batch axes (B, K) is summed, so vector
        variables (a custom problem's x of shape (n,)) are normed like matrices."""
        total: np.ndarray | None = None
        for v in g.values():
            flat = np.reshape(v, (*v.shape[:2], -1))  # a view when v is contiguous
            sq = _vecdot(flat, flat)  # Σ v² per run (one BLAS-speed pass, no v² temporary)
            total = sq if total is None else total + sq
        assert total is not None
        return np.sqrt(total)


def _prepare(problem: Problem, x0: Mapping[str, Any] | np.ndarray,
             data: Mapping[str, Any] | None, dtype: Any) -> tuple[
                 NumpyArith, Point, dict[str, Any], set[str], int, int]:
    if not problem.has_closed_forms:
        raise UnsupportedError(f"{type(problem).__name__} has no closed-form gradient; the batch "
                               "solvers need one")
    A = BatchArith(dtype)
    if not isinstance(x0, Mapping):
        if len(problem.variables) != 1:
            raise InputError(f"pass x0 as a dict by variable name {list(problem.variables)}")
        x0 = {next(iter(problem.variables)): x0}
    x: Point = {}
    bk: tuple[int, ...] | None = None
    for name, shape in problem.variables.items():
        if name not in x0:
            raise InputError(f"x0 is missing variable {name!r}; expected {list(problem.variables)}")
        # no copy: the solvers never write into x (every update makes new arrays) and the
        # blocks are joined by np.concatenate, so results never alias the caller's x0
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: refused just below
            arr = np.asarray(x0[name], dtype=A.dtype)
        if arr.ndim != len(shape) + 2 or arr.shape[2:] != shape:
            raise ShapeError(f"x0[{name!r}] must have shape (B, K, *{shape}), got {arr.shape}")
        if bk is None:
            bk = arr.shape[:2]
        elif arr.shape[:2] != bk:
            raise ShapeError(f"x0 variables have different (B, K): {bk} vs {arr.shape[:2]}")
        if not np.all(np.isfinite(arr)):
            raise InputError(f"x0[{name!r}] contains NaN or infinity in {np.dtype(A.dtype).name} "
                             "(a float32 run overflows above about 3.4e38)")
        x[name] = np.ascontiguousarray(arr)
    assert bk is not None
    B, K = int(bk[0]), int(bk[1])
    d = dict(problem.data_in(A, data))
    batched: set[str] = set()
    for name in (data or {}):
        arr = d[name]
        dshape = np.shape(problem.data[name])
        lead = arr.shape[: arr.ndim - len(dshape)]
        if lead == ():
            continue
        if lead != (B,):
            raise ShapeError(f"batched data {name!r} must have shape (B={B}, *{dshape}), got "
                             f"{arr.shape}")
        if problem.data_structure.get(name) == "symmetric" and not np.array_equal(
                arr, np.swapaxes(arr, -1, -2)):
            raise SymmetryError(f"batched data {name!r} must be exactly symmetric (each "
                                f"{dshape[0]}×{dshape[1]} matrix equal to its transpose) for a "
                                f"{type(problem).__name__}; symmetrize it, e.g. (M + Mᵀ)/2")
        d[name] = np.ascontiguousarray(arr.reshape(B, 1, *dshape))
        batched.add(name)
    return A, x, d, batched, B, K


#: The cache budget of one block (bytes): its batched data plus the live per-run arrays of an
#: iteration. Measured on batched GD at n = 500, r = 20 (benchmarks/bench_study.py): the best
#: block holds about 4 MiB of data (4 float32 or 2 float64 instances of 500×500); 1 instance per
#: block leaves the NumPy per-call cost unamortized, 8 spill out of the cache.
BLOCK_BYTES = 5 << 20


def _blocks(B: int, K: int, x: Point, d: Mapping[str, Any], batched: set[str],
            chunk: int | None, f_every: bool = True) -> list[tuple[int, int]]:
    """Blocks ``[(i, j), ...]`` of at most ``chunk`` instances (None or 0: sized to the cache).

    The automatic size keeps ``data + K·(4·point + residual)`` within :data:`BLOCK_BYTES` per
    block: per run the point, its gradient and two temporaries, and, when the objective is
    evaluated in every iteration (``f_every``: a line search, a threshold or ``ftol`` tested
    every iteration, a record every iteration), one data-sized residual.
    """
    if chunk is None or chunk == 0:
        per_inst = sum(d[k][0].nbytes for k in batched)
        per_run = sum(v[0, 0].nbytes for v in x.values())
        residual = max(per_run, per_inst if batched else per_run) if f_every else 0
        size = per_inst + K * (4 * per_run + residual)
        chunk = max(1, min(B, BLOCK_BYTES // max(size, 1)))
    if chunk < 0:
        raise InputError(f"chunk must be >= 1 (or None for automatic), got {chunk}")
    return [(i, min(B, i + chunk)) for i in range(0, B, chunk)]


def _slice(d: Mapping[str, Any], batched: set[str], i: int, j: int) -> dict[str, Any]:
    return {k: (v[i:j] if k in batched else v) for k, v in d.items()}


def _per_run(value: Any, B: int, K: int, name: str, dtype: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=dtype)
    if arr.ndim == 1 and arr.shape[0] == B:
        arr = arr[:, None]
    try:
        return np.ascontiguousarray(np.broadcast_to(arr, (B, K)))
    except ValueError:
        raise ShapeError(f"{name} must be a scalar or broadcast to (B, K) = ({B}, {K}), got "
                         f"shape {arr.shape}") from None


def _bmask(active: np.ndarray, v: np.ndarray) -> np.ndarray:
    return active.reshape(active.shape + (1,) * (v.ndim - 2))


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in parts[0]:
        vals = [p[key] for p in parts]
        if isinstance(vals[0], dict):
            out[key] = {k: np.concatenate([v[k] for v in vals], axis=0) for k in vals[0]}
        else:
            out[key] = np.concatenate(vals, axis=0)
    return out

