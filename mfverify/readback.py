"""Reading back the exact values that result objects wrote to JSON, safely.

A result's ``to_json`` writes every exact SymPy value as ``str(value)`` (``"sqrt(2)/2"``,
``"CRootOf(256*z_**3 + 1152*z_**2 + 864*z_ - 81, 0)"``, a descent curve ``"-t**3/4"``) and
every mpmath value as a decimal string. ``from_json`` reads them back here, never with
``eval`` or ``sympify``: the text is given to :func:`ast.parse` (which only builds a syntax
tree) and the tree is walked with a whitelist, as in :mod:`mfverify.numbers`:

* integer and decimal literals (a decimal is read exactly, ``0.5`` is 1/2);
* names ``[A-Za-z][A-Za-z0-9_]*`` (plain SymPy symbols; ``I`` is the imaginary unit, as SymPy
  prints it; ``nan``, ``oo``, ``zoo``, ``pi``, ``E`` and SymPy's other constants are refused);
* ``+ - * / **`` and unary ``-``; exponents must be rational numbers of absolute value at
  most :data:`mfverify.numbers.MAX_EXPONENT`, and a power of a rational has at most
  :data:`MAX_BITS` bits;
* ``sqrt(x)`` and ``CRootOf(polynomial, k)`` (the k-th root, in SymPy's order, of a
  polynomial in one symbol of degree at most :data:`MAX_ROOT_DEGREE`; ``k`` an integer
  literal).

Anything else raises :class:`~mfverify.errors.ResultFormatError` with a one-line message.
Symbols come back without assumptions (the engines use plain symbols, so ``str`` of a rebuilt
value is the text it was read from).

>>> from mfverify.readback import parse_exact
>>> parse_exact("-1/2 + sqrt(5)/2", "value")
-1/2 + sqrt(5)/2
>>> parse_exact("CRootOf(z_**3 - 2, 0)", "value")
CRootOf(z_**3 - 2, 0)
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import sympy as sp

from .errors import MfverifyError, ResultFormatError
from .numbers import MAX_EXPONENT, _decimal_to_rational, field_op

__all__ = ["parse_exact", "exact_array", "parse_mp", "mp_array", "require", "exact_digits",
           "MAX_TEXT_LENGTH", "MAX_DIGITS", "MAX_BITS", "MAX_ROOT_DEGREE"]

#: Longest exact value text read back (characters). Exact coordinates of small landscapes can
#: have thousands of digits (e.g. (62/63)^3844), far above the limits of user input.
MAX_TEXT_LENGTH = 1_000_000
#: Most decimal digits of one integer literal in a value read back.
MAX_DIGITS = 200_000
#: Largest size (bits of numerator or denominator) of a power ``a**k`` of a rational ``a``
#: (about 1.2 million digits; guards against ``(99**4096)**4096``).
MAX_BITS = 4_000_000
#: Highest degree of the polynomial of a ``CRootOf`` (its real roots are isolated on reading).
MAX_ROOT_DEGREE = 256

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
#: What SymPy prints for values that are not exact finite numbers mfverify writes (NaN,
#: infinities, transcendental constants): refused rather than read as symbols of that name.
_RESERVED = frozenset({"nan", "oo", "zoo", "pi", "E", "EulerGamma", "GoldenRatio", "Catalan"})
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


@contextmanager
def exact_digits() -> Iterator[None]:
    """Lift Python's limit on int <-> str conversion (4300 digits) while exact numbers are
    printed or read: exact coordinates of small instances can have more digits (e.g.
    (62/63)^3844)."""
    get = getattr(sys, "get_int_max_str_digits", None)
    if get is None:  # pragma: no cover - Python < 3.11
        yield
        return
    old = get()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(old)


def _err(what: str, text: str, why: str) -> ResultFormatError:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return ResultFormatError(f"{what}: {shown!r} is not an exact value written by mfverify "
                             f"({why})")


class _Walker:
    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.what = what

    def fail(self, why: str) -> ResultFormatError:
        return _err(self.what, self.text, why)

    def walk(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Expression):
            return self.walk(node.body)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if not _NAME.match(node.id) or node.id in _RESERVED:
                raise self.fail(f"name {node.id!r} is not allowed")
            return sp.I if node.id == "I" else sp.Symbol(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            inner = self.walk(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(f"{type(node).__name__} is not allowed")

    def constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"only numbers are allowed, got {value!r}")
        segment = (ast.get_source_segment(self.text, node) or repr(value)).replace("_", "")
        if isinstance(value, int):
            if len(segment) > MAX_DIGITS:
                raise self.fail(f"an integer literal has more than {MAX_DIGITS} digits")
            return sp.Integer(value)
        try:  # exactly, with the exponent bounded (1e999999999 is refused, not expanded)
            return _decimal_to_rational(segment)
        except MfverifyError as exc:
            raise self.fail(" ".join(str(exc).split())[:80]) from None

    def binop(self, node: ast.BinOp) -> sp.Expr:
        left, right, op = self.walk(node.left), self.walk(node.right), node.op
        out = field_op(op, left, right, self.fail)
        if out is not None:
            return out
        if isinstance(op, ast.Pow):
            if not right.is_Rational or abs(right) > MAX_EXPONENT:
                raise self.fail(f"exponents must be rational numbers of size <= {MAX_EXPONENT}")
            if left == 0 and right < 0:
                raise self.fail("division by zero")
            if left.is_Rational and abs(right) * max(int(left.p).bit_length(),
                                                     int(left.q).bit_length()) > MAX_BITS:
                raise self.fail(f"a power of more than {MAX_BITS} bits")
            return left**right
        raise self.fail(f"operator {type(op).__name__} is not allowed")

    def call(self, node: ast.Call) -> sp.Expr:
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if node.keywords or name not in ("sqrt", "CRootOf"):
            raise self.fail("the only functions allowed are sqrt(x) and CRootOf(poly, k)")
        if name == "sqrt" and len(node.args) == 1:
            return sp.sqrt(self.walk(node.args[0]))
        if name == "CRootOf" and len(node.args) == 2:
            poly = self.walk(node.args[0])
            k = self.walk(node.args[1])
            if len(poly.free_symbols) != 1 or not k.is_Integer:
                raise self.fail("CRootOf needs a polynomial in one symbol and an integer index")
            try:
                degree = sp.Poly(poly).degree()
                if degree > MAX_ROOT_DEGREE:
                    raise self.fail(f"CRootOf of degree {degree} > {MAX_ROOT_DEGREE}")
                return sp.CRootOf(poly, int(k))
            except (sp.PolynomialError, IndexError, ValueError) as exc:
                raise self.fail(f"CRootOf: {' '.join(str(exc).split())[:80]}") from None
        raise self.fail(f"{name}() takes {1 if name == 'sqrt' else 2} argument(s)")


def parse_exact(text: Any, what: str) -> sp.Expr:
    """The exact SymPy value whose ``str`` is ``text`` (see the module docstring).

    ``what`` names the field in error messages (``"component 2 value"``).
    """
    if not isinstance(text, str):
        raise ResultFormatError(f"{what}: expected a string (an exact value), got "
                                f"{type(text).__name__}")
    body = text.strip()
    if not body:
        raise ResultFormatError(f"{what}: an empty string is not an exact value")
    if len(body) > MAX_TEXT_LENGTH:
        raise ResultFormatError(f"{what}: value text longer than {MAX_TEXT_LENGTH} characters")
    with exact_digits():
        try:
            tree = ast.parse(body, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raise _err(what, body, "it does not parse") from None
        try:
            return _Walker(body, what).walk(tree)
        except RecursionError:
            raise _err(what, body, "nested too deeply") from None


def exact_array(value: Any, what: str) -> Any:
    """Nested lists of exact value strings -> an object array (a bare string -> a 0-d array,
    as :meth:`~mfverify.symbolic.Component.to_json` writes scalar variables)."""
    if isinstance(value, str):
        return np.asarray(parse_exact(value, what), dtype=object)
    if not isinstance(value, list):
        raise ResultFormatError(f"{what}: expected nested lists of exact values, got "
                                f"{type(value).__name__}")
    parsed = _nested(value, what, 0)
    return _object_array(parsed, what)


def _nested(value: Any, what: str, depth: int) -> Any:
    if depth > 32:
        raise ResultFormatError(f"{what}: nested more than 32 levels")
    if isinstance(value, list):
        return [_nested(v, what, depth + 1) for v in value]
    return parse_exact(value, what)


def _shape(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, list):
        return ()
    shapes = {_shape(v, what) for v in value}
    if len(shapes) > 1:
        raise ResultFormatError(f"{what}: ragged nested lists (not an array)")
    return (len(value), *(shapes.pop() if shapes else ()))


def parse_mp(text: Any, ctx: Any, what: str) -> Any:
    """A decimal string written by ``mpmath.nstr`` (or ``"0"``, ``"+inf"``, ``"nan"``) as an
    ``mpf`` of the context ``ctx``: the nearest binary number at the context's precision."""
    if not isinstance(text, str):
        raise ResultFormatError(f"{what}: expected a decimal string, got {type(text).__name__}")
    body = text.strip()
    if body in ("+inf", "inf", "-inf", "nan"):
        return ctx.mpf(body)
    if len(body) > MAX_DIGITS or not _DECIMAL.match(body):
        raise _err(what, body, "not a decimal number")
    try:
        return ctx.mpf(body)
    except (ValueError, TypeError):  # pragma: no cover - the pattern is mpmath's grammar
        raise _err(what, body, "not a decimal number") from None


