"""Matrix calculus on expression trees: ∇f and ∇²f[D, D] in matrix notation, and LaTeX.

:class:`Derivation` differentiates a problem's objective, written in the expression grammar
(the family's ``objective``, e.g. ``scale*norm(X*X.T - M)^2``), *as matrices*: the result is
again an expression tree such as ``(X*X.T - M)*X``, printed in LaTeX as
``\\left(X X^\\top - M\\right) X``, never as a matrix of entries ``X_0_0``.

Rules (D_V is the directional derivative along V, linear in V):

* D(A ± B) = DA ± DB; D(AB) = (DA)B + A(DB); D(Aᵀ) = (DA)ᵀ; D tr A = tr DA;
  D⟨A, B⟩ = ⟨DA, B⟩ + ⟨A, DB⟩; D(A∘B) = DA∘B + A∘DB;
  D‖A‖²ᵏ = k‖A‖^{2(k−1)}·2⟨A, DA⟩; D(Aᵏ) = Σᵢ Aⁱ(DA)A^{k−1−i};
  a variable differentiates to the direction, data and constants to 0;
* the gradient is read off D_W f = ⟨∇f, W⟩ with the adjoint rules ⟨Y, PW Q⟩ = ⟨PᵀYQᵀ, W⟩,
  ⟨Y, Wᵀ⟩ = ⟨Yᵀ, W⟩, tr B = ⟨I, B⟩, ⟨A, B⟩ = ⟨B, A⟩, ⟨Y, P∘B⟩ = ⟨P∘Y, B⟩;
* the Hessian form is D_D D_D f.

Results are simplified (transposes pushed to the leaves, (XXᵀ)ᵀ = XXᵀ, Mᵀ = M for data the
problem requires symmetric, identities and zeros dropped, like terms collected), so the
printed formula is the usual one, and every result is *checked* by
:func:`mfverify.derivation.check_gradient` / :func:`~mfverify.derivation.check_hessian` in the
tests (PROVED for every size).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy as sp

from ..errors import UnsupportedError
from ..expr import BinOp, Func, Identity, Neg, Node, Num, Transpose, Var, parse_expression, to_text
from ..problems import Problem

__all__ = ["directional", "gradient", "simplify", "to_latex", "Derivation"]

ZERO = Num(sp.Integer(0))
ONE = Num(sp.Integer(1))


def _is_zero(n: Node) -> bool:
    return isinstance(n, Num) and n.value == 0


def _mentions(n: Node, name: str) -> bool:
    if isinstance(n, Var):
        return n.name == name
    if isinstance(n, (Neg, Transpose)):
        return _mentions(n.operand, name)
    if isinstance(n, BinOp):
        return _mentions(n.left, name) or _mentions(n.right, name)
    if isinstance(n, Func):
        return any(_mentions(a, name) for a in n.args)
    return False


def _add(a: Node, b: Node) -> Node:
    if _is_zero(a):
        return b
    if _is_zero(b):
        return a
    return BinOp("+", a, b)


def _mul(a: Node, b: Node) -> Node:
    if _is_zero(a) or _is_zero(b):
        return ZERO
    if a == ONE:
        return b
    if b == ONE:
        return a
    return BinOp("*", a, b)


def directional(n: Node, direction: Mapping[str, Node]) -> Node:
    """D_V n, with V given per variable name (``{"X": Var("D")}``)."""
    d = directional
    if isinstance(n, Var):
        return direction.get(n.name, ZERO)
    if isinstance(n, (Num, Identity)):
        return ZERO
    if isinstance(n, Neg):
        inner = d(n.operand, direction)
        return ZERO if _is_zero(inner) else Neg(inner)
    if isinstance(n, Transpose):
        inner = d(n.operand, direction)
        return ZERO if _is_zero(inner) else Transpose(inner)
    if isinstance(n, Func):
        if n.name == "trace":
            inner = d(n.args[0], direction)
            return ZERO if _is_zero(inner) else Func("trace", (inner,))
        if n.name in ("inner", "hadamard"):  # bilinear: the product rule
            a, b = n.args
            da, db = d(a, direction), d(b, direction)
            left = ZERO if _is_zero(da) else Func(n.name, (da, b))
            right = ZERO if _is_zero(db) else Func(n.name, (a, db))
            return _add(left, right)
        raise UnsupportedError(f"{n.name}(·) is not differentiated in matrix form")
    if isinstance(n, BinOp):
        op = n.op
        if op in "+-":
            a, b = d(n.left, direction), d(n.right, direction)
            if op == "+":
                return _add(a, b)
            if _is_zero(b):
                return a
            return Neg(b) if _is_zero(a) else BinOp("-", a, b)
        if op in "*@":
            return _add(_mul(d(n.left, direction), n.right), _mul(n.left, d(n.right, direction)))
        if op == "/":
            inner = d(n.left, direction)
            return ZERO if _is_zero(inner) else BinOp("/", inner, n.right)
        if op == "**":
            k = int(n.right.value)  # type: ignore[attr-defined]
            base = n.left
            if isinstance(base, Func) and base.name == "norm":
                a = base.args[0]
                da = d(a, direction)
                if _is_zero(da) or k == 0:
                    return ZERO
                core = _mul(Num(sp.Integer(k)), Func("inner", (a, da)))
                return core if k == 2 else _mul(BinOp("**", base, Num(sp.Integer(k - 2))), core)
            db = d(base, direction)
            if _is_zero(db) or k == 0:
                return ZERO
            terms: Node = ZERO
            for i in range(k):
                left = BinOp("**", base, Num(sp.Integer(i))) if i else ONE
                right = BinOp("**", base, Num(sp.Integer(k - 1 - i))) if k - 1 - i else ONE
                terms = _add(terms, _mul(_mul(left, db), right))
            return terms
    raise UnsupportedError(f"cannot differentiate {to_text(n)!r} in matrix form")


def _adjoint(b: Node, y: Node, w: str) -> Node:
    """Z with ⟨Y, B⟩ = ⟨Z, W⟩ for B linear in the variable ``w``."""
    if isinstance(b, Var):
        return y if b.name == w else ZERO
    if not _mentions(b, w):
        return ZERO
    if isinstance(b, Neg):
        return _adjoint(b.operand, Neg(y), w)
    if isinstance(b, Transpose):
        return _adjoint(b.operand, Transpose(y), w)
    if isinstance(b, BinOp):
        if b.op in "+-":
            right = _adjoint(b.right, y if b.op == "+" else Neg(y), w)
            return _add(_adjoint(b.left, y, w), right)
        if b.op == "/":
            return _adjoint(b.left, BinOp("/", y, b.right), w)
        if b.op in "*@":
            p, q = b.left, b.right
            if _mentions(p, w):
                return _adjoint(p, _mul(y, Transpose(q)) if not _scalar_like(q) else _mul(q, y), w)
            return _adjoint(q, _mul(Transpose(p), y) if not _scalar_like(p) else _mul(p, y), w)
    if isinstance(b, Func) and b.name == "hadamard":
        # ⟨Y, P∘Q⟩ = ⟨P∘Y, Q⟩ = ⟨Y∘Q, P⟩
        p, q = b.args
        right = _adjoint(q, Func("hadamard", (p, y)), w) if _mentions(q, w) else ZERO
        left = _adjoint(p, Func("hadamard", (y, q)), w) if _mentions(p, w) else ZERO
        return _add(left, right)
    raise UnsupportedError(f"cannot read a gradient off {to_text(b)!r}")


def _scalar_like(n: Node) -> bool:
    """A scalar factor (a number, a scalar name, a trace, an inner product, a norm power)."""
    if isinstance(n, Num):
        return True
    if isinstance(n, Func):
        return n.name in ("trace", "inner", "norm")
    if isinstance(n, Var):
        return n.name in _SCALARS.get()
    if isinstance(n, BinOp):
        if n.op == "**":
            return _scalar_like(n.left)
        return _scalar_like(n.left) and _scalar_like(n.right)
    if isinstance(n, Neg):
        return _scalar_like(n.operand)
    return False


class _Scalars:
    """The names that are scalars in the current computation (set by :func:`gradient`)."""

    def __init__(self) -> None:
        self.names: frozenset[str] = frozenset()

    def get(self) -> frozenset[str]:
        return self.names


_SCALARS = _Scalars()


def _grad_scalar(s: Node, w: str) -> Node:
    """G with s = ⟨G, W⟩ for a scalar s linear in ``w``."""
    if not _mentions(s, w):
        return ZERO
    if isinstance(s, Neg):
        return _neg(_grad_scalar(s.operand, w))
    if isinstance(s, BinOp):
        if s.op in "+-":
            g2 = _grad_scalar(s.right, w)
            return _add(_grad_scalar(s.left, w), g2 if s.op == "+" else _neg(g2))
        if s.op == "/":
            return BinOp("/", _grad_scalar(s.left, w), s.right)
        if s.op in "*@":
            if _mentions(s.left, w):
                return _mul(s.right, _grad_scalar(s.left, w))
            return _mul(s.left, _grad_scalar(s.right, w))
    if isinstance(s, Func):
        if s.name == "trace":
            return _adjoint(s.args[0], Identity(None), w)
        if s.name == "inner":
            a, b = s.args
            return _add(_adjoint(b, a, w) if _mentions(b, w) else ZERO,
                        _adjoint(a, b, w) if _mentions(a, w) else ZERO)
    raise UnsupportedError(f"cannot read a gradient off {to_text(s)!r}")


def _neg(n: Node) -> Node:
    return ZERO if _is_zero(n) else Neg(n)


def gradient(f: Node, var: str, scalars: Iterable[str] = ()) -> Node:
    """∇_var f as a matrix expression (unsimplified)."""
    probe = "__W__"
    _SCALARS.names = frozenset(scalars)
    return _grad_scalar(directional(f, {var: Var(probe)}), probe)


# ---------------------------------------------------------------------------------------------
# simplification
# ---------------------------------------------------------------------------------------------


def _push_t(n: Node, symmetric: frozenset[str], scalars: frozenset[str]) -> Node:
    """Transposes pushed to the leaves: (AB)ᵀ = BᵀAᵀ, (A ± B)ᵀ = Aᵀ ± Bᵀ, Aᵀᵀ = A."""
    if isinstance(n, Transpose):
        return _t(_push_t(n.operand, symmetric, scalars), symmetric, scalars)
    if isinstance(n, Neg):
        return Neg(_push_t(n.operand, symmetric, scalars))
    if isinstance(n, BinOp):
        return BinOp(n.op, _push_t(n.left, symmetric, scalars),
                     _push_t(n.right, symmetric, scalars) if n.op != "**" else n.right)
    if isinstance(n, Func):
        return Func(n.name, tuple(_push_t(a, symmetric, scalars) for a in n.args))
    return n


def _t(n: Node, symmetric: frozenset[str], scalars: frozenset[str]) -> Node:
    if isinstance(n, (Num, Identity)) or _scalar_like(n):
        return n
    if isinstance(n, Var):
        return n if n.name in symmetric or n.name in scalars else Transpose(n)
    if isinstance(n, Transpose):
        return n.operand
    if isinstance(n, Neg):
        return Neg(_t(n.operand, symmetric, scalars))
    if isinstance(n, BinOp):
        if n.op in "+-":
            return BinOp(n.op, _t(n.left, symmetric, scalars), _t(n.right, symmetric, scalars))
        if n.op == "/":
            return BinOp("/", _t(n.left, symmetric, scalars), n.right)
        if n.op in "*@":
            if _scalar_like(n.left) or _scalar_like(n.right):
                return BinOp(n.op, _t(n.left, symmetric, scalars), _t(n.right, symmetric,
                                                                          scalars))
            return BinOp(n.op, _t(n.right, symmetric, scalars), _t(n.left, symmetric, scalars))
        if n.op == "**":
            return BinOp("**", _t(n.left, symmetric, scalars), n.right)
    if isinstance(n, Func) and n.name == "hadamard":  # (A∘B)ᵀ = Aᵀ∘Bᵀ
        return Func("hadamard", tuple(_t(a, symmetric, scalars) for a in n.args))
    return Transpose(n)


def _terms(n: Node) -> list[tuple[sp.Expr, Node]]:
    """A sum as (coefficient, term) pairs; a term's numeric factors go into its coefficient."""
    if isinstance(n, BinOp) and n.op in "+-":
        right = _terms(n.right)
        if n.op == "-":
            right = [(-c, t) for c, t in right]
        return _terms(n.left) + right
    if isinstance(n, Neg):
        return [(-c, t) for c, t in _terms(n.operand)]
    if isinstance(n, Num):
        return [(n.value, ONE)]
    if isinstance(n, BinOp) and n.op in "*@":
        (c1, t1), (c2, t2) = _factor(n.left), _factor(n.right)
        if t1 == ONE:  # a number times a sum: distribute
            return [(c1 * c2 * c, t) for c, t in _terms(t2)]
        if t2 == ONE:
            return [(c1 * c2 * c, t) for c, t in _terms(t1)]
        return [(c1 * c2, _mul(t1, t2))]
    if isinstance(n, BinOp) and n.op == "/" and isinstance(n.right, Num):
        return [(c / n.right.value, t) for c, t in _terms(n.left)]
    return [(sp.Integer(1), n)]


