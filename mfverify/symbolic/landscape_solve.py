"""Step 1 of :func:`~mfverify.symbolic.landscape.landscape`: solve ∇f = 0 in the charts of the
quotient strategy (or through a structure theorem), exactly.

The strategy (:mod:`mfverify.symbolic.quotients`) supplies the charts and says which
positive-dimensional pieces are single orbits; rotated gauges P·L are tried when a piece of the
identity gauge is not an orbit (the sparser identity-gauge result is kept when none helps).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..errors import BudgetExceeded, UnsupportedError
from .quotients import Quotient, Structured
from .stationary import (
    AlgebraicPoint,
    Budget,
    Chart,
    Piece,
    cayley_rotation,
    chart_point_to_original,
    solve_chart,
)

__all__ = ["Solved", "solve_stage"]


@dataclass
class Solved:
    """What the solve step found: isolated points (original coordinates), positive-dimensional
    pieces with their charts, structure-theorem orbits, and why the list is complete."""

    points: list[AlgebraicPoint] = field(default_factory=list)
    pieces: list[tuple[Chart, Piece]] = field(default_factory=list)
    structured: Structured = field(default_factory=Structured)
    reasons: list[str] = field(default_factory=list)
    method: str = ""
    why: str = ""
    groebner_calls: int = 0


def _solve_charts(quotient: Quotient, grad: list[sp.Expr], gens: list[sp.Symbol],
                  P: sp.Matrix | None, B: Budget, seed: int, out: Solved) -> bool:
    """Solve every chart; False when the budget ran out or the input is unsupported."""
    charts, out.why = quotient.charts(P)
    out.points, out.pieces = [], []
    out.method = "; ".join(c.name for c in charts)
    ch = charts[0]
    try:
        for ch in charts:
            sol = solve_chart(grad, ch, B, seed=seed)
            out.groebner_calls += sol.groebner_calls
            out.points += [chart_point_to_original(p, ch, gens) for p in sol.points]
            out.pieces += [(ch, pc) for pc in sol.pieces]
    except BudgetExceeded as exc:
        out.reasons.append(str(exc))
        partial = getattr(exc, "partial", None)
        if partial is not None:
            out.points += [chart_point_to_original(p, ch, gens) for p in partial.points]
        return False
    except UnsupportedError as exc:
        out.reasons.append(str(exc))
        return False
    return True


def solve_stage(quotient: Quotient, f: sp.Expr, grad: list[sp.Expr], gens: list[sp.Symbol],
                B: Budget, seed: int, evidence: dict[str, Any],
                structured: Structured | None = None) -> Solved:
    """Points and pieces of the stationary set (module docstring); ``structured`` is the
    strategy's structure-theorem result when already computed."""
    out = Solved()
    out.structured = (quotient.structure(f, B, seed, evidence) if structured is None
                      else structured)
    out.reasons += out.structured.reasons
    out.groebner_calls += out.structured.groebner_calls
    if out.structured.method:
        out.method, out.why = out.structured.method, out.structured.why
        return out
    first: tuple[Any, ...] | None = None
    attempts = quotient.attempts
    for attempt in attempts:
        P = None if attempt is None else cayley_rotation(quotient.rotation_size(),
                                                         seed + attempt)
        if not _solve_charts(quotient, grad, gens, P, B, seed, out):
            break
        if not out.pieces:
            break
        try:
            extra, pieces, n_gb, all_orbits = quotient.accept_pieces(out.pieces, B, seed)
        except BudgetExceeded as exc:
            out.reasons.append(str(exc))
            break
        out.groebner_calls += n_gb
        out.points += extra
        out.pieces = pieces
        if all_orbits or len(attempts) == 1:
            break
        if first is None:
            first = (out.points, out.pieces, out.method, out.why)
        if attempt != attempts[-1]:
            continue
        # no rotation helped: keep the (sparser) identity-gauge result
        out.points, out.pieces, out.method, out.why = first
    return out
