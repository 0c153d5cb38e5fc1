"""Exact numbers from user input, parsed safely.

Spec files and the CLI accept numbers as JSON integers, JSON decimals, or strings of exact values
such as ``"1/2"``, ``"-3"``, ``"0.25"``, ``"sqrt(3)/2"``, ``"2^(1/2)"`` or ``"1e-20"``. All are
converted to exact SymPy numbers: a decimal ``0.1`` becomes ``1/10`` (never the binary float
nearest to it).

Text is parsed with :func:`ast.parse` (which only builds a syntax tree; nothing is executed) and
the tree is walked with a whitelist: integer and decimal literals, ``+ - * / ** ^``, parentheses,
and ``sqrt(...)``. Anything else (names, attributes, calls to other functions, strings, lambdas,
comprehensions, ...) raises :class:`~mfverify.errors.NumberError`.

Examples
--------
>>> from mfverify.numbers import parse_number
>>> parse_number("sqrt(3)/2")
sqrt(3)/2
>>> parse_number(0.1)
1/10
>>> parse_number("1e-20")
1/100000000000000000000
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import sympy as sp

from .errors import NonFiniteError, NumberError

if TYPE_CHECKING:
    from .typing import NumberLike

__all__ = ["parse_number", "is_exact_number", "MAX_TEXT_LENGTH", "MAX_EXPONENT"]

#: Longest accepted number text (characters); longer input is rejected before parsing.
MAX_TEXT_LENGTH = 2000
#: Largest absolute integer exponent accepted in ``a**k`` (guards against ``10**10**10``).
MAX_EXPONENT = 4096
#: Largest number of decimal digits accepted in one integer literal.
MAX_DIGITS = 400


_FIELD_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def field_op(op: ast.operator, left: Any, right: Any,
             fail: Callable[[str], Exception]) -> Any:
    """``left op right`` for the field operations + − × ÷ of the safe number parsers (this
    module's and :mod:`mfverify.readback`'s); ``None`` for any other operator. A zero divisor
    raises ``fail("division by zero")``."""
    fn = _FIELD_OPS.get(type(op))
    if fn is not None:
        return fn(left, right)
    if isinstance(op, ast.Div):
        if right == 0:
            raise fail("division by zero")
        return left / right
    return None


def _decimal_to_rational(text: str) -> sp.Rational:
    try:
        d = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - ast already checked the literal
        raise NumberError(f"cannot read {text!r} as a decimal number") from exc
    if not d.is_finite():
        raise NonFiniteError(f"non-finite number {text!r}; expected a finite value")
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and abs(exponent) > MAX_EXPONENT:
        raise NumberError(f"exponent of {text!r} is too large (|exponent| <= {MAX_EXPONENT})")
    f = Fraction(d)
    return sp.Rational(f.numerator, f.denominator)


class _NumberWalker:
    def __init__(self, text: str) -> None:
        self.text = text

    def walk(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Expression):
            return self.walk(node.body)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise NumberError(f"{self.text!r}: only numbers are allowed, got {value!r}")
            segment = ast.get_source_segment(self.text, node) or repr(value)
            segment = segment.replace("_", "")
            if isinstance(value, int):
                if len(segment) > MAX_DIGITS:
                    raise NumberError(f"{self.text!r}: integer literal too long")
                return sp.Integer(value)
            return _decimal_to_rational(segment)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            inner = self.walk(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            left = self.walk(node.left)
            right = self.walk(node.right)
            op = node.op
            out = field_op(op, left, right, lambda why: NumberError(f"{self.text!r}: {why}"))
            if out is not None:
                return out
            if isinstance(op, ast.Pow):
                if not right.is_Rational:
                    raise NumberError(f"{self.text!r}: exponents must be rational numbers")
                if abs(right) > MAX_EXPONENT:
                    raise NumberError(f"{self.text!r}: exponent too large (<= {MAX_EXPONENT})")
                if left == 0 and right < 0:
                    raise NumberError(f"{self.text!r}: division by zero")
                return left**right
            raise NumberError(f"{self.text!r}: operator {type(op).__name__} is not allowed")
        if isinstance(node, ast.Call):
            if (
                isinstance(node.func, ast.Name)
                and node.func.id == "sqrt"
                and len(node.args) == 1
                and not node.keywords
            ):
                arg = self.walk(node.args[0])
                return sp.sqrt(arg)
            raise NumberError(
                f"{self.text!r}: the only function allowed in a number is sqrt(...) "
                "with one argument"
            )
        raise NumberError(
            f"{self.text!r} is not an exact number; expected e.g. 3, -0.25, \"1/2\", "
            "\"sqrt(3)/2\""
        )


def parse_number(value: NumberLike, *, allow_complex: bool = False) -> sp.Expr:
    """Convert ``value`` to an exact, real SymPy number.

    Parameters
    ----------
    value
        An ``int``, a ``float`` (read through its shortest decimal representation, so ``0.1``
        becomes ``1/10``), a :class:`fractions.Fraction`, a SymPy number, or a string in the
        number grammar of this module.
    allow_complex
        Keep non-real results (``sqrt(-1)``); by default they are rejected.

    Raises
    ------
    NumberError
        For anything that is not an exact number in the grammar.
    NonFiniteError
        For NaN and infinities.
    """
    if isinstance(value, bool):
        raise NumberError(f"{value!r} is a boolean, not a number")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NonFiniteError(f"non-finite number {value!r}; expected a finite value")
        return _decimal_to_rational(repr(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr) or not value.is_number:
            raise NumberError(f"{value!r} is not a number")
        if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise NonFiniteError(f"non-finite number {value}; expected a finite value")
        result = value
    elif isinstance(value, str):
        text = value.strip().replace("−", "-").replace("^", "**")
        if not text:
            raise NumberError("empty string is not a number")
        if len(text) > MAX_TEXT_LENGTH:
            raise NumberError(f"number text longer than {MAX_TEXT_LENGTH} characters")
        lowered = text.lower()
        if lowered in {"nan", "inf", "+inf", "-inf", "infinity", "-infinity", "+infinity"}:
            raise NonFiniteError(f"non-finite number {value!r}; expected a finite value")
        try:
            tree = ast.parse(text, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            raise NumberError(f"cannot parse {value!r} as an exact number") from exc
        try:
            result = _NumberWalker(text).walk(tree)
        except RecursionError as exc:
            raise NumberError(f"{value!r} is nested too deeply") from exc
    else:
        raise NumberError(
            f"{value!r} (type {type(value).__name__}) is not a number; expected an integer, "
            "a decimal or a string such as \"1/2\""
        )
    if not allow_complex and result.is_real is False:
        raise NumberError(f"{value!r} is not a real number")
    return result


def is_exact_number(value: Any) -> bool:
    """True when ``value`` is a SymPy number with no floating-point part."""
    return isinstance(value, sp.Expr) and value.is_number and not value.has(sp.Float)
