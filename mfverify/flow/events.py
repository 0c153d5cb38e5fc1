"""Hitting times of flows, located to working precision.

An :class:`~mfverify.flow.Event` is a scalar polynomial ``g(x)``; the integrator traces it with the
vector field, so inside each Taylor step it has the series ``g(x(t₀ + h s)) = Σ g_k s^k`` and the
crossing is a root of that polynomial, found by bisection then Newton in the private context at
the fixed-point precision. The time error estimate is ``‖∇g‖·E/|ġ|`` (E the state's global error
estimate) plus a few units of the working epsilon.

Constructors here build the common events:

* :func:`objective_below` — first t with ``f(x(t)) <= δ``;
* :func:`ball_exit` / :func:`ball_entry` — leaving / entering the closed ball ``‖x − c‖ <= ρ``;
* :func:`residual_below` — ``‖R(x)‖_F <= ε`` for a polynomial residual R, e.g. the distance
  ``‖XXᵀ − M‖_F`` to the set of exact factorizations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..arith import Arith
from ..errors import InputError
from ..numbers import parse_number
from ..problems.base import Problem
from .integrate import Event, EventHit, VectorField, as_field, exact_point, integrate

if TYPE_CHECKING:
    from ..typing import NumberLike, PointLike

__all__ = ["objective_below", "ball_exit", "ball_entry", "residual_below", "level_crossing",
           "hitting_time"]


def _num(v: Any, what: str) -> Any:
    val = parse_number(v)
    if not val.is_positive and what != "level":
        raise InputError(f"{what} must be positive, got {v!r}")
    return val


def level_crossing(name: str, function: Callable[[Arith, Mapping[str, Any]], Any], level: Any,
                   *, direction: int = 0, terminal: bool = True) -> Event:
    """``g(x) − level`` crossing zero (``function`` polynomial in the state)."""
    lv = parse_number(level)

    def g(A: Arith, x: Mapping[str, Any]) -> Any:
        return function(A, x) - A.const(lv)

    return Event(name, g, direction, terminal, f"{name}: g(x) = {lv}")


def objective_below(problem: Problem, delta: Any, *, terminal: bool = True) -> Event:
    """First time ``f(x(t)) <= δ`` (δ > 0), with f the problem's objective (its own scale)."""
    d = _num(delta, "delta")

    def g(A: Arith, x: Mapping[str, Any]) -> Any:
        return problem.objective(A, dict(x), problem.data_in(A)) - A.const(d)

    return Event(f"f <= {d}", g, -1, terminal, f"f(x) falls to {d}")


def _ball(center: PointLike, radius: NumberLike, variables: Mapping[str, tuple[int, ...]]
          ) -> tuple[dict[str, np.ndarray], Any]:
    c = exact_point(variables, center)
    rho = _num(radius, "radius")
    return c, rho


def ball_exit(system: Problem | VectorField, center: PointLike, radius: NumberLike, *,
              terminal: bool = True) -> Event:
    """First time ``‖x(t) − c‖ = ρ`` with ‖·‖ rising (leaving the ball; Frobenius norm over all
    variables)."""
    vf = as_field(system)
    c, rho = _ball(center, radius, vf.variables)

    def g(A: Arith, x: Mapping[str, Any]) -> Any:
        total: Any = -A.const(rho) ** 2
        for k, arr in c.items():
            d = x[k] - A.asarray(arr) if arr.shape else x[k] - A.const(arr[()])
            total = total + ((d * d).sum() if arr.shape else d * d)
        return total

    return Event(f"leave ball(radius {rho})", g, +1, terminal, f"‖x − c‖ = {rho}, leaving")


def ball_entry(system: Problem | VectorField, center: Any, radius: Any, *,
               terminal: bool = True) -> Event:
    """First time ``‖x(t) − c‖ = ρ`` with ‖·‖ falling (entering the ball)."""
    ev = ball_exit(system, center, radius, terminal=terminal)
    return Event(ev.name.replace("leave", "enter"), ev.function, -1, terminal,
                 ev.description.replace("leaving", "entering"))


def residual_below(residual: Callable[[Arith, Mapping[str, Any]], Any], eps: Any, *,
                   name: str = "residual", terminal: bool = True) -> Event:
    """First time ``‖R(x(t))‖_F <= ε`` for a polynomial residual ``R(A, x)`` (an array)."""
    e = _num(eps, "eps")

    def g(A: Arith, x: Mapping[str, Any]) -> Any:
        R = residual(A, x)
        return (R * R).sum() - A.const(e) ** 2

    return Event(f"‖{name}‖ <= {e}", g, -1, terminal, f"‖{name}‖_F falls to {e}")


def hitting_time(system: Problem | VectorField, x0: PointLike, event: Event, t_max: NumberLike, *,
                 dps: int = 30, **options: Any) -> EventHit | None:
    """The first hit of ``event`` on ``[0, t_max]``, or None if it does not fire."""
    ev = Event(event.name, event.function, event.direction, True, event.description)
    res = integrate(system, x0, [t_max], dps=dps, events=[ev], **options)
    return res.events[0] if res.events else None
