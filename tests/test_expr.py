"""The safe expression grammar (mfverify.expr): parsing, printing, shapes, evaluation, limits."""

from __future__ import annotations

import os

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from mfverify import expr as E
from mfverify.arith import get_arith
from mfverify.errors import ExpressionError, NumberError, ShapeError
from mfverify.expr import (
    BinOp,
    Identity,
    Num,
    Var,
    evaluate,
    free_names,
    infer_shape,
    parse_assignment,
    parse_expression,
    to_sympy,
    to_text,
)

# ---------------------------------------------------------------------------------------------
# parsing and printing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, canonical", [
    ("(X*X.T - M)*X", "(X*X.T - M)*X"),
    ("x^2 + 0.5*x", "x**2 + 1/2*x"),
    ("Xᵀ@X", "X.T @ X"),
    ("transpose(X) @ X", "X.T @ X"),
    ("a − b", "a - b"),
    ("a·b", "a*b"),
    ("-x**2", "-x**2"),
    ("(-x)**2", "(-x)**2"),
    ("-(a*b)", "-(a*b)"),
    ("a - (b - c)", "a - (b - c)"),
    ("a/(b*c)", "a/(b*c)"),
    ("(A@B).T", "(A @ B).T"),
    ("x**(1/2)", "x**(1/2)"),
    ("x**-1", "x**(-1)"),
    ("sqrt(3)/2*x", "sqrt(3)/2*x"),
    ("2*3 + x", "6 + x"),
    ("eye(3) - I", "eye(3) - I"),
    ("X[1, 0]*x[2]", "X[1, 0]*x[2]"),
    ("norm(U@V.T - S)**2/2", "norm(U @ V.T - S)**2/2"),
    ("inner(A, B) + trace(inv(A))", "inner(A, B) + trace(inv(A))"),
])
def test_canonical_text(text: str, canonical: str) -> None:
    node = parse_expression(text)
    assert to_text(node) == canonical
    assert parse_expression(canonical) == node
    assert str(node) == canonical


def test_numbers_are_exact() -> None:
    assert parse_expression("0.1") == Num(sp.Rational(1, 10))
    assert parse_expression("1e-3") == Num(sp.Rational(1, 1000))
    assert parse_expression("2**-2") == Num(sp.Rational(1, 4))
    assert parse_expression("sqrt(8)") == Num(2 * sp.sqrt(2))


def test_tree_is_immutable_and_hashable() -> None:
    node = parse_expression("a + b")
    assert isinstance(node, BinOp) and node.left == Var("a")
    with pytest.raises(AttributeError):
        node.op = "-"  # type: ignore[misc]
    assert {node: 1}[parse_expression("a+b")] == 1


def test_free_names_and_assignment() -> None:
    assert free_names(parse_expression("trace(X.T@M@X) + 2*s - I")) == {"X", "M", "s"}
    name, node = parse_assignment("P = Sigma - A*A.T + B*B.T")
    assert name == "P"
    assert free_names(node) == {"Sigma", "A", "B"}
    with pytest.raises(ExpressionError, match="single definition"):
        parse_assignment("P = 1; Q = 2")
    with pytest.raises(ExpressionError, match="one plain name"):
        parse_assignment("P[0] = 1")
    with pytest.raises(ExpressionError, match="cannot be defined"):
        parse_assignment("__class__ = 1")
    with pytest.raises(ExpressionError, match="cannot be defined"):
        parse_assignment("trace = 1")


def test_names_restriction_lists_allowed_names() -> None:
    with pytest.raises(ExpressionError, match=r"unknown name 'Y'.*\['M', 'X'"):
        parse_expression("X + Y", names=["X", "M"])
    # I is the identity unless the caller declares a variable named I
    assert parse_expression("I", names=["X"]) == Identity(None)
    assert parse_expression("I", names=["I"]) == Var("I")
    assert parse_expression("I", identity_size=3) == Identity(3)


