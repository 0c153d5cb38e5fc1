"""A fast exact backend: multivariate polynomials over ℚ (python-flint ``fmpq_mpoly``).

Most hand derivations are polynomial identities in the matrix entries. SymPy's ``expand`` is
slow on them (degree 6 in 30 symbols takes seconds); python-flint's sparse polynomials do the
same in milliseconds, and equality is then a structural comparison of canonical forms, so it is
just as exact. Inputs stay SymPy symbols (for reports); :class:`PolyArith` maps each symbol to
a generator. Anything not polynomial (``inv``, a square root other than ``norm(·)^2``) raises
:class:`UnsupportedError`, and the caller falls back to the SymPy path.
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
    """An ``fmpq_mpoly`` behind a thin wrapper.

    NumPy treats a raw ``fmpq_mpoly`` as a sequence (it has a length: its number of terms),
    which breaks object arrays; the wrapper is an opaque scalar with the ring operations.
    """

    __slots__ = ("p",)

    def __init__(self, p: Any) -> None:
        self.p = p

    @staticmethod
    def _u(o: Any) -> Any:
        if isinstance(o, Poly):
            return o.p
        if isinstance(o, (int, np.integer)) and not isinstance(o, bool):
            return int(o)
        if flint is not None and isinstance(o, (flint.fmpq, flint.fmpz)):
            return o
        raise TypeError

    def _op(self, o: Any, f: Any) -> Any:
        try:
            u = self._u(o)
        except TypeError:
            return NotImplemented
        return Poly(f(self.p, u))

    def __add__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: a + b)

    def __radd__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: b + a)

    def __sub__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: a - b)

    def __rsub__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: b - a)

    def __mul__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: a * b)

    def __rmul__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: b * a)

    def __truediv__(self, o: Any) -> Any:
        try:
            u = self._u(o)
        except TypeError:
            return NotImplemented
        if isinstance(u, int):
            return Poly(self.p / u)
        if flint is not None and isinstance(u, flint.fmpq_mpoly):
            if not u.is_constant():
                raise NotPolynomial("division by a non-constant polynomial")
            c = u.leading_coefficient() if not u.is_zero() else 0
            if c == 0:
                raise ZeroDivisionError
            return Poly(self.p / c)
        return Poly(self.p / u)

    def __neg__(self) -> Poly:
        return Poly(-self.p)

    def __pos__(self) -> Poly:
        return self

    def __pow__(self, k: Any) -> Poly:
        kk = sp.sympify(k) if not isinstance(k, int) else sp.Integer(k)
        if not (kk.is_Integer and int(kk) >= 0):
            raise NotPolynomial("only non-negative integer powers are polynomial")
        return Poly(self.p ** int(kk))

    def is_zero(self) -> bool:
        return bool(self.p.is_zero())

    def __repr__(self) -> str:
        return f"Poly({self.p})"


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
    """Exact polynomial arithmetic in the given SymPy symbols (entries are ``fmpq_mpoly``)."""

    name = "exact-poly"
    exact = True

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
        raise NotPolynomial("the inverse of a symbolic matrix is not polynomial")

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
        return Poly(value.p.derivative(i))


def poly_to_sympy(value: Any, symbols: list[sp.Symbol]) -> sp.Expr:
    """An ``fmpq_mpoly`` as a SymPy expression in ``symbols`` (exact)."""
    if not is_poly(value):
        return sp.sympify(value)
    terms = []
    for monom, coeff in value.p.terms():
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

    Both are exact; the polynomial backend is much faster, SymPy handles inverses and
    radicals. Inputs are always SymPy arrays; :meth:`convert` maps them into the backend.
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