def _factor(n: Node) -> tuple[sp.Expr, Node]:
    """(numeric coefficient, the rest) of a product, without distributing sums."""
    if isinstance(n, Num):
        return n.value, ONE
    if isinstance(n, Neg):
        c, t = _factor(n.operand)
        return -c, t
    if isinstance(n, BinOp) and n.op in "*@":
        (c1, t1), (c2, t2) = _factor(n.left), _factor(n.right)
        return c1 * c2, _mul(t1, t2)
    if isinstance(n, BinOp) and n.op == "/" and isinstance(n.right, Num):
        c, t = _factor(n.left)
        return c / n.right.value, t
    return sp.Integer(1), n


def _collect(n: Node) -> Node:
    """Like terms collected, zeros and unit factors dropped (recursively); numbers pulled out
    of ``inner`` and ``trace``; ⟨A, A⟩ written ‖A‖²."""
    if isinstance(n, BinOp) and n.op == "**":
        return BinOp("**", _collect(n.left), n.right)
    if isinstance(n, Func) and n.name in ("inner", "trace", "hadamard"):
        coef = sp.Integer(1)
        args = []
        for a in n.args:
            pairs = _terms(_collect(a))
            if len(pairs) == 1:
                coef *= pairs[0][0]
                args.append(pairs[0][1])
            else:
                args.append(_collect(a))
        if n.name == "inner":
            args = _hadamard_pairing(args)
        if n.name == "inner" and args[0] == args[1]:
            core: Node = BinOp("**", Func("norm", (args[0],)), Num(sp.Integer(2)))
        else:
            core = Func(n.name, tuple(args))
        return core if coef == 1 else _collect(BinOp("*", Num(coef), core))
    if isinstance(n, Func):
        return Func(n.name, tuple(_collect(a) for a in n.args))
    if isinstance(n, Transpose):
        return Transpose(_collect(n.operand))
    pairs = _terms(n)
    merged: dict[Node, sp.Expr] = {}
    order: list[Node] = []
    for c, t in pairs:
        t = _collect_leaf(t)
        if t not in merged:
            merged[t] = sp.Integer(0)
            order.append(t)
        merged[t] += c
    out: Node | None = None
    for t in order:
        c = merged[t]
        if c == 0:
            continue
        term = t if c in (1, -1) else (Num(abs(c)) if t == ONE else BinOp("*", Num(abs(c)), t))
        if c == -1 and t == ONE:
            term = ONE
        if out is None:
            out = Neg(term) if c < 0 else term
        else:
            out = BinOp("-" if c < 0 else "+", out, term)
    return out if out is not None else ZERO


