"""Exact polynomial objectives and their evaluation in ball arithmetic.

The certifier never trusts closed forms or floating point: it re-derives f, ∇f and ∇²f with
SymPy from ``problem.objective`` evaluated on ``problem.symbolic_point()`` (exact arithmetic), and
evaluates the resulting polynomials with python-flint ``arb`` balls. Coefficients are exact SymPy
numbers (rationals and surds) converted to balls by a whitelisted walk of their expression tree
(:func:`exact_to_arb`); nothing is ever ``eval``-ed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from flint import arb, arb_mat, ctx, fmpq

from ..errors import UnsupportedError
from ..problems import Problem

__all__ = ["PolySystem", "derive", "exact_to_arb", "exact_to_fmpq", "working_precision",
           "ball_box", "arb_str"]

#: Default working precision of the certifier, in bits.
DEFAULT_PREC = 200


@contextlib.contextmanager
def working_precision(bits: int = DEFAULT_PREC) -> Iterator[None]:
    """Temporarily set python-flint's ball precision (bits)."""
    old = ctx.prec
    ctx.prec = int(bits)
    try:
        yield
    finally:
        ctx.prec = old


def exact_to_fmpq(value: Any) -> fmpq:
    """An exact SymPy rational (or int) as a flint ``fmpq``; raises for anything else."""
    v = sp.Integer(int(value)) if isinstance(value, (int, np.integer)) else value
    if not isinstance(v, sp.Rational):
        raise UnsupportedError(f"{value} is not a rational number")
    return fmpq(int(v.p), int(v.q))


def exact_to_arb(expr: Any) -> arb:
    """A ball containing the exact real number ``expr`` (whitelisted SymPy tree walk).

    Allowed nodes: integers, rationals, ``+``, ``*``, powers with rational exponents, and the
    constants ``pi`` and ``E``. Floats are rejected: a certificate must start from exact data.
    """
    if isinstance(expr, (int, np.integer)):
        return arb(int(expr))
    if not isinstance(expr, sp.Basic):
        raise UnsupportedError(f"cannot convert {expr!r} to a ball: not an exact number")
    if isinstance(expr, sp.Rational):
        return arb(fmpq(int(expr.p), int(expr.q)))
    if isinstance(expr, sp.Float):
        raise UnsupportedError(f"floating-point number {expr} in exact data")
    if expr is sp.pi:
        return arb.pi()
    if expr is sp.E:
        return arb(1).exp()
    if isinstance(expr, sp.Add):
        out = arb(0)
        for a in expr.args:
            out = out + exact_to_arb(a)
        return out
    if isinstance(expr, sp.Mul):
        out = arb(1)
        for a in expr.args:
            out = out * exact_to_arb(a)
        return out
    if isinstance(expr, sp.Pow):
        base = exact_to_arb(expr.base)
        e = expr.exp
        if not isinstance(e, sp.Rational):
            raise UnsupportedError(f"exponent {e} is not rational in {expr}")
        p, q = int(e.p), int(e.q)
        if q == 1:
            return base**p if p >= 0 else 1 / base**(-p)
        if q == 2:
            root = base.sqrt()
        else:
            root = base.root(q)
        return root**p if p >= 0 else 1 / root**(-p)
    raise UnsupportedError(f"cannot convert {expr} ({type(expr).__name__}) to a ball")


def ball_box(center: Sequence[Any], radius: Any) -> list[arb]:
    """Balls containing the box ``center_i ± radius`` (exact SymPy center and radius)."""
    r = exact_to_arb(radius)
    out = []
    for c in center:
        cb = exact_to_arb(c)
        out.append((cb - r).union(cb + r))
    return out


def arb_str(x: arb, digits: int = 20) -> str:
    """A short human-readable ``[mid +/- rad]`` rendering of a ball."""
    return x.str(digits, radius=True)


@dataclass
class _PolyEval:
    """One polynomial as (exponent tuples, ball coefficients), evaluated by Horner-free sums."""

    monoms: list[tuple[int, ...]]
    coeffs: list[Any]  # exact SymPy numbers

    def eval_arb(self, powers: list[list[arb]]) -> arb:
        total = arb(0)
        for mono, c in zip(self.monoms, self.coeffs, strict=True):
            term = exact_to_arb(c)
            for i, e in enumerate(mono):
                if e:
                    term = term * powers[i][e]
            total = total + term
        return total