def mp_array(value: Any, ctx: Any, what: str) -> np.ndarray:
    """Nested lists of decimal strings -> an object array of ``mpf`` (``[]`` -> an empty
    array of shape (0,))."""
    if isinstance(value, str):
        return np.asarray(parse_mp(value, ctx, what), dtype=object)
    if not isinstance(value, list):
        raise ResultFormatError(f"{what}: expected nested lists of decimals, got "
                                f"{type(value).__name__}")

    def conv(v: Any, depth: int) -> Any:
        if depth > 32:
            raise ResultFormatError(f"{what}: nested more than 32 levels")
        return [conv(x, depth + 1) for x in v] if isinstance(v, list) else parse_mp(v, ctx, what)

    parsed = conv(value, 0)
    return _object_array(parsed, what)


def require(data: Mapping[str, Any], key: str, kinds: type | tuple[type, ...], what: str, *,
          optional: bool = False) -> Any:
    """``data[key]`` checked to be an instance of ``kinds`` (``bool`` is not an ``int``);
    :class:`ResultFormatError` when missing (unless ``optional``: then ``None``) or mistyped."""
    if not isinstance(data, Mapping):
        raise ResultFormatError(f"{what}: expected a JSON object, got {type(data).__name__}")
    if key not in data:
        if optional:
            return None
        raise ResultFormatError(f"{what}: missing key {key!r}")
    value = data[key]
    kinds_t = kinds if isinstance(kinds, tuple) else (kinds,)
    if optional and value is None:
        return None
    wrong_bool = isinstance(value, bool) and bool not in kinds_t
    if wrong_bool or not isinstance(value, kinds_t):
        names = " or ".join(k.__name__ for k in kinds_t)
        raise ResultFormatError(f"{what}: {key!r} must be {names}, got {type(value).__name__}")
    return value


def _object_array(parsed: list[Any], what: str) -> np.ndarray:
    """The rectangular nested list ``parsed`` (values already read) as an object array."""
    shape = _shape(parsed, what)
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        item: Any = parsed
        for i in idx:
            item = item[i]
        out[idx] = item
    return out
