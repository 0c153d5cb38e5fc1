"""Trap and escape experiments at stationary points (saddles, spurious stationary points).

* :func:`trap` starts the flow EXACTLY at a point ``x*``. If the vector field vanishes there
  exactly (SymPy, exact data), ``x(t) ≡ x*`` is the unique solution (the field is polynomial,
  hence locally Lipschitz: Picard–Lindelöf), so the trap is *proved*; the integration then
  confirms that the computed series is constant.
* :func:`escape` starts at ``x* + ε d`` (d a unit direction, given or random) and measures the
  time ``T(ε)`` to leave the ball ``‖x − x*‖ <= ρ``. Linearization predicts
  ``T(ε) ≈ log(ρ / (ε |c|)) / λ`` where λ is the largest (real) eigenvalue of the Jacobian at x*
  (for a gradient flow, ``λ = −λ_min(∇²f(x*))``) and ``c`` the component of d along its
  (unit) eigenvector; the fitted slope of T against ``log(1/ε)`` is compared with ``1/λ``.
  Nonlinear effects shift T by ``O(ρ²/λ)``; keep ρ small.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..arith import ExactArith, MpArith
from ..errors import InputError
from ..numbers import parse_number
from ..problems.base import Problem
from ..results import ResultMixin
from .events import ball_exit
from .integrate import VectorField, _s, as_field, exact_point, integrate

__all__ = ["TrapResult", "trap", "EscapeRow", "EscapeResult", "escape", "unstable_mode",
           "random_direction"]


@dataclass
class TrapResult(ResultMixin):
    """Result of :func:`trap`.

    ``exactly_stationary``: F(x*) = 0 exactly (so the trap is a theorem, not a measurement).
    ``series_constant``: the computed Taylor series was constant at every step and the field
    vanishes exactly at the computed (grid) state.
    ``max_deviation``: the largest ‖x(t) − x*‖ over the recorded trajectory.
    """

    x_star: dict[str, np.ndarray]
    exactly_stationary: bool
    series_constant: bool
    max_deviation: Any
    t_max: Any
    error_estimate: Any
    dps: int
    residual: str

    @property
    def stayed(self) -> bool:
        """F(x*) = 0 exactly and the computed trajectory stayed within its error estimate of
        x* (exactly at x* when x* is representable on the fixed-point grid)."""
        return self.exactly_stationary and self.max_deviation <= self.error_estimate

    def _state(self) -> str:
        return "stayed at x*" if self.stayed else "did not stay at x*"

    def to_json(self) -> dict[str, Any]:
        return {"exactly_stationary": self.exactly_stationary,
                "series_constant": self.series_constant, "stayed": self.stayed,
                "max_deviation": _s(self.max_deviation, 5), "t_max": _s(self.t_max),
                "error_estimate": _s(self.error_estimate, 5), "dps": self.dps,
                "field_residual": self.residual}


def trap(system: Problem | VectorField, x_star: Any, t_max: Any = 100, *, dps: int = 30
         ) -> TrapResult:
    """Start exactly at ``x_star`` and follow the flow to ``t_max``."""
    vf = as_field(system)
    xe = exact_point(vf.variables, x_star)
    F = vf.fn(ExactArith(), {k: v.copy() for k, v in xe.items()})
    resid = [sp.simplify(v) for k in vf.variables for v in np.asarray(F[k]).reshape(-1)]
    exact = all(v == 0 for v in resid)
    res = integrate(vf, xe, [t_max], dps=dps)
    A = res.arith
    start = {k: A.asarray(v) if v.shape else np.asarray(A.const(v[()]), dtype=object)
             for k, v in xe.items()}
    dev = A.ctx.zero
    for _t, st, _e in res.trajectory:
        d2 = sum(((a - b) ** 2 for k in st for a, b in zip(st[k].reshape(-1),
                                                           start[k].reshape(-1), strict=True)),
                 A.ctx.zero)
        dev = max(dev, A.ctx.sqrt(d2))
    worst = max(resid, key=lambda v: abs(complex(sp.N(v)))) if resid else 0
    return TrapResult(xe, exact, res.exactly_stationary, dev, res.final.t,
                      res.final.error_estimate, dps, str(worst))


def unstable_mode(system: Problem | VectorField, x_star: Any, *, dps: int = 30
                  ) -> tuple[Any, np.ndarray]:
    """The largest real eigenvalue λ of the Jacobian of the field at x* and a unit eigenvector.

    For a problem's gradient flow the Jacobian is ``−∇²f(x*)`` (symmetric; computed from the
    closed-form Hessian at ``dps`` digits). For other fields the Jacobian is computed by the
    Taylor engine and its eigen-decomposition by mpmath ``eig``.
    """
    vf = as_field(system)
    A = MpArith(dps)
    ctx = A.ctx
    xe = exact_point(vf.variables, x_star)
    if vf.kind == "gradient" and vf.problem is not None and vf.problem.has_closed_forms:
        H = vf.problem.hessian_matrix(xe, A)
        E, Q = ctx.eigsy(ctx.matrix((-H).tolist()))
        k = max(range(len(E)), key=lambda i: E[i])
        vec = np.array([Q[i, k] for i in range(len(E))], dtype=object)
        return E[k], vec
    from ._jet import to_fixed
    from .integrate import _Engine

    P = A.prec + 48
    eng = _Engine(vf, P, ())
    x = {k: np.vectorize(lambda v: to_fixed(v, P, ctx), otypes=[object])(a)
         for k, a in xe.items()}
    J, _ = eng.jacobian(x)
    w, V = np.linalg.eig(J)
    k = int(np.argmax(w.real))
    vec = np.real(V[:, k])
    vec = vec / np.linalg.norm(vec)
    return ctx.mpf(float(w[k].real)), np.array([ctx.mpf(float(v)) for v in vec], dtype=object)


def random_direction(vf: VectorField, seed: int) -> dict[str, np.ndarray]:
    """A random direction with nonzero small-integer entries (exact; normalized by
    :func:`escape`)."""
    rng = random.Random(seed)
    out = {}
    for k, shape in vf.variables.items():
        arr = np.empty(shape, dtype=object)
        flat = arr.reshape(-1)
        for i in range(flat.size):
            flat[i] = sp.Integer(rng.choice([-1, 1]) * rng.randint(1, 9))
        out[k] = flat.reshape(shape)
    return out


@dataclass
class EscapeRow:
    eps: Any
    time: Any
    predicted: Any
    rel_error: Any
    time_error_estimate: Any

    def to_json(self) -> dict[str, Any]:
        return {"eps": str(self.eps), "time": _s(self.time, 12),
                "predicted": _s(self.predicted, 12), "rel_error": _s(self.rel_error, 5),
                "time_error_estimate": _s(self.time_error_estimate, 5)}


@dataclass
class EscapeResult(ResultMixin):
    """Escape times T(ε) against the linearization, with the fitted slope of T vs log(1/ε)."""

    rate: Any
    radius: Any
    component: Any
    rows: list[EscapeRow]
    slope: Any
    slope_predicted: Any
    dps: int
    notes: list[str] = field(default_factory=list)

    @property
    def max_rel_error(self) -> Any:
        return max(r.rel_error for r in self.rows)

    def _state(self) -> str:
        return (f"slope {_s(self.slope, 6)} (predicted {_s(self.slope_predicted, 6)}), "
                f"{len(self.rows)} escape times")

    def to_json(self) -> dict[str, Any]:
        return {"rate": _s(self.rate, 15), "radius": str(self.radius),
                "component": _s(self.component, 15), "slope": _s(self.slope, 12),
                "slope_predicted": _s(self.slope_predicted, 12),
                "rows": [r.to_json() for r in self.rows], "dps": self.dps, "notes": self.notes}


def escape(system: Problem | VectorField, x_star: Any, eps: Sequence[Any], *,
           direction: Mapping[str, Any] | None = None, seed: int = 0, radius: Any = "1/10",
           t_max: Any = None, dps: int = 30) -> EscapeResult:
    """Escape times from the ball ``‖x − x*‖ <= radius`` started at ``x* + ε d/‖d‖``.

    Parameters
    ----------
    eps
        Distances ε (exact numbers, e.g. ``["1e-10", "1e-20"]``), each < radius.
    direction
        The direction d (exact entries, normalized exactly); random (seeded) when None.
    t_max
        Horizon; default ``2·log(radius/min ε)/λ + 10``.
    """
    vf = as_field(system)
    A = MpArith(dps)
    ctx = A.ctx
    xs = exact_point(vf.variables, x_star)
    d = exact_point(vf.variables, direction) if direction is not None else \
        random_direction(vf, seed)
    norm = sp.sqrt(sum((v**2 for a in d.values() for v in a.reshape(-1)), sp.Integer(0)))
    if norm == 0:
        raise InputError("the escape direction must be nonzero")
    rho = parse_number(radius)
    lam, vec = unstable_mode(vf, xs, dps=dps)
    if not lam > 0:
        raise InputError(f"x* has no unstable direction (largest Jacobian eigenvalue "
                         f"{_s(lam, 10)} <= 0): nothing escapes")
    dflat = np.concatenate([a.reshape(-1) for a in d.values()])
    c = abs(sum((A.const(dv / norm) * v for dv, v in zip(dflat, vec, strict=True)),
                ctx.zero))
    notes = []
    if c < ctx.mpf(10) ** (-(dps // 2)):
        notes.append("the direction is (nearly) orthogonal to the unstable eigenvector")
    eps_exact = [parse_number(e) for e in eps]
    if any(not (0 < e < rho) for e in eps_exact):
        raise InputError("each eps must satisfy 0 < eps < radius")
    rows = []
    ev = ball_exit(vf, xs, rho)
    for e in eps_exact:
        x0 = {}
        for k in xs:
            arr = np.empty(xs[k].shape, dtype=object)
            for idx in np.ndindex(*xs[k].shape):
                arr[idx] = xs[k][idx] + e * d[k][idx] / norm
            x0[k] = arr
        pred = ctx.log(A.const(rho) / (A.const(e) * c)) / lam if c > 0 else ctx.inf
        horizon = t_max if t_max is not None else (
            2 * pred + 10 if pred < ctx.inf else 2 * ctx.log(A.const(rho) / A.const(e)) / lam + 50)
        res = integrate(vf, x0, [horizon], dps=dps, events=[ev])
        if not res.events:
            notes.append(f"eps = {e}: no escape before t = {_s(horizon, 10)}")
            continue
        hit = res.events[0]
        rows.append(EscapeRow(e, hit.t, pred, abs(hit.t - pred) / pred,
                              hit.time_error_estimate))
    slope = ctx.nan
    if len(rows) >= 2:
        xsl = [ctx.log(1 / A.const(r.eps)) for r in rows]
        ysl = [r.time for r in rows]
        mx = sum(xsl) / len(xsl)
        my = sum(ysl) / len(ysl)
        slope = sum((a - mx) * (b - my) for a, b in zip(xsl, ysl, strict=True)) / sum(
            (a - mx) ** 2 for a in xsl)
    return EscapeResult(lam, rho, c, rows, slope, 1 / lam, dps, notes)
