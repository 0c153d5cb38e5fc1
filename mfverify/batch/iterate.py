"""The iteration driver of the GD family: per-run stopping tests, records, threshold hits and
the Armijo line search, over the blocks of a batched solve (the updates are the solvers')."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..arith import NumpyArith
from ..errors import InputError, UnsupportedError
from ..problems.base import Point, Problem
from .blocks import Metric, Progress, _blocks, _bmask, _Eval, _merge, _per_run, _prepare, _slice
from .run import CONVERGED, DIVERGED, MAX_ITER, STALLED, BatchRun

__all__ = ["Armijo"]


@dataclass(frozen=True)
class Armijo:
    """Per-run backtracking line search (Armijo sufficient decrease).

    A trial step ``t`` is accepted for a run when ``f(x + t·d) <= f(x) + c·t·⟨∇f(x), d⟩`` with
    ``d`` the search direction (``−∇f`` for GD, ``−∇f·P`` for scaled GD). Rejected runs shrink
    ``t ← shrink·t`` (all runs are tested together, at most ``max_backtracks`` rounds). The next
    iteration starts from ``min(grow·t, initial)``.
    """

    initial: float = 1.0
    shrink: float = 0.5
    c: float = 1e-4
    grow: float = 2.0
    max_backtracks: int = 40

    def __post_init__(self) -> None:
        if not (self.initial > 0 and 0 < self.shrink < 1 and 0 < self.c < 1 and self.grow >= 1
                and self.max_backtracks >= 1):
            raise InputError("Armijo needs initial > 0, 0 < shrink < 1, 0 < c < 1, grow >= 1 "
                             f"and max_backtracks >= 1; got {self}")


@dataclass
class _Opts:
    max_iter: int
    gtol: float
    ftol: float
    blowup: float
    record_every: int
    check_every: int
    thresholds: tuple[float, ...]
    metrics: Mapping[str, Metric]


def _iterate(ev: _Eval, x: Point, eta: np.ndarray, rule: Armijo | None, o: _Opts,
             update: Callable[[_Eval, Point, Point, np.ndarray, np.ndarray], Point],
             direction: Callable[[_Eval, Point, Point], Point]) -> dict[str, Any]:
    b, K = eta.shape
    dt = eta.dtype
    s = _State(b, K, dt, o, eta.copy())
    # ``gn <= lim`` is "finite and <= blowup" in one comparison (gn >= 0; NaN compares false)
    lim = dt.type(min(o.blowup, float(np.finfo(dt).max)))
    gtol = dt.type(o.gtol)
    need_f = False
    all_active = True
    fast = 0  # iterations since the last bookkeeping in which every run was active
    for it in range(o.max_iter + 1):
        g = ev.g(x)
        gn = ev.norm(g)
        rec = o.record_every > 0 and it % o.record_every == 0
        need_f = rec or (it % o.check_every == 0 and bool(o.thresholds or o.ftol > 0)) or (
            rule is not None)
        if (all_active and not need_f and it < o.max_iter and rule is None
                and gtol < gn.min() and gn.max() <= lim):
            # the common iteration: every run active, no record, no objective to test, no run
            # stops here (min/max of a NaN are NaN, which fails both tests): only the update
            fast += 1
            x = _updated(update, ev, x, g, eta, s.active)
            continue
        if fast:
            s.iters += fast
            fast = 0
        if need_f:
            # every run: a stopped run sits at its final point, so its f is its final value
            # whatever the other runs of the block do (the result cannot depend on the block)
            s.f_now = ev.f(x)
        s.check(it, gn, lim, need_f, o)
        if rec:
            s.record(it // o.record_every, gn, x, ev, o)
        if it == o.max_iter or not s.active.any():
            break
        all_active = bool(s.active.all())
        if not all_active:
            g = {k: np.where(_bmask(s.active, v), v, 0) for k, v in g.items()}
        if rule is None:
            x = _updated(update, ev, x, g,
                         eta if all_active else np.where(s.active, eta, 0).astype(dt), s.active)
        else:
            x = _armijo_step(ev, x, g, rule, s, direction)
            all_active = bool(s.active.all())
        s.iters += s.active
    # the last iteration always takes the full path (it == max_iter or every run stopped),
    # which has added the fast iterations to s.iters
    s.status[s.active] = MAX_ITER
    return s.finish(x, gn, need_f, it, ev, o)


class _State:
    """The per-run bookkeeping of :func:`_iterate`: status, activity, iteration counts, the
    recorded history and the first iteration at which f <= δ for each threshold δ."""

    def __init__(self, b: int, K: int, dt: np.dtype, o: _Opts, step: np.ndarray) -> None:
        self.active = np.ones((b, K), dtype=bool)
        self.status = np.zeros((b, K), dtype=np.int8)
        self.iters = np.zeros((b, K), dtype=np.int64)
        self.step = step
        self.n_rec = (o.max_iter // o.record_every + 1) if o.record_every > 0 else 0
        self.hist = {name: np.full((b, K, self.n_rec), np.nan, dtype=dt)
                     for name in ("f", "grad_norm", *o.metrics)}
        self.hits = {delta: np.full((b, K), -1, dtype=np.int64) for delta in o.thresholds}
        self.f_now = np.full((b, K), np.nan, dtype=dt)

    def check(self, it: int, gn: np.ndarray, lim: Any, need_f: bool, o: _Opts) -> None:
        """Stop the runs that diverged or converged at iteration ``it``; note threshold hits."""
        active, f_now = self.active, self.f_now
        fine = gn <= lim
        if need_f:
            fine &= np.isfinite(f_now)
        bad = active & ~fine
        if bad.any():
            self.status[bad] = DIVERGED
            active &= ~bad
        conv = active & (gn <= o.gtol)
        if need_f and o.ftol > 0:
            conv |= active & (f_now <= o.ftol)
        if need_f:
            for delta, h in self.hits.items():
                new = (h < 0) & (f_now <= delta) & (active | conv)
                h[new] = it
        if conv.any():
            self.status[conv] = CONVERGED
            active &= ~conv

    def record(self, col: int, gn: np.ndarray, x: Point, ev: _Eval, o: _Opts) -> None:
        self.hist["f"][..., col] = self.f_now
        self.hist["grad_norm"][..., col] = gn
        for name, fn in o.metrics.items():
            self.hist[name][..., col] = fn(x, ev.d)

    def finish(self, x: Point, gn: np.ndarray, need_f: bool, it: int, ev: _Eval,
               o: _Opts) -> dict[str, Any]:
        # x has not moved since the last gradient evaluation (the loop exits right after it), so
        # ``gn`` is the final gradient norm of every run, and ``f_now`` the final f when it was
        # evaluated (for every run) in that last iteration
        f_fin = self.f_now if need_f else ev.f(x)
        n_rec = self.n_rec
        last = min(it // o.record_every, n_rec - 1) if n_rec else n_rec
        if last + 1 < n_rec:
            # the loop stopped early when every run had stopped: the later columns hold each
            # run's final values, as a longer-running block records them for its stopped runs
            fill = {"f": f_fin, "grad_norm": gn,
                    **{name: fn(x, ev.d) for name, fn in o.metrics.items()}}
            for name, h in self.hist.items():
                h[..., last + 1:] = np.asarray(fill[name])[..., None]
        return {"x": x, "f": f_fin, "grad_norm": gn, "status": self.status,
                "iterations": self.iters, "step": self.step, "history": self.hist,
                "hits": self.hits}


def _armijo_step(ev: _Eval, x: Point, g: Point, rule: Armijo, s: _State,
                 direction: Callable[[_Eval, Point, Point], Point]) -> Point:
    """One backtracking step for every active run; the runs with no acceptable step stall."""
    dt = s.step.dtype
    active = s.active
    d = direction(ev, x, g)
    slope = sum(ev.A.inner(g[k], d[k]) for k in g)  # <∇f, d> (< 0)
    t = np.where(active, np.minimum(s.step * rule.grow, rule.initial), 0).astype(dt)
    pending = active.copy()
    x_new = x
    for _ in range(rule.max_backtracks):
        trial = {k: x[k] + _bmask(t, x[k]) * d[k] for k in x}
        ft = ev.f(trial)
        ok = pending & np.isfinite(ft) & (ft <= s.f_now + rule.c * t * slope)
        if ok.any():
            x_new = {k: np.where(_bmask(ok, x_new[k]), trial[k], x_new[k]) for k in x}
            s.step = np.where(ok, t, s.step)
            pending &= ~ok
        if not pending.any():
            break
        t = np.where(pending, t * rule.shrink, t).astype(dt)
    if pending.any():
        s.status[pending] = STALLED
        active &= ~pending
    return x_new


def _updated(update: Callable[[_Eval, Point, Point, np.ndarray, np.ndarray], Point],
             ev: _Eval, x: Point, g: Point, eta: np.ndarray, active: np.ndarray) -> Point:
    """``update(ev, x, g, eta, active)``, checked to keep every variable's shape."""
    new = update(ev, x, g, eta, active)
    _same_shapes(x, new)
    return new


