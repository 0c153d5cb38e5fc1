"""The batched gradient flow ẋ = −∇f(x): Dormand–Prince 5(4) with per-run error control."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ..problems.base import Point, Problem
from .blocks import Metric, Progress, _blocks, _bmask, _Eval, _merge, _prepare, _slice
from .run import CONVERGED, DIVERGED, MAX_ITER, STALLED, BatchRun

__all__ = ["gradient_flow"]

_DP_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_DP_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
#: 5th-order weights minus 4th-order (embedded) weights: the local error estimate.
_DP_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)


def _flow_block(ev: _Eval, x: Point, t_eval: np.ndarray, rtol: float, atol: float,
                h0: float, max_steps: int, blowup: float, gtol: float,
                metrics: Mapping[str, Metric], thresholds: tuple[float, ...]) -> dict[str, Any]:
    first = next(iter(x.values()))
    b, K = first.shape[:2]
    dt = first.dtype
    T = len(t_eval)
    t_end = float(t_eval[-1])
    t = np.zeros((b, K), dtype=np.float64)
    h = np.full((b, K), h0, dtype=np.float64)
    idx = np.zeros((b, K), dtype=np.int64)  # next t_eval index to hit
    status = np.zeros((b, K), dtype=np.int8)
    steps = np.zeros((b, K), dtype=np.int64)
    active = np.ones((b, K), dtype=bool)
    hist = {name: np.full((b, K, T), np.nan, dtype=dt) for name in ("f", "grad_norm", *metrics)}
    hits = {delta: np.full((b, K), -1, dtype=np.int64) for delta in thresholds}

    def rhs(z: Point) -> Point:
        return {k: -v for k, v in ev.g(z).items()}

    def record(z: Point, k1: Point, mask: np.ndarray) -> None:
        if not mask.any():
            return
        fz = ev.f(z)
        gn = ev.norm(k1)
        cols = np.minimum(idx, T - 1)
        bi, ki = np.nonzero(mask)
        ci = cols[bi, ki]
        hist["f"][bi, ki, ci] = fz[bi, ki]
        hist["grad_norm"][bi, ki, ci] = gn[bi, ki]
        for name, fn in metrics.items():
            hist[name][bi, ki, ci] = np.asarray(fn(z, ev.d))[bi, ki]
        for delta, hh in hits.items():
            new = mask & (hh < 0) & (fz <= delta)
            hh[new] = cols[new]

    k1 = rhs(x)
    at0 = t_eval[0] <= 0.0
    if at0:
        record(x, k1, active)
        idx += 1
    for _ in range(max_steps):
        if not active.any():
            break
        target = t_eval[np.minimum(idx, T - 1)]
        # only the active runs: a stopped run's last step must not depend on the others
        h = np.where(active, np.minimum(h, target - t), h)
        land = h >= target - t
        hb = {k: _bmask(h.astype(dt), v) for k, v in x.items()}
        ks = [k1]
        for s in range(1, 7):
            zs = {k: x[k] + hb[k] * sum(a * kk[k] for a, kk in zip(_DP_A[s], ks, strict=False)
                                        if a != 0.0) for k in x}
            ks.append(rhs(zs))
        x_new = zs  # stage 7 point is the 5th-order solution (FSAL)
        k7 = ks[6]
        err2 = np.zeros((b, K), dtype=np.float64)
        size = 0
        for k in x:
            e = hb[k] * sum(c * kk[k] for c, kk in zip(_DP_E, ks, strict=True) if c != 0.0)
            sc = atol + rtol * np.maximum(np.abs(x[k]), np.abs(x_new[k]))
            axes = tuple(range(2, e.ndim))
            err2 += np.sum((e / sc) ** 2, axis=axes)
            size += int(np.prod(e.shape[2:]))
        err = np.sqrt(err2 / size)
        finite = np.isfinite(err)
        for k in x:
            finite &= np.all(np.isfinite(x_new[k]), axis=tuple(range(2, x_new[k].ndim)))
        acc = active & finite & (err <= 1.0)
        if acc.any():
            x = {k: np.where(_bmask(acc, v), x_new[k], v) for k, v in x.items()}
            k1 = {k: np.where(_bmask(acc, v), k7[k], v) for k, v in k1.items()}
            t = np.where(acc, np.where(land, target, t + h), t)
            steps += acc
            hit = acc & land
            record(x, k1, hit)
            idx += hit
            done = hit & (idx >= T)
            status[done] = MAX_ITER
            active &= ~done
        gn = ev.norm(k1)
        bad = active & ~(np.isfinite(gn) & (gn <= blowup))
        status[bad] = DIVERGED
        active &= ~bad
        conv = active & (gn <= gtol)
        if conv.any():
            # stationary: the flow stays here; fill the remaining records with this state
            record(x, k1, conv)
            status[conv] = CONVERGED
            active &= ~conv
        fac = np.where(err > 0, 0.9 * np.where(finite, err, np.inf) ** -0.2, 5.0)
        h = np.where(active, h * np.clip(fac, 0.2, 5.0), h)
        tiny = active & (h < 1e-14 * np.maximum(1.0, np.abs(t)))
        status[tiny] = STALLED
        active &= ~tiny
    budget = active.copy()
    for name, hh in hist.items():
        mask = np.isnan(hh)
        if mask.any():
            j = np.where(~mask, np.arange(T), 0)
            np.maximum.accumulate(j, axis=-1, out=j)
            hist[name] = np.take_along_axis(hh, j, axis=-1)
    status[budget] = MAX_ITER
    return {"x": x, "f": ev.f(x), "grad_norm": ev.norm(k1), "status": status,
            "iterations": steps, "step": h, "history": hist, "hits": hits,
            "t": t, "reached": np.broadcast_to(t >= t_end, (b, K)).copy()}


def gradient_flow(problem: Problem, x0: Mapping[str, Any] | np.ndarray, t_eval: Sequence[float],
                  *, data: Mapping[str, Any] | None = None, rtol: float = 1e-8,
                  atol: float = 1e-12, h0: float = 1e-3, max_steps: int = 100_000,
                  blowup: float = 1e150, gtol: float = 0.0, thresholds: Sequence[float] = (),
                  metrics: Mapping[str, Metric] | None = None, dtype: Any = np.float64,
                  chunk: int | None = None, progress: Progress | None = None) -> BatchRun:
    """Gradient flow ẋ = −∇f(x) by Dormand–Prince 5(4) with per-run error control.

    Each run has its own time t and step h; a step is accepted for a run when the RMS of its
    embedded error estimate, scaled by ``atol + rtol·max(|x|, |x_new|)`` entrywise, is <= 1, and
    h is updated by ``h·clip(0.9·err^(−1/5), 0.2, 5)``. Steps are shortened to land exactly on
    every ``t_eval`` (increasing, >= 0), where f, ‖∇f‖_F and ``metrics`` are recorded.

    ``status`` is ``converged`` when ‖∇f‖_F <= ``gtol`` (the run stops there; later records
    repeat that state), ``max_iter`` when the run reached ``t_eval[-1]`` or ``max_steps`` steps
    were not enough (compare ``extra["t"]`` with ``t_eval[-1]``), ``stalled`` when the step
    size underflowed, ``diverged`` on overflow. ``hits[δ]`` holds the first *index* into
    ``t_eval`` with f <= δ. With the default ``scale = 1/4`` of :class:`SymmetricMF` the flow is
    Ẋ = (M − XXᵀ)X.
    """
    te = np.asarray(t_eval, dtype=np.float64)
    if (te.ndim != 1 or te.size == 0 or not np.all(np.isfinite(te))
            or np.any(np.diff(te) <= 0) or te[0] < 0):
        raise InputError("t_eval must be a non-empty increasing sequence of finite times >= 0")
    if not (rtol > 0 and atol >= 0 and h0 > 0 and max_steps >= 1):
        raise InputError("need rtol > 0, atol >= 0, h0 > 0 and max_steps >= 1")
    A, x, d, batched, B, K = _prepare(problem, x0, data, dtype)
    t0 = time.perf_counter()
    parts = []
    with np.errstate(all="ignore"):
        for i, j in _blocks(B, K, x, d, batched, chunk):
            ev = _Eval(problem, A, _slice(d, batched, i, j))
            parts.append(_flow_block(ev, {k: v[i:j] for k, v in x.items()}, te, rtol, atol,
                                     h0, max_steps, blowup, float(gtol), dict(metrics or {}),
                                     tuple(float(v) for v in thresholds)))
            if progress is not None:
                progress(j, B)
    res = _merge(parts)
    return BatchRun("gradient_flow", res["x"], res["f"], res["grad_norm"], res["status"],
                    res["iterations"], res["step"], te, res["history"], res["hits"],
                    {"rtol": rtol, "atol": atol, "h0": h0, "max_steps": max_steps,
                     "dtype": A.dtype.name, "method": "dopri5"},
                    time.perf_counter() - t0, {"t": res["t"]})
