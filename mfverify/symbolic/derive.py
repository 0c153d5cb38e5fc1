"""Symbolic derivation: gradient, Hessian (matrix on the flat vector and quadratic form
D ↦ ∇²f(x)[D, D]) and stationarity conditions of any problem at a fixed small size.

Everything is differentiated from the objective itself (evaluated with
:class:`~mfverify.arith.ExactArith` on ``problem.symbolic_point()``); closed forms of the
problem are never trusted. Data can be numeric (rationals, surds) or symbolic: pass
``data={"M": [[l1, 0], [0, l2]]}`` with SymPy symbols carrying assumptions. An order such as
λ₁ > λ₂ > 0 is encoded with positive symbols, λ₂ = a, λ₁ = a + b (a, b > 0), so that SymPy's
sign reasoning applies (see :func:`ordered_parameters`).

For the symmetric and asymmetric MF problems the quadratic form is also given in matrix notation
(the normalization of docs/problems.md), and that matrix formula is *proved* equal to the entrywise
second derivative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..arith import ExactArith
from ..problems.base import Problem

__all__ = ["Derivation", "derive", "ordered_parameters"]


def ordered_parameters(k: int, name: str = "lambda") -> tuple[list[sp.Expr], list[sp.Symbol]]:
    """λ₁ > λ₂ > … > λ_k > 0 encoded by positive symbols: λ_k = g_k, λ_i = λ_{i+1} + g_i.

    Returns ``(lambdas, gaps)``; SymPy then knows e.g. that λ₁ − λ₂ = g₁ > 0."""
    gaps = [sp.Symbol(f"g{i + 1}", positive=True) for i in range(k)]
    lam: list[sp.Expr] = [sp.Integer(0)] * k
    acc: sp.Expr = sp.Integer(0)
    for i in range(k - 1, -1, -1):
        acc = acc + gaps[i]
        lam[i] = acc
    return lam, gaps


@dataclass
class Derivation:
    """The derivatives of one objective (all exact SymPy objects).

    Attributes
    ----------
    objective
        f as an expanded polynomial in the entry symbols.
    variables
        The entry symbols in flat order (problem order, row-major).
    gradient
        Name -> matrix of ∂f/∂(entry).
    hessian
        The dim × dim Hessian on the flat vector.
    direction
        Name -> matrix of direction symbols D (``D_X_i_j``).
    quadratic_form
        ∇²f(x)[D, D] = d²/dt² f(x + tD)|_{t=0}, expanded in the entries.
    matrix_form
        The same quadratic form in matrix notation (text), proved equal, or None.
    stationarity
        The equations ∂f/∂(entry) = 0.
    """

    objective: sp.Expr
    variables: list[sp.Symbol]
    gradient: dict[str, sp.Matrix]
    hessian: sp.Matrix
    direction: dict[str, sp.Matrix]
    quadratic_form: sp.Expr
    matrix_form: str | None
    stationarity: list[sp.Eq]

    def plain(self) -> str:
        lines = [f"f = {self.objective}"]
        for k, g in self.gradient.items():
            lines.append(f"df/d{k} = {g.tolist()}")
        lines.append(f"Hessian (flat order {[str(v) for v in self.variables]}) = "
                     f"{self.hessian.tolist()}")
        lines.append(f"Hess f[D, D] = {self.quadratic_form}")
        if self.matrix_form:
            lines.append(f"Hess f[D, D] = {self.matrix_form}   (proved equal)")
        lines.append("stationarity: " + "; ".join(f"{e.lhs} = 0" for e in self.stationarity))
        return "\n".join(lines)

    def latex(self) -> str:
        parts = [rf"f = {sp.latex(self.objective)}"]
        for k, g in self.gradient.items():
            parts.append(rf"\nabla_{{{k}}} f = {sp.latex(g)}")
        parts.append(rf"\nabla^2 f = {sp.latex(self.hessian)}")
        parts.append(rf"\nabla^2 f[D, D] = {sp.latex(self.quadratic_form)}")
        return "\n\n".join(parts)


def derive(problem: Problem, *, data: dict[str, Any] | None = None) -> Derivation:
    """Differentiate ``problem``'s objective exactly.

    Parameters
    ----------
    problem
        Any problem; its objective must be differentiable by SymPy (polynomial for MF).
    data
        Optional overrides of the problem data, e.g. a symbolic ``M``.

    Examples
    --------
    >>> from mfverify.problems import SymmetricMF
    >>> d = derive(SymmetricMF([[3, 0], [0, 1]], rank=1))
    >>> d.gradient["X"].tolist()
    [[X_0_0**3 + X_0_0*X_1_0**2 - 3*X_0_0], [X_0_0**2*X_1_0 + X_1_0**3 - X_1_0]]
    """
    A = ExactArith()
    x = problem.symbolic_point()
    d = problem.data_in(A, data)
    if data:
        f = A.finish(problem.objective(A, x, d))
        f = sp.expand(f.item() if isinstance(f, np.ndarray) else f)
    else:
        f = problem.symbolic_objective()[0]
    gens = list(problem.flatten(x))
    grad_flat = [sp.expand(sp.diff(f, g)) for g in gens]
    gdict = {k: sp.Matrix(np.atleast_2d(np.asarray(v, dtype=object)).tolist())
             for k, v in problem.unflatten(np.array(grad_flat, dtype=object)).items()}
    H = sp.hessian(f, gens)
    D = problem.symbolic_point(prefix=None)
    D = {k: np.vectorize(lambda s: sp.Symbol("D_" + s.name, real=True), otypes=[object])(v)
         for k, v in D.items()}
    dflat = list(problem.flatten(D))
    t = sp.Symbol("t")
    sub = {g: g + t * e for g, e in zip(gens, dflat, strict=True)}
    qf = sp.expand(sp.diff(f.xreplace(sub), t, 2).subs(t, 0))
    tmpl = problem.hessian_matrix_form(x, D, d)
    matrix_form = None
    if tmpl is not None and sp.expand(tmpl[1] - qf) == 0:
        matrix_form = tmpl[0]
    return Derivation(f, gens, gdict, H, {k: sp.Matrix(np.atleast_2d(v).tolist())
                                          for k, v in D.items()}, qf, matrix_form,
                      [sp.Eq(g, 0) for g in grad_flat])
