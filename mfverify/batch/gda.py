"""The primal-dual method: gradient descent–ascent on the augmented Lagrangian of a
constrained problem (``ConstrainedMF``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..arith import NumpyArith
from ..errors import InputError, ShapeError, UnsupportedError
from ..problems.base import Point, Problem
from .blocks import BatchArith, Metric, Progress, _blocks, _bmask, _merge, _per_run, _slice
from .run import CONVERGED, DIVERGED, MAX_ITER, BatchRun

__all__ = ["primal_dual"]


def primal_dual(problem: Problem, x0: Mapping[str, Any], *,
                data: Mapping[str, Any] | None = None, alpha: float | np.ndarray = 0.01,
                beta: float | np.ndarray | None = None, max_iter: int = 5000,
                tol: float = 1e-9, blowup: float = 1e150, record_every: int = 0,
                metrics: Mapping[str, Metric] | None = None, dtype: Any = np.float64,
                chunk: int | None = None, progress: Progress | None = None) -> BatchRun:
    """Gradient descent–ascent on the augmented Lagrangian of a
    :class:`~mfverify.problems.ConstrainedMF` (the primal–dual template of
    the reconstruction of Eftekhari 2021, docs/paper-eftekhari2021.md), one step
    being the problem's own :meth:`~mfverify.problems.ConstrainedMF.gda_step_in`:

        U⁺ = U − α(I − 2A*(λ − ρ(A(UUᵀ) − b)))U,   λ⁺ = λ − β(A(U⁺U⁺ᵀ) − b).

    ``x0`` holds ``"U"`` of shape ``(B, K, n, p)`` and optionally ``"lam"`` of shape
    ``(B, K, m)`` (default 0). α and β (default β = α) are scalars or per-run arrays; ρ is the
    problem's. A run has converged when the KKT residual
    ‖S(λ)U‖_F + ‖A(UUᵀ) − b‖ <= ``tol``. Reported: ``f`` = ½‖U‖²_F (the primal objective),
    ``grad_norm`` = the KKT residual, histories ``"f"``, ``"grad_norm"``, ``"feasibility"``
    (‖A(UUᵀ) − b‖) and ``"stationarity"`` (‖S(λ)U‖_F), plus ``extra["lam"]``.
    """
    if not hasattr(problem, "gda_step_in") or not hasattr(problem, "kkt_in"):
        raise UnsupportedError(f"primal_dual needs a constrained problem (ConstrainedMF), got "
                               f"{type(problem).__name__}")
    if not isinstance(x0, Mapping) or "U" not in x0:
        raise InputError("x0 must be a dict with 'U' of shape (B, K, n, p) (and optional 'lam')")
    n, p = problem.variables["U"]
    m = int(problem.m)  # type: ignore[attr-defined]
    A = BatchArith(dtype)
    U0 = np.array(x0["U"], dtype=A.dtype, copy=True)
    if U0.ndim != 4 or U0.shape[2:] != (n, p):
        raise ShapeError(f"x0['U'] must have shape (B, K, {n}, {p}), got {U0.shape}")
    B, K = U0.shape[:2]
    lam0 = np.zeros((B, K, m), dtype=A.dtype) if x0.get("lam") is None else np.array(
        x0["lam"], dtype=A.dtype, copy=True)
    if lam0.shape != (B, K, m):
        raise ShapeError(f"x0['lam'] must have shape ({B}, {K}, {m}), got {lam0.shape}")
    if not (np.all(np.isfinite(U0)) and np.all(np.isfinite(lam0))):
        raise InputError("x0 contains NaN or infinity")
    al = _per_run(alpha, B, K, "alpha", A.dtype)
    be = _per_run(alpha if beta is None else beta, B, K, "beta", A.dtype)
    if not (np.all(al >= 0) and np.all(be >= 0) and np.all(np.isfinite(al))
            and np.all(np.isfinite(be))):
        raise InputError("alpha and beta must be finite and >= 0")
    d = dict(problem.data_in(A, data))
    batched: set[str] = set()
    for name in (data or {}):
        dshape = np.shape(problem.data[name])
        arr = d[name]
        if arr.ndim > len(dshape):
            if arr.shape[0] != B or arr.ndim != len(dshape) + 1:
                raise ShapeError(f"batched data {name!r} must have shape (B={B}, *{dshape})")
            d[name] = arr.reshape(B, 1, *dshape)
            batched.add(name)
    mets = dict(metrics or {})
    t0 = time.perf_counter()
    parts = []
    x_all: Point = {"U": U0, "lam": lam0}
    with np.errstate(all="ignore"):
        for i, j in _blocks(B, K, {"U": U0}, d, batched, chunk):
            db = _slice(d, batched, i, j)
            parts.append(_pd_block(problem, A, db, {k: v[i:j] for k, v in x_all.items()},
                                   al[i:j], be[i:j], max_iter, tol, blowup, record_every, mets))
            if progress is not None:
                progress(j, B)
    res = _merge(parts)
    times = np.arange(0, max_iter + 1, record_every) if record_every > 0 else np.zeros(0)
    return BatchRun("primal_dual", {"U": res["x"]["U"], "lam": res["x"]["lam"]}, res["f"],
                    res["grad_norm"], res["status"], res["iterations"], al, times,
                    res["history"], {}, {"max_iter": max_iter, "tol": tol,
                                         "dtype": A.dtype.name, "merit": "augmented Lagrangian "
                                         "GDA reconstructed template"},
                    time.perf_counter() - t0, {"lam": res["x"]["lam"]})


def _pd_block(problem: Any, A: NumpyArith, d: Mapping[str, Any], x: Point, al: np.ndarray,
              be: np.ndarray, max_iter: int, tol: float, blowup: float, record_every: int,
              metrics: Mapping[str, Metric]) -> dict[str, Any]:
    b, K = al.shape
    active = np.ones((b, K), dtype=bool)
    status = np.zeros((b, K), dtype=np.int8)
    iters = np.zeros((b, K), dtype=np.int64)
    n_rec = (max_iter // record_every + 1) if record_every > 0 else 0
    names = ("f", "grad_norm", "feasibility", "stationarity", *metrics)
    hist = {k: np.full((b, K, n_rec), np.nan, dtype=A.dtype) for k in names}

    def measures(z: Point) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        kkt = problem.kkt_in(A, z["U"], z["lam"], d)
        st = np.sqrt(A.sumsq(kkt["stationarity"]))
        fe = np.sqrt(np.sum(kkt["feasibility"] ** 2, axis=-1))
        return 0.5 * A.sumsq(z["U"]), st + fe, fe, st

    for it in range(max_iter + 1):
        f, res, fe, st = measures(x)
        bad = active & ~(np.isfinite(res) & (res <= blowup) & np.isfinite(f))
        status[bad] = DIVERGED
        active &= ~bad
        conv = active & (res <= tol)
        status[conv] = CONVERGED
        active &= ~conv
        if record_every > 0 and it % record_every == 0:
            c = it // record_every
            for k, v in (("f", f), ("grad_norm", res), ("feasibility", fe), ("stationarity", st)):
                hist[k][..., c] = v
            for k, fn in metrics.items():
                hist[k][..., c] = fn(x, d)
        if it == max_iter or not active.any():
            break
        a_eff = np.where(active, al, 0).astype(A.dtype)
        b_eff = np.where(active, be, 0).astype(A.dtype)
        new = problem.gda_step_in(A, x, d, a_eff, b_eff)
        x = {k: np.where(_bmask(active, x[k]), new[k], x[k]) for k in x}
        iters += active
    status[active] = MAX_ITER
    f, res, fe, st = measures(x)
    last = min(it // record_every, n_rec - 1) if n_rec else n_rec
    if last + 1 < n_rec:  # every run stopped early: later columns hold the final values
        fill = {"f": f, "grad_norm": res, "feasibility": fe, "stationarity": st,
                **{k: fn(x, d) for k, fn in metrics.items()}}
        for k, h in hist.items():
            h[..., last + 1:] = np.asarray(fill[k])[..., None]
    return {"x": x, "f": f, "grad_norm": res, "status": status, "iterations": iters,
            "history": hist}