def _hadamard_pairing(args: list[Node]) -> list[Node]:
    """⟨P∘Q, B⟩ = ⟨P∘B, Q⟩ (both are Σ P_ij Q_ij B_ij): Q and B put in text order, so that
    like terms are collected."""
    if isinstance(args[1], Func) and args[1].name == "hadamard" and not (
            isinstance(args[0], Func) and args[0].name == "hadamard"):
        args = [args[1], args[0]]
    if isinstance(args[0], Func) and args[0].name == "hadamard":
        p, q = args[0].args
        b = args[1]
        if to_text(b) < to_text(q):
            q, b = b, q
        return [Func("hadamard", (p, q)), b]
    return args


def _collect_leaf(t: Node) -> Node:
    if isinstance(t, BinOp) and t.op in "*@":
        return BinOp(t.op, _collect_leaf(t.left), _collect_leaf(t.right))
    if isinstance(t, (Func, Transpose)) or (isinstance(t, BinOp) and t.op == "**"):
        return _collect(t)
    if isinstance(t, BinOp) and t.op in "+-":
        return _collect(t)
    return t


def simplify(n: Node, *, symmetric: Iterable[str] = (), scalars: Iterable[str] = ()) -> Node:
    """Transposes pushed down (symmetric data are their own transpose), products with I
    dropped, like terms collected."""
    sym, sc = frozenset(symmetric), frozenset(scalars)
    _SCALARS.names = sc
    out = _drop_identity(_push_t(n, sym, sc))
    for _ in range(3):
        out = _drop_identity(_collect(out))
    return _factor_common(out)


