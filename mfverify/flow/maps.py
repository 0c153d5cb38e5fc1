"""Discrete maps at any precision: gradient descent, alternating GD, primal-dual iterations.

For a vector field ``F`` (``F = −∇f`` for a problem's gradient flow):

* ``"gd"``: ``x ← x + η F(x)`` (all variables at once; for a problem, ``x ← x − η∇f(x)``, e.g.
  ``X ← X − η(XXᵀ − M)X`` for the symmetric problem with scale ¼);
* ``"altgd"``: the variables are updated one block after the other, each with the blocks already
  updated, ``U ← U − η∇_U f(U, V)`` then ``V ← V − η∇_V f(U⁺, V)`` (Ward & Kolda's alternating
  GD, Ward & Kolda 2023);
* ``"primal-dual"``: descent in the primal variables with step η, then ascent in the
  multipliers with step β at the updated primal point, ``U⁺ = U − η∇_U L(U, λ)``,
  ``λ⁺ = λ + β∇_λ L(U⁺, λ)`` (the reconstruction of Eftekhari 2021 (docs/paper-eftekhari2021.md)).

Arithmetic is mpmath at ``dps`` digits in a private context. The error estimate at each recorded
iteration is twice the difference to a shadow run at ``dps + max(10, dps/2)`` digits, plus the
rounding of the reported numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..arith import MpArith
from ..budget import Budget, as_budget
from ..errors import BudgetExceeded, InputError
from ..numbers import parse_number
from ..problems.base import Problem
from ..results import FlowStatus, ResultMixin, coerce
from ..typing import NumberLike, PointLike
from .integrate import VectorField, _s, _sarr, as_field, exact_point, primal_dual_field

__all__ = ["MapPoint", "MapResult", "iterate_map", "gradient_descent", "alternating_gd",
           "primal_dual", "METHODS"]

METHODS = ("gd", "altgd", "primal-dual")


@dataclass
class MapPoint:
    """The state after ``iteration`` steps, with an error estimate."""

    iteration: int
    state: dict[str, np.ndarray]
    error_estimate: Any

    def to_json(self) -> dict[str, Any]:
        return {"iteration": self.iteration, "state": {k: _sarr(v) for k, v in
                                                       self.state.items()},
                "error_estimate": _s(self.error_estimate, 5)}


@dataclass
class MapResult(ResultMixin):
    """The result of :func:`iterate_map`; ``status`` is a
    :class:`~mfverify.results.FlowStatus` (``"done"`` or ``"diverged"``)."""

    field: VectorField
    method: str
    step: Any
    dual_step: Any
    dps: int
    points: list[MapPoint]
    status: str
    seconds: float
    arith: MpArith
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.status = coerce(FlowStatus, self.status)

    def _title(self) -> str:
        return f"MapResult {self.method} of {self.field.name}: {self.status}"

    def _repr_items(self) -> list[tuple[str, Any]]:
        last = ([("iteration", self.final.iteration), ("error", self.final.error_estimate)]
                if self.points else [])
        return [("method", self.method)] + last + [("dps", self.dps)]

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("status", getattr(self.status, "message", "")),
                                       ("step", _s(self.step, 10)), ("precision", self.dps)]
        if self.points:
            fin = self.final
            rows += [("final iteration", fin.iteration),
                     ("error estimate", _s(fin.error_estimate, 3))]
        rows += [("note", n) for n in self.notes[:3]]
        return [r for r in rows if r[1] != ""] + [("seconds", round(self.seconds, 3))]

    @property
    def final(self) -> MapPoint:
        return self.points[-1]

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "step": _s(self.step), "dual_step":
                None if self.dual_step is None else _s(self.dual_step), "dps": self.dps,
                "status": str(self.status), "seconds": round(self.seconds, 3),
                "points": [p.to_json() for p in self.points], "notes": self.notes}


def _run(vf: VectorField, x0: Mapping[str, np.ndarray], its: list[int], method: str,
         eta: Any, beta: Any, A: MpArith, progress: Callable[[int, int], None] | None
         ) -> tuple[list[tuple[int, dict[str, np.ndarray]]], str]:
    ctx = A.ctx
    x = {k: A.asarray(v) if v.shape else np.asarray(A.const(v[()]), dtype=object)
         for k, v in x0.items()}
    names = list(vf.variables)
    dual = set(vf.ascent)
    primal = [n for n in names if n not in dual]
    out: list[tuple[int, dict[str, np.ndarray]]] = []
    want = set(its)
    big = ctx.mpf(10) ** max(30, A.dps)
    status = "done"
    if 0 in want:
        out.append((0, {k: v.copy() for k, v in x.items()}))
    for it in range(1, its[-1] + 1):
        if method == "gd":
            F = vf.fn(A, x)
            x = {k: x[k] + eta * np.asarray(F[k], dtype=object) for k in names}
        elif method == "altgd":
            for k in names:
                F = vf.fn(A, x)
                x = dict(x)
                x[k] = x[k] + eta * np.asarray(F[k], dtype=object)
        else:  # primal-dual
            F = vf.fn(A, x)
            x = dict(x)
            for k in primal:
                x[k] = x[k] + eta * np.asarray(F[k], dtype=object)
            F = vf.fn(A, x)
            for k in dual:
                x[k] = x[k] + beta * np.asarray(F[k], dtype=object)
        x = {k: np.asarray(v, dtype=object) for k, v in x.items()}
        if it in want:
            out.append((it, {k: v.copy() for k, v in x.items()}))
        if any(not ctx.isfinite(v) or abs(v) > big for a in x.values() for v in a.reshape(-1)):
            status = "diverged"
            out.append((it, {k: v.copy() for k, v in x.items()}))
            break
        if progress is not None:
            progress(it, its[-1])
    return out, status


def iterate_map(
    system: Problem | VectorField,
    x0: PointLike,
    iterations: Iterable[int],
    *,
    method: str = "gd",
    step: NumberLike,
    dual_step: NumberLike | None = None,
    dps: int = 30,
    error_estimate: bool = True,
    progress: Callable[[int, int], None] | None = None,
    budget: float | Budget | None = None,
) -> MapResult:
    """Iterate a discrete map and record the state at the requested iteration counts.

    Parameters
    ----------
    system
        A problem (its gradient field) or a :class:`~mfverify.flow.VectorField`.
    x0
        Exact initial state (as for :func:`~mfverify.flow.integrate`).
    iterations
        Iteration counts to record, e.g. ``[10, 100, 1000]``.
    method
        ``"gd"``, ``"altgd"`` or ``"primal-dual"`` (see the module docstring).
    step, dual_step
        Step sizes η and β (exact numbers; ``dual_step`` defaults to ``step``).
    error_estimate
        Run the shadow computation at higher precision to estimate the rounding error.
    budget
        Seconds (or a :class:`~mfverify.budget.Budget`; ``None`` for no limit). When it runs
        out the result has status ``"budget"``, no points, and a note saying so.
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; expected one of {METHODS}")
    its = sorted({int(i) for i in iterations})
    if not its or its[0] < 0:
        raise InputError("iterations must be non-negative integers (at least one)")
    if method == "primal-dual":
        vf = system if isinstance(system, VectorField) and system.ascent else \
            primal_dual_field(system if isinstance(system, Problem) else system.problem)
    else:
        vf = as_field(system)
    x_exact = exact_point(vf.variables, x0)
    t0 = time.perf_counter()
    A = MpArith(dps)
    step_x = step if hasattr(step, "_mpf_") else parse_number(step)
    dual_x = None if dual_step is None else (
        dual_step if hasattr(dual_step, "_mpf_") else parse_number(dual_step))
    eta = A.const(step_x) if not hasattr(step_x, "_mpf_") else A.ctx.mpf(step_x)
    beta = eta if dual_x is None else A.const(dual_x)
    for name, value in (("step", eta), ("dual_step", beta)):
        if not value > 0:
            raise InputError(f"{name} must be a positive number, got {A.ctx.nstr(value, 10)}")
    Bt = as_budget(budget, "flow")
    try:
        with Bt.alarm(f"iterating {method} to iteration {its[-1]}"):
            return _iterate(vf, x_exact, its, method, eta, beta, A, progress, step_x, dual_x,
                            dual_step, dps, error_estimate, t0)
    except BudgetExceeded as exc:
        return MapResult(vf, method, eta, None if dual_step is None else beta, dps, [], "budget",
                         time.perf_counter() - t0, A, [str(exc)])


