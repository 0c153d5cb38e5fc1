"""Shared helpers of the flow claims (exact instances; not a claims module: leading underscore)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import sympy as sp

__all__ = ["cayley_orthogonal", "random_rational", "strings", "mp_str",
           "sigma_min_lower_bound", "exact_objective_gradient", "exact_field_vs_gradient",
           "objective_decrease"]


def cayley_orthogonal(n: int, seed: int) -> sp.Matrix:
    """An exactly orthogonal rational matrix Q = (I − S)(I + S)⁻¹, S skew with small rational
    entries (Cayley transform)."""
    rng = random.Random(seed)
    S = sp.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            v = sp.Rational(rng.randint(-5, 5), rng.randint(2, 7))
            S[i, j] = v
            S[j, i] = -v
    eye = sp.eye(n)
    return (eye - S) * (eye + S).inv()


def random_rational(rows: int, cols: int, seed: int, *, den: int = 10, span: int = 9
                    ) -> sp.Matrix:
    rng = random.Random(seed)
    return sp.Matrix(rows, cols, lambda i, j: sp.Rational(rng.randint(-span, span), den))


def strings(m: Any) -> list[list[str]]:
    """Nested lists of exact strings of a SymPy matrix (what flows take as initial data)."""
    if isinstance(m, sp.MatrixBase):
        return [[str(m[i, j]) for j in range(m.cols)] for i in range(m.rows)]
    arr = np.asarray(m, dtype=object)
    return [[str(v) for v in row] for row in arr.tolist()]


def mp_str(v: Any, digits: int = 6) -> str:
    import mpmath

    return mpmath.nstr(v, digits) if hasattr(v, "_mpf_") else str(v)


def sigma_min_lower_bound(X: sp.Matrix) -> sp.Rational:
    """An exact rational lower bound on σ_min(X)² for a rational X with full column rank c.

    With G = XᵀX ⪰ 0 (c×c) and eigenvalues λ₁ >= ... >= λ_c: λ₁···λ_{c−1} <= (tr G)^{c−1}, so
    λ_c = det G / (λ₁···λ_{c−1}) >= det G / (tr G)^{c−1}. Returns 0 when det G = 0 (rank < c).
    """
    G = X.T * X
    tr = G.trace()
    det = G.det()
    return sp.Rational(0) if det == 0 else sp.Rational(det / tr ** (G.rows - 1))


def exact_objective_gradient(problem: Any, x: Any) -> dict[str, np.ndarray]:
    """∇f at the exact point ``x`` (name -> object array of SymPy numbers), from the objective
    only: ∂f/∂x_k is the coefficient of s in f(x + s·e_k) (independent of the closed-form
    gradient of the problem)."""
    from mfverify.arith import ExactArith

    A = ExactArith()
    d = problem.data_in(A)
    s = sp.Symbol("s")
    out: dict[str, np.ndarray] = {}
    for name, arr in x.items():
        flat = np.ravel(np.asarray(arr, dtype=object))
        g = np.empty(flat.size, dtype=object)
        for k in range(flat.size):
            y = {n: np.array(v, dtype=object, copy=True) for n, v in x.items()}
            yk = y[name].reshape(-1)
            yk[k] = yk[k] + s
            y[name] = yk.reshape(np.shape(arr))
            g[k] = sp.expand(problem.objective(A, y, d)).coeff(s, 1)
        out[name] = g.reshape(np.shape(arr))
    return out


def exact_field_vs_gradient(field: Any, problem: Any, x0: Any) -> dict[str, Any]:
    """Is the field the flow integrated the gradient flow ẋ = −∇f of ``problem`` at ``x0``?

    Decided exactly and independently of the closed-form gradient
    (:func:`exact_objective_gradient`), compared entry by entry with ``field.fn`` evaluated at
    x0 in exact arithmetic. ``x0`` maps variable names to nested lists of exact strings.
    """
    from mfverify.arith import ExactArith
    from mfverify.flow import exact_point

    x = exact_point(field.variables, x0)
    F = field.fn(ExactArith(), x)
    grad = exact_objective_gradient(problem, x)
    worst = sp.Integer(0)
    entries = 0
    for name in field.variables:
        Fv = np.ravel(np.asarray(F[name], dtype=object))
        gv = np.ravel(grad[name])
        for k in range(Fv.size):
            worst = max(worst, abs(sp.nsimplify(sp.expand(Fv[k] + gv[k]))))
            entries += 1
    return {"field_is_minus_gradient": bool(worst == 0), "max_abs_difference": str(worst),
            "entries": entries,
            "method": "exact: coefficient of s in f(x0 + s e_k) (SymPy) vs the integrated "
                      "field at x0, every entry"}


def objective_decrease(problem: Any, res: Any, slack: Any) -> dict[str, Any]:
    """f along the recorded steps of a flow: the largest increase between consecutive steps
    (a gradient flow has df/dt = −‖∇f‖² <= 0) and f at the start and the end."""
    A = res.arith
    d = problem.data_in(A)
    vals = [problem.objective(A, st, d) for _t, st, _e in res.trajectory]
    rise = max((b - a for a, b in zip(vals, vals[1:], strict=False)), default=A.ctx.zero)
    rise = max(rise, A.ctx.zero)
    return {"f_start": mp_str(vals[0], 12), "f_end": mp_str(vals[-1], 12),
            "max_increase_between_steps": mp_str(rise),
            "non_increasing": bool(rise <= A.const(slack)), "slack": str(slack),
            "f_values": vals}