def _drop_identity(n: Node) -> Node:
    if isinstance(n, BinOp):
        a, b = _drop_identity(n.left), _drop_identity(n.right) if n.op != "**" else n.right
        if n.op in "*@":
            if isinstance(a, Identity) and not _scalar_like(b):
                return b
            if isinstance(b, Identity) and not _scalar_like(a):
                return a
        return BinOp(n.op, a, b)
    if isinstance(n, (Neg, Transpose)):
        return type(n)(_drop_identity(n.operand))
    if isinstance(n, Func):
        return Func(n.name, tuple(_drop_identity(a) for a in n.args))
    return n


def _factor_common(n: Node) -> Node:
    """A X + B X - C X written (A + B - C) X when every term ends in the same factor X (the
    usual ∇f = (XXᵀ − M)X form); only at the top level."""
    pairs = _terms(n)
    if len(pairs) < 2:
        return n
    tails = []
    for _, t in pairs:
        if not (isinstance(t, BinOp) and t.op in "*@") or _scalar_like(t.right):
            return n
        tails.append(t.right)
    if any(x != tails[0] for x in tails):
        return n
    heads: Node | None = None
    for c, t in pairs:
        assert isinstance(t, BinOp)
        head = t.left if c == 1 else _mul(Num(abs(c)), t.left) if c != -1 else t.left
        if heads is None:
            heads = Neg(head) if c < 0 else head
        else:
            heads = BinOp("-" if c < 0 else "+", heads, head)
    assert heads is not None
    return BinOp("*", heads, tails[0])


