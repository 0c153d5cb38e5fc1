"""Per-run outcomes of a batched solve: global minimum, a known stationary class, an unknown
stationary point, stalled, or diverged; and iteration counts T(δ).

Classification of one run (in this order):

1. ``diverged``: the solver reported overflow / NaN (status 3).
2. ``global_min``: f <= f_global + ``ftol`` (f_global per instance, default 0).
3. a known stationary class: ‖∇f‖_F <= ``gtol`` (or the solver converged) and the run matches
   one of ``classes`` — by value (|f − value| <= ``ftol_class``·max(1, |value|)) and, when the
   class lists points, by an orbit-invariant distance (default: distance between the products
   XXᵀ, resp. UVᵀ, which is invariant under X ↦ XQ resp. (U, V) ↦ (UA, VA⁻ᵀ)) to the nearest
   listed point <= ``xtol`` (the family's hook ``Problem.orbit_invariant`` when the problem is
   passed).
4. ``stationary_unmatched``: small gradient but no class matched (reported, never hidden).
5. ``stalled``: anything else (the budget ran out or the line search failed away from a
   stationary point).

Classes can come from the exact landscape engine (:mod:`mfverify.symbolic`), converted with
:func:`classes_from_points`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError, NonFiniteError
from ..results import ResultMixin
from .run import CONVERGED, DIVERGED, BatchRun

if TYPE_CHECKING:
    from ..problems import Problem

__all__ = ["StationaryClass", "Outcomes", "classify_runs", "classes_from_points",
           "classes_from_landscape", "global_values", "product_invariant", "hitting_times"]

Invariant = Callable[[Mapping[str, np.ndarray]], np.ndarray]


def product_invariant(x: Mapping[str, np.ndarray]) -> np.ndarray:
    """XXᵀ for ``{"X": ...}``, UVᵀ for ``{"U", "V"}`` (any leading axes): the orbit invariant of
    the O(r) resp. GL(r) symmetry."""
    if "X" in x:
        X = np.asarray(x["X"], dtype=np.float64)
        return X @ np.swapaxes(X, -1, -2)
    if "U" in x and "V" in x:
        U, V = np.asarray(x["U"], dtype=np.float64), np.asarray(x["V"], dtype=np.float64)
        return U @ np.swapaxes(V, -1, -2)
    raise InputError("product_invariant needs variables X or (U, V); pass invariant=")


@dataclass
class StationaryClass:
    """A known stationary class: a name (e.g. ``"strict_saddle S={1,2}"``), its objective value,
    optionally representative points (``name -> (*shape)`` or ``(P, *shape)`` for P points;
    with batched instances ``(B, P, *shape)``) and whether it is a global minimum."""

    name: str
    value: float
    points: Mapping[str, np.ndarray] | None = None
    global_min: bool = False
    kind: str = ""


def classes_from_points(points: Sequence[Mapping[str, Any]], values: Sequence[Any],
                        names: Sequence[str] | None = None,
                        kinds: Sequence[str] | None = None) -> list[StationaryClass]:
    """Build classes from exact or float points and values (exact numbers are converted with
    ``float``); equal names are merged into one class with several points."""
    out: dict[str, StationaryClass] = {}
    for i, (pt, val) in enumerate(zip(points, values, strict=True)):
        name = names[i] if names else f"class{i}"
        kind = kinds[i] if kinds else ""
        arrs = {k: np.asarray(np.vectorize(float, otypes=[float])(np.asarray(v, dtype=object)),
                              dtype=np.float64)[None] for k, v in pt.items()}
        if name in out:
            c = out[name]
            assert c.points is not None
            c.points = {k: np.concatenate([c.points[k], arrs[k]]) for k in arrs}
        else:
            out[name] = StationaryClass(name, float(val), arrs, kind == "global_min", kind)
    return list(out.values())


def classes_from_landscape(landscape: Any) -> list[StationaryClass]:
    """Classes from a landscape result (duck-typed: anything with ``components`` whose items
    have ``type``, ``value``, ``representative``, ``dimension`` and ``orbit_dimension``, such as
    :class:`mfverify.symbolic.Landscape`; the batch engine does not import the symbolic one).

    A component that is (locally) a single symmetry orbit (``dimension == orbit_dimension``)
    is matched by the orbit invariant of its representative; a larger component (e.g. from a
    repeated eigenvalue) by its value only. Names are ``"<type>@<value>"``.
    """
    out = []
    for c in landscape.components:
        pts = None
        if c.dimension == c.orbit_dimension:
            pts = {k: np.asarray(np.vectorize(float, otypes=[float])(np.asarray(v, dtype=object)),
                                 dtype=np.float64) for k, v in c.representative.items()}
        out.append(StationaryClass(f"{c.type}@{c.value}", float(c.value), pts,
                                   c.type == "global_min", c.type))
    return out


@dataclass
class Outcomes(ResultMixin):
    """Outcome labels of a batch: ``labels[b, k]`` is a class name or one of ``global_min``,
    ``stationary_unmatched``, ``stalled``, ``diverged``."""

    labels: np.ndarray
    counts: dict[str, int]
    hits: dict[float, np.ndarray] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def n_runs(self) -> int:
        return int(self.labels.size)

    def fraction(self, label: str) -> float:
        return self.counts.get(label, 0) / max(1, self.n_runs)

    def _state(self) -> str:
        top = max(self.counts.items(), key=lambda kv: kv[1], default=None)
        return "no runs" if top is None else f"mostly {top[0]} ({top[1]} of {self.n_runs})"

    def _title(self) -> str:
        return f"Outcomes of {self.n_runs} runs: {self._state()}"

    def _repr_items(self) -> list[tuple[str, Any]]:
        return [("runs", self.n_runs)]

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [(k, f"{v} ({v / max(1, self.n_runs):.1%})")
                                       for k, v in self.counts.items()]
        for d, s in self.to_json()["T"].items():
            rows.append((f"T(δ={d})", ", ".join(f"{k} {v}" for k, v in s.items())))
        return rows

    def to_json(self) -> dict[str, Any]:
        return {"runs": self.n_runs, "counts": self.counts, "options": self.options,
                "T": {str(d): _t_summary(h) for d, h in self.hits.items()}}


def _t_summary(h: np.ndarray) -> dict[str, Any]:
    reached = h[h >= 0]
    if reached.size == 0:
        return {"reached": 0}
    return {"reached": int(reached.size), "min": int(reached.min()),
            "median": float(np.median(reached)), "max": int(reached.max())}


def classify_runs(run: BatchRun, *, f_global: float | np.ndarray = 0.0, ftol: float = 1e-8,
                  gtol: float = 1e-6, classes: Sequence[StationaryClass] = (),
                  ftol_class: float = 1e-6, xtol: float = 1e-4,
                  invariant: Invariant | None = None, problem: Problem | None = None) -> Outcomes:
    """Label every run of ``run`` (see the module docstring for the rules).

    ``f_global`` is a scalar or ``(B,)`` array (the optimal value per instance); ``classes`` may
    hold per-instance points with a leading B axis (``(B, P, *shape)``) or shared points
    (``(P, *shape)``). The orbit invariant that matches runs with class points is
    ``invariant`` when given, else the family's hook ``problem.orbit_invariant`` (XXᵀ for O(r),
    UVᵀ for GL(r), the end-to-end product of a deep linear network, zzᴴ in real form for
    complex phase retrieval, the raw coordinates for the trivial group), else
    :func:`product_invariant`.
    """
    if invariant is None:
        invariant = problem.orbit_invariant if problem is not None else product_invariant
    B, K = run.status.shape
    fg = np.broadcast_to(np.asarray(f_global, dtype=np.float64).reshape(-1, 1)
                         if np.ndim(f_global) else np.asarray(f_global, dtype=np.float64), (B, K))
    labels = np.full((B, K), "stalled", dtype=object)
    diverged = run.status == DIVERGED
    finite = np.isfinite(run.f)
    glob = ~diverged & finite & (run.f <= fg + ftol)
    stationary = ~diverged & ~glob & finite & ((run.grad_norm <= gtol) |
                                               (run.status == CONVERGED))
    matched = np.zeros((B, K), dtype=bool)
    inv_runs = None
    for c in classes:
        if c.global_min:
            continue
        cand = stationary & ~matched & (np.abs(run.f - c.value) <=
                                        ftol_class * max(1.0, abs(c.value)))
        if c.points is not None and cand.any():
            if inv_runs is None:
                inv_runs = invariant(run.x)  # (B, K, ...)
            cp = invariant({k: np.asarray(v, dtype=np.float64) for k, v in c.points.items()})
            tail = inv_runs.ndim - 2
            if cp.ndim == tail:  # one shared point
                cp = cp[None, None]
            elif cp.ndim == tail + 1:  # P shared points
                cp = cp[None]
            elif cp.ndim != tail + 2 or cp.shape[0] != B:
                raise InputError(f"class {c.name!r}: points have an unexpected shape")
            # distance of each run to each listed point: (B, K, P)
            diff = inv_runs[:, :, None] - cp[:, None]
            dist = np.sqrt(np.sum(diff ** 2, axis=tuple(range(3, diff.ndim))))
            cand &= dist.min(axis=-1) <= xtol
        labels[cand] = c.name
        matched |= cand
    labels[stationary & ~matched] = "stationary_unmatched"
    labels[glob] = "global_min"
    labels[diverged] = "diverged"
    names, cnt = np.unique(labels.astype(str), return_counts=True)
    counts = {str(n): int(c) for n, c in zip(names, cnt, strict=True)}
    return Outcomes(labels, counts, dict(run.hits),
                    {"ftol": ftol, "gtol": gtol, "ftol_class": ftol_class, "xtol": xtol,
                     "classes": [c.name for c in classes]})


def hitting_times(values: np.ndarray, deltas: Sequence[float],
                  times: np.ndarray | None = None) -> dict[float, np.ndarray]:
    """T(δ) from recorded histories ``values`` of shape ``(..., T)``: the first time (``times``
    entry, default the column index) with value <= δ, or −1 (as float NaN when ``times`` is
    given)."""
    v = np.asarray(values)
    out: dict[float, np.ndarray] = {}
    for d in deltas:
        below = v <= d
        first = np.argmax(below, axis=-1)
        ok = below.any(axis=-1)
        if times is None:
            out[float(d)] = np.where(ok, first, -1)
        else:
            out[float(d)] = np.where(ok, np.asarray(times)[first], np.nan)
    return out


def global_values(problem: Problem, data: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """Optimal values per instance (float64, shape ``(B,)``), from the problem's
    :meth:`~mfverify.problems.Problem.optimal_values` hook (e.g. Eckart–Young for the
    factorization problems). Raises :class:`InputError` when the family has no closed form
    (pass ``f_global`` to :func:`classify_runs` instead)."""
    from ..errors import UnsupportedError

    hook = getattr(problem, "optimal_values", None)
    if hook is None:
        raise InputError(f"{type(problem).__name__} is not a problem; pass f_global")
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: refused just below
            values = np.asarray(hook(data), dtype=np.float64).reshape(-1)
    except UnsupportedError as exc:
        raise InputError(f"{exc}; pass f_global") from None
    return _finite_optimum(values)


def _finite_optimum(values: np.ndarray) -> np.ndarray:
    """An optimal value that overflows float64 would count every finite run as a global
    minimum (f <= ∞ + ftol): it is a typed error instead."""
    if not np.all(np.isfinite(values)):
        raise NonFiniteError("the optimal value f* overflows float64 for these data (entries "
                             "near or above 1e154); rescale the data for a float64 sweep")
    return values
