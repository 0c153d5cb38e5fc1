"""The GD-family solvers: gradient descent, scaled (preconditioned) GD and alternating GD,
each an update rule run by the driver of :mod:`.iterate`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InputError, UnsupportedError
from ..problems.base import Point, Problem
from .blocks import Metric, Progress, _bmask, _Eval
from .iterate import Armijo, _common, _drive
from .run import BatchRun

__all__ = ["gd", "scaled_gd", "alternating_gd"]


def _gd_update(ev: _Eval, x: Point, g: Point, eta: np.ndarray, active: np.ndarray) -> Point:
    out: Point = {}
    for k in x:
        step = _bmask(eta, x[k]) * g[k]  # a new array: x − η·g is written into it
        out[k] = np.subtract(x[k], step, out=step)
    return out


def _neg(ev: _Eval, x: Point, g: Point) -> Point:
    return {k: -v for k, v in g.items()}


def _precondition(ev: _Eval, x: Point, g: Point, damping: float) -> Point:
    """ScaledGD direction: one variable X: ∇f·(XᵀX + λI)⁻¹; two variables (U, V):
    (∇_U f·(VᵀV + λI)⁻¹, ∇_V f·(UᵀU + λI)⁻¹) (Tong, Ma & Chi 2021)."""
    names = list(x)
    A = ev.A
    if len(names) == 1:
        pairs = {names[0]: names[0]}
    elif len(names) == 2:
        pairs = {names[0]: names[1], names[1]: names[0]}
    else:  # pragma: no cover - guarded in scaled_gd
        raise UnsupportedError("scaled GD needs one or two factor variables")
    out: Point = {}
    for k, other in pairs.items():
        Y = x[other]
        r = Y.shape[-1]
        gram = A.T(Y) @ Y + damping * np.eye(r, dtype=Y.dtype)
        # G·P with P = gram⁻¹ (symmetric): solve gram·Z = Gᵀ, then Zᵀ
        rhs = A.T(g[k])
        try:
            z = np.linalg.solve(gram, rhs)
        except np.linalg.LinAlgError:
            # some gram is exactly singular (e.g. a zero factor with λ = 0): those runs get a
            # zero direction (they stay put and end as max_iter / stalled), the others are
            # solved as usual; the batch never raises
            sing = np.linalg.slogdet(gram)[0] == 0
            safe = np.where(sing[..., None, None], np.eye(r, dtype=Y.dtype), gram)
            z = np.where(sing[..., None, None], 0, np.linalg.solve(safe, rhs))
        out[k] = A.T(z)
    return out



def gd(problem: Problem, x0: Mapping[str, Any] | np.ndarray, *,
       data: Mapping[str, Any] | None = None, step: float | np.ndarray | Armijo = 0.1,
       max_iter: int = 1000, gtol: float = 1e-10, ftol: float = 0.0, blowup: float = 1e150,
       record_every: int = 0, check_every: int = 1, thresholds: Sequence[float] = (),
       metrics: Mapping[str, Metric] | None = None, dtype: Any = np.float64,
       chunk: int | None = None, progress: Progress | None = None) -> BatchRun:
    """Gradient descent x ← x − η·∇f(x) on B instances × K initializations at once.

    Parameters
    ----------
    problem
        Any problem with closed forms (``SymmetricMF`` with scale c gives ∇f = 4c(XXᵀ − M)X;
        ``AsymmetricMF`` with scale ½ gives Ye & Du's update (2)-(3)).
    x0
        ``name -> (B, K, *shape)`` (see :mod:`mfverify.batch.inits`).
    data
        Batched data overrides, ``name -> (B, *shape)`` (e.g. ``{"M": Ms}``); omitted: the
        problem's own data for every instance (then B is usually 1).
    step
        Fixed η (scalar, ``(B,)`` or ``(B, K)``: per-instance step sizes) or :class:`Armijo`.
    max_iter, gtol, ftol
        Budget, and convergence when ‖∇f‖_F <= gtol or f <= ftol.
    blowup
        A gradient norm above it (or non-finite) marks the run diverged.
    record_every
        Record f, ‖∇f‖_F and ``metrics`` every this many iterations (0: never).
    check_every
        Check ``ftol`` and ``thresholds`` (T(δ)) every this many iterations.
    thresholds
        δ values: ``result.hits[δ]`` is the first checked iteration with f <= δ.
    metrics
        ``name -> fn(x, d) -> (b, K)`` extra quantities to record (``d`` is the block's data).
    dtype
        ``np.float64`` (default) or ``np.float32``.
    chunk
        Instances per block (None: automatic, cache-sized).

    Returns
    -------
    BatchRun
    """
    A, x, d, batched, B, K, rule, eta, o = _common(
        problem, x0, data, dtype, step, max_iter, gtol, ftol, blowup, record_every,
        check_every, thresholds, metrics, chunk)
    return _drive("gd", problem, A, x, d, batched, B, K, eta, rule, o, chunk, _gd_update, _neg,
                  {}, progress)


def scaled_gd(problem: Problem, x0: Mapping[str, Any] | np.ndarray, *,
              data: Mapping[str, Any] | None = None, step: float | np.ndarray | Armijo = 0.5,
              damping: float = 0.0, max_iter: int = 1000, gtol: float = 1e-10,
              ftol: float = 0.0, blowup: float = 1e150, record_every: int = 0,
              check_every: int = 1, thresholds: Sequence[float] = (),
              metrics: Mapping[str, Metric] | None = None, dtype: Any = np.float64,
              chunk: int | None = None, progress: Progress | None = None) -> BatchRun:
    """Scaled (preconditioned) GD (ScaledGD, Tong, Ma & Chi 2021).

    One factor: X ← X − η·∇f(X)·(XᵀX + λI)⁻¹. Two factors: U ← U − η·∇_U f·(VᵀV + λI)⁻¹ and
    V ← V − η·∇_V f·(UᵀU + λI)⁻¹ (simultaneous). ``damping`` is λ >= 0 (use λ > 0 when a factor
    can be rank deficient, e.g. over-parametrized or small initializations). A run whose Gram
    matrix is exactly singular gets a zero step (it stays where it is and ends ``max_iter``, or
    ``stalled`` with Armijo) instead of raising. Other parameters as in :func:`gd`.
    """
    if len(problem.variables) not in (1, 2):
        raise UnsupportedError("scaled GD needs a problem with one or two factor variables")
    shapes = {k: tuple(v) for k, v in problem.variables.items()}
    not_matrix = [k for k, v in shapes.items() if len(v) != 2]
    if not_matrix or len({v[-1] for v in shapes.values()}) != 1:
        raise UnsupportedError(
            f"scaled GD needs matrix factors of one common width r (X: n×r, or U: m×r and "
            f"V: n×r); this problem has variables {shapes}"
            + (f" ({', '.join(not_matrix)} not a matrix, e.g. a multiplier; use gd or "
               "primal_dual)" if not_matrix else ""))
    if damping < 0:
        raise InputError(f"damping must be >= 0, got {damping}")
    A, x, d, batched, B, K, rule, eta, o = _common(
        problem, x0, data, dtype, step, max_iter, gtol, ftol, blowup, record_every,
        check_every, thresholds, metrics, chunk)

    def direction(ev: _Eval, xx: Point, g: Point) -> Point:
        return {k: -v for k, v in _precondition(ev, xx, g, damping).items()}

    def update(ev: _Eval, xx: Point, g: Point, e: np.ndarray, active: np.ndarray) -> Point:
        pg = _precondition(ev, xx, g, damping)
        return {k: xx[k] - _bmask(e, xx[k]) * pg[k] for k in xx}

    return _drive("scaled_gd", problem, A, x, d, batched, B, K, eta, rule, o, chunk, update,
                  direction, {"damping": damping}, progress)


def alternating_gd(problem: Problem, x0: Mapping[str, Any] | np.ndarray, *,
                   data: Mapping[str, Any] | None = None, step: float | np.ndarray = 0.1,
                   max_iter: int = 1000, gtol: float = 1e-10, ftol: float = 0.0,
                   blowup: float = 1e150, record_every: int = 0, check_every: int = 1,
                   thresholds: Sequence[float] = (), metrics: Mapping[str, Metric] | None = None,
                   dtype: Any = np.float64, chunk: int | None = None,
                   progress: Progress | None = None) -> BatchRun:
    """Alternating GD (Ward & Kolda 2023): update the variables one after another, each with the
    gradient at the latest values: U ← U − η∇_U f(U, V), then V ← V − η∇_V f(U⁺, V).

    Fixed step sizes only (scalar or per instance). Needs at least two variables.
    """
    if len(problem.variables) < 2:
        raise UnsupportedError("alternating GD needs a problem with at least two variables "
                               f"(this one has {list(problem.variables)}); use gd")
    if isinstance(step, Armijo):
        raise UnsupportedError("alternating GD supports fixed step sizes only")
    A, x, d, batched, B, K, rule, eta, o = _common(
        problem, x0, data, dtype, step, max_iter, gtol, ftol, blowup, record_every,
        check_every, thresholds, metrics, chunk)

    def update(ev: _Eval, xx: Point, g: Point, e: np.ndarray, active: np.ndarray) -> Point:
        cur = dict(xx)
        first = True
        for k in xx:
            gk = g[k] if first else ev.g(cur)[k]
            first = False
            gk = np.where(_bmask(active, gk), gk, 0)
            cur[k] = cur[k] - _bmask(e, cur[k]) * gk
        return cur

    return _drive("alternating_gd", problem, A, x, d, batched, B, K, eta, None, o, chunk,
                  update, _neg, {}, progress)