# ---------------------------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------------------------

_GREEK = {"Sigma": r"\Sigma", "sigma": r"\sigma", "eta": r"\eta", "Lambda": r"\Lambda",
          "lambda": r"\lambda", "mu": r"\mu", "alpha": r"\alpha", "beta": r"\beta",
          "gamma": r"\gamma", "delta": r"\delta", "Delta": r"\Delta", "Omega": r"\Omega",
          "scale": "c", "balance": "b"}


def _name(v: str) -> str:
    if v in _GREEK:
        return _GREEK[v]
    m = __import__("re").match(r"^([A-Za-z]+?)(\d+)$", v)
    if m:
        return f"{_name(m.group(1))}_{{{m.group(2)}}}"
    if len(v) > 1 and v[0] == "D" and v[1:].isalpha():
        return rf"D_{{{_name(v[1:])}}}"
    return v if len(v) == 1 else rf"\mathrm{{{v}}}"


def _prec(n: Node) -> int:
    if isinstance(n, BinOp):
        return {"+": 1, "-": 1, "*": 2, "@": 2, "/": 2, "**": 4}[n.op]
    if isinstance(n, Neg):
        return 1
    if isinstance(n, Num):
        return 5 if n.value >= 0 and n.value.is_Integer else 2
    return 5


def to_latex(n: Node) -> str:
    """LaTeX in matrix notation: products by juxtaposition, ``^\\top``, ``\\langle·,·\\rangle``,
    ``\\|·\\|_F``, ``\\operatorname{tr}``."""
    def wrap(c: Node, need: int) -> str:
        s = to_latex(c)
        return rf"\left({s}\right)" if _prec(c) < need else s

    if isinstance(n, Num):
        v = n.value
        if v.is_Rational and not v.is_Integer:
            sign = "-" if v < 0 else ""
            return rf"{sign}\frac{{{abs(v.p)}}}{{{v.q}}}"
        return sp.latex(v)
    if isinstance(n, Var):
        return _name(n.name)
    if isinstance(n, Identity):
        return "I"
    if isinstance(n, Neg):
        return "-" + wrap(n.operand, 2)
    if isinstance(n, Transpose):
        return wrap(n.operand, 5) + r"^\top"
    if isinstance(n, Func):
        args = [to_latex(a) for a in n.args]
        if n.name == "trace":
            return rf"\operatorname{{tr}}\left({args[0]}\right)"
        if n.name == "inner":
            return rf"\left\langle {args[0]},\ {args[1]} \right\rangle"
        if n.name == "norm":
            return rf"\left\| {args[0]} \right\|_F"
        if n.name == "hadamard":
            return rf"\left({wrap(n.args[0], 5)} \circ {wrap(n.args[1], 5)}\right)"
        return rf"\operatorname{{{n.name}}}\left({', '.join(args)}\right)"
    if isinstance(n, BinOp):
        if n.op == "**":
            base = n.left
            if isinstance(base, Func) and base.name == "norm":
                return rf"\left\| {to_latex(base.args[0])} \right\|_F^{{{to_latex(n.right)}}}"
            return wrap(base, 5) + f"^{{{to_latex(n.right)}}}"
        if n.op in "+-":
            right = to_latex(n.right) if _prec(n.right) > 1 else wrap(n.right, 2)
            return f"{to_latex(n.left)} {n.op} {right}"
        if n.op == "/":
            return rf"\frac{{{to_latex(n.left)}}}{{{to_latex(n.right)}}}"
        return f"{wrap(n.left, 2)} {wrap(n.right, 2)}"  # products are associative
    raise TypeError(f"not an expression node: {n!r}")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# a problem's derivation
