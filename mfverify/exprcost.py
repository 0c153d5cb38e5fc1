"""Upper estimates of the cost of evaluating an expression exactly, checked before any work.

An exact evaluation of an expression of the safe grammar (:mod:`mfverify.expr`) builds SymPy
polynomials entry by entry and expands them. Its memory is driven by the number of terms of the
expanded entries, its time by the number of term-by-term products. :func:`estimate_cost` bounds
both from the syntax tree and the shapes alone, by propagating, for every node, an upper bound
``t`` on the number of terms of one entry, its degree ``d`` and the number ``v`` of scalar
unknowns one entry can involve:

* a name: ``t = 1``, ``d = 1`` (variables) or ``0`` (data), ``v = 1`` (variables) or ``0``;
* ``a + b``: ``t_a + t_b``; a product of scalars or scaling: ``t_a·t_b``; a matrix product with
  inner size k: ``k·t_a·t_b`` per entry (work ``rows·cols·k·t_a·t_b``); ``trace``: ``n·t``;
  ``norm`` and ``inner``: the sum of the N squared (multiplied) entries, ``N·t_a·t_b``;
* ``norm(A)`` is costed as ‖A‖² (so ``norm(A)**k`` as (‖A‖²)^(k/2));
* a scalar power ``s**k``: the multinomial expansion, ``C(t + k − 1, k)`` terms and products;
  a matrix power: the products of repeated squaring;
* every term bound is capped by the number of monomials of degree ≤ d in v unknowns,
  ``C(v + d, d)``, since no polynomial has more.

The estimates are upper bounds (cancellation only lowers the true counts). Limits:
:data:`MAX_TERMS` terms of the whole expanded expression (memory: SymPy needs a few hundred bytes
per term) and :data:`MAX_WORK` term products (time: SymPy does about 10⁵–10⁶ per second). Both can
be raised with the environment variables ``MFVERIFY_MAX_TERMS`` and ``MFVERIFY_MAX_WORK``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from .budget import check_limit
from .errors import InputError
from .expr import BinOp, Func, Identity, Index, Neg, Node, Num, Transpose, Var, _infer

__all__ = ["ExprCost", "estimate_cost", "check_cost", "MAX_TERMS", "MAX_WORK", "max_terms",
           "max_work"]

#: default limit on the estimated terms of an expanded expression (all entries together)
MAX_TERMS = 2_000_000
#: default limit on the estimated term-by-term products of an exact evaluation
MAX_WORK = 10**9

_CAP = 10**40  # estimates saturate here (beyond any limit, and keeps the integers small)


def _env_limit(name: str, default: int) -> int:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = int(float(text))
    except ValueError:
        raise InputError(f"{name} must be a positive integer, got {text!r}") from None
    if value < 1:
        raise InputError(f"{name} must be a positive integer, got {text!r}")
    return value


def max_terms() -> int:
    """The limit in force: ``MFVERIFY_MAX_TERMS`` or :data:`MAX_TERMS`."""
    return _env_limit("MFVERIFY_MAX_TERMS", MAX_TERMS)


def max_work() -> int:
    """The limit in force: ``MFVERIFY_MAX_WORK`` or :data:`MAX_WORK`."""
    return _env_limit("MFVERIFY_MAX_WORK", MAX_WORK)


@dataclass(frozen=True)
class ExprCost:
    """Estimates for one expression: ``terms`` of all expanded entries together, ``work`` term
    products, ``degree`` and ``entries`` (number of entries of the value)."""

    terms: int
    work: int
    degree: int
    entries: int


@dataclass(frozen=True)
class _Est:
    shape: tuple[int, ...]
    t: int
    d: int
    v: int
    work: int

    @property
    def entries(self) -> int:
        return math.prod(self.shape)


def _cap(x: int) -> int:
    return min(int(x), _CAP)


def _monomials(v: int, d: int) -> int:
    """C(v + d, d): the number of monomials of degree <= d in v unknowns (saturated)."""
    if v == 0 or d == 0:
        return 1
    d = min(d, 10_000)
    lg = math.lgamma(v + d + 1) - math.lgamma(d + 1) - math.lgamma(v + 1)
    return _CAP if lg > 92 else _cap(math.comb(v + d, d))


class _Estimator:
    def __init__(self, table: Mapping[str, tuple[int, ...]], variables: set[str],
                 total_vars: int) -> None:
        self.table = table
        self.variables = variables
        self.total = max(total_vars, 1)

    def est(self, shape: tuple[int, ...], t: int, d: int, v: int, work: int) -> _Est:
        v = min(v, self.total)
        return _Est(shape, max(1, min(_cap(t), _monomials(v, d))), d, v, _cap(work))

    def shape(self, node: Node) -> tuple[int, ...]:
        s = _infer(node, self.table)
        return () if s is None else s  # I sized by context: costed as a scalar

    def __call__(self, node: Node) -> _Est:
        if isinstance(node, (Num, Identity)):
            return self.est(self.shape(node), 1, 0, 0, 0)
        if isinstance(node, Var):
            var = node.name in self.variables
            return self.est(self.shape(node), 1, int(var), int(var), 0)
        if isinstance(node, (Neg, Transpose, Index)):
            e = self(node.operand)
            return self.est(self.shape(node), e.t, e.d, e.v, e.work)
        if isinstance(node, BinOp):
            return self.binop(node)
        if isinstance(node, Func):
            return self.func(node)
        raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover

    def binop(self, node: BinOp) -> _Est:
        a = self(node.left)
        shape = self.shape(node)
        if node.op == "**":
            k = abs(node.right.value)  # type: ignore[attr-defined]
            if isinstance(node.left, Func) and node.left.name == "norm":
                k = k / 2  # the estimate of norm(A) is that of its square ‖A‖²
            kk = int(math.ceil(k))
            if len(a.shape) == 2 and a.shape != ():
                return self.matrix_power(a, kk, shape)
            terms = _cap(math.comb(a.t + kk - 1, kk)) if kk > 0 and a.t > 1 else 1
            terms = min(terms, _cap(a.t ** min(kk, 64)))
            return self.est(shape, terms, a.d * kk, a.v, a.work + terms)
        b = self(node.right)
        work = a.work + b.work
        if node.op in "+-":
            return self.est(shape, a.t + b.t, max(a.d, b.d), a.v + b.v, work)
        if node.op == "/":
            return self.est(shape, a.t, a.d, a.v + b.v, work + math.prod(shape) * a.t * b.t)
        inner = self.inner_size(node, a, b)
        t = inner * a.t * b.t
        return self.est(shape, t, a.d + b.d, inner * (a.v + b.v),
                        work + math.prod(shape) * t)

    @staticmethod
    def inner_size(node: BinOp, a: _Est, b: _Est) -> int:
        if node.op == "@" or (node.op == "*" and a.shape and b.shape):
            return a.shape[-1] if a.shape else 1
        return 1

    def matrix_power(self, a: _Est, k: int, shape: tuple[int, ...]) -> _Est:
        n = a.shape[-1]
        cur, result, work = a, None, a.work
        while k:
            if k & 1:
                if result is None:
                    result = cur
                else:
                    t = n * result.t * cur.t
                    work += n * n * t
                    result = self.est(shape, t, result.d + cur.d, n * (result.v + cur.v), work)
            k >>= 1
            if k:
                t = n * cur.t * cur.t
                work += n * n * t
                cur = self.est(shape, t, 2 * cur.d, 2 * n * cur.v, work)
        if result is None:
            return self.est(shape, 1, 0, 0, work)
        return self.est(shape, result.t, result.d, result.v, work)

    def func(self, node: Func) -> _Est:
        args = [self(x) for x in node.args]
        shape = self.shape(node)
        a = args[0]
        work = sum(x.work for x in args)
        name = node.name
        if name == "trace":
            n = a.shape[-1] if a.shape else 1
            return self.est(shape, n * a.t, a.d, n * a.v, work)
        if name in ("norm", "inner"):
            b = args[-1]
            N = max(a.entries, 1)
            t = N * a.t * b.t
            return self.est(shape, t, a.d + b.d, N * (a.v + b.v), work + t)
        if name == "hadamard":
            b = args[1]
            t = a.t * b.t
            return self.est(shape, t, a.d + b.d, a.v + b.v, work + max(a.entries, 1) * t)
        if name == "inv" and len(a.shape) == 2:
            n = a.shape[-1]
            t = math.factorial(min(n, 60)) * a.t ** min(n, 60)
            return self.est(shape, t, n * a.d, a.v * n * n, work + a.entries * t)
        return self.est(shape, a.t, a.d, a.v, work)


def estimate_cost(node: Node, shapes: Mapping[str, tuple[int, ...]],
                  variables: Mapping[str, tuple[int, ...]] | set[str] | None = None
                  ) -> ExprCost:
    """Upper estimates of the exact evaluation of ``node``.

    ``shapes`` maps every name to its shape; ``variables`` names the unknowns (the others are
    numeric data). See the module docstring for the rules.
    """
    names = set(shapes if variables is None else variables)
    total = sum(math.prod(shapes[k]) for k in names if k in shapes)
    e = _Estimator(shapes, names, total)(node)
    return ExprCost(terms=_cap(e.entries * e.t), work=e.work, degree=e.d, entries=e.entries)


def check_cost(cost: ExprCost, what: str) -> None:
    """Refuse (``LimitError``) an expression whose estimates exceed the limits in force."""
    check_limit(cost.terms, max_terms(), f"the estimated number of terms of {what} expanded",
                "simplify it or use smaller variables, or raise the limit with "
                "MFVERIFY_MAX_TERMS=N (memory grows with it)")
    check_limit(cost.work, max_work(), f"the estimated work (term products) to expand {what}",
                "simplify it or use smaller sizes or powers, or raise the limit with "
                "MFVERIFY_MAX_WORK=N (time grows with it)")