@dataclass
class PolySystem:
    """f, ∇f and ∇²f of a problem as exact SymPy polynomials in the flat variables.

    Attributes
    ----------
    symbols
        The flat variable symbols, in the order of :meth:`Problem.flatten`.
    value, grad, hess
        Expanded SymPy expressions (polynomials with exact coefficients).
    """

    symbols: list[sp.Symbol]
    value: sp.Expr
    grad: list[sp.Expr]
    hess: list[list[sp.Expr]]

    def __post_init__(self) -> None:
        self._compiled: dict[str, Any] = {}

    def _compile(self, key: str, expr: sp.Expr) -> _PolyEval:
        if key not in self._compiled:
            poly = sp.Poly(expr, *self.symbols) if expr != 0 else None
            if poly is None:
                self._compiled[key] = _PolyEval([], [])
            else:
                terms = poly.terms()
                self._compiled[key] = _PolyEval([t[0] for t in terms],
                                                [sp.nsimplify(t[1]) if isinstance(t[1], sp.Float)
                                                 else t[1] for t in terms])
        return self._compiled[key]

    def _powers(self, x: Sequence[arb]) -> list[list[arb]]:
        deg = 8
        out = []
        for xi in x:
            p = [arb(1)]
            for _ in range(deg):
                p.append(p[-1] * xi)
            out.append(p)
        return out

    # -- evaluations on balls -------------------------------------------------------------
    def value_arb(self, x: Sequence[arb]) -> arb:
        return self._compile("f", self.value).eval_arb(self._powers(x))

    def grad_arb(self, x: Sequence[arb], idx: Sequence[int] | None = None) -> list[arb]:
        pw = self._powers(x)
        idx = range(len(self.symbols)) if idx is None else idx
        return [self._compile(f"g{i}", self.grad[i]).eval_arb(pw) for i in idx]

    def hess_arb(self, x: Sequence[arb], idx: Sequence[int] | None = None) -> arb_mat:
        pw = self._powers(x)
        idx = list(range(len(self.symbols))) if idx is None else list(idx)
        k = len(idx)
        H = arb_mat(k, k)
        for a, i in enumerate(idx):
            for b, j in enumerate(idx):
                if b < a:
                    H[a, b] = H[b, a]
                    continue
                key = f"h{min(i, j)}_{max(i, j)}"
                H[a, b] = self._compile(key, self.hess[i][j]).eval_arb(pw)
        return H

    # -- exact evaluations ----------------------------------------------------------------
    def subs(self, x: Sequence[Any]) -> dict[sp.Symbol, Any]:
        return dict(zip(self.symbols, x, strict=True))

    def value_exact(self, x: Sequence[Any]) -> sp.Expr:
        return sp.radsimp(sp.expand(self.value.xreplace(self.subs(x))))

    def grad_exact(self, x: Sequence[Any]) -> list[sp.Expr]:
        s = self.subs(x)
        return [sp.radsimp(sp.expand(g.xreplace(s))) for g in self.grad]

    def hess_exact(self, x: Sequence[Any]) -> sp.Matrix:
        s = self.subs(x)
        n = len(self.symbols)
        return sp.Matrix(n, n, lambda i, j: sp.radsimp(sp.expand(self.hess[i][j].xreplace(s))))


_CACHE: dict[str, PolySystem] = {}


def derive(problem: Problem) -> PolySystem:
    """Derive f, ∇f, ∇²f of ``problem`` symbolically from its objective (exact, expanded).

    Raises :class:`UnsupportedError` when the objective is not a polynomial in the variables.
    """
    import json

    try:
        key = json.dumps(problem.to_spec(), sort_keys=True, default=str)
    except Exception:  # noqa: BLE001 - problems without a spec are simply not cached
        key = ""
    if key and key in _CACHE:
        return _CACHE[key]
    f, syms = problem.symbolic_objective()
    if not f.is_polynomial(*syms):
        raise UnsupportedError("the objective is not a polynomial in the variables; the "
                               "certifier handles polynomial objectives only")
    if f != 0 and sp.Poly(f, *syms).total_degree() > 8:
        raise UnsupportedError("the objective has degree > 8; the certifier handles degree <= 8")
    grad = [sp.expand(sp.diff(f, s)) for s in syms]
    n = len(syms)
    hess = [[sp.Integer(0)] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            hess[i][j] = hess[j][i] = sp.expand(sp.diff(grad[i], syms[j]))
    out = PolySystem(syms, f, grad, hess)
    if key:
        _CACHE[key] = out
    return out
