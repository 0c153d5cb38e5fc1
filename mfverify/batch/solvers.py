"""Batched first-order solvers: B instances × K initializations in one array program.

Every solver evaluates the problem's own closed forms (:meth:`Problem.objective`,
:meth:`Problem.gradient`) in :class:`~mfverify.arith.NumpyArith` on points of shape
``(B, K, *shape)`` and data of shape ``(B, 1, *shape)`` (broadcast over the K initializations),
so the mathematics comes from :mod:`mfverify.problems` and is never rewritten here.

Runs are independent: each has its own step size (fixed or Armijo backtracking), its own stopping
test and its own status. A run whose gradient overflows or becomes NaN is frozen at its last finite
point and reported ``diverged``; the others go on (all arithmetic runs under ``np.errstate(all=
"ignore")``, so the batch never raises on overflow).

Blocking
--------
The instances are processed in blocks of ``chunk`` instances (each block is one array program over
``chunk × K`` runs; there is no Python loop over single instances). The default block size keeps a
block's data and live temporaries within about 5 MiB (:data:`BLOCK_BYTES`) so that they stay in
cache across iterations, which is what makes small instances fast and keeps peak memory near the
size of the data. Results do not depend on the block size (each run's arithmetic is the same).

Status codes (:data:`STATUS`)
-----------------------------
``1 converged`` (‖∇f‖_F <= gtol or f <= ftol), ``2 max_iter`` (budget reached),
``3 diverged`` (non-finite or > ``blowup`` gradient/objective), ``4 stalled`` (Armijo found no
decrease / the ODE step size underflowed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..arith import NumpyArith
from ..budget import Budget, as_budget
from ..errors import BudgetExceeded, InputError, ShapeError, SymmetryError, UnsupportedError
from ..problems.base import Point, Problem
from ..results import BatchStatus, ResultMixin

__all__ = [
    "STATUS",
    "Armijo",
    "BatchRun",
    "gd",
    "alternating_gd",
    "scaled_gd",
    "gradient_flow",
    "primal_dual",
    "solve",
    "METHODS",
]

RUNNING, CONVERGED, MAX_ITER, DIVERGED, STALLED = (int(c) for c in BatchStatus)
#: Status code -> name (the labels of :class:`~mfverify.results.BatchStatus`).
STATUS: dict[int, str] = {int(c): c.label for c in BatchStatus}

Metric = Callable[[Point, Mapping[str, Any]], np.ndarray]
#: ``progress(instances_done, B)``, called after each block.
Progress = Callable[[int, int], None]


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
class BatchRun(ResultMixin):
    """Result of a batched solve; every per-run array has shape ``(B, K)``.

    Attributes
    ----------
    method
        Solver name (``"gd"``, ``"alternating_gd"``, ``"scaled_gd"``, ``"gradient_flow"``,
        ``"primal_dual"``).
    x
        Final points, ``name -> (B, K, *shape)`` (for diverged runs: the last finite point).
    f, grad_norm
        f and ‖∇f‖_F (all variables together) at the final points.
    status
        :class:`~mfverify.results.BatchStatus` code per run (int8; ``BatchStatus(code)``
        gives its label and message; :data:`STATUS` maps codes to labels).
    iterations
        Iterations taken (for the flow: accepted steps).
    step
        Final step size per run (η for fixed steps; the last accepted Armijo step; the last ODE
        step for the flow).
    times
        The iteration index (or flow time) of each history column, shape ``(T,)``.
    history
        ``name -> (B, K, T)``: ``"f"``, ``"grad_norm"`` and every user metric, at ``times``.
        A run that has stopped keeps its final value.
    hits
        ``δ -> (B, K)`` integer array: the first iteration (flow: first recorded time index) at
        which f <= δ was observed, or −1 (checked every ``check_every`` iterations).
    """

    method: str
    x: Point
    f: np.ndarray
    grad_norm: np.ndarray
    status: np.ndarray
    iterations: np.ndarray
    step: np.ndarray
    times: np.ndarray
    history: dict[str, np.ndarray] = field(default_factory=dict)
    hits: dict[float, np.ndarray] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.status.shape)  # type: ignore[return-value]

    def counts(self) -> dict[str, int]:
        """Number of runs per status name."""
        return {STATUS[k]: int(np.sum(self.status == k)) for k in STATUS if k != RUNNING}

    def _state(self) -> str:
        return ", ".join(f"{n} {label}" for label, n in self.counts().items() if n)

    def _title(self) -> str:
        b, k = self.shape
        return f"BatchRun {self.method} ({b} instance(s) × {k} init(s)): {self._state()}"

    def _repr_items(self) -> list[tuple[str, Any]]:
        b, k = self.shape
        return [("method", self.method), ("B", b), ("K", k),
                ("iterations", _range_text(self.iterations))]

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = []
        for code in BatchStatus:
            n = int(np.sum(self.status == code))
            if n:
                rows.append((code.label, f"{n} ({code.message})"))
        rows.append(("iterations", _range_text(self.iterations)))
        f = np.asarray(self.f, dtype=float)
        finite = f[np.isfinite(f)]
        if finite.size:
            q = np.quantile(finite, [0.0, 0.5, 1.0])
            rows.append(("final f", f"min {q[0]:.3g}, median {q[1]:.3g}, max {q[2]:.3g}"))
        if self.history:
            rows.append(("history", f"{', '.join(self.history)} at {len(self.times)} times"))
        if self.hits:
            rows.append(("thresholds δ", ", ".join(f"{d:g}" for d in self.hits)))
        return rows + [("seconds", round(self.seconds, 3))]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BatchRun:
        """The run that :meth:`to_json` wrote (floats exact; ``options`` values that were not
        JSON scalars come back as their repr strings)."""

        def arr(v: Any) -> np.ndarray:
            return np.array(_from_json_floats(v))

        def ints(v: Any) -> np.ndarray:
            return np.array(v, dtype=np.int64)

        return cls(
            method=str(data["method"]), x={k: arr(v) for k, v in data["x"].items()},
            f=arr(data["f"]), grad_norm=arr(data["grad_norm"]),
            status=np.array(data["status"], dtype=np.int8),
            iterations=ints(data["iterations"]), step=arr(data["step"]),
            times=arr(data["times"]), history={k: arr(v) for k, v in data["history"].items()},
            hits={float(d): ints(v) for d, v in data["hits"].items()},
            options=dict(data["options"]), seconds=float(data["seconds"]),
            extra={k: arr(v) for k, v in data["extra"].items()})

    @property
    def diverged(self) -> np.ndarray:
        return self.status == DIVERGED

    @property
    def converged(self) -> np.ndarray:
        return self.status == CONVERGED

    @classmethod
    def concatenate(cls, runs: Sequence[BatchRun]) -> BatchRun:
        """Merge shards along the instance axis B (e.g. blocks computed by different workers).

        All shards must come from the same method with the same K, variables, recorded times,
        histories and thresholds (:class:`ShapeError` otherwise); ``seconds`` is summed and
        ``options`` is the first shard's.
        """
        runs = list(runs)
        if not runs:
            raise InputError("concatenate needs at least one BatchRun")
        first = runs[0]
        for r in runs[1:]:
            same = (r.method == first.method and r.shape[1] == first.shape[1]
                    and set(r.x) == set(first.x) and set(r.history) == set(first.history)
                    and set(r.hits) == set(first.hits) and set(r.extra) == set(first.extra)
                    and np.array_equal(r.times, first.times))
            if not same:
                raise ShapeError("BatchRun shards differ in method, K, variables, times, "
                                 "histories or thresholds; cannot concatenate")

        def cat(get: Callable[[BatchRun], np.ndarray]) -> np.ndarray:
            return np.concatenate([get(r) for r in runs], axis=0)

        return cls(
            first.method, {k: cat(lambda r, k=k: r.x[k]) for k in first.x},
            cat(lambda r: r.f), cat(lambda r: r.grad_norm), cat(lambda r: r.status),
            cat(lambda r: r.iterations), cat(lambda r: r.step), np.array(first.times),
            {k: cat(lambda r, k=k: r.history[k]) for k in first.history},
            {d: cat(lambda r, d=d: r.hits[d]) for d in first.hits}, dict(first.options),
            float(sum(r.seconds for r in runs)),
            {k: cat(lambda r, k=k: r.extra[k]) for k in first.extra})

    def to_json(self) -> dict[str, Any]:
        """Everything as JSON values: arrays as nested lists (floats round-trip exactly through
        Python's shortest repr; non-finite values become the strings ``"nan"``, ``"inf"``,
        ``"-inf"``), status names next to the codes, thresholds as string keys."""

        def arr(a: np.ndarray) -> Any:
            a = np.asarray(a)
            if a.dtype.kind == "f":
                return np.vectorize(_json_float, otypes=[object])(a).tolist() if a.size else []
            return a.tolist()

        return {
            "method": self.method, "shape": list(self.shape), "counts": self.counts(),
            "x": {k: arr(v) for k, v in self.x.items()}, "f": arr(self.f),
            "grad_norm": arr(self.grad_norm), "status": arr(self.status),
            "status_names": {str(k): v for k, v in STATUS.items()},
            "iterations": arr(self.iterations), "step": arr(self.step),
            "times": arr(self.times), "history": {k: arr(v) for k, v in self.history.items()},
            "hits": {repr(float(d)): arr(v) for d, v in self.hits.items()},
            "options": {k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
                        for k, v in self.options.items()},
            "seconds": self.seconds, "extra": {k: arr(v) for k, v in self.extra.items()},
        }


def _range_text(a: np.ndarray) -> str:
    a = np.asarray(a)
    if not a.size:
        return "none"
    lo, hi = int(a.min()), int(a.max())
    return str(lo) if lo == hi else f"{lo}..{hi}"


def _from_json_floats(v: Any) -> Any:
    """Inverse of the float encoding of :meth:`BatchRun.to_json` (``"nan"``, ``"inf"``)."""
    if isinstance(v, list):
        return [_from_json_floats(x) for x in v]
    return float(v) if isinstance(v, str) else v


def _json_float(v: float) -> Any:
    v = float(v)
    if np.isfinite(v):
        return v
    return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")


# ---------------------------------------------------------------------------------------------
# preparation: points, data, blocks
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# the iteration driver (GD, alternating GD, scaled GD)
# ---------------------------------------------------------------------------------------------


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
            x_prev = x
            x = update(ev, x, g, eta, s.active)
            _same_shapes(x_prev, x)
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
            x_prev = x
            x = update(ev, x, g, eta if all_active else np.where(s.active, eta, 0).astype(dt),
                       s.active)
            _same_shapes(x_prev, x)
        else:
            x = _armijo_step(ev, x, g, rule, s, direction)
            all_active = bool(s.active.all())
        s.iters += s.active
    s.iters += fast
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


def _same_shapes(before: Point, after: Point) -> None:
    """An update must keep every variable's shape (a broadcast, as scaled GD once did with
    the augmented Lagrangian's multiplier, grows the arrays each iteration until memory runs
    out)."""
    for k, v in before.items():
        if after[k].shape != v.shape:
            raise UnsupportedError(f"the update changed the shape of {k} from {v.shape} to "
                                   f"{after[k].shape}; this method does not apply to this "
                                   "problem's variables")


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


# ---------------------------------------------------------------------------------------------
# gradient flow: Dormand–Prince 5(4) with per-run error control
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# dispatcher
# ---------------------------------------------------------------------------------------------

#: Method name -> solver (fixed-step iterations; ``primal_dual`` is added at the end).
METHODS: dict[str, Callable[..., BatchRun]] = {
    "gd": gd,
    "alternating_gd": alternating_gd,
    "scaled_gd": scaled_gd,
}


def solve(problem: Problem, x0: Mapping[str, Any] | np.ndarray, *, method: str = "gd",
          budget: float | Budget | None = None, **options: Any) -> BatchRun:
    """Run the named method (``"gd"``, ``"alternating_gd"``, ``"scaled_gd"``,
    ``"gradient_flow"`` (needs ``t_eval=``), ``"primal_dual"``).

    ``budget`` (seconds or a :class:`~mfverify.budget.Budget`; ``None``: no limit) interrupts
    the run at the deadline with :class:`~mfverify.errors.BudgetExceeded`, whose message says
    how many instances had finished.
    """
    B = as_budget(budget, "sweep")
    if B.seconds is None:
        return _dispatch(problem, x0, method, options)
    user = options.get("progress")
    done = [0, 0]

    def track(i: int, total: int) -> None:
        done[0], done[1] = i, total
        if user is not None:
            user(i, total)

    options["progress"] = track
    try:
        with B.alarm(f"running {method}"):
            return _dispatch(problem, x0, method, options)
    except BudgetExceeded as exc:
        what = (f"{done[0]} of {done[1]} instances had finished" if done[1] else
                "no block of instances had finished")
        raise BudgetExceeded(f"{exc} ({what}; fewer instances, inits or iterations also "
                             "help)") from None


def _dispatch(problem: Problem, x0: Mapping[str, Any] | np.ndarray, method: str,
              options: dict[str, Any]) -> BatchRun:
    if method == "gradient_flow":
        if "t_eval" not in options:
            raise InputError("gradient_flow needs t_eval=[...] (the times to record)")
        return gradient_flow(problem, x0, **options)
    if method == "primal_dual":
        return primal_dual(problem, x0, **options)
    try:
        fn = METHODS[method]
    except KeyError:
        raise InputError(f"unknown method {method!r}; expected one of "
                         f"{sorted([*METHODS, 'gradient_flow', 'primal_dual'])}") from None
    return fn(problem, x0, **options)


# ---------------------------------------------------------------------------------------------
# primal-dual (gradient descent-ascent on the augmented Lagrangian) for ConstrainedMF
# ---------------------------------------------------------------------------------------------


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


METHODS["primal_dual"] = primal_dual