# ---------------------------------------------------------------------------------------------


class Derivation:
    """∇f and ∇²f[D, D] of a problem's objective, as matrix expressions.

    ``Derivation(problem)`` (or ``Derivation.of(problem)``) uses the family's objective
    expression (symmetric and asymmetric problems; a ``custom`` problem's own objective text),
    with the scalar data at their values (``symbolic=["scale"]`` keeps them as letters).
    ``gradients`` maps each variable to its gradient, ``hessian_form`` is ∇²f(x)[D, D] with one
    direction per variable (``D`` for one variable, ``DU``, ``DV`` for two). :meth:`latex`
    prints them, :meth:`text` gives them in the expression grammar.
    """

    def __init__(self, problem: Problem, *, symbolic: Iterable[str] = ()) -> None:
        from ._instances import family_of

        fam = family_of(problem)
        text = fam.objective
        if text is None and getattr(problem, "node", None) is not None:
            text = f"scale*({problem.objective_text()})"  # type: ignore[attr-defined]
        if text is None:
            raise UnsupportedError(f"problem kind {problem.kind!r} has no objective written as a "
                                   "matrix expression; matrix-form derivatives need one")
        from ._instances import expression_names

        keep = set(symbolic)
        scalars = [k for k, v in problem.data.items() if not hasattr(v, "shape")
                   or getattr(v, "shape", None) == ()]
        names = expression_names(problem)
        # dimensions used as scalars (1/(4*m)) stay letters; fixed constants (J) are matrices
        keep |= {d for d in problem.size_dims if d not in problem.variables
                 and d not in problem.data}
        node = parse_expression(text, names=names)
        node = _substitute(node, {k: Num(sp.sympify(problem.data[k])) for k in scalars
                                  if k not in keep})
        symmetric = [k for k, v in fam.structure.items() if str(v) == "symmetric"]
        self.variables: list[str] = list(problem.variables)
        self.directions: dict[str, str] = {
            v: ("D" if len(self.variables) == 1 else "D" + v) for v in self.variables}
        self.gradients: dict[str, Node] = {
            v: simplify(gradient(node, v, keep), symmetric=symmetric, scalars=keep)
            for v in self.variables}
        dvars = {v: Var(d) for v, d in self.directions.items()}
        self.hessian_form: Node | None = simplify(
            directional(directional(node, dvars), dvars), symmetric=symmetric, scalars=keep)
        self.objective: Node = simplify(node, symmetric=symmetric, scalars=keep)

    @classmethod
    def of(cls, problem: Problem, *, symbolic: Iterable[str] = ()) -> Derivation:
        """The same as ``Derivation(problem, symbolic=...)``."""
        return cls(problem, symbolic=symbolic)

    def latex(self) -> str:
        """One line per formula: f, ∇f (each variable), ∇²f[D, D]."""
        args = ", ".join(_name(v) for v in self.variables)
        lines = [rf"f({args}) = {to_latex(self.objective)}"]
        for v, g in self.gradients.items():
            lines.append(rf"\nabla_{{{_name(v)}}} f = {to_latex(g)}")
        if self.hessian_form is not None:
            ds = ", ".join(_name(d) for d in self.directions.values())
            if len(self.directions) > 1:
                ds = f"({ds})"
            lines.append(rf"\nabla^2 f({args})[{ds}, {ds}] = {to_latex(self.hessian_form)}")
        return "\n".join(lines)

    def text(self) -> str:
        """The same formulas in the expression grammar (checkable with ``mfverify
        derivation``)."""
        out = {f"grad_{v}": to_text(g) for v, g in self.gradients.items()}
        if self.hessian_form is not None:
            out["hessian_form"] = to_text(self.hessian_form) + " in " + ", ".join(
                self.directions.values())
        return "\n".join(f"{k}: {v}" for k, v in out.items())


def _substitute(n: Node, values: Mapping[str, Node]) -> Node:
    if isinstance(n, Var):
        return values.get(n.name, n)
    if isinstance(n, (Neg, Transpose)):
        return type(n)(_substitute(n.operand, values))
    if isinstance(n, BinOp):
        return BinOp(n.op, _substitute(n.left, values), _substitute(n.right, values))
    if isinstance(n, Func):
        return Func(n.name, tuple(_substitute(a, values) for a in n.args))
    return n
