"""The safe matrix-expression grammar (custom objectives, derivation checks, data definitions).

Text such as ``"(X*X.T - M)*X"`` or ``"norm(U@V.T - Sigma)^2/2"`` is turned into a small,
immutable syntax tree (:class:`Node` and its subclasses), which can be printed back
(:func:`to_text`), inspected (:func:`free_names`, :func:`infer_shape`) and evaluated in any of
mfverify's three arithmetics (:func:`evaluate`): exactly with SymPy, at arbitrary precision with
mpmath, or vectorized in NumPy with leading batch axes.

Why there is no ``eval``
------------------------
The text is normalized (``^`` -> ``**``, ``−`` -> ``-``, ``ᵀ`` -> ``.T``, ``·`` -> ``*``) and
given to :func:`ast.parse` in ``"eval"`` mode, which only *builds a syntax tree*: nothing is
imported, called or executed. The tree is then walked with a strict whitelist into this
module's own node classes; every other Python construct (attribute access other than ``.T``,
calls of anything but the listed functions, keyword or starred arguments, strings, f-strings,
lambdas, comprehensions, ``:=``, slices, comparisons, ...) raises
:class:`~mfverify.errors.ExpressionError` *before* anything is evaluated. Evaluation then
interprets our own nodes with the arithmetic's operations only. ``eval``, ``exec``,
``sympify`` of user text and ``pickle`` are never used.

Grammar (see ``docs/expressions.md`` for the full page)
-------------------------------------------------------
* numbers, read exactly (``0.1`` is 1/10, see :mod:`mfverify.numbers`); constant
  sub-expressions such as ``1/2`` or ``sqrt(3)/2`` are folded into one exact number;
* names: only those the caller allows (``names=``), or, with ``names=None``, any
  ``[A-Za-z][A-Za-z0-9_]*`` that is not a function name; never names starting with ``_``;
* ``+``, ``-`` (operands of equal shape), unary ``-``;
* ``@``: matrix product (matrix @ matrix, matrix @ vector, vector @ matrix, vector @ vector);
* ``*``: SymPy-Matrix semantics: the matrix product when *both* operands are matrices, and
  scaling when one of them is a scalar (``"(X*X.T - M)*X"`` is (XXᵀ − M)X);
* ``/``: division by a scalar only;
* ``**`` / ``^``: a scalar to a constant rational power, or a square matrix to a constant
  non-negative integer power (repeated matrix product);
* ``A.T`` / ``Aᵀ`` / ``transpose(A)``; ``trace(A)``; ``norm(A)`` (Frobenius, Euclidean for
  vectors); ``inner(A, B)`` (Frobenius inner product ⟨A, B⟩ = tr(AᵀB));
  ``hadamard(A, B)`` (entrywise product A∘B, (A∘B)_ij = A_ij·B_ij, operands of one shape);
  ``inv(A)``;
  ``sqrt(s)`` (scalars); ``eye(n)`` (n a literal) and ``I`` (identity whose size is given by
  the caller or inferred from the other operand of ``+ - @ *``);
* indexing with non-negative integer literals: ``X[i, j]``; ``x[i]`` for a vector, and for an
  n×1 (column) or 1×n (row) matrix ``x[i]`` is its i-th entry.

Limits (module constants): :data:`MAX_TEXT_LENGTH` characters (the total size),
:data:`MAX_DEPTH` levels of true nesting (a flat chain ``a + b + ...`` or ``A*B*...`` of more
than :data:`CHAIN_SPLIT` operands is split at its top level and rebuilt balanced, so long flat
sums and products are accepted), :data:`MAX_POWER` for an exponent (a constant
base such as ``2**100`` may go up to :data:`mfverify.numbers.MAX_EXPONENT`),
:data:`MAX_DEGREE` for the estimated polynomial degree of the whole expression,
:data:`MAX_NUMBER_BITS` for the size of a folded exact constant, :data:`MAX_EYE` for ``eye(n)``.

Examples
--------
>>> from mfverify.expr import parse_expression, to_text, free_names
>>> node = parse_expression("(X*X.T - M)*X", names=["X", "M"])
>>> to_text(node)
'(X*X.T - M)*X'
>>> sorted(free_names(node))
['M', 'X']
>>> to_text(parse_expression("x^2 + 0.5*x"))
'x**2 + 1/2*x'
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .errors import ExpressionError, InputError, NumberError, ShapeError
from .numbers import MAX_EXPONENT as _NUMBER_MAX_EXPONENT
from .numbers import parse_number

__all__ = [
    "Node",
    "Num",
    "Var",
    "Neg",
    "BinOp",
    "Transpose",
    "Func",
    "Index",
    "Identity",
    "FUNCTIONS",
    "MAX_TEXT_LENGTH",
    "MAX_DEPTH",
    "MAX_POWER",
    "MAX_DEGREE",
    "MAX_NUMBER_BITS",
    "MAX_EYE",
    "normalize_text",
    "parse_expression",
    "parse_assignment",
    "free_names",
    "infer_shape",
    "degree_bound",
    "evaluate",
    "to_text",
    "to_sympy",
]

#: Longest accepted expression text (characters, after normalization).
MAX_TEXT_LENGTH = 10_000
#: Deepest accepted nesting of the syntax tree (a chain ``a + b + c`` has depth 3).
MAX_DEPTH = 200
#: Largest absolute value of an exponent in ``a ** k``.
MAX_POWER = 64
#: Largest estimated polynomial degree of an expression (guards ``((x**64)**64)**64``).
MAX_DEGREE = 256
#: Largest size, in bits of numerator plus denominator, of a folded exact rational constant.
MAX_NUMBER_BITS = 20_000
#: Largest n in ``eye(n)``.
MAX_EYE = 1000

#: Function name -> number of arguments.
FUNCTIONS: dict[str, int] = {
    "transpose": 1,
    "trace": 1,
    "norm": 1,
    "inner": 2,
    "hadamard": 2,
    "inv": 1,
    "sqrt": 1,
    "eye": 1,
}

_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

_ALLOWED = (
    "numbers, names, + - * / ** ^ @, unary -, parentheses, .T, X[i, j] with integer literals, "
    "and the functions " + ", ".join(f"{f}()" for f in FUNCTIONS)
)

Shape = tuple[int, ...]

# ---------------------------------------------------------------------------------------------
# the syntax tree (immutable)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """Base class of the expression tree. Nodes are immutable and compare structurally."""

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True)
class Num(Node):
    """An exact real number (a SymPy number: Integer, Rational or an algebraic constant)."""

    value: sp.Expr


@dataclass(frozen=True)
class Var(Node):
    """A named variable or datum."""

    name: str


@dataclass(frozen=True)
class Neg(Node):
    """Unary minus."""

    operand: Node


@dataclass(frozen=True)
class BinOp(Node):
    """A binary operation; ``op`` is one of ``+ - * / @ **``.

    For ``**`` the right operand is always a :class:`Num` holding a rational exponent.
    """

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Transpose(Node):
    """``A.T`` (also ``Aᵀ`` and ``transpose(A)``): swaps the last two axes of a matrix."""

    operand: Node


@dataclass(frozen=True)
class Func(Node):
    """A call of one of :data:`FUNCTIONS` other than ``transpose`` and ``eye``."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Index(Node):
    """``x[i]`` or ``X[i, j]`` with non-negative integer literals."""

    operand: Node
    indices: tuple[int, ...]