def _iterate(vf: VectorField, x_exact: Any, its: list[int], method: str, eta: Any, beta: Any,
             A: MpArith, progress: Any, step_x: Any, dual_x: Any, dual_step: Any, dps: int,
             error_estimate: bool, t0: float) -> MapResult:
    pts, status = _run(vf, x_exact, its, method, eta, beta, A, progress)
    notes: list[str] = []
    errs: list[Any] = [None] * len(pts)
    if error_estimate:
        B = MpArith(dps + max(10, dps // 2))
        eb = B.const(step_x) if not hasattr(step_x, "_mpf_") else B.ctx.mpf(step_x)
        bb = eb if dual_x is None else B.const(dual_x)
        ref, _ = _run(vf, x_exact, [p[0] for p in pts], method, eb, bb, B, None)
        refd = dict(ref)
        for i, (it, st) in enumerate(pts):
            r = refd.get(it)
            if r is None:
                errs[i] = A.ctx.inf
                continue
            d2 = A.ctx.zero
            n2 = A.ctx.zero
            for k in st:
                for a, b in zip(st[k].reshape(-1), r[k].reshape(-1), strict=True):
                    d2 += (a - A.ctx.mpf(b)) ** 2
                    n2 += a * a
            errs[i] = 2 * A.ctx.sqrt(d2) + A.ctx.sqrt(n2) * A.ctx.eps
    else:
        notes.append("no error estimate requested")
    points = [MapPoint(it, st, errs[i]) for i, (it, st) in enumerate(pts)]
    return MapResult(vf, method, eta, None if dual_step is None else beta, dps, points, status,
                     time.perf_counter() - t0, A, notes)


def gradient_descent(system: Problem | VectorField, x0: Any, iterations: Iterable[int], *,
                     step: Any, dps: int = 30, **options: Any) -> MapResult:
    """``x ← x − η∇f(x)`` at ``dps`` digits (see :func:`iterate_map`)."""
    return iterate_map(system, x0, iterations, method="gd", step=step, dps=dps, **options)


def alternating_gd(system: Problem | VectorField, x0: Any, iterations: Iterable[int], *,
                   step: Any, dps: int = 30, **options: Any) -> MapResult:
    """Block-alternating GD in variable order (see :func:`iterate_map`)."""
    return iterate_map(system, x0, iterations, method="altgd", step=step, dps=dps, **options)


def primal_dual(system: Problem | VectorField, x0: Any, iterations: Iterable[int], *,
                step: Any, dual_step: Any = None, dps: int = 30, **options: Any) -> MapResult:
    """Primal descent then dual ascent (see :func:`iterate_map`)."""
    return iterate_map(system, x0, iterations, method="primal-dual", step=step,
                       dual_step=dual_step, dps=dps, **options)

