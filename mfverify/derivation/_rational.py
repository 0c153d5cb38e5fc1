"""Exact arithmetic on a line: entries are polynomials in t with rational coefficients.

A float64 point x and direction d are exact binary rationals. Evaluating a polynomial
objective at x + t·d with entries in ℚ[t] (python-flint's ``fmpq_poly``) gives the exact
polynomial t ↦ f(x + t d); its coefficient of t is the exact directional derivative ⟨∇f(x), d⟩
and twice its coefficient of t² the exact ∇²f(x)[d, d]. This certifies a numeric refutation
at any size (n = 100, r = 10 costs well under a second). Objectives that take square roots or
inverses are not polynomial on a line: they raise :class:`UnsupportedError`, and the caller
falls back to an uncertified verdict.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ..arith.base import Arith
from ..errors import UnsupportedError
from ._poly import _Root  # √v kept symbolic; raises NotPolynomial (an UnsupportedError)

__all__ = ["LineArith", "RationalArith", "line_polynomial_available"]

try:  # python-flint is a core dependency; keep the import local to this module
    import flint
except ImportError:  # pragma: no cover
    flint = None


def line_polynomial_available() -> bool:
    return flint is not None


class LineArith(Arith):
    """Object arrays of ``flint.fmpq_poly`` (exact polynomials in the line parameter t)."""

    name = "exact-line"
    exact = True

    def const(self, value: Any) -> Any:
        if flint is None:  # pragma: no cover
            raise UnsupportedError("python-flint is not installed")
        if isinstance(value, flint.fmpq_poly):
            return value
        if isinstance(value, flint.fmpq):
            return flint.fmpq_poly([value])
        if isinstance(value, (bool, np.bool_)):
            raise UnsupportedError("booleans are not numbers")
        if isinstance(value, (int, np.integer)):
            return flint.fmpq_poly([int(value)])
        if isinstance(value, (float, np.floating)):
            if not np.isfinite(value):
                raise UnsupportedError("non-finite value")
            f = Fraction(float(value))
            return flint.fmpq_poly([flint.fmpq(f.numerator, f.denominator)])
        if isinstance(value, sp.Basic) and value.is_Rational:
            return flint.fmpq_poly([flint.fmpq(int(value.p), int(value.q))])
        raise UnsupportedError(f"{value!r} is not rational; the exact line check needs "
                               "rational data")

    def asarray(self, data: Any) -> np.ndarray:
        arr = np.asarray(data)
        out = np.empty(arr.shape, dtype=object)
        flat_in = arr.reshape(-1)
        flat_out = out.reshape(-1)
        for k, v in enumerate(flat_in):
            flat_out[k] = self.const(v.item() if isinstance(v, np.generic) else v)
        return out

    def sqrt(self, x: Any) -> Any:
        if isinstance(x, np.ndarray):
            raise UnsupportedError("elementwise sqrt is not polynomial on a line")
        return _Root(x)

    def inv(self, a: np.ndarray) -> np.ndarray:
        raise UnsupportedError("inverse is not polynomial on a line")

    def to_sympy(self, x: Any) -> sp.Expr:
        return sp.sympify(str(x))




class RationalArith(LineArith):
    """Object arrays of ``flint.fmpq`` (exact rationals; no line parameter): the fast exact
    arithmetic of the evaluation scan (:mod:`mfverify.derivation.refute`)."""

    name = "exact-rational"

    def const(self, value: Any) -> Any:
        if flint is None:  # pragma: no cover
            raise UnsupportedError("python-flint is not installed")
        if isinstance(value, flint.fmpq):
            return value
        if isinstance(value, flint.fmpq_poly):
            if value.degree() > 0:
                raise UnsupportedError("expected a rational, got a polynomial in t")
            c = value.coeffs()
            return c[0] if c else flint.fmpq(0)
        if isinstance(value, Fraction):
            return flint.fmpq(value.numerator, value.denominator)
        return flint.fmpq(*_pq(super().const(value)))


def _pq(poly: Any) -> tuple[int, int]:
    c = poly.coeffs()
    q = c[0] if c else flint.fmpq(0)
    return int(q.p), int(q.q)


def coefficient(poly: Any, k: int) -> Any:
    """Coefficient of t^k of an ``fmpq_poly`` (an ``fmpq``; 0 beyond the degree)."""
    if isinstance(poly, np.ndarray) and poly.size == 1:  # a scalar objective of any ndim
        poly = poly.reshape(-1)[0]
    if isinstance(poly, np.ndarray):
        raise UnsupportedError(f"expected a scalar polynomial in t, got an array of shape "
                               f"{poly.shape}")
    if not hasattr(poly, "coeffs"):  # a constant (an int or an fmpq)
        poly = flint.fmpq_poly([poly])
    coeffs = poly.coeffs()
    return coeffs[k] if k < len(coeffs) else flint.fmpq(0)


def to_fraction(q: Any) -> Fraction:
    """An ``fmpq`` (or a constant ``fmpq_poly``) as a :class:`fractions.Fraction`."""
    if isinstance(q, np.ndarray) and q.size == 1:
        q = q.reshape(-1)[0]
    if isinstance(q, int):
        return Fraction(q)
    if flint is not None and isinstance(q, flint.fmpq_poly):
        if q.degree() > 0:
            raise UnsupportedError("expected a constant, got a polynomial in t")
        q = coefficient(q, 0)
    return Fraction(int(q.p), int(q.q))
