"""The result of a batched solve: :class:`BatchRun` and its per-run status codes.

Status codes (:data:`STATUS`)
-----------------------------
``1 converged`` (‖∇f‖_F <= gtol or f <= ftol), ``2 max_iter`` (budget reached),
``3 diverged`` (non-finite or > ``blowup`` gradient/objective), ``4 stalled`` (Armijo found no
decrease / the ODE step size underflowed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError, ShapeError
from ..problems.base import Point
from ..results import BatchStatus, ResultMixin, json_reader

__all__ = ["STATUS", "BatchRun"]

RUNNING, CONVERGED, MAX_ITER, DIVERGED, STALLED = (int(c) for c in BatchStatus)
#: Status code -> name (the labels of :class:`~mfverify.results.BatchStatus`).
STATUS: dict[int, str] = {int(c): c.label for c in BatchStatus}


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
    @json_reader("BatchRun JSON")
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

        def cat_each(get: Callable[[BatchRun], Mapping[Any, np.ndarray]]) -> dict[Any, np.ndarray]:
            # key by key, in the first shard's order
            return {k: np.concatenate([get(r)[k] for r in runs], axis=0) for k in get(first)}

        return cls(
            first.method, cat_each(lambda r: r.x),
            cat(lambda r: r.f), cat(lambda r: r.grad_norm), cat(lambda r: r.status),
            cat(lambda r: r.iterations), cat(lambda r: r.step), np.array(first.times),
            cat_each(lambda r: r.history), cat_each(lambda r: r.hits), dict(first.options),
            float(sum(r.seconds for r in runs)), cat_each(lambda r: r.extra))

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