def _same_shapes(before: Point, after: Point) -> None:
    """An update must keep every variable's shape (a broadcast, as scaled GD once did with
    the augmented Lagrangian's multiplier, grows the arrays each iteration until memory runs
    out)."""
    for k, v in before.items():
        if after[k].shape != v.shape:
            raise UnsupportedError(f"the update changed the shape of {k} from {v.shape} to "
                                   f"{after[k].shape}; this method does not apply to this "
                                   "problem's variables")



def _common(problem: Problem, x0: Any, data: Any, dtype: Any, step: Any, max_iter: int,
            gtol: float, ftol: float, blowup: float, record_every: int, check_every: int,
            thresholds: Sequence[float], metrics: Mapping[str, Metric] | None,
            chunk: int | None) -> tuple[Any, ...]:
    A, x, d, batched, B, K = _prepare(problem, x0, data, dtype)
    if not isinstance(max_iter, int) or max_iter < 0:
        raise InputError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    if record_every < 0 or check_every < 1:
        raise InputError("record_every must be >= 0 and check_every >= 1")
    if not (gtol >= 0 and ftol >= 0):  # also rejects NaN
        raise InputError(f"gtol and ftol must be >= 0, got gtol={gtol}, ftol={ftol}")
    if any(not (t >= 0) for t in thresholds):
        raise InputError(f"thresholds δ must be numbers >= 0, got {list(thresholds)}")
    rule = step if isinstance(step, Armijo) else None
    if rule is None:
        eta = _per_run(step, B, K, "step", A.dtype)
        if not np.all(np.isfinite(eta)) or np.any(eta < 0):
            raise InputError("step sizes must be finite and >= 0")
    else:
        eta = _per_run(rule.initial, B, K, "step", A.dtype)
    o = _Opts(max_iter, float(gtol), float(ftol), float(blowup), int(record_every),
              int(check_every), tuple(float(t) for t in thresholds), dict(metrics or {}))
    return A, x, d, batched, B, K, rule, eta, o