@dataclass(frozen=True)
class Identity(Node):
    """The identity matrix; ``size`` is None for ``I`` whose size is inferred from context."""

    size: int | None


_BINOPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.MatMult: "@",
    ast.Pow: "**",
}

_FORBIDDEN_NAMES: dict[type, str] = {
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.NamedExpr: "assignment expression (:=)",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.Starred: "starred argument",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Slice: "slice",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

# ---------------------------------------------------------------------------------------------
# text -> tree
# ---------------------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """Replace the accepted typographic forms by Python syntax.

    ``^`` -> ``**``, ``−`` (U+2212) -> ``-``, ``ᵀ`` -> ``.T``, ``·`` and ``×`` -> ``*``, and
    surrounding whitespace is stripped.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, got {type(text).__name__}")
    out = (text.replace("−", "-").replace("^", "**").replace("ᵀ", ".T")
           .replace("·", "*").replace("×", "*"))
    return out.strip()


def _shape_table(names: Collection[str] | Mapping[str, Any] | None) -> dict[str, Shape | None]:
    if names is None:
        return {}
    if isinstance(names, str):
        raise ExpressionError("names must be a collection of names, not one string")
    table: dict[str, Shape | None] = {}
    if isinstance(names, Mapping):
        for k, v in names.items():
            table[str(k)] = _as_shape(v)
    else:
        for k in names:
            table[str(k)] = None
    return table


def _as_shape(value: Any) -> Shape | None:
    """A shape from a mapping value: a tuple/list of ints, an array (its shape), or None."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)) and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        return tuple(int(v) for v in value)
    if isinstance(value, np.ndarray):
        return tuple(value.shape)
    if isinstance(value, sp.MatrixBase):
        return tuple(value.shape)
    if isinstance(value, (int, float, sp.Expr)) and not isinstance(value, bool):
        return ()
    return None


def _check_depth(tree: ast.AST, text: str) -> None:
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"expression {_short(text)} is nested too deeply (more than {MAX_DEPTH} levels "
                f"of nesting; a flat chain of more than {CHAIN_SPLIT} operands of one operator "
                "counts as one level); split it into named parts"
            )
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _parse_tree(text: str, mode: str) -> ast.AST:
    if len(text) > MAX_TEXT_LENGTH:
        raise ExpressionError(
            f"expression is {len(text)} characters long; at most {MAX_TEXT_LENGTH} are allowed"
        )
    if not text:
        raise ExpressionError("empty expression; expected e.g. 'norm(X*X.T - M)**2/4'")
    if "\x00" in text:
        raise ExpressionError("expression contains a NUL character")
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(
            f"cannot parse {_short(text)}{where}: {exc.msg}; allowed: {_ALLOWED}"
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"cannot parse {_short(text)}: {type(exc).__name__}") from None
    _check_depth(tree, text)
    return tree


class _Builder:
    """Walks a Python syntax tree with a whitelist and builds :class:`Node` objects."""

    def __init__(self, text: str, table: dict[str, Shape | None], restrict: bool,
                 identity_size: int | None) -> None:
        self.text = text
        self.table = table
        self.restrict = restrict
        self.identity_size = identity_size

    def fail(self, what: str) -> ExpressionError:
        return ExpressionError(f"{_short(self.text)}: {what}; allowed: {_ALLOWED}")

    def build(self, node: ast.AST) -> Node:
        if isinstance(node, ast.Expression):
            return self.build(node.body)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return _fold_neg(self.build(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand)
            raise self.fail(f"unary operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise self.fail(f"operator {type(node.op).__name__} is not allowed")
            left = self.build(node.left)
            right = self.build(node.right)
            return self.binop(op, left, right)
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise self.fail(f"attribute access '.{node.attr}' is not allowed (only '.T')")
            return Transpose(self.build(node.value))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        what = _FORBIDDEN_NAMES.get(type(node), type(node).__name__)
        raise self.fail(f"{what} is not allowed in an expression")

    def constant(self, node: ast.Constant) -> Node:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.fail(f"{value!r} is not allowed")
        if isinstance(value, (str, bytes)):
            raise self.fail("strings are not allowed")
        if not isinstance(value, (int, float)):
            raise self.fail(f"the literal {value!r} is not a real number")
        segment = ast.get_source_segment(self.text, node) or repr(value)
        try:
            return Num(parse_number(segment))
        except NumberError as exc:
            raise NumberError(f"{_short(self.text)}: {exc}") from None
        except InputError as exc:
            raise type(exc)(f"{_short(self.text)}: {exc}") from None

    def name(self, ident: str) -> Node:
        if ident in self.table:
            return Var(ident)
        if ident == "I":
            return Identity(self.identity_size)
        if ident.startswith("_") or not _NAME_RE.match(ident):
            raise self.fail(f"the name {ident!r} is not allowed (names are "
                            "[A-Za-z][A-Za-z0-9_]*, never starting with '_')")
        if ident in FUNCTIONS:
            raise self.fail(f"{ident!r} is a function; call it as {ident}(...)")
        if self.restrict:
            known = sorted(self.table) + ["I"]
            raise ExpressionError(
                f"{_short(self.text)}: unknown name {ident!r}; allowed names are {known}"
            )
        return Var(ident)

    def binop(self, op: str, left: Node, right: Node) -> Node:
        if op == "**":
            if not isinstance(right, Num):
                raise self.fail("an exponent must be a constant number (e.g. X**2, s**(1/2))")
            k = right.value
            if not k.is_Rational:
                raise self.fail(f"the exponent {k} is not a rational number")
            limit = _NUMBER_MAX_EXPONENT if isinstance(left, Num) else MAX_POWER
            if abs(k) > limit:
                raise self.fail(f"the exponent {k} is too large (|exponent| <= {limit}"
                                + (")" if limit == MAX_POWER else " for a constant base)"))
        if isinstance(left, Num) and isinstance(right, Num):
            return Num(self.fold(op, left.value, right.value))
        return BinOp(op, left, right)

    def fold(self, op: str, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        if op == "@":
            raise self.fail("'@' needs matrix or vector operands, got two numbers")
        if op == "/" and b == 0:
            raise self.fail("division by zero")
        if op == "**":
            if a == 0 and b < 0:
                raise self.fail("division by zero (0 to a negative power)")
            if a.is_Rational:
                bits = int(a.p).bit_length() + int(a.q).bit_length()
                if bits * abs(b) > MAX_NUMBER_BITS:
                    raise self.fail(f"the constant ({_short(str(a), 30)})**{b} is too large "
                                    "(more than "
                                    f"{MAX_NUMBER_BITS} bits)")
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            result = a / b
        else:
            result = a**b
        _check_number_size(result, self.text)
        if result.is_real is False:
            raise self.fail(f"the constant {result} is not real")
        return result

    def call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only the listed functions can be called, by name")
        fname = node.func.id
        if fname not in FUNCTIONS:
            raise self.fail(f"unknown function {fname!r}")
        if node.keywords:
            raise self.fail(f"{fname}() takes no keyword arguments")
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.fail(f"{fname}() takes no starred arguments")
        nargs = FUNCTIONS[fname]
        if len(node.args) != nargs:
            raise self.fail(f"{fname}() takes {nargs} argument(s), got {len(node.args)}")
        if fname == "eye":
            arg = node.args[0]
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, int)
                    and not isinstance(arg.value, bool)):
                raise self.fail("eye(n) needs a positive integer literal n")
            n = arg.value
            if n < 1 or n > MAX_EYE:
                raise self.fail(f"eye({n}): n must satisfy 1 <= n <= {MAX_EYE}")
            return Identity(n)
        args = tuple(self.build(a) for a in node.args)
        if fname == "transpose":
            return Transpose(args[0])
        if fname == "sqrt" and isinstance(args[0], Num):
            value = args[0].value
            if value.is_negative:
                raise self.fail(f"sqrt({value}) is not real")
            result = sp.sqrt(value)
            _check_number_size(result, self.text)
            return Num(result)
        return Func(fname, args)

    def subscript(self, node: ast.Subscript) -> Node:
        base = self.build(node.value)
        sl = node.slice
        items = sl.elts if isinstance(sl, ast.Tuple) else [sl]
        if not 1 <= len(items) <= 2:
            raise self.fail("indexing takes one or two integer literals, e.g. x[0] or X[1, 0]")
        idx: list[int] = []
        for it in items:
            if not (isinstance(it, ast.Constant) and isinstance(it.value, int)
                    and not isinstance(it.value, bool)):
                raise self.fail("indices must be non-negative integer literals (no slices, "
                                "names or negative indices), e.g. x[0] or X[1, 0]")
            idx.append(it.value)
        return Index(base, tuple(idx))


def _fold_neg(node: Node) -> Node:
    if isinstance(node, Num):
        return Num(-node.value)
    return Neg(node)


def _check_number_size(value: sp.Expr, text: str) -> None:
    for atom in sp.preorder_traversal(value):
        if isinstance(atom, sp.Rational):
            bits = int(atom.p).bit_length() + int(atom.q).bit_length()
            if bits > MAX_NUMBER_BITS:
                raise ExpressionError(f"{_short(text)}: a constant is too large (more than "
                                      f"{MAX_NUMBER_BITS} bits)")
        elif isinstance(atom, sp.Pow) and atom.exp.is_Rational:
            if abs(atom.exp.p) > MAX_DEGREE:
                raise ExpressionError(f"{_short(text)}: a constant has an exponent above "
                                      f"{MAX_DEGREE}")


def degree_bound(node: Node) -> int:
    """An upper bound on the polynomial degree of ``node`` in its variables.

    Rules: a name has degree 1, a number or ``I`` 0; ``+ -`` take the maximum; ``* @ /``,
    ``inner`` and ``hadamard`` add; ``a ** k`` multiplies by ⌈|k|⌉; the other functions keep
    the degree of their argument. (For ``inv`` and ``/`` this bounds the degree of numerator
    and denominator separately, which is what bounds the cost of exact expansion.)
    """
    if isinstance(node, (Num, Identity)):
        return 0
    if isinstance(node, Var):
        return 1
    if isinstance(node, (Neg, Transpose, Index)):
        return degree_bound(node.operand)
    if isinstance(node, BinOp):
        a = degree_bound(node.left)
        if node.op == "**":
            k = node.right.value  # type: ignore[attr-defined]
            return a * int(sp.ceiling(abs(k)))
        b = degree_bound(node.right)
        return max(a, b) if node.op in "+-" else a + b
    if isinstance(node, Func):
        degs = [degree_bound(a) for a in node.args]
        return sum(degs) if node.name in ("inner", "hadamard") else degs[0]
    raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover


def _finish_parse(node: Node, text: str, table: dict[str, Shape | None]) -> Node:
    deg = degree_bound(node)
    if deg > MAX_DEGREE:
        raise ExpressionError(f"{_short(text)}: estimated polynomial degree {deg} is above the "
                              f"limit {MAX_DEGREE}")
    if table and all(table.get(n) is not None for n in free_names(node)):
        _infer(node, {k: v for k, v in table.items() if v is not None})
    return node


#: A flat chain of more operands than this (``a + b + ...``, ``A*B*...``) is split at its top
#: level and rebuilt as a balanced tree: its depth is then logarithmic, and only true nesting
#: counts against :data:`MAX_DEPTH`.
CHAIN_SPLIT = 64


def _split_chain(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """A long top-level chain of ``+``/``-`` (else of ``*``/``@``) as (kind, [(op, piece)]).

    The first piece has op ``"+"`` (or ``"*"``). None when the text has at most
    :data:`CHAIN_SPLIT` top-level operands or cannot be tokenized (the ordinary parse then
    reports the error).
    """
    import io
    import tokenize

    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER,
                                  tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT)]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    if any(t.start[0] != 1 for t in toks):
        return None
    for kind, ops in (("+", ("+", "-")), ("*", ("*", "@"))):
        depth = 0
        cuts: list[tuple[int, str]] = []
        prev = None
        for t in toks:
            if t.type == tokenize.OP and t.string in "([":
                depth += 1
            elif t.type == tokenize.OP and t.string in ")]":
                depth -= 1
            elif (depth == 0 and t.type == tokenize.OP and t.string in ops and prev is not None
                  and (prev.type in (tokenize.NAME, tokenize.NUMBER)
                       or (prev.type == tokenize.OP and prev.string in ")]"))):
                cuts.append((t.start[1], t.string))
            prev = t
        if kind == "+" and cuts and len(cuts) < CHAIN_SPLIT:
            return None  # a short sum: its terms may be long products, split in their turn
        if len(cuts) >= CHAIN_SPLIT:
            pieces: list[tuple[str, str]] = []
            start, op = 0, kind
            for col, nxt in cuts:
                pieces.append((op, text[start:col]))
                start, op = col + 1, nxt
            pieces.append((op, text[start:]))
            return kind, pieces
    return None


def _build_text(text: str, builder: _Builder) -> Node:
    """Parse ``text`` (a long flat chain piece by piece, rebuilt balanced)."""
    if len(text) > MAX_TEXT_LENGTH:
        raise ExpressionError(
            f"expression is {len(text)} characters long; at most {MAX_TEXT_LENGTH} are allowed"
        )
    split = _split_chain(text)
    if split is None:
        tree = _parse_tree(text, "eval")
        try:
            return builder.build(tree)
        except RecursionError:
            raise ExpressionError(f"{_short(text)} is nested too deeply") from None
    kind, pieces = split
    nodes = []
    for op, piece in pieces:
        piece = piece.strip()
        # a builder of its own: number literals are read from the piece's source segment
        sub = _Builder(piece, builder.table, builder.restrict, builder.identity_size)
        nodes.append((op, _build_text(piece, sub)))
    if kind == "+":
        return _balanced_sum(nodes, builder)
    return _balanced_product(nodes, builder)


def _balanced_sum(terms: list[tuple[str, Node]], builder: _Builder) -> Node:
    """Σ ±term as a balanced tree of ``+``/``-`` (the first term's sign is ``+``)."""
    if len(terms) == 1:
        op, node = terms[0]
        return node if op == "+" else _fold_neg(node)
    mid = len(terms) // 2
    left = _balanced_sum(terms[:mid], builder)
    right_terms = terms[mid:]
    if right_terms[0][0] == "+":
        return builder.binop("+", left, _balanced_sum(right_terms, builder))
    flipped = [("+" if op == "-" else "-", n) for op, n in right_terms]
    return builder.binop("-", left, _balanced_sum(flipped, builder))


def _balanced_product(factors: list[tuple[str, Node]], builder: _Builder) -> Node:
    """A product chain as a balanced tree (products are associative); a chain that mixes
    ``*`` and ``@`` is kept left to right in runs of one operator."""
    ops = {op for op, _ in factors[1:]}
    if len(ops) > 1:
        node = factors[0][1]
        for op, f in factors[1:]:
            node = builder.binop(op, node, f)
        return node
    op = ops.pop()

    def build(part: list[Node]) -> Node:
        if len(part) == 1:
            return part[0]
        mid = len(part) // 2
        return builder.binop(op, build(part[:mid]), build(part[mid:]))

    return build([n for _, n in factors])


def parse_expression(text: str, *, names: Collection[str] | Mapping[str, Any] | None = None,
                     identity_size: int | None = None) -> Node:
    """Parse ``text`` in the safe grammar into an immutable :class:`Node` tree.

    Parameters
    ----------
    text
        The expression, e.g. ``"(X*X.T - M)*X"`` or ``"norm(U@V.T - Sigma)^2/2"``.
    names
        The identifiers the expression may use: a collection of names, or a mapping from name
        to shape (a tuple of ints, or an array whose shape is used, or None for unknown). When
        every name used has a known shape, the shapes are checked now (:func:`infer_shape`).
        ``None`` allows any ``[A-Za-z][A-Za-z0-9_]*`` that is not a function name.
    identity_size
        The size of ``I``; when None, ``I`` takes its size from the other operand of
        ``+ - @ *`` at evaluation. ``I`` is a variable instead when ``names`` contains ``"I"``.

    Raises
    ------
    ExpressionError
        Text outside the grammar or beyond a limit (the message says which construct and what
        is allowed). :class:`~mfverify.errors.NumberError` for a bad number literal.
    ShapeError
        When every shape is known and they do not fit together.
    """
    text = normalize_text(text)
    table = _shape_table(names)
    builder = _Builder(text, table, names is not None, identity_size)
    node = _build_text(text, builder)
    return _finish_parse(node, text, table)


def parse_assignment(text: str, *, names: Collection[str] | Mapping[str, Any] | None = None,
                     identity_size: int | None = None) -> tuple[str, Node]:
    """Parse a definition ``NAME = expression``, e.g. ``"P = Sigma - A*A.T + B*B.T"``.

    The right-hand side follows :func:`parse_expression` (with the same ``names``); the target
    must be a plain name (not a function name, not starting with ``_``). Returns
    ``(name, node)``.
    """
    text = normalize_text(text)
    m = re.match(r"^\s*([A-Za-z]\w*)\s*=(?!=)(.*)$", text, re.S)
    if m and len(text) <= MAX_TEXT_LENGTH and _split_chain(m.group(2)) is not None:
        # a long flat sum or product on the right: built piece by piece (see _build_text)
        target = m.group(1)
        if target.startswith("_") or target in FUNCTIONS:
            raise ExpressionError(f"{_short(text)}: {target!r} cannot be defined (names are "
                                  "[A-Za-z][A-Za-z0-9_]*, not starting with '_', not a "
                                  "function)")
        table = _shape_table(names)
        builder = _Builder(text, table, names is not None, identity_size)
        return target, _finish_parse(_build_text(m.group(2).strip(), builder), text, table)
    tree = _parse_tree(text, "exec")
    assert isinstance(tree, ast.Module)
    body = tree.body
    if len(body) != 1 or not isinstance(body[0], ast.Assign):
        raise ExpressionError(f"{_short(text)} is not a single definition 'NAME = expression'")
    stmt = body[0]
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
        raise ExpressionError(f"{_short(text)}: the left side must be one plain name")
    target = stmt.targets[0].id
    if target.startswith("_") or not _NAME_RE.match(target) or target in FUNCTIONS:
        raise ExpressionError(f"{_short(text)}: {target!r} cannot be defined (names are "
                              "[A-Za-z][A-Za-z0-9_]*, not starting with '_', not a function)")
    table = _shape_table(names)
    builder = _Builder(text, table, names is not None, identity_size)
    try:
        node = builder.build(stmt.value)
    except RecursionError:
        raise ExpressionError(f"{_short(text)} is nested too deeply") from None
    return target, _finish_parse(node, text, table)


def free_names(node: Node) -> set[str]:
    """The variable names used in ``node``."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Var):
            out.add(n.name)
        elif isinstance(n, (Neg, Transpose, Index)):
            stack.append(n.operand)
        elif isinstance(n, BinOp):
            stack.extend((n.left, n.right))
        elif isinstance(n, Func):
            stack.extend(n.args)
    return out


# ---------------------------------------------------------------------------------------------
# printing
# ---------------------------------------------------------------------------------------------

_ATOM = 5


def _num_prec(value: sp.Expr) -> int:
    """A lower bound of the precedence of ``str(value)`` (lower means more parentheses)."""
    if value.is_Integer:
        return _ATOM if value >= 0 else 3
    if value.is_Rational or isinstance(value, sp.Mul):
        return 2
    if isinstance(value, sp.Pow):
        return _ATOM if value.exp == sp.Rational(1, 2) else 2
    return 0


def _prec(node: Node) -> int:
    if isinstance(node, Num):
        return _num_prec(node.value)
    if isinstance(node, BinOp):
        return {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 4}[node.op]
    if isinstance(node, Neg):
        return 3
    return _ATOM


def to_text(node: Node) -> str:
    """Canonical text of ``node``; :func:`parse_expression` reads it back to an equal tree.

    Binary ``+ - @`` are printed with spaces, ``* / **`` without, and parentheses only where
    precedence requires them (``-x**2`` is −(x²), as in Python).
    """
    def wrap(child: Node, need: int) -> str:
        s = to_text(child)
        return f"({s})" if _prec(child) < need else s

    if isinstance(node, Num):
        return str(node.value)
    if isinstance(node, Var):
        return node.name
    if isinstance(node, Identity):
        return "I" if node.size is None else f"eye({node.size})"
    if isinstance(node, Neg):
        return "-" + wrap(node.operand, 3)
    if isinstance(node, Transpose):
        return wrap(node.operand, _ATOM) + ".T"
    if isinstance(node, Index):
        return wrap(node.operand, _ATOM) + "[" + ", ".join(str(i) for i in node.indices) + "]"
    if isinstance(node, Func):
        return f"{node.name}(" + ", ".join(to_text(a) for a in node.args) + ")"
    if isinstance(node, BinOp):
        p = _prec(node)
        if node.op == "**":
            k = node.right
            ks = to_text(k)
            if not (isinstance(k, Num) and k.value.is_Integer and k.value >= 0):
                ks = f"({ks})"
            return wrap(node.left, _ATOM) + "**" + ks
        left = wrap(node.left, p)
        right = wrap(node.right, p + 1)
        if node.op in "+-@":
            return f"{left} {node.op} {right}"
        return f"{left}{node.op}{right}"
    raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------------


def _fmt(shape: Shape) -> str:
    if shape == ():
        return "scalar"
    if len(shape) == 1:
        return f"vector of length {shape[0]}"
    return "matrix " + "×".join(str(s) for s in shape)


def _identity_from(other: Shape, op: str, identity_on_left: bool) -> int:
    if len(other) != 2:
        raise ShapeError(f"cannot infer the size of I next to a {_fmt(other)} (with {op!r}); "
                         "use eye(n)")
    if op in "+-":
        if other[0] != other[1]:
            raise ShapeError(f"I {op} {_fmt(other)}: the matrix must be square")
        return other[0]
    # products: I @ B has B's row count; A @ I has A's column count
    return other[0] if identity_on_left else other[1]


def _shape_binop(op: str, sl: Shape, sr: Shape) -> Shape:
    if op in "+-":
        if sl != sr:
            raise ShapeError(f"cannot apply {op!r} to a {_fmt(sl)} and a {_fmt(sr)}; the "
                             "operands must have the same shape")
        return sl
    if op == "*":
        if sl == ():
            return sr
        if sr == ():
            return sl
        if len(sl) == 2 and len(sr) == 2:
            return _shape_binop("@", sl, sr)
        raise ShapeError(f"'*' of a {_fmt(sl)} and a {_fmt(sr)}: '*' is scaling (one scalar "
                         "operand) or the product of two matrices; use '@' with vectors")
    if op == "@":
        if sl == () or sr == ():
            raise ShapeError(f"'@' needs matrices or vectors, got a {_fmt(sl)} and a "
                             f"{_fmt(sr)}; use '*' for scaling")
        inner_l = sl[-1]
        inner_r = sr[0]
        if inner_l != inner_r:
            raise ShapeError(f"matrix product of a {_fmt(sl)} and a {_fmt(sr)}: inner sizes "
                             f"{inner_l} and {inner_r} differ")
        return sl[:-1] + sr[1:]
    if op == "/":
        if sr != ():
            raise ShapeError(f"division by a {_fmt(sr)}: only division by a scalar is allowed")
        return sl
    if op == "**":
        if sl == ():
            return sl
        if len(sl) == 2 and sl[0] == sl[1]:
            return sl
        raise ShapeError(f"power of a {_fmt(sl)}: only scalars and square matrices have "
                         "powers")
    raise ShapeError(f"unknown operator {op!r}")  # pragma: no cover


def _check_matrix_power(k: sp.Expr, shape: Shape) -> None:
    if shape != () and not (k.is_Integer and k >= 0):
        raise ShapeError(f"a matrix power needs a non-negative integer exponent, got {k} "
                         "(use inv(A) for the inverse)")


def _shape_func(name: str, shapes: list[Shape]) -> Shape:
    s = shapes[0]
    if name == "trace":
        if len(s) != 2 or s[0] != s[1]:
            raise ShapeError(f"trace needs a square matrix, got a {_fmt(s)}")
        return ()
    if name == "inv":
        if len(s) != 2 or s[0] != s[1]:
            raise ShapeError(f"inv needs a square matrix, got a {_fmt(s)}")
        return s
    if name == "norm":
        return ()
    if name == "sqrt":
        if s != ():
            raise ShapeError(f"sqrt needs a scalar, got a {_fmt(s)}")
        return ()
    if name == "inner":
        if shapes[0] != shapes[1]:
            raise ShapeError(f"inner needs two arrays of the same shape, got a "
                             f"{_fmt(shapes[0])} and a {_fmt(shapes[1])}")
        return ()
    if name == "hadamard":
        if shapes[0] != shapes[1] or shapes[0] == ():
            raise ShapeError(f"hadamard needs two arrays of the same shape, got a "
                             f"{_fmt(shapes[0])} and a {_fmt(shapes[1])}")
        return shapes[0]
    raise ShapeError(f"unknown function {name!r}")  # pragma: no cover


def _shape_transpose(s: Shape) -> Shape:
    if s == ():
        return s
    if len(s) != 2:
        raise ShapeError(f"transpose of a {_fmt(s)} is ambiguous; declare it as an n×1 or "
                         "1×n matrix")
    return (s[1], s[0])


def _shape_index(s: Shape, idx: tuple[int, ...]) -> tuple[tuple[int, ...], Shape]:
    """The full index into the logical shape, and the result shape (always a scalar)."""
    if len(idx) == 1 and len(s) == 2:
        if s[1] == 1:
            idx = (idx[0], 0)
        elif s[0] == 1:
            idx = (0, idx[0])
        else:
            raise ShapeError(f"a {_fmt(s)} needs two indices, e.g. X[i, j]")
    if len(idx) != len(s):
        raise ShapeError(f"{len(idx)} index(es) into a {_fmt(s)}")
    for i, n in zip(idx, s, strict=True):
        if not 0 <= i < n:
            raise ShapeError(f"index {i} is out of range for a {_fmt(s)} (0 <= index < {n})")
    return idx, ()


def infer_shape(node: Node, shapes: Mapping[str, Any]) -> Shape:
    """The shape of ``node`` given the shapes of its names (``()`` scalar, ``(n,)``, ``(n, m)``).

    ``shapes`` maps names to shapes (tuples) or to arrays (their shape is used). Raises
    :class:`ShapeError` when shapes do not fit and :class:`ExpressionError` for a missing name.
    """
    table: dict[str, Shape] = {}
    for k, v in shapes.items():
        s = _as_shape(v)
        if s is None:
            raise ShapeError(f"no shape for {k!r}: got {v!r}")
        table[k] = s
    out = _infer(node, table)
    if out is None:
        raise ShapeError("cannot infer the size of I; use eye(n)")
    return out


def _infer(node: Node, table: Mapping[str, Shape]) -> Shape | None:
    if isinstance(node, Num):
        return ()
    if isinstance(node, Var):
        if node.name not in table:
            raise ExpressionError(f"unknown name {node.name!r}; known: {sorted(table)}")
        return table[node.name]
    if isinstance(node, Identity):
        return None if node.size is None else (node.size, node.size)
    if isinstance(node, Neg):
        return _infer(node.operand, table)
    if isinstance(node, Transpose):
        s = _infer(node.operand, table)
        return None if s is None else _shape_transpose(s)
    if isinstance(node, Index):
        s = _infer(node.operand, table)
        if s is None:
            raise ShapeError("cannot index I without a size; use eye(n)")
        return _shape_index(s, node.indices)[1]
    if isinstance(node, Func):
        shapes = [_infer(a, table) for a in node.args]
        if any(s is None for s in shapes):
            raise ShapeError(f"cannot infer the size of I inside {node.name}(); use eye(n)")
        return _shape_func(node.name, shapes)  # type: ignore[arg-type]
    if isinstance(node, BinOp):
        sl = _infer(node.left, table)
        if node.op == "**":
            if sl is not None:
                _check_matrix_power(node.right.value, sl)  # type: ignore[attr-defined]
                return _shape_binop("**", sl, ())
            return None
        sr = _infer(node.right, table)
        op = node.op
        if sl is None and sr is None:
            if op == "/":
                raise ShapeError("division by I: only division by a scalar is allowed")
            return None
        if sl is None:
            assert sr is not None
            if op in "*/" and sr == ():
                return None
            n = _identity_from(sr, op, True)
            sl = (n, n)
        if sr is None:
            if op == "*" and sl == ():
                return None
            n = _identity_from(sl, op, False)
            sr = (n, n)
        return _shape_binop(node.op, sl, sr)
    raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------------------------


class _NeedsSize(ShapeError):
    """An unsized ``I`` met where no size is known yet (the caller may retry with a hint)."""


@dataclass
class _Val:
    """A value with its logical (unbatched) shape; ``value`` may carry leading batch axes."""

    value: Any
    shape: Shape

    @property
    def batched(self) -> bool:
        return isinstance(self.value, np.ndarray) and self.value.ndim > len(self.shape)


def _lift(v: _Val, ndim: int) -> Any:
    """A (possibly batched) scalar made to broadcast against values of logical ndim ``ndim``."""
    if v.batched and v.shape == () and ndim > 0:
        return v.value.reshape(v.value.shape + (1,) * ndim)
    if v.shape == () and ndim > 0 and not isinstance(v.value, np.ndarray) \
            and hasattr(v.value, "__len__") and not isinstance(v.value, (str, bytes)):
        # an exact polynomial scalar (python-flint, the derivation line arithmetic) has len and
        # indexing: NumPy would broadcast its coefficients; a 0-d object array keeps it whole
        box = np.empty((), dtype=object)
        box[()] = v.value
        return box
    return v.value


def _opaque(a: Any, b: Any) -> tuple[Any, Any]:
    """Wrap a scalar that meets an array in a 0-d object array.

    An arithmetic's scalar may look like a sequence to NumPy (python-flint's ``fmpq_poly`` has
    a length: its number of coefficients), and NumPy would then broadcast its coefficients
    instead of scaling: the zero polynomial has length 0, so ``0*A`` failed with "operands
    could not be broadcast together with shapes (0,) (4,4)".
    """
    if isinstance(a, np.ndarray) and not isinstance(b, np.ndarray) and a.dtype == object:
        box = np.empty((), dtype=object)
        box[()] = b
        return a, box
    if isinstance(b, np.ndarray) and not isinstance(a, np.ndarray) and b.dtype == object:
        box = np.empty((), dtype=object)
        box[()] = a
        return box, b
    return a, b


class _Evaluator:
    def __init__(self, env: Mapping[str, Any], A: Any, shapes: Mapping[str, Any] | None) -> None:
        self.A = A
        self.env: dict[str, _Val] = {}
        for name, value in env.items():
            self.env[name] = self._env_value(name, value, shapes)

    def _env_value(self, name: str, value: Any, shapes: Mapping[str, Any] | None) -> _Val:
        A = self.A
        if isinstance(value, sp.MatrixBase):
            value = A.asarray(value) if A.exact else A.asarray(value.tolist())
        elif isinstance(value, (list, tuple)):
            value = A.asarray(value)
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            value = A.const(value)
        elif isinstance(value, bool):
            raise InputError(f"{name}: a boolean is not a number")
        declared = None if shapes is None else _as_shape(shapes.get(name))
        actual = tuple(np.shape(value)) if isinstance(value, np.ndarray) else ()
        if declared is None:
            declared = actual
        elif actual[len(actual) - len(declared):] != declared or len(actual) < len(declared):
            raise ShapeError(f"{name} must have shape {declared} (after any batch axes), got "
                             f"{actual}")
        return _Val(value, declared)

    def eval(self, node: Node, hint: int | None = None) -> _Val:
        """Evaluate ``node``; ``hint`` is the size an unsized ``I`` in it should take."""
        A = self.A
        if isinstance(node, Num):
            return _Val(A.const(node.value), ())
        if isinstance(node, Var):
            try:
                return self.env[node.name]
            except KeyError:
                raise ExpressionError(f"no value for {node.name!r}; have "
                                      f"{sorted(self.env)}") from None
        if isinstance(node, Identity):
            n = node.size if node.size is not None else hint
            if n is None:
                raise _NeedsSize("cannot infer the size of I here; use eye(n)")
            return _Val(A.eye(n), (n, n))
        if isinstance(node, Neg):
            v = self.eval(node.operand, hint)
            return _Val(-v.value, v.shape)
        if isinstance(node, Transpose):
            v = self.eval(node.operand, hint)
            s = _shape_transpose(v.shape)
            return _Val(v.value if v.shape == () else A.T(v.value), s)
        if isinstance(node, Index):
            v = self.eval(node.operand)
            idx, s = _shape_index(v.shape, node.indices)
            return _Val(np.asarray(v.value)[(Ellipsis, *idx)], s)
        if isinstance(node, Func):
            return self.func(node)
        if isinstance(node, BinOp):
            return self.binop(node, hint)
        raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover

    @staticmethod
    def _hint_from(op: str, other: Shape, hint: int | None, identity_on_left: bool) -> int:
        if other == () and op in "*/":
            if hint is None:
                raise _NeedsSize("cannot infer the size of I here; use eye(n)")
            return hint
        return _identity_from(other, op, identity_on_left)

    def _operands(self, node: BinOp, hint: int | None) -> tuple[_Val, _Val]:
        op = node.op
        child_hint = hint if op in "+-*/" else None
        try:
            left = self.eval(node.left, child_hint)
        except _NeedsSize:
            right = self.eval(node.right, child_hint)
            left = self.eval(node.left, self._hint_from(op, right.shape, hint, True))
            return left, right
        try:
            right = self.eval(node.right, child_hint)
        except _NeedsSize:
            right = self.eval(node.right, self._hint_from(op, left.shape, hint, False))
        return left, right

    def binop(self, node: BinOp, hint: int | None = None) -> _Val:
        A = self.A
        op = node.op
        if op == "**":
            base = self.eval(node.left, hint)
            k = node.right.value  # type: ignore[attr-defined]
            _check_matrix_power(k, base.shape)
            s = _shape_binop("**", base.shape, ())
            if s == ():
                return _Val(self._scalar_pow(base.value, k), ())
            return _Val(self._matrix_pow(base.value, int(k), s[0]), s)
        left, right = self._operands(node, hint)
        s = _shape_binop(op, left.shape, right.shape)
        if op in "+-":
            a, b = left.value, right.value
            return _Val(a + b if op == "+" else a - b, s)
        if op == "*" and (left.shape == () or right.shape == ()):
            a, b = _opaque(_lift(left, len(right.shape)), _lift(right, len(left.shape)))
            return _Val(a * b, s)
        if op in "*@":
            return _Val(A.finish_array(np.asarray(self._matmul(left, right))) if s != ()
                        else self._matmul(left, right), s)
        if op == "/":
            if A.exact and not right.batched and _is_zero(right.value):
                raise ExpressionError(f"division by zero in {to_text(node)!r}")
            a, b = _opaque(_lift(left, 0), _lift(right, len(left.shape)))
            return _Val(a / b, s)
        raise ExpressionError(f"unknown operator {op!r}")  # pragma: no cover

    def _matmul(self, a: _Val, b: _Val) -> Any:
        x, y = a.value, b.value
        la, lb = len(a.shape), len(b.shape)
        if la == 2 and lb == 2:
            return np.matmul(x, y)
        if la == 2 and lb == 1:
            return np.matmul(x, y[..., None])[..., 0]
        if la == 1 and lb == 2:
            return np.matmul(x[..., None, :], y)[..., 0, :]
        out = (np.asarray(x) * np.asarray(y)).sum(axis=-1)
        if isinstance(out, np.ndarray) and out.ndim == 0:
            out = out[()]
        return self.A.finish(out)

    def _scalar_pow(self, base: Any, k: sp.Expr) -> Any:
        A = self.A
        if A.exact:
            if isinstance(base, np.ndarray):
                return np.vectorize(lambda b: b**k, otypes=[object])(base)
            if k < 0 and _is_zero(base):
                raise ExpressionError("division by zero (0 to a negative power)")
            return base**k
        if k.is_Integer:
            kk: Any = int(k)
        else:
            kk = A.const(k)
        if isinstance(base, np.ndarray) and base.dtype != object:
            return np.power(base, kk)
        if isinstance(base, np.ndarray):
            return np.vectorize(lambda b: b**kk, otypes=[object])(base)
        return base**kk

    def _matrix_pow(self, base: Any, k: int, n: int) -> Any:
        A = self.A
        result: Any = None
        power = base
        while k:
            if k & 1:
                result = power if result is None else A.finish_array(np.matmul(result, power))
            k >>= 1
            if k:
                power = A.finish_array(np.matmul(power, power))
        if result is None:
            eye = A.eye(n)
            if isinstance(base, np.ndarray) and base.ndim > 2:
                eye = np.broadcast_to(eye, base.shape).copy()
            return eye
        return result

    def func(self, node: Func) -> _Val:
        A = self.A
        vals = [self.eval(a) for a in node.args]
        s = _shape_func(node.name, [v.shape for v in vals])
        v = vals[0]
        name = node.name
        if name == "trace":
            return _Val(A.trace(v.value), s)
        if name == "inv":
            if A.exact and isinstance(v.value, np.ndarray) and v.value.ndim == 2:
                m = sp.Matrix(v.value.tolist())
                if m.det() == 0:
                    raise ExpressionError(f"inv of a singular matrix in {to_text(node)!r}")
            return _Val(A.inv(v.value), s)
        if name == "sqrt":
            return _Val(A.sqrt(v.value), s)
        if name == "norm":
            return _Val(A.sqrt(self._sumsq(v)), s)
        if name == "inner":
            return _Val(self._inner(v, vals[1]), s)
        if name == "hadamard":
            prod = v.value * vals[1].value
            return _Val(A.finish_array(prod) if isinstance(prod, np.ndarray)
                        and prod.dtype == object else prod, s)
        raise ExpressionError(f"unknown function {name!r}")  # pragma: no cover

    def _inner(self, a: _Val, b: _Val) -> Any:
        A = self.A
        if len(a.shape) == 2:
            return A.inner(a.value, b.value)
        if len(a.shape) == 1:
            return A.vdot(a.value, b.value)
        return A.finish(a.value * b.value)

    def _sumsq(self, a: _Val) -> Any:
        return self._inner(a, a)


def _is_zero(value: Any) -> bool:
    try:
        return bool(value == 0)
    except (TypeError, ValueError):
        return False


def evaluate(node: Node, env: Mapping[str, Any], A: Any = "numpy", *,
             shapes: Mapping[str, Any] | None = None) -> Any:
    """Evaluate ``node`` with the values in ``env`` in arithmetic ``A``.

    Parameters
    ----------
    node
        A tree from :func:`parse_expression`.
    env
        Name -> value: arrays of the arithmetic (object arrays of SymPy for exact, of ``mpf``
        for mp, float arrays for NumPy), nested lists or SymPy matrices (converted with
        ``A.asarray``), or scalars.
    A
        An :class:`~mfverify.arith.Arith` (or its name, ``"exact"``, ``"mp"``, ``"numpy"``).
    shapes
        Optional logical shapes of the names. In NumPy, values may carry leading batch axes
        *before* their logical shape (``X`` of shape ``(B, n, r)`` for a declared ``(n, r)``);
        declaring shapes is what tells a batched scalar ``(B,)`` from a vector. Without it,
        the full shape of each value is its logical shape.

    Returns
    -------
    A scalar of the arithmetic (or an array of batch shape), or an array of the result's
    logical shape (with the batch axes in front). Exact results are expanded
    (``A.finish``).

    Raises
    ------
    ShapeError
        Incompatible shapes; the message names the shapes.
    ExpressionError
        A missing value, a division by exact zero, the inverse of an exactly singular matrix.
    """
    from .arith import get_arith

    A = get_arith(A)
    ev = _Evaluator(env, A, shapes)
    try:
        out = ev.eval(node)
    except _NeedsSize as exc:
        raise ShapeError(str(exc)) from None
    except ZeroDivisionError:
        raise ExpressionError(f"division by zero while evaluating {to_text(node)!r}") from None
    except RecursionError:  # pragma: no cover - depth is limited at parse time
        raise ExpressionError("expression nested too deeply to evaluate") from None
    value = out.value
    if isinstance(value, np.ndarray):
        return A.finish_array(value) if value.dtype == object else value
    return A.finish(value)


def to_sympy(node: Node, env: Mapping[str, Any] | None = None, *,
             symbols: Callable[[str], Any] | None = None) -> Any:
    """Evaluate ``node`` exactly and return a SymPy object.

    Matrices come back as :class:`sympy.Matrix`, vectors as column matrices, scalars as
    expressions. ``env`` maps names to SymPy matrices, nested lists or expressions; a name
    missing from ``env`` becomes ``symbols(name)`` when given, else a real scalar
    :class:`sympy.Symbol` of that name.
    """
    from .arith import ExactArith

    full: dict[str, Any] = dict(env or {})
    for name in free_names(node):
        if name not in full:
            full[name] = symbols(name) if symbols else sp.Symbol(name, real=True)
    value = evaluate(node, full, ExactArith())
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value[()]
        if value.ndim == 1:
            return sp.Matrix(value.tolist())
        return sp.Matrix(value.tolist())
    return value
