"""Identities proved for every size with no size at all: the free-algebra normal form.

Both sides of an identity between matrix expressions (declared inputs, definitions, ``d/dt``
along a flow) are expanded as **noncommutative polynomials** in the letters A, Aᵀ of the
matrix inputs, with coefficients that are commutative polynomials over ℚ in the scalar
inputs, in the dimensions (``trace(I_d) = d``) and in *trace words*. The rewriting rules
are identities of matrices of every size:

* (XY)ᵀ = YᵀXᵀ, (X ± Y)ᵀ = Xᵀ ± Yᵀ, Xᵀᵀ = X; a symmetric or diagonal input S has Sᵀ = S, a
  skew input K has Kᵀ = −K (a diagonal input is treated as a symmetric letter: its further
  relations, e.g. that diagonal matrices commute, are *not* used);
* products distribute over sums, scalars commute with everything, I is the empty word;
* tr(w) of a word w = X₁⋯X_k is replaced by its cyclic normal form: the least word among the
  rotations of w and of wᵀ (tr(XY) = tr(YX), tr(Wᵀ) = tr(W)), with the sign of the skew
  letters transposed; a word equal to minus itself this way has trace 0; tr(I_d) = d;
* ⟨X, Y⟩ = tr(XᵀY), ‖X‖²ᵏ = ⟨X, X⟩ᵏ, integer powers are repeated products, division by a
  rational constant multiplies by its inverse;
* ``d/dt`` is the derivation of this algebra with ∂A = the rate of A (product rule,
  ∂Aᵀ = (∂A)ᵀ, ∂ tr w = tr ∂w).

**Theorem (free-algebra normal form).** If the normal forms of the two sides are equal, the
identity holds for every size of every dimension and every value of the inputs (of their
declared structure).

*Proof.* Substituting matrices of any sizes N for the letters (and their sizes for the
dimension symbols) is a map from expressions to matrices under which every rule above is an
identity of matrices (of every size); so the value of each side equals the value of its
normal form, and equal normal forms have equal values. ∎

The converse fails: an identity may hold for all matrices of every size without being an
identity of the free algebra with these rules (an identity that uses that diagonal matrices
commute), or hold for some sizes only (the standard polynomial s₄(A, B, C, D) = Σ_σ sgn(σ)
A_σ₁A_σ₂A_σ₃A_σ₄ vanishes on 2×2 matrices by the Amitsur–Levitzki theorem (Amitsur &
Levitzki 1950, Proc. AMS 1, Theorem 1), but not on 3×3 ones; the Cayley–Hamilton theorem of
a fixed size is another). So **a nonzero normal form is not a refutation**: the caller falls
back to the size bound of :mod:`mfverify.derivation.sizebound` and to exact evaluation at
points (:mod:`mfverify.derivation.allsizes`).

The fragment is that of the size bound minus what the free algebra cannot express:
``hadamard`` (an entrywise product), ``inv``, ``sqrt``, ``norm`` without an even power,
indexing, constants that are not rational, Python callables and SymPy sides raise
:class:`OutsideFreeAlgebra` with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..expr import BinOp, Func, Identity, Index, Neg, Node, Num, Transpose, Var
from .sizebound import dim_of

__all__ = ["OutsideFreeAlgebra", "FreeElement", "FreeInput", "FreeProof", "prove_identity",
           "normal_form", "THEOREM", "MAX_TERMS", "MAX_WORK"]

#: How the evidence names the theorem.
THEOREM = ("free-algebra normal-form theorem (docs/derivations.md, 'Every size, with no "
           "size'): equal normal forms as noncommutative polynomials in the inputs and their "
           "transposes, traces in cyclic normal form, imply equality at every size")
#: Largest number of terms of one expanded value (beyond it: outside, fall back).
MAX_TERMS = 200_000
#: Largest number of term products of one proof attempt (a deterministic work limit: beyond
#: it the attempt stops and the size bound decides).
MAX_WORK = 1_000_000

Dim = tuple[str, ...]
Letter = tuple[str, bool]  # (input name, transposed)
Word = tuple[Letter, ...]
Atom = tuple[str, Any]  # ("s", scalar name) | ("d", dimension) | ("t", trace word)
Mono = tuple[Atom, ...]
Key = tuple[Word, Mono]


class OutsideFreeAlgebra(Exception):
    """The expression cannot be written in the free algebra (``reason`` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FreeInput:
    """A declared input: ``shape`` () for a scalar, else (rows, cols) dimension terms, and its
    structure (``"general"``, ``"symmetric"``, ``"diagonal"``, ``"skew"``)."""

    name: str
    shape: tuple[Any, ...]
    structure: str = "general"


@dataclass
class FreeElement:
    """A noncommutative polynomial: (word, scalar monomial) -> rational coefficient.

    ``shape`` is () for a scalar, (rows, cols) for a matrix, None for an identity whose size
    is not known yet."""

    shape: tuple[Dim, ...] | None
    terms: dict[Key, Fraction]

    def is_zero(self) -> bool:
        return not self.terms


def _clean(terms: dict[Key, Fraction]) -> dict[Key, Fraction]:
    out = {k: v for k, v in terms.items() if v != 0}
    if len(out) > MAX_TERMS:
        raise OutsideFreeAlgebra(f"the expansion has more than {MAX_TERMS} terms")
    return out


def _mono_mul(a: Mono, b: Mono) -> Mono:
    return tuple(sorted(a + b)) if a and b else (a or b)


class _Algebra:
    """Letters of the inputs and the operations of the algebra."""

    def __init__(self, inputs: Mapping[str, FreeInput]) -> None:
        self.inputs = dict(inputs)
        self.structure = {k: v.structure for k, v in inputs.items()}
        self.work = 0

    # -- letters and words -------------------------------------------------------------------
    def letter_t(self, letter: Letter) -> tuple[Letter, int]:
        name, t = letter
        st = self.structure.get(name, "general")
        if st in ("symmetric", "diagonal"):
            return letter, 1
        if st == "skew":
            return letter, -1
        return (name, not t), 1

    def word_t(self, w: Word) -> tuple[Word, int]:
        sign = 1
        out = []
        for letter in reversed(w):
            lt, s = self.letter_t(letter)
            out.append(lt)
            sign *= s
        return tuple(out), sign

    def trace_word(self, w: Word) -> tuple[Word, int] | None:
        """The cyclic normal form of tr(w) and its sign; None: the trace is 0."""
        wt, st = self.word_t(w)
        cands = [(w[i:] + w[:i], 1) for i in range(len(w))]
        cands += [(wt[i:] + wt[:i], st) for i in range(len(wt))]
        best = min(c for c, _ in cands)
        signs = {s for c, s in cands if c == best}
        if len(signs) > 1:
            return None
        return best, signs.pop()

    # -- elements ----------------------------------------------------------------------------
    def input(self, name: str) -> FreeElement:
        inp = self.inputs[name]
        if not inp.shape:
            return FreeElement((), {((), (("s", name),)): Fraction(1)})
        if len(inp.shape) != 2:
            raise OutsideFreeAlgebra(f"{name} is not a matrix or a scalar")
        shape = (dim_of(inp.shape[0]), dim_of(inp.shape[1]))
        return FreeElement(shape, {(((name, False),), ()): Fraction(1)})

    @staticmethod
    def const(value: Fraction) -> FreeElement:
        return FreeElement((), {((), ()): value} if value else {})

    def add(self, a: FreeElement, b: FreeElement, sign: int = 1) -> FreeElement:
        shape = _join_shapes(a.shape, b.shape, "a sum")
        terms = dict(a.terms)
        for k, v in b.terms.items():
            terms[k] = terms.get(k, Fraction(0)) + sign * v
        return FreeElement(shape, _clean(terms))

    @staticmethod
    def scale(a: FreeElement, c: Fraction) -> FreeElement:
        return FreeElement(a.shape, {k: v * c for k, v in a.terms.items()} if c else {})

    def transpose(self, a: FreeElement) -> FreeElement:
        terms: dict[Key, Fraction] = {}
        for (w, m), v in a.terms.items():
            wt, s = self.word_t(w)
            terms[(wt, m)] = terms.get((wt, m), Fraction(0)) + s * v
        shape = a.shape if a.shape in (None, ()) else (a.shape[1], a.shape[0])
        return FreeElement(shape, _clean(terms))

    def mul(self, a: FreeElement, b: FreeElement) -> FreeElement:
        """Scaling (one scalar factor) or the matrix product."""
        if a.shape == ():
            shape = b.shape
        elif b.shape == ():
            shape = a.shape
        elif a.shape is None:
            shape = b.shape
        elif b.shape is None:
            shape = a.shape
        else:
            if a.shape[1] != b.shape[0]:
                raise OutsideFreeAlgebra("a matrix product whose inner dimensions differ")
            shape = (a.shape[0], b.shape[1])
        if len(a.terms) * len(b.terms) > MAX_TERMS:
            raise OutsideFreeAlgebra(f"a product of {len(a.terms)} by {len(b.terms)} terms "
                                     f"(more than {MAX_TERMS} term products)")
        self.work += len(a.terms) * len(b.terms)
        if self.work > MAX_WORK:
            raise OutsideFreeAlgebra(f"the expansion needs more than {MAX_WORK:,} term "
                                     "products")
        terms: dict[Key, Fraction] = {}
        for (w1, m1), v1 in a.terms.items():
            for (w2, m2), v2 in b.terms.items():
                k = (w1 + w2, _mono_mul(m1, m2))
                terms[k] = terms.get(k, Fraction(0)) + v1 * v2
        return FreeElement(shape, _clean(terms))

    def trace(self, a: FreeElement) -> FreeElement:
        if a.shape is None:
            raise OutsideFreeAlgebra("trace(I): the size of I cannot be inferred")
        if a.shape == ():
            return a
        if a.shape[0] != a.shape[1]:
            raise OutsideFreeAlgebra("trace of a matrix that is square only at some sizes")
        terms: dict[Key, Fraction] = {}
        for (w, m), v in a.terms.items():
            if not w:
                for atom in a.shape[0]:
                    if atom.isdigit():
                        k, c = ((), m), v * int(atom)
                    else:
                        k, c = ((), _mono_mul(m, (("d", atom),))), v
                    terms[k] = terms.get(k, Fraction(0)) + c
                continue
            tw = self.trace_word(w)
            if tw is None:
                continue
            cw, s = tw
            k = ((), _mono_mul(m, (("t", cw),)))
            terms[k] = terms.get(k, Fraction(0)) + s * v
        return FreeElement((), _clean(terms))


def _join_shapes(a: tuple[Dim, ...] | None, b: tuple[Dim, ...] | None, what: str
                 ) -> tuple[Dim, ...] | None:
    if a is None:
        return b
    if b is None:
        return a
    if a != b:
        raise OutsideFreeAlgebra(f"{what} of arrays whose shapes agree only at some sizes")
    return a


Dual = tuple[FreeElement, FreeElement | None]  # a value and its derivative along the flow


class _Evaluator:
    """Forward mode: each value with its derivative along the flow (None: zero)."""

    def __init__(self, alg: _Algebra, env: Mapping[str, Dual]) -> None:
        self.alg = alg
        self.env = dict(env)

    def _plus(self, a: FreeElement | None, b: FreeElement | None) -> FreeElement | None:
        if a is None:
            return b
        if b is None:
            return a
        return self.alg.add(a, b)

    def _prod(self, op: Any, a: Dual, b: Dual) -> Dual:
        v = op(a[0], b[0])
        d = self._plus(op(a[1], b[0]) if a[1] is not None else None,
                       op(a[0], b[1]) if b[1] is not None else None)
        return v, d

    def eval(self, node: Node) -> Dual:
        alg = self.alg
        if isinstance(node, Num):
            value = node.value
            if not value.is_Rational:
                raise OutsideFreeAlgebra(f"the constant {value} is not rational")
            return alg.const(Fraction(int(value.p), int(value.q))), None
        if isinstance(node, Var):
            if node.name not in self.env:
                raise OutsideFreeAlgebra(f"{node.name!r} is not an input of the free algebra")
            return self.env[node.name]
        if isinstance(node, Identity):
            shape = None if node.size is None else ((str(node.size),), (str(node.size),))
            return FreeElement(shape, {((), ()): Fraction(1)}), None
        if isinstance(node, Neg):
            v, d = self.eval(node.operand)
            return alg.scale(v, Fraction(-1)), None if d is None else alg.scale(d, Fraction(-1))
        if isinstance(node, Transpose):
            v, d = self.eval(node.operand)
            return alg.transpose(v), None if d is None else alg.transpose(d)
        if isinstance(node, Index):
            raise OutsideFreeAlgebra("indexing with literal positions (X[i, j])")
        if isinstance(node, Func):
            return self.func(node)
        if isinstance(node, BinOp):
            return self.binop(node)
        raise OutsideFreeAlgebra(f"unknown construct {type(node).__name__}")  # pragma: no cover

    def func(self, node: Func) -> Dual:
        alg = self.alg
        if node.name == "trace":
            v, d = self.eval(node.args[0])
            return alg.trace(v), None if d is None else alg.trace(d)
        if node.name == "inner":
            a, b = self.eval(node.args[0]), self.eval(node.args[1])
            if a[0].shape == () and b[0].shape == ():
                return self._prod(alg.mul, a, b)
            return self._prod(lambda x, y: alg.trace(alg.mul(alg.transpose(x), y)), a, b)
        if node.name == "hadamard":
            raise OutsideFreeAlgebra("hadamard(·, ·) is an entrywise product, not an operation "
                                     "of the free algebra")
        if node.name == "norm":
            raise OutsideFreeAlgebra("norm(·) without an even integer power is a square root")
        raise OutsideFreeAlgebra(f"{node.name}(·) is not an operation of the free algebra")

    def _power(self, base: Dual, k: int) -> Dual:
        if base[0].shape not in (None, ()) and base[0].shape[0] != base[0].shape[1]:
            raise OutsideFreeAlgebra("a power of a matrix that is square only at some sizes")
        one = FreeElement(base[0].shape if base[0].shape != () else (), {((), ()): Fraction(1)})
        out: Dual = (one, None)
        for _ in range(k):
            out = self._prod(self.alg.mul, out, base)
        return out

    def binop(self, node: BinOp) -> Dual:
        alg = self.alg
        op = node.op
        if op == "**":
            k = node.right.value  # type: ignore[attr-defined]
            if not (k.is_Integer and k >= 0):
                raise OutsideFreeAlgebra(f"the power {k} is not a non-negative integer")
            if isinstance(node.left, Func) and node.left.name == "norm":
                if int(k) % 2:
                    raise OutsideFreeAlgebra("an odd power of norm(·) involves a square root")
                arg = node.left.args[0]
                return self._power(self.eval(Func("inner", (arg, arg))), int(k) // 2)
            return self._power(self.eval(node.left), int(k))
        a, b = self.eval(node.left), self.eval(node.right)
        if op == "/":
            if not (isinstance(node.right, Num) and node.right.value.is_Rational
                    and node.right.value != 0):
                raise OutsideFreeAlgebra("division by an expression in the inputs")
            inv = 1 / Fraction(int(node.right.value.p), int(node.right.value.q))
            return alg.scale(a[0], inv), None if a[1] is None else alg.scale(a[1], inv)
        if op in "+-":
            sign = 1 if op == "+" else -1
            v = alg.add(a[0], b[0], sign)
            if a[1] is None and b[1] is None:
                return v, None
            da = a[1] if a[1] is not None else FreeElement(a[0].shape, {})
            db = b[1] if b[1] is not None else FreeElement(b[0].shape, {})
            return v, alg.add(da, db, sign)
        return self._prod(alg.mul, a, b)


@dataclass
class FreeProof:
    """Outcome of :func:`prove_identity`: ``equal`` (the normal forms agree: PROVED for every
    size), the number of terms of each side's normal form and of their difference."""

    equal: bool
    terms_left: int
    terms_right: int
    terms_difference: int
    seconds: float

    def describe(self) -> str:
        if self.equal:
            return (f"{THEOREM}: both sides have the same normal form ({self.terms_left} "
                    "term(s)); no size was expanded")
        return (f"the free-algebra normal form of LHS - RHS has {self.terms_difference} "
                "term(s) (not a refutation: an identity may hold at every size, or at some "
                "sizes, without holding in the free algebra)")


def normal_form(node: Node, inputs: Mapping[str, FreeInput],
                definitions: Sequence[tuple[str, Node]] = ()) -> FreeElement:
    """The normal form of ``node`` (raises :class:`OutsideFreeAlgebra`)."""
    alg = _Algebra(inputs)
    env: dict[str, Dual] = {k: (alg.input(k), None) for k in inputs}
    for name, dnode in definitions:
        env[name] = _Evaluator(alg, env).eval(dnode)
    return _Evaluator(alg, env).eval(node)[0]


def prove_identity(inputs: Mapping[str, FreeInput], definitions: Sequence[tuple[str, Node]],
                   lhs: tuple[Node, bool], rhs: tuple[Node, bool],
                   flows: Mapping[str, Node] | None = None) -> FreeProof:
    """Compare the normal forms of ``lhs`` and ``rhs`` (each a syntax tree and whether it is
    a ``d/dt`` side); ``flows`` maps flowed inputs to the syntax trees of their rates.

    Raises :class:`OutsideFreeAlgebra` when a side, a definition or a rate is outside the
    algebra (or a flowed input with a structure its rate does not visibly keep)."""
    t0 = time.perf_counter()
    alg = _Algebra(inputs)
    plain: dict[str, Dual] = {k: (alg.input(k), None) for k in inputs}
    for name, dnode in definitions:
        plain[name] = _Evaluator(alg, plain).eval(dnode)
    env = plain
    if lhs[1] or rhs[1]:
        env = _moving_env(alg, inputs, definitions, plain, flows or {})

    def side(s: tuple[Node, bool]) -> FreeElement:
        node, ddt = s
        v, d = _Evaluator(alg, env if ddt else plain).eval(node)
        if not ddt:
            return v
        return d if d is not None else FreeElement(v.shape, {})

    L, R = side(lhs), side(rhs)
    diff = alg.add(L, R, -1)
    return FreeProof(diff.is_zero(), len(L.terms), len(R.terms), len(diff.terms),
                     time.perf_counter() - t0)


def _moving_env(alg: _Algebra, inputs: Mapping[str, FreeInput],
                definitions: Sequence[tuple[str, Node]], plain: Mapping[str, Dual],
                flows: Mapping[str, Node]) -> dict[str, Dual]:
    """Inputs with their rates as derivatives, definitions re-evaluated in forward mode."""
    env: dict[str, Dual] = {}
    for k in inputs:
        v = plain[k][0]
        if k not in flows:
            env[k] = (v, None)
            continue
        rate = _Evaluator(alg, plain).eval(flows[k])[0]
        st = inputs[k].structure
        if st == "diagonal":
            raise OutsideFreeAlgebra(f"the flow of the diagonal input {k}")
        if st in ("symmetric", "skew"):
            sign = 1 if st == "symmetric" else -1
            if not alg.add(alg.transpose(rate), rate, -sign).is_zero():
                raise OutsideFreeAlgebra(f"the rate of {k} is not visibly {st}")
        env[k] = (v, rate)
    for name, dnode in definitions:
        env[name] = _Evaluator(alg, env).eval(dnode)
    return env
