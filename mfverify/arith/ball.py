"""Ball arithmetic: object arrays of python-flint ``arb`` balls (rigorous enclosures).

An ``arb`` is a midpoint-radius ball ``[m ± r]`` that is guaranteed to contain the exact real it
stands for; every operation returns a ball containing every exact result of the operation on
members of its operands (the inclusion property, Johansson 2017, "Arb: efficient
arbitrary-precision midpoint-radius interval arithmetic", IEEE Trans. Computers 66(8)). So a
problem's objective or gradient written once against :class:`~mfverify.arith.Arith` and
evaluated in :class:`BallArith` yields rigorous enclosures, which is what the validated flow
integrator (:mod:`mfverify.flow.validated`) builds on.

Exact inputs are enclosed rigorously: integers and rationals exactly or to within the working
precision, and SymPy expressions built from rationals, ``+``, ``*``, integer and rational powers
(``sqrt``), ``pi`` and ``E`` by evaluating the expression tree in ball arithmetic.

python-flint keeps its precision in one global context (``flint.ctx.prec``); :func:`workprec`
sets it for a block and restores it afterwards.

>>> from mfverify.arith.ball import BallArith
>>> A = BallArith(prec=100)
>>> x = A.const("sqrt(2)")
>>> (x * x).contains(2)
True
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import sympy as sp

from ..errors import InputError, NonFiniteError, ShapeError, UnsupportedError
from ..numbers import parse_number
from .base import Arith

__all__ = ["BallArith", "to_arb", "workprec", "ARB"]

ARB = flint.arb


@contextmanager
def workprec(bits: int) -> Iterator[None]:
    """Set python-flint's working precision to ``bits`` for the block (restored on exit)."""
    old = flint.ctx.prec
    flint.ctx.prec = int(bits)
    try:
        yield
    finally:
        flint.ctx.prec = old


def _expr_to_arb(e: sp.Basic) -> flint.arb:
    if e.is_Integer:
        return ARB(int(e))
    if e.is_Rational:
        return ARB(flint.fmpq(int(e.p), int(e.q)))
    if e is sp.pi:
        return ARB.pi()
    if e is sp.E:
        return ARB.const_e()
    if e.is_Add:
        acc = ARB(0)
        for a in e.args:
            acc = acc + _expr_to_arb(a)
        return acc
    if e.is_Mul:
        acc = ARB(1)
        for a in e.args:
            acc = acc * _expr_to_arb(a)
        return acc
    if e.is_Pow:
        base, ex = e.args
        b = _expr_to_arb(base)
        if ex.is_Integer:
            n = int(ex)
            if n >= 0:
                return b ** n
            return ARB(1) / (b ** (-n))
        if ex.is_Rational:
            p, q = int(ex.p), int(ex.q)
            root = b.sqrt() if q == 2 else b.root(q)
            return root ** p if p >= 0 else ARB(1) / root ** (-p)
    raise UnsupportedError(f"cannot enclose {e} rigorously in ball arithmetic (supported: "
                           "rationals, +, *, integer and rational powers, pi, E)")


def to_arb(value: Any) -> flint.arb:
    """A ball that contains the exact value ``value`` (at the current working precision).

    Floats are read as the exact decimal they print as (0.1 is 1/10), as everywhere in mfverify.
    """
    if isinstance(value, ARB):
        return value
    if isinstance(value, bool):
        raise InputError("booleans are not numbers")
    if isinstance(value, (int, np.integer)) or type(value).__name__ == "mpz":
        return ARB(int(value))
    if isinstance(value, Fraction):
        return ARB(flint.fmpq(value.numerator, value.denominator))
    if hasattr(value, "_mpf_"):
        sign, man, exp, _ = value._mpf_
        if not man and exp:
            raise NonFiniteError(f"non-finite value {value!r}")
        v = ARB(int(man)) * ARB(2) ** int(exp) if exp >= 0 else ARB(int(man)) / ARB(2) ** (-exp)
        return -v if sign else v
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise NonFiniteError(f"non-finite value {value!r}")
        value = parse_number(float(value))
    expr = value if isinstance(value, sp.Basic) else parse_number(value)
    if not expr.is_number:
        raise UnsupportedError(f"cannot use the symbolic value {expr} as a number")
    return _expr_to_arb(expr)


class BallArith(Arith):
    """python-flint ``arb`` arithmetic at ``prec`` bits: every result is a rigorous enclosure.

    Parameters
    ----------
    prec
        Working precision in bits; the operations of a call should run inside
        :func:`workprec` (``with workprec(A.prec): ...``) so that python-flint uses it.
    """

    name = "ball"
    exact = False

    def __init__(self, prec: int = 128) -> None:
        if not isinstance(prec, int) or isinstance(prec, bool) or prec < 16 or prec > 400000:
            raise InputError(f"prec must be an integer in [16, 400000] bits, got {prec!r}")
        self.prec = prec
        #: the decimal digits of ``prec`` (part of the data-cache key of problems)
        self.dps = -prec

    def const(self, value: Any) -> flint.arb:
        with workprec(self.prec):
            return to_arb(value)

    def asarray(self, data: Any) -> np.ndarray:
        if isinstance(data, sp.MatrixBase):
            data = data.tolist()
        arr = np.array(data, dtype=object)
        flat = arr.reshape(-1)
        with workprec(self.prec):
            for k, v in enumerate(flat):
                flat[k] = to_arb(v)
        return flat.reshape(arr.shape)

    def sqrt(self, x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return np.vectorize(lambda v: to_arb(v).sqrt(), otypes=[object])(x)
        return to_arb(x).sqrt()

    def inv(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=object)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ShapeError(f"inv needs one square matrix, got shape {a.shape}")
        try:
            m = flint.arb_mat([[to_arb(v) for v in row] for row in a.tolist()]).inv()
        except ZeroDivisionError as exc:
            raise UnsupportedError("matrix is not certified invertible in ball arithmetic") \
                from exc
        return np.array(m.tolist(), dtype=object)

    def to_sympy(self, x: Any) -> sp.Expr:
        return sp.Float(to_arb(x).mid().str(radius=False, more=True), max(15, self.prec // 3))

    def __repr__(self) -> str:
        return f"BallArith(prec={self.prec})"
