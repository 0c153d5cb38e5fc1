"""Check a problem's closed-form gradient and Hessian-vector product against the SymPy
derivative of its objective, exactly.

The point is symbolic (fresh symbols for every entry) and the data may be symbolic too (pass
``data={"M": symmetric matrix of symbols, "scale": Symbol("c")}``), so an empty residual list
*proves* the closed forms for every point and every datum of that size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..arith import ExactArith
from .base import Problem

__all__ = ["ClosedFormCheck", "check_closed_forms", "symbolic_matrix"]


def symbolic_matrix(name: str, rows: int, cols: int, *, symmetric: bool = False,
                    positive: bool = False) -> np.ndarray:
    """An object array of real symbols ``name_i_j`` (``name_min_max`` when symmetric)."""
    out = np.empty((rows, cols), dtype=object)
    for i in range(rows):
        for j in range(cols):
            a, b = (min(i, j), max(i, j)) if symmetric else (i, j)
            out[i, j] = sp.Symbol(f"{name}_{a}_{b}", real=True, positive=positive or None)
    return out


@dataclass
class ClosedFormCheck:
    """Result of :func:`check_closed_forms` for one problem instance."""

    problem: str
    variables: dict[str, tuple[int, ...]]
    gradient_ok: bool
    hvp_ok: bool
    gradient_mismatches: list[str] = field(default_factory=list)
    hvp_mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.gradient_ok and self.hvp_ok


def check_closed_forms(problem: Problem, data: Mapping[str, Any] | None = None) -> ClosedFormCheck:
    """Compare ``problem.gradient`` / ``problem.hvp`` with ∂f/∂x and Σ_j ∂²f/∂x_i∂x_j·d_j.

    Both sides are expanded polynomials (or rational functions) in the symbols, so equality is
    decided exactly. ``data`` overrides problem data with symbolic values.
    """
    A = ExactArith()
    d = problem.data_in(A, None)
    if data:
        d = dict(d)
        d.update(data)
    x = problem.symbolic_point()
    v = problem.symbolic_point("D")
    f = sp.expand(problem.objective(A, x, d))
    xs = list(problem.flatten(x))
    vs = list(problem.flatten(v))
    g_true = [sp.diff(f, s) for s in xs]
    g_closed = list(problem.flatten(problem.gradient(A, x, d)))
    h_closed = list(problem.flatten(problem.hvp(A, x, v, d)))
    gmis, hmis = [], []
    for k, (gt, gc) in enumerate(zip(g_true, g_closed, strict=True)):
        if sp.expand(gt - gc) != 0:
            gmis.append(f"gradient entry {k} ({xs[k]})")
    for i in range(len(xs)):
        ht = sum((sp.diff(g_true[i], xs[j]) * vs[j] for j in range(len(xs))), sp.Integer(0))
        if sp.expand(ht - h_closed[i]) != 0:
            hmis.append(f"hvp entry {i} ({xs[i]})")
    return ClosedFormCheck(problem.kind, dict(problem.variables), not gmis, not hmis, gmis, hmis)
