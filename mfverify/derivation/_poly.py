"""A fast exact backend: rational functions over ℚ (python-flint ``fmpq_mpoly``).

Most hand derivations are polynomial (or, with inverses, rational) identities in the matrix
entries. SymPy's ``expand`` / ``together`` are slow on them (degree 6 in 30 symbols takes
seconds); python-flint's sparse polynomials do the same in milliseconds, and equality is then a
comparison of canonical forms (reduced fractions with a monic denominator), so it is just as
exact. Inputs stay SymPy symbols (for reports); :class:`PolyArith` maps each symbol to a
generator; inverses use Gauss–Jordan elimination over the field of rational functions. A
square root other than ``norm(·)^2`` raises :class:`NotPolynomial`, and the caller falls back
to the SymPy path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..arith.base import Arith
from ..errors import UnsupportedError

try:
    import flint
except ImportError:  # pragma: no cover
    flint = None

__all__ = ["PolyArith", "is_poly", "poly_to_sympy", "available", "NotPolynomial", "Backend",
           "with_backends"]


class NotPolynomial(UnsupportedError):
    """Raised by :class:`PolyArith` for a non-polynomial operation (the caller falls back to
    SymPy)."""


def available() -> bool:
    return flint is not None


class Poly:
    """A rational function p/q over ℚ (python-flint ``fmpq_mpoly`` numerator and denominator),
    behind a thin wrapper.

    NumPy treats a raw ``fmpq_mpoly`` as a sequence (it has a length: its number of terms),
    which breaks object arrays; the wrapper is an opaque scalar with the field operations.
    ``q`` is None for polynomials (the common, fast case); fractions are kept reduced (gcd) with
    a monic-leading denominator, so zero is recognized by ``p == 0``.
    """

    __slots__ = ("p", "q")

    def __init__(self, p: Any, q: Any = None) -> None:
        self.p = p
        self.q = q

    @staticmethod
    def make(p: Any, q: Any) -> Poly:
        if q is None or q.is_one():
            return Poly(p)
        if q.is_zero():
            raise ZeroDivisionError
        if p.is_zero():
            return Poly(p)
        g = p.gcd(q)
        if not g.is_one():
            p = p / g
            q = q / g
        c = q.leading_coefficient()
        if c != 1:
            p = p / c
            q = q / c
        if q.is_one():
            return Poly(p)
        return Poly(p, q)

    @staticmethod
    def _u(o: Any) -> tuple[Any, Any]:
        if isinstance(o, Poly):
            return o.p, o.q
        if isinstance(o, (int, np.integer)) and not isinstance(o, bool):
            return int(o), None
        if flint is not None and isinstance(o, (flint.fmpq, flint.fmpz)):
            return o, None
        raise TypeError

    def _add(self, o: Any, sign: int, reverse: bool = False) -> Any:
        try:
            p2, q2 = self._u(o)
        except TypeError:
            return NotImplemented
        p1, q1 = self.p, self.q
        if reverse:
            p1, q1, p2, q2 = p2, q2, p1, q1
        if q1 is None and q2 is None:
            return Poly(p1 + p2 if sign > 0 else p1 - p2)
        a = p1 * (q2 if q2 is not None else 1)
        b = p2 * (q1 if q1 is not None else 1)
        den = q1 * q2 if (q1 is not None and q2 is not None) else (q1 if q1 is not None
                                                                     else q2)
        num = a + b if sign > 0 else a - b
        if not hasattr(num, "gcd"):  # both constants
            return Poly(num)
        return Poly.make(num, den)

    def __add__(self, o: Any) -> Any:
        return self._add(o, 1)

    def __radd__(self, o: Any) -> Any:
        return self._add(o, 1, reverse=True)

    def __sub__(self, o: Any) -> Any:
        return self._add(o, -1)

    def __rsub__(self, o: Any) -> Any:
        return self._add(o, -1, reverse=True)

    def __mul__(self, o: Any) -> Any:
        try:
            p2, q2 = self._u(o)
        except TypeError:
            return NotImplemented
        if self.q is None and q2 is None:
            return Poly(self.p * p2)
        num = self.p * p2
        den = self.q * q2 if (self.q is not None and q2 is not None) else (
            self.q if self.q is not None else q2)
        return Poly.make(num, den)

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Any:
        try:
            p2, q2 = self._u(o)
        except TypeError:
            return NotImplemented
        if not isinstance(o, Poly):
            if p2 == 0:
                raise ZeroDivisionError
            return Poly(self.p / p2, self.q)
        if p2.is_zero():
            raise ZeroDivisionError
        if p2.is_constant() and q2 is None:
            return Poly(self.p / p2.leading_coefficient(), self.q)
        num = self.p * (q2 if q2 is not None else 1)
        den = p2 * (self.q if self.q is not None else 1)
        return Poly.make(num, den)

    def __rtruediv__(self, o: Any) -> Any:
        try:
            p1, _ = self._u(o)
        except TypeError:
            return NotImplemented
        return Poly(self.p.context().constant(p1)) / self

    def __neg__(self) -> Poly:
        return Poly(-self.p, self.q)

    def __pos__(self) -> Poly:
        return self

    def __pow__(self, k: Any) -> Poly:
        kk = sp.sympify(k) if not isinstance(k, int) else sp.Integer(k)
        if not kk.is_Integer:
            raise NotPolynomial("only integer powers are rational")
        e = int(kk)
        if e >= 0:
            return Poly(self.p ** e, None if self.q is None else self.q ** e)
        inv = Poly(self.p.context().constant(1)) / self
        return Poly(inv.p ** (-e), None if inv.q is None else inv.q ** (-e))

    def derivative(self, i: int) -> Poly:
        if self.q is None:
            return Poly(self.p.derivative(i))
        num = self.p.derivative(i) * self.q - self.p * self.q.derivative(i)
        return Poly.make(num, self.q * self.q)

    def at(self, values: list[Any]) -> Any:
        """The value at a point (``fmpq`` values for every generator); None if undefined."""
        den = self.q(*values) if self.q is not None else 1
        if den == 0:
            return None
        return self.p(*values) / den

    def is_zero(self) -> bool:
        return bool(self.p.is_zero())

    def __repr__(self) -> str:
        return f"Poly({self.p})" if self.q is None else f"Poly(({self.p})/({self.q}))"


def is_poly(value: Any) -> bool:
    return isinstance(value, Poly)


class _Root:
    """√v kept symbolic: only even integer powers are polynomial (``norm(A)^2``)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __pow__(self, k: Any) -> Any:
        kk = sp.sympify(k)
        if kk.is_Integer and int(kk) >= 0 and int(kk) % 2 == 0:
            return self.value ** (int(kk) // 2)
        raise NotPolynomial("a square root is not polynomial")

    def _fail(self, *args: Any) -> Any:
        raise NotPolynomial("a square root is not polynomial")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __neg__ = _fail


class PolyArith(Arith):
    """Exact arithmetic of rational functions in the given SymPy symbols (entries are
    :class:`Poly`)."""

    name = "exact-poly"
    # Exact, but declared False for the expression evaluator of mfverify.expr: its exact path
    # re-checks inverses with a SymPy Matrix (which cannot hold these entries); with False it
    # calls inv() below, which is exact too. Nothing else in the evaluator depends on it here.
    exact = False

    def __init__(self, symbols: Iterable[sp.Symbol]) -> None:
        if flint is None:  # pragma: no cover
            raise UnsupportedError("python-flint is not installed")
        syms = sorted(set(symbols), key=lambda s: s.name)
        self.symbols = syms
        names = tuple(s.name for s in syms) or ("_t",)
        self.ctx = flint.fmpq_mpoly_ctx.get(names, "degrevlex")
        gens = self.ctx.gens()
        self.gen = {s: g for s, g in zip(syms, gens, strict=False)}
        self.index = {s: i for i, s in enumerate(syms)}

    # -- conversion ------------------------------------------------------------------------
    def from_sympy(self, expr: Any) -> Any:
        e = sp.sympify(expr)
        if e.is_Rational:
            return Poly(self.ctx.constant(flint.fmpq(int(e.p), int(e.q))))
        if isinstance(e, sp.Symbol):
            try:
                return Poly(self.gen[e])
            except KeyError:
                raise NotPolynomial(f"symbol {e} is not an input") from None
        if isinstance(e, sp.Add):
            out = Poly(self.ctx.constant(0))
            for a in e.args:
                out = out + self.from_sympy(a)
            return out
        if isinstance(e, sp.Mul):
            out = Poly(self.ctx.constant(1))
            for a in e.args:
                out = out * self.from_sympy(a)
            return out
        if isinstance(e, sp.Pow) and e.exp.is_Integer and int(e.exp) >= 0:
            return self.from_sympy(e.base) ** int(e.exp)
        raise NotPolynomial(f"{e} is not a polynomial with rational coefficients")

    def to_sympy(self, value: Any) -> sp.Expr:
        return poly_to_sympy(value, self.symbols)

    # -- Arith interface ----------------------------------------------------------------------
    # NumPy treats an fmpq_mpoly as a sequence (it has a length), so scalars handed to the
    # expression evaluator and to problem code are wrapped in 0-d object arrays; entries of
    # arrays are raw polynomials.
    def const(self, value: Any) -> Any:
        out = np.empty((), dtype=object)
        out[()] = self.scalar(value)
        return out

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(*shape) if shape else [()]:
            out[idx] = Poly(self.ctx.constant(0))
        return out

    def eye(self, n: int) -> np.ndarray:
        out = self.zeros((n, n))
        for i in range(n):
            out[i, i] = Poly(self.ctx.constant(1))
        return out

    def finish(self, x: Any) -> Any:
        if is_poly(x):
            out = np.empty((), dtype=object)
            out[()] = x
            return out
        return x

    def scalar(self, value: Any) -> Any:
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        if is_poly(value):
            return value
        if isinstance(value, (bool, np.bool_)):
            raise NotPolynomial("booleans are not numbers")
        if isinstance(value, (int, np.integer)):
            return Poly(self.ctx.constant(int(value)))
        if flint is not None and isinstance(value, flint.fmpq):
            return Poly(self.ctx.constant(value))
        if isinstance(value, _Root):
            return value
        if isinstance(value, sp.Basic):
            return self.from_sympy(value)
        raise NotPolynomial(f"{value!r} is not a polynomial value")

    def asarray(self, data: Any) -> np.ndarray:
        if isinstance(data, sp.MatrixBase):
            data = data.tolist()
        arr = np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data
        out = np.empty(arr.shape, dtype=object)
        for idx in np.ndindex(*arr.shape) if arr.shape else [()]:
            out[idx] = self.scalar(arr[idx])
        return out

    def sqrt(self, x: Any) -> Any:
        if isinstance(x, np.ndarray) and x.ndim == 0:
            x = x[()]
        if isinstance(x, np.ndarray):
            raise NotPolynomial("elementwise sqrt is not polynomial")
        out = np.empty((), dtype=object)
        out[()] = _Root(x)
        return out

    def inv(self, a: np.ndarray) -> np.ndarray:
        """Inverse by Gauss-Jordan elimination over the field of rational functions."""
        a = np.asarray(a, dtype=object)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            from ..errors import ShapeError

            raise ShapeError(f"inv needs one square matrix, got shape {a.shape}")
        n = a.shape[0]
        m = [[self.scalar(a[i, j]) for j in range(n)] + [self.scalar(int(i == j))
                                                        for j in range(n)] for i in range(n)]
        for col in range(n):
            piv = next((r for r in range(col, n) if not m[r][col].is_zero()), None)
            if piv is None:
                raise UnsupportedError("the matrix is singular (identically, as a function of "
                                       "its symbols); inverse undefined")
            m[col], m[piv] = m[piv], m[col]
            pv = m[col][col]
            m[col] = [e / pv for e in m[col]]
            for r in range(n):
                if r != col and not m[r][col].is_zero():
                    f = m[r][col]
                    m[r] = [e - f * c for e, c in zip(m[r], m[col], strict=True)]
        out = np.empty((n, n), dtype=object)
        for i in range(n):
            for j in range(n):
                out[i, j] = m[i][n + j]
        return out

    def convert(self, value: Any) -> Any:
        """A SymPy scalar / object array (or a nested mapping value) in this arithmetic."""
        if isinstance(value, np.ndarray):
            return self.asarray(value)
        if isinstance(value, (sp.Basic, int)):
            return self.const(value)
        return value

    def unwrap(self, value: Any) -> Any:
        return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value

    def diff(self, value: Any, sym: sp.Symbol) -> Any:
        """∂value/∂sym (0 for symbols that are not generators)."""
        value = self.unwrap(value)
        i = self.index.get(sym)
        if i is None or not isinstance(value, Poly):
            return Poly(self.ctx.constant(0))
        return value.derivative(i)


def poly_to_sympy(value: Any, symbols: list[sp.Symbol]) -> sp.Expr:
    """A :class:`Poly` (rational function) as a SymPy expression in ``symbols`` (exact)."""
    if not is_poly(value):
        return sp.sympify(value)
    num = _mpoly_to_sympy(value.p, symbols)
    if value.q is None:
        return num
    return num / _mpoly_to_sympy(value.q, symbols)


def _mpoly_to_sympy(value: Any, symbols: list[sp.Symbol]) -> sp.Expr:
    terms = []
    for monom, coeff in value.terms():
        t = sp.Rational(int(coeff.p), int(coeff.q))
        for s, e in zip(symbols, monom, strict=False):
            if e:
                t = t * s ** int(e)
        terms.append(t)
    return sp.Add(*terms)


def convert_env(A: PolyArith, env: Mapping[str, Any]) -> dict[str, Any]:
    return {k: A.convert(v) for k, v in env.items()}


class Backend:
    """The exact arithmetic of one size: python-flint polynomials, or SymPy (fallback).

    Both are exact; the python-flint backend is much faster, SymPy also handles radicals.
    Inputs are always SymPy arrays; :meth:`convert` maps them into the backend.
    """

    def __init__(self, symbols: Iterable[sp.Symbol], *, poly: bool = True) -> None:
        from ..arith import ExactArith

        self.poly = bool(poly and available())
        self.A: Any = PolyArith(symbols) if self.poly else ExactArith()

    @property
    def name(self) -> str:
        return "python-flint fmpq_mpoly" if self.poly else "SymPy"

    def convert(self, value: Any) -> Any:
        if not self.poly:
            return value
        return self.A.convert(value)

    def convert_env(self, env: Mapping[str, Any]) -> dict[str, Any]:
        return {k: self.convert(v) for k, v in env.items()}

    def diff(self, value: Any, sym: sp.Symbol) -> Any:
        if self.poly:
            return self.A.diff(value, sym)
        return sp.diff(value, sym)

    def finish(self, value: Any) -> Any:
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        return value if self.poly else sp.expand(value)

    def zero(self) -> Any:
        return self.A.scalar(0) if self.poly else sp.Integer(0)

    def const(self, k: Any) -> Any:
        return self.A.scalar(k) if self.poly else k

    def to_sympy(self, value: Any) -> Any:
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        return self.A.to_sympy(value) if self.poly else sp.sympify(value)


def with_backends(build: Any, symbols: Iterable[sp.Symbol]) -> Any:
    """``build(backend)`` with the polynomial backend, or with SymPy if it is not polynomial."""
    syms = list(symbols)
    if available():
        try:
            return build(Backend(syms, poly=True))
        except NotPolynomial:
            pass
        except (TypeError, sp.SympifyError):
            pass  # an operation outside the polynomial ring (e.g. an explicit inverse)
    return build(Backend(syms, poly=False))