def test_static_shapes_checked_when_known() -> None:
    with pytest.raises(ShapeError, match=r"2×3.*2×3"):
        parse_expression("X*Y", names={"X": (2, 3), "Y": (2, 3)})
    node = parse_expression("X.T@X - I", names={"X": (4, 2)})
    assert infer_shape(node, {"X": (4, 2)}) == (2, 2)
    assert infer_shape(parse_expression("x@x"), {"x": (3,)}) == ()
    assert infer_shape(parse_expression("A@x"), {"A": (2, 3), "x": (3,)}) == (2,)
    assert infer_shape(parse_expression("2*I/3 + A"), {"A": (5, 5)}) == (5, 5)


# ---------------------------------------------------------------------------------------------
# hostile and malformed text: rejected before anything runs
# ---------------------------------------------------------------------------------------------

HOSTILE = [
    "__import__('os').system('id')",
    "().__class__.__bases__",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "lambda: 1",
    "(lambda: __import__('os'))()",
    "[x for x in y]",
    "{x: 1 for x in y}",
    "(x for x in y)",
    "f(x=1)",
    "trace(X, axis=1)",
    "sqrt(*a)",
    "sqrt(**a)",
    "'rm -rf /'",
    "b'x'",
    "f'{x}'",
    "(y := 1)",
    "x[1:2]",
    "x[::-1]",
    "x[-1]",
    "x[i]",
    "x.y",
    "x.T.real",
    "x == 1",
    "x < y",
    "x and y",
    "not x",
    "~x",
    "x if y else z",
    "[1, 2]",
    "(1, 2)",
    "{1}",
    "{}",
    "...",
    "None",
    "True",
    "1j",
    "x // y",
    "x % y",
    "x << 2",
    "x | y",
    "eval('1')",
    "exec('1')",
    "open('/etc/passwd')",
    "getattr(x, 'T')",
    "X(1)",
    "_x",
    "__builtins__",
    "x; y",
    "import os",
    "",
    "   ",
    "x +",
    "\x00",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_rejected_and_nothing_runs(text: str, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: object) -> None:
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    monkeypatch.setattr(os, "popen", lambda *a, **k: calls.append(a))
    with pytest.raises(ExpressionError):
        parse_expression(text)
    assert calls == []


def test_import_system_message() -> None:
    with pytest.raises(ExpressionError, match="only the listed functions can be called"):
        parse_expression("__import__('os').system('id')")


@pytest.mark.parametrize("text, fragment", [
    ("10**10**10", "exponent"),
    ("x**100", "exponent 100 is too large"),
    ("((x**60)**60)", "degree"),
    ("2**x", "exponent must be a constant"),
    ("x**sqrt(2)", "not a rational"),
    ("(" * 300 + "x" + ")" * 300, "nested"),
    ("-" * 300 + "x", "nested too deeply"),  # true nesting (flat sums are accepted)
    ("x" * (E.MAX_TEXT_LENGTH + 1), "characters long"),
    ("1/0", "division by zero"),
    ("0**-1", "division by zero"),
    ("sqrt(-1)", "not real"),
    ("(-1)**(1/2)", "not real"),
    ("eye(0)", r"n must satisfy 1 <= n"),
    ("eye(10**9)", "positive integer literal"),
    ("eye(100000)", "1 <= n"),
    ("1" * 500, "too long"),
    ("1e99999", "too large"),
    ("trace", "is a function"),
    ("sqrt(x, y)", "takes 1 argument"),
    ("inner(x)", "takes 2 argument"),
    ("x[0, 0, 0]", "one or two integer"),
])
def test_limits_and_malformed(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError, match=fragment):
        parse_expression(text)


def test_number_errors_are_number_errors() -> None:
    with pytest.raises(NumberError):
        parse_expression("1" * 500)


def test_huge_constant_power_rejected_quickly() -> None:
    # (10**400)**64 would have ~85000 digits: beyond MAX_NUMBER_BITS
    with pytest.raises(ExpressionError, match="too large"):
        parse_expression("(10**400)**64")


# ---------------------------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------------------------

RNG = np.random.default_rng(7)


def _rational_matrix(rows: int, cols: int) -> list[list[sp.Rational]]:
    return [[sp.Rational(int(RNG.integers(-9, 10)), int(RNG.integers(1, 5))) for _ in range(cols)]
            for _ in range(rows)]


def _to_float(value: object) -> np.ndarray:
    return np.asarray(value, dtype=object).astype(float)


@pytest.mark.parametrize("text", [
    "(X*X.T - M)*X",
    "X@X.T@X - M@X",
    "norm(X*X.T - M)**2/4",
    "inner(X*X.T - M, X*X.T - M)/4",
    "trace((X*X.T - M)**2)/4",
    "trace(X.T@M@X) - 1/2*norm(X.T@X)**2",
    "(M - I)**3 + 2*I",
    "inv(M + 10*I) @ X",
    "X[1, 0]**2 + X[0, 1]*X[2, 1] - sqrt(2)*X[0, 0]",
    "sqrt(norm(X)**2 + 1)",
    "X.T @ X / 3 - I",
])
def test_three_arithmetics_agree(text: str) -> None:
    X = _rational_matrix(3, 2)
    M0 = _rational_matrix(3, 3)
    M = [[M0[i][j] + M0[j][i] for j in range(3)] for i in range(3)]
    node = parse_expression(text, names={"X": (3, 2), "M": (3, 3)})
    exact = evaluate(node, {"X": X, "M": M}, "exact")
    mp = evaluate(node, {"X": X, "M": M}, get_arith("mp", dps=40))
    flt = evaluate(node, {"X": X, "M": M}, "numpy")
    ref = _to_float(exact)
    assert np.allclose(_to_float(mp), ref, rtol=1e-12, atol=1e-12)
    assert np.allclose(np.asarray(flt, dtype=float), ref, rtol=1e-10, atol=1e-10)
    assert np.shape(exact) == np.shape(flt)


def test_star_is_matrix_product_only_between_matrices() -> None:
    X = [[1, 2], [3, 4], [5, 6]]
    a = evaluate(parse_expression("X*X.T"), {"X": X}, "exact")
    b = evaluate(parse_expression("X@X.T"), {"X": X}, "exact")
    assert (a == b).all() and a.shape == (3, 3)
    c = evaluate(parse_expression("2*X*3"), {"X": X}, "exact")
    assert c.tolist() == [[6 * v for v in row] for row in X]
    with pytest.raises(ShapeError, match="use '@' with vectors"):
        evaluate(parse_expression("x*x"), {"x": [1, 2]}, "exact")
    assert evaluate(parse_expression("x@x"), {"x": [1, 2]}, "exact") == 5


def test_exact_values() -> None:
    X = np.array([[sp.Integer(1)], [sp.Integer(2)]], dtype=object)
    M = [[1, 0], [0, 1]]
    out = evaluate(parse_expression("(X*X.T - M)*X"), {"X": X, "M": M}, "exact")
    assert out.tolist() == [[4], [8]]
    s = sp.Symbol("s", real=True)
    assert evaluate(parse_expression("(s + 1)**2 - s**2"), {"s": s}, "exact") == 2 * s + 1
    assert evaluate(parse_expression("0.1 + 0.2"), {}, "exact") == sp.Rational(3, 10)


def test_matrix_power_and_identity_inference() -> None:
    A = [[2, 1], [0, 3]]
    out = evaluate(parse_expression("(A - I)**3 @ inv(A) + I*2"), {"A": A}, "exact")
    Am = sp.Matrix(A)
    ref = (Am - sp.eye(2)) ** 3 * Am.inv() + 2 * sp.eye(2)
    assert sp.Matrix(out.tolist()) == ref
    assert evaluate(parse_expression("A**0"), {"A": A}, "exact").tolist() == [[1, 0], [0, 1]]
    with pytest.raises(ShapeError, match="size of I"):
        evaluate(parse_expression("trace(I)"), {}, "exact")


@pytest.mark.parametrize("text, env, fragment", [
    ("A@B", {"A": np.ones((2, 3)), "B": np.ones((2, 3))}, "inner sizes 3 and 2"),
    ("A + B", {"A": np.ones((2, 3)), "B": np.ones((3, 2))}, r"2×3 and a matrix 3×2"),
    ("A/B", {"A": np.ones((2, 2)), "B": np.ones((2, 2))}, "only division by a scalar"),
    ("A**2", {"A": np.ones((2, 3))}, "square matrices"),
    ("A**(1/2)", {"A": np.ones((2, 2))}, "non-negative integer"),
    ("trace(A)", {"A": np.ones((2, 3))}, "square"),
    ("inv(A)", {"A": np.ones((2, 3))}, "square"),
    ("sqrt(A)", {"A": np.ones((2, 2))}, "scalar"),
    ("inner(A, B)", {"A": np.ones((2, 2)), "B": np.ones((2, 3))}, "same shape"),
    ("X[2, 0]", {"X": np.ones((2, 2))}, "out of range"),
    ("X[0]", {"X": np.ones((2, 2))}, "two indices"),
    ("x.T", {"x": np.ones(2)}, "ambiguous"),
    ("x @ 2", {"x": np.ones(2)}, "use '\\*' for scaling"),
    ("I - A", {"A": np.ones((2, 3))}, "square"),
])
def test_shape_errors(text: str, env: dict, fragment: str) -> None:
    with pytest.raises(ShapeError, match=fragment):
        evaluate(parse_expression(text), env, "numpy")


def test_missing_value_and_exact_division_by_zero() -> None:
    with pytest.raises(ExpressionError, match="no value for 'y'"):
        evaluate(parse_expression("x + y"), {"x": 1}, "exact")
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate(parse_expression("1/(x - x)"), {"x": 1}, "exact")
    with pytest.raises(ExpressionError, match="singular"):
        evaluate(parse_expression("inv(A)"), {"A": [[1, 1], [1, 1]]}, "exact")
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate(parse_expression("1/(x - x)"), {"x": 1}, "mp")


def test_vector_indexing_of_column_and_row_matrices() -> None:
    env = {"x": [[5], [7]], "y": [[1, 2, 3]]}
    assert evaluate(parse_expression("x[1]"), env, "exact") == 7
    assert evaluate(parse_expression("x[1, 0]"), env, "exact") == 7
    assert evaluate(parse_expression("y[2]"), env, "exact") == 3


def test_numpy_batch_matches_loop() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 3, 2))
    M = rng.normal(size=(3, 3))
    M = M + M.T
    s = rng.normal(size=6)
    shapes = {"X": (3, 2), "M": (3, 3), "s": ()}
    for text in ["s*norm(X*X.T - M)**2/4 + X[0, 1]", "(X*X.T - M)*X/s", "X.T@X - s*I",
                 "trace(X.T@M@X)**2", "s**2*inv(X.T@X + I)"]:
        node = parse_expression(text, names=shapes)
        batched = evaluate(node, {"X": X, "M": M, "s": s}, "numpy", shapes=shapes)
        for b in range(6):
            one = evaluate(node, {"X": X[b], "M": M, "s": s[b]}, "numpy", shapes=shapes)
            assert np.allclose(batched[b], one, rtol=1e-12, atol=1e-12), text