def _drive(method: str, problem: Problem, A: NumpyArith, x: Point, d: dict[str, Any],
           batched: set[str], B: int, K: int, eta: np.ndarray, rule: Armijo | None, o: _Opts,
           chunk: int | None, update: Any, direction: Any, options: dict[str, Any],
           progress: Progress | None = None) -> BatchRun:
    t0 = time.perf_counter()
    parts = []
    with np.errstate(all="ignore"):
        f_every = rule is not None or o.record_every == 1 or (
            o.check_every == 1 and bool(o.thresholds or o.ftol > 0))
        for i, j in _blocks(B, K, x, d, batched, chunk, f_every):
            ev = _Eval(problem, A, _slice(d, batched, i, j))
            xb = {k: v[i:j] for k, v in x.items()}
            parts.append(_iterate(ev, xb, eta[i:j], rule, o, update, direction))
            if progress is not None:
                progress(j, B)
    res = _merge(parts)
    times = np.arange(0, o.max_iter + 1, o.record_every) if o.record_every > 0 else np.zeros(0)
    options = {"max_iter": o.max_iter, "gtol": o.gtol, "ftol": o.ftol, "blowup": o.blowup,
               "record_every": o.record_every, "check_every": o.check_every,
               "dtype": A.dtype.name, "step": "armijo" if rule else "fixed", **options}
    return BatchRun(method, res["x"], res["f"], res["grad_norm"], res["status"],
                    res["iterations"], res["step"], times, res["history"], res["hits"], options,
                    time.perf_counter() - t0)