def test_to_sympy() -> None:
    x, y = sp.symbols("x y", real=True)
    assert to_sympy(parse_expression("x^2*y - 1/3")) == x**2 * y - sp.Rational(1, 3)
    a = sp.Symbol("a")
    out = to_sympy(parse_expression("X.T*X"), {"X": sp.Matrix([[1], [a]])})
    assert out == sp.Matrix([[a**2 + 1]])


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------

_leaf = st.one_of(
    st.sampled_from(["a", "b", "c"]).map(Var),
    st.fractions(min_value=-5, max_value=5, max_denominator=4).map(
        lambda f: Num(sp.Rational(f.numerator, f.denominator))),
)


def _extend(children: st.SearchStrategy[E.Node]) -> st.SearchStrategy[E.Node]:
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children).map(
            lambda t: BinOp(*t)),
        st.tuples(children, st.integers(0, 3)).map(
            lambda t: BinOp("**", t[0], Num(sp.Integer(t[1])))),
        children.map(E.Neg),
    )


_trees = st.recursive(_leaf, _extend, max_leaves=8)


@given(_trees)
def test_print_parse_roundtrip_and_value(node: E.Node) -> None:
    try:
        reparsed = parse_expression(to_text(node))
    except ExpressionError:
        return  # e.g. a folded constant division by zero: rejected, never mis-parsed
    assert parse_expression(to_text(reparsed)) == reparsed
    env = {"a": sp.Rational(3, 7), "b": sp.Rational(-2, 5), "c": sp.Integer(2)}
    try:
        v1 = evaluate(node, env, "exact")
    except ExpressionError:
        return
    assert evaluate(reparsed, env, "exact") == v1
