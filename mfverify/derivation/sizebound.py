"""Sizes that suffice: when an identity checked at a few sizes holds at *every* size.

A hand derivation is a statement about matrices of every size. For claims in the **fragment**
below, the index structure of both sides bounds the sizes at which an exact check decides the
statement for all sizes at once; this module computes that bound from the syntax trees of
:mod:`mfverify.expr`.

The fragment
------------
Expressions built from input matrices (general, symmetric, diagonal or skew, of named
dimensions such as ``n``, ``r`` or sums such as ``d+m``), scalar inputs, exact constants,
``+``, ``-``, products (``*``, ``@``), ``.T``, division by a constant, non-negative integer
powers (of scalars and square matrices), ``trace``, ``inner``, ``norm(·)^(2k)``,
``hadamard`` (the entrywise product), identity matrices ``I``, the names of the size
dimensions as scalars (the size N_d) with negative powers only as a constant times a
monomial in the sizes (``1/(4*m)``), and constant matrices of fixed (integer) dimensions
(``J``); vectors are n×1 matrices. Outside it: ``inv``, ``sqrt``, ``norm`` without an even
power, division by an expression in the inputs, negative or fractional powers of an input
expression, indexing with literal positions, 1-D vectors, Python callables and SymPy
expressions (their index structure is not known). Outside the fragment no all-sizes
statement is made.

The theorem
-----------
Let Δ = LHS − RHS be a scalar expression of the fragment (a matrix identity ``L == R`` of
shape a×b is first paired with a fresh general a×b probe matrix W: L = R iff ⟨L, W⟩ = ⟨R, W⟩
identically in the entries of W; a gradient claim G is paired the same way with the true
directional derivative Df(x)[W]; an HVP claim H[D] with D_W D_D f; a Hessian form and a
scalar identity are scalar already). Expanding the syntax tree (sums distributed over
products) writes Δ, at every size N = (N_d) of the dimensions, as

    Δ_N = Σ_T c_T · Π_d N_d^{ℓ_{T,d}} · Σ_{ι : V_T → [N]} Π_{f ∈ T} A_f[ι(f₁), ι(f₂)],

a finite sum over *terms* T, the same at every size: c_T is a constant times a monomial in
the scalar inputs, the factors f are entries of input matrices whose two indices are index
variables of T, V_T is the set of index variables that occur in some factor (typed by a
dimension; after identity matrices δ_{ij} are used to merge variables), and ℓ_{T,d} counts
the *free loops* of dimension d: index variables left in no factor once the δ's are used
(``trace(I)``, ``norm(I)^2``, ``inner(I, I)``), each summing to a factor N_d. For a dimension
that is a sum (``d+m``), splitting the index range into blocks splits each term into terms
whose index variables each have one dimension.

Let K_d = max_T |V_T ∩ d| and L_d = max_T ℓ_{T,d}.

**Theorem (size bound).** If Δ_N ≡ 0 (as a polynomial in the entries and scalar inputs) at
every size N of the grid Π_d {B_d, B_d + 1, …, B_d + L_d}, for some B_d ≥ max(K_d, 1), then
Δ_N ≡ 0 at every size N.

*Proof.* Fix a size N and a monomial μ of Δ_N. Each input entry (a symbol) determines the set
of index values that produced it (a symmetric matrix's shared symbol the unordered pair, a
skew matrix's symbol up to sign the pair, a diagonal symbol its one value). Hence every
assignment ι contributing to μ has image S_d(μ) in dimension d, the set of values of d that
μ uses, and k_d := |S_d(μ)| ≤ K_d. Let σ be a permutation of each [N_d] mapping S_d(μ) onto
{1, …, k_d}. Composing assignments with σ is a bijection between those producing μ and those
producing σμ (up to one sign ε(μ, σ) from skew symbols, the same for every term), so
coef_N(μ) = ε · coef_N(σμ). The monomial σμ exists at every size N' ≥ k, and by the formula
above its coefficient there is

    coef_{N'}(σμ) = Σ_T c_T · Π_d N'_d^{ℓ_{T,d}} · #_T(σμ),

where #_T(σμ) (the signed number of assignments producing σμ) does not depend on N': they
map into {1, …, k_d}. So N' ↦ coef_{N'}(σμ) is a polynomial P of degree ≤ L_d in each N'_d,
valid for all N' ≥ k. It vanishes on the grid Π_d {B_d, …, B_d + L_d} (every point is ≥ K ≥
k): a polynomial of degree ≤ L_d in each variable that vanishes on a product of L_d + 1
distinct values per variable is zero (induction on the number of variables, one-variable
case: a non-zero polynomial of degree ≤ L has at most L roots). Hence P ≡ 0 and
coef_N(μ) = ±P(N) = 0. ∎

**Hadamard products (extension).** (A∘B)_ij = A_ij·B_ij: a term of entry (i, j) of A∘B is
a term of A at (i, j) times a term of B at (i, j), with the free index variables of the two
identified (as δ_ii'·δ_jj' would). The expansion keeps the form above (a sum over all
assignments of the merged variable set), and permutations act on it as before since
(σAσ'ᵀ)∘(σBσ'ᵀ) = σ(A∘B)σ'ᵀ; the proof applies word for word, so the theorem holds for the
fragment with ``hadamard``. (A mask P_Ω enters as a symbolic matrix W: an identity proved for
every W holds for every 0/1 mask.)

**Sizes as scalars and negative powers of a dimension (extension).** A factor N_d^e, e > 0,
is counted as e free loops. A factor N_d^{-k} (k >= 1), allowed only as a constant times a
monomial in the sizes, is counted apart: each term reads c_T · Π_d N_d^{ℓ⁺_{T,d} − ℓ⁻_{T,d}}
· (assignment sum), L_d = max_T ℓ⁺_{T,d}, Q_d = max_T ℓ⁻_{T,d}. *If Δ_N ≡ 0 on
Π_d {B_d..B_d+L_d+Q_d}, B_d >= max(K_d, 1), then Δ_N ≡ 0 at every size.* Proof:
Π_d N_d^{Q_d}·Δ_N has term exponents ℓ⁺ − ℓ⁻ + Q_d in [0, L_d + Q_d], the form above with
L_d + Q_d in place of L_d, so the theorem makes it zero at every size; N_d >= 1, hence
Π N_d^{Q_d} ≠ 0 and Δ_N ≡ 0 (m·L = m·R iff L = R). ∎ A factor common to the objective
(phase retrieval's 1/(4m)) gives Q_m = 1: one extra size of m.

**Constants of fixed dimensions.** A constant matrix whose dimensions are integers (J of size
2×2) has number entries and index values in a fixed range; the permutations σ of the proof
act only on the size dimensions, so #_T(σμ) becomes a fixed weighted count (the constants'
entries) that does not depend on N', and the proof applies; such indices count in no K_d.

Computing K and L without expanding: each sub-expression gets a *profile*, upper bounds of
(|V_T ∩ d|, ℓ_{T,d}) over its terms, kept separately for three kinds of terms: scalars
("s"), matrices whose two free indices occur in factors ("a", both counted in K), and
identity-like matrices whose row and column are one variable in no factor ("i", c·I):

* an input matrix of shape a×b: {"a": (cnt a + cnt b, 0)}; ``I``: {"i": (0, 0)}; a scalar
  or a constant: {"s": (0, 0)}; the constant 0: no term at all;
* ``+``/``-``: the union of the terms (maximum per kind); a scalar factor: K and L add;
* a product AB over the inner dimension b: "a"·"a" adds K and subtracts cnt b (the shared
  index is one variable); with an "i" factor the identity's variable merges into the other
  factor's (K and L add); "i"·"i" stays "i";
* ``hadamard`` of shape a×b: "a"∘"a" adds K and subtracts cnt a + cnt b (both index pairs
  are identified); "i"∘"a" (a diagonal) keeps the "a" term's counts, its two free variables
  counted apart (an upper bound: a later merge subtracts what was counted twice); "i"∘"i"
  stays "i";
* ``trace``: "a" merges its two free variables (K − cnt a); "i" closes a free loop
  (L + cnt a); ``inner(A, B) = trace(AᵀB)`` likewise; ``norm(A)^(2k) = inner(A, A)^k``;
  a power multiplies.

A dimension name as a scalar: {"s": ({}, {d: 1})}; a factor N_d^{-k}: L counts k under the
key ``"-d"`` (:func:`neg`), propagated like L (sums: maximum, products: add), read as Q_d.
cnt of a dimension counts its named atoms once (``d+m`` counts one for d and one for m; an
integer size counts nothing: its range is fixed). The maxima are over more terms than
survive cancellation, so K and L are upper bounds, which is all the theorem needs. The true
side of a derivative claim is bounded by its objective: D_W f replaces one occurrence of the
variable by W (same shape, same index variables), D_D D_D f two occurrences, so the profile
of f bounds them. A ``d/dt`` side replaces one occurrence of a flowed input A by its rate
(chain rule): each value carries, next to its profile, the profile of its derivative along the
flow, propagated in forward mode (product rule: d(AB) has the terms of (dA)B and of A(dB);
a flowed input's derivative has its rate's profile, evaluated with the definitions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from ..expr import BinOp, Func, Identity, Index, Neg, Node, Num, Transpose, Var

__all__ = ["Dim", "OutsideFragment", "Profile", "SizeBound", "analyze", "input_profile",
           "dimension_profile", "neg",
           "scalar_pairing", "merge", "bound_from", "proof_grid", "flowing", "derivative",
           "THEOREM"]

#: How the evidence names the theorem.
THEOREM = ("size-bound theorem (docs/derivations.md, 'Every size'): zero at the sizes "
           "Π_d {B_d..B_d+L_d+Q_d}, B_d >= K_d, implies zero at every size")

#: A dimension: the sorted atoms of a sum (``("d", "m")`` for d+m, ``("2",)`` for 2).
Dim = tuple[str, ...]
Counts = dict[str, int]


class OutsideFragment(Exception):
    """The expression is outside the fragment of the size-bound theorem (``reason`` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def dim_of(value: Any) -> Dim:
    """A :data:`Dim` from a declaration term tuple, a name or an int."""
    if isinstance(value, int):
        return (str(value),)
    if isinstance(value, str):
        return tuple(sorted(t.strip() for t in value.split("+")))
    return tuple(sorted(str(t) for t in value))


def cnt(d: Dim) -> Counts:
    """One per named atom (an index of dimension d+m counts for d and for m)."""
    return {a: 1 for a in set(d) if not a.isdigit()}


def _add(*cs: Counts) -> Counts:
    out: Counts = {}
    for c in cs:
        for k, v in c.items():
            out[k] = out.get(k, 0) + v
    return out


def _sub(a: Counts, b: Counts) -> Counts:
    return {k: max(0, v - b.get(k, 0)) for k, v in a.items()}


def _max(a: Counts, b: Counts) -> Counts:
    return {k: max(a.get(k, 0), b.get(k, 0)) for k in set(a) | set(b)}


@dataclass
class Profile:
    """Upper bounds (K, L) per kind of term ("s", "a", "i"); no kinds: the zero expression."""

    terms: dict[str, tuple[Counts, Counts]] = field(default_factory=dict)

    def put(self, kind: str, K: Counts, L: Counts) -> None:
        if kind in self.terms:
            K0, L0 = self.terms[kind]
            K, L = _max(K0, K), _max(L0, L)
        self.terms[kind] = (K, L)


def merge(a: Profile, b: Profile) -> Profile:
    """The profile of a sum: every term of either."""
    out = Profile(dict(a.terms))
    for kind, (K, L) in b.terms.items():
        out.put(kind, K, L)
    return out


@dataclass
class _Val:
    shape: tuple[Dim, ...] | None  # () scalar, (a, b) matrix, None: an I of unknown size
    prof: Profile
    #: The profile of the derivative along a flow (forward mode; empty: derivative zero).
    d: Profile = field(default_factory=Profile)


def neg(d: str) -> str:
    """The key under which a profile's L counts the factors 1/N_d (negative powers of d)."""
    return "-" + d


def dimension_profile(d: str) -> _Val:
    """The value of the dimension ``d`` used as a scalar: the factor N_d (a free loop, like
    ``trace(I)`` of dimension d)."""
    return _Val((), Profile({"s": ({}, {d: 1})}))


def _monomial(exps: Mapping[str, int]) -> _Val:
    """The scalar Π_d N_d^{e_d}: positive exponents counted as free loops, negative ones
    under the key :func:`neg`."""
    L: Counts = {}
    for d, e in exps.items():
        if e > 0:
            L[d] = e
        elif e < 0:
            L[neg(d)] = -e
    return _Val((), Profile({"s": ({}, L)}))


def input_profile(shape: Sequence[Any]) -> _Val:
    """The value of an input of ``shape`` (() scalar, (rows, cols) of dimension terms)."""
    if len(shape) == 0:
        return _Val((), Profile({"s": ({}, {})}))
    if len(shape) != 2:
        raise OutsideFragment("a vector input (only matrices and scalars are in the fragment)")
    a, b = dim_of(shape[0]), dim_of(shape[1])
    return _Val((a, b), Profile({"a": (_add(cnt(a), cnt(b)), {})}))


def _scale(p: Profile, s: Profile) -> Profile:
    """Product with scalar terms ``s``."""
    out = Profile()
    for kind, (K, L) in p.terms.items():
        for _, (Ks, Ls) in s.terms.items():
            out.put(kind, _add(K, Ks), _add(L, Ls))
    return out


def _matmul(p: Profile, q: Profile, inner: Dim) -> Profile:
    out = Profile()
    for k1, (K1, L1) in p.terms.items():
        for k2, (K2, L2) in q.terms.items():
            K, L = _add(K1, K2), _add(L1, L2)
            if k1 == "a" and k2 == "a":
                out.put("a", _sub(K, cnt(inner)), L)
            elif k1 == "i" and k2 == "i":
                out.put("i", K, L)
            else:
                out.put("a", K, L)
    return out


def _trace(p: Profile, d: Dim) -> Profile:
    out = Profile()
    for kind, (K, L) in p.terms.items():
        if kind == "a":
            out.put("s", _sub(K, cnt(d)), L)
        else:
            out.put("s", K, _add(L, cnt(d)))
    return out


def _hadamard(p: Profile, q: Profile, shape: tuple[Dim, Dim]) -> Profile:
    """(A∘B)_ij = A_ij·B_ij: the free variables of the two terms are identified."""
    a, b = shape
    out = Profile()
    for k1, (K1, L1) in p.terms.items():
        for k2, (K2, L2) in q.terms.items():
            K, L = _add(K1, K2), _add(L1, L2)
            if k1 == "a" and k2 == "a":
                out.put("a", _sub(K, _add(cnt(a), cnt(b))), L)
            elif k1 == "i" and k2 == "i":
                out.put("i", K, L)
            else:
                # I∘B = diag(B): row = column = one variable, which occurs in B's factors;
                # kept as an "a" term whose two free variables are counted apart (an upper
                # bound: a later merge of the two subtracts what was counted twice)
                out.put("a", K, L)
    return out


def _inner(p: Profile, q: Profile, shape: tuple[Dim, Dim]) -> Profile:
    """⟨A, B⟩ = trace(AᵀB)."""
    a, b = shape
    return _trace(_matmul(p, q, a), b)


def _same(d1: Dim, d2: Dim, what: str) -> None:
    if d1 != d2:
        raise OutsideFragment(f"{what}: the dimensions {'+'.join(d1)} and {'+'.join(d2)} "
                              "agree only at sizes where they coincide")


def _square(shape: tuple[Dim, ...], what: str) -> Dim:
    if len(shape) != 2:
        raise OutsideFragment(f"{what} needs a matrix")
    _same(shape[0], shape[1], what)
    return shape[0]


def _product(f: Any, a: _Val, b: _Val, shape: tuple[Dim, ...] | None) -> _Val:
    """A bilinear operation ``f`` on profiles, with the product rule for the derivative."""
    return _Val(shape, f(a.prof, b.prof), merge(f(a.d, b.prof), f(a.prof, b.d)))


class _Analyzer:
    def __init__(self, env: Mapping[str, _Val], dims: Sequence[str] = ()) -> None:
        self.env = dict(env)
        #: dimension names that are scalars here (not shadowed by an input)
        self.dims = {d for d in dims if d not in self.env}
        for d in self.dims:
            self.env[d] = dimension_profile(d)

    def dim_exponents(self, node: Node) -> dict[str, int] | None:
        """{d: e} if ``node`` is a nonzero constant times Π_d N_d^{e_d} (integer e_d, of
        either sign: ``4*m``, ``m^2``, ``1/(4*m)``), else None."""
        if isinstance(node, Num):
            return {} if node.value != 0 else None
        if isinstance(node, Var):
            return {node.name: 1} if node.name in self.dims else None
        if isinstance(node, Neg):
            return self.dim_exponents(node.operand)
        if not isinstance(node, BinOp):
            return None
        if node.op == "**":
            k = node.right.value  # type: ignore[attr-defined]
            base = self.dim_exponents(node.left)
            if base is None or not k.is_Integer:
                return None
            return {d: e * int(k) for d, e in base.items()}
        if node.op in ("*", "/"):
            a, b = self.dim_exponents(node.left), self.dim_exponents(node.right)
            if a is None or b is None:
                return None
            sign = 1 if node.op == "*" else -1
            out = dict(a)
            for d, e in b.items():
                out[d] = out.get(d, 0) + sign * e
            return out
        return None

    def run(self, node: Node) -> _Val:
        v = self.eval(node)
        if v.shape is None:
            raise OutsideFragment("the size of I cannot be inferred; use it next to a matrix")
        return v

    def eval(self, node: Node) -> _Val:
        if isinstance(node, Num):
            return _Val((), Profile() if node.value == 0 else Profile({"s": ({}, {})}))
        if isinstance(node, Var):
            if node.name not in self.env:
                raise OutsideFragment(f"{node.name!r} has no known index structure")
            return self.env[node.name]
        if isinstance(node, Identity):
            if node.size is not None:
                return _Val(((str(node.size),), (str(node.size),)), Profile({"i": ({}, {})}))
            return _Val(None, Profile({"i": ({}, {})}))
        if isinstance(node, Neg):
            return self.eval(node.operand)
        if isinstance(node, Transpose):
            v = self.eval(node.operand)
            if v.shape is None or v.shape == ():
                return v
            return _Val((v.shape[1], v.shape[0]), v.prof, v.d)
        if isinstance(node, Index):
            raise OutsideFragment("indexing with literal positions (X[i, j]) singles out "
                                  "index values")
        if isinstance(node, Func):
            return self.func(node)
        if isinstance(node, BinOp):
            return self.binop(node)
        raise OutsideFragment(f"unknown construct {type(node).__name__}")  # pragma: no cover

    def func(self, node: Func) -> _Val:
        name = node.name
        if name == "trace":
            v = self.eval(node.args[0])
            if v.shape is None:
                raise OutsideFragment("trace(I): the size of I cannot be inferred")
            d = _square(v.shape, "trace")
            return _Val((), _trace(v.prof, d), _trace(v.d, d))
        if name == "inner":
            a, b, shape = self._same_shape_pair(node, "inner")
            if shape == ():
                return _product(_scale, a, b, ())
            if len(shape) != 2:
                raise OutsideFragment("inner of vectors")
            sh = (shape[0], shape[1])
            return _product(lambda p, q: _inner(p, q, sh), a, b, ())
        if name == "hadamard":
            a, b, shape = self._same_shape_pair(node, "hadamard")
            if len(shape) != 2:
                raise OutsideFragment("hadamard of vectors or scalars")
            if a.shape is None or b.shape is None:
                _square(shape, "I in a Hadamard product")
            hs = (shape[0], shape[1])
            return _product(lambda p, q: _hadamard(p, q, hs), a, b, shape)
        if name == "norm":
            raise OutsideFragment("norm(·) without an even integer power is a square root")
        if name == "inv":
            raise OutsideFragment("inv(·): an inverse is a rational function of the entries, "
                                  "whose size dependence the bound does not cover")
        raise OutsideFragment(f"{name}(·) of an expression in the inputs")

    def _same_shape_pair(self, node: Any, name: str) -> tuple[_Val, _Val, Any]:
        """Both operands of an entrywise pairing (``inner``, ``hadamard``) and their common
        shape (an identity operand takes the other's)."""
        a, b = self.eval(node.args[0]), self.eval(node.args[1])
        shape = a.shape if a.shape is not None else b.shape
        if shape is None:
            raise OutsideFragment(f"{name}(I, I): the size of I cannot be inferred")
        if a.shape is not None and b.shape is not None and a.shape != b.shape:
            raise OutsideFragment(f"{name} of two arrays whose shapes agree only at some "
                                  "sizes")
        return a, b, shape

    def _power(self, base: _Val, k: int) -> _Val:
        """base^k; its derivative Σ base^i (d base) base^(k-1-i) has the profile of
        base^(k-1) times d base (each position gives the same counts)."""
        if base.shape is None:
            return base
        if base.shape == ():
            out = _Val((), Profile({"s": ({}, {})}))
            for _ in range(k):
                out = _product(_scale, out, base, ())
            return out
        d = _square(base.shape, "a matrix power")
        out = _Val(base.shape, Profile({"i": ({}, {})}))
        for _ in range(k):
            out = _product(lambda p, q: _matmul(p, q, d), out, base, base.shape)
        return out

    def binop(self, node: BinOp) -> _Val:
        op = node.op
        mono = self.dim_exponents(node) if self.dims else None
        if mono is not None:  # a constant times a (possibly negative) power of dimensions
            return _monomial(mono)
        if op == "/" and self.dims:
            den = self.dim_exponents(node.right)
            if den is not None:
                left = self.eval(node.left)
                inv = _monomial({d: -e for d, e in den.items()})
                return _product(lambda p, q: _scale(p, q), left, inv, left.shape)
        if op == "**":
            k = node.right.value  # type: ignore[attr-defined]
            if not (k.is_Integer and k >= 0):
                raise OutsideFragment(f"the power {k} of an expression in the inputs is not "
                                      "polynomial")
            k = int(k)
            if isinstance(node.left, Func) and node.left.name == "norm":
                if k % 2:
                    raise OutsideFragment("an odd power of norm(·) involves a square root")
                arg = node.left.args[0]
                sq = self.eval(Func("inner", (arg, arg)))
                return self._power(sq, k // 2)
            return self._power(self.eval(node.left), k)
        left, right = self.eval(node.left), self.eval(node.right)
        if op == "/":
            if not isinstance(node.right, Num):
                raise OutsideFragment(
                    "division by an expression in the inputs" + (
                        " or sizes (only a constant times a monomial in the sizes, such as "
                        "4*m, may divide)" if self.dims else ""))
            return left
        if op in "+-":
            shape = left.shape if left.shape is not None else right.shape
            if left.shape is not None and right.shape is not None and left.shape != right.shape:
                raise OutsideFragment(f"'{op}' of arrays whose shapes agree only at some sizes")
            if shape is not None and shape != () and (left.shape is None or right.shape is None):
                _square(shape, "I next to a matrix")
            return _Val(shape, merge(left.prof, right.prof), merge(left.d, right.d))
        # products: '*' (scaling or matrix product) and '@'
        if left.shape == () or right.shape == ():
            shape = right.shape if left.shape == () else left.shape
            if left.shape == ():
                return _product(lambda p, q: _scale(q, p), left, right, shape)
            return _product(_scale, left, right, shape)
        ls, rs = left.shape, right.shape
        if ls is None and rs is None:
            return _product(lambda p, q: _matmul(p, q, ()), left, right, None)
        if ls is None:
            assert rs is not None
            ls = (rs[0], rs[0])
        if rs is None:
            rs = (ls[1], ls[1])
        if len(ls) != 2 or len(rs) != 2:
            raise OutsideFragment("a product with a vector")
        _same(ls[1], rs[0], "matrix product")
        inner = ls[1]
        return _product(lambda p, q: _matmul(p, q, inner), left, right, (ls[0], rs[1]))


def analyze(node: Node, env: Mapping[str, _Val], dims: Sequence[str] = ()) -> _Val:
    """The shape and profile of ``node`` given the values of its names (raises
    :class:`OutsideFragment`); the names in ``dims`` that are not inputs are the sizes of
    those dimensions, as scalars (``1/(4*m)``)."""
    return _Analyzer(env, dims).run(node)


def scalar_pairing(v: _Val) -> Profile:
    """The profile of ⟨v, W⟩ with a fresh general probe W of v's shape (v itself if scalar)."""
    if v.shape == ():
        return v.prof
    assert v.shape is not None
    probe = input_profile(v.shape)
    return _inner(v.prof, probe.prof, (v.shape[0], v.shape[1]))


def flowing(v: _Val, rate: _Val) -> _Val:
    """An input moving with ``rate``: its derivative along the flow has the rate's profile."""
    return _Val(v.shape, v.prof, rate.prof)


def derivative(v: _Val) -> _Val:
    """The value of d/dt v along the flow (its derivative profile)."""
    return _Val(v.shape, v.d)


@dataclass
class SizeBound:
    """K_d (index variables of d in one term) and L_d (free loops) per dimension, and the
    sizes B_d..B_d+L_d that the theorem needs (B_d >= max(K_d, 1), raised where the problem
    family requires it, e.g. r <= n)."""

    K: dict[str, int]
    L: dict[str, int]
    base: dict[str, int]
    sides: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Q_d: the largest power k of a factor 1/N_d^k in one term (cleared by multiplying both
    #: sides by N_d^{Q_d}: the coefficients become polynomials of degree <= L_d + Q_d).
    Q: dict[str, int] = field(default_factory=dict)

    def degree(self, d: str) -> int:
        """L_d + Q_d: the degree in N_d of the coefficients (after clearing 1/N_d^{Q_d})."""
        return self.L.get(d, 0) + self.Q.get(d, 0)

    def values(self, d: str) -> list[int]:
        return list(range(self.base[d], self.base[d] + self.degree(d) + 1))

    def top(self, d: str) -> int:
        return self.base[d] + self.degree(d)

    def reason(self, d: str) -> str:
        k, ell, q = self.K.get(d, 0), self.L.get(d, 0), self.Q.get(d, 0)
        by = [s for s, ks in self.sides.items() if ks.get(d, 0) == k and k > 0]
        text = (f"at most {k} index value(s) of {d} in one term (free and summed)"
                + (f", reached by the {' and the '.join(by)}" if by else ""))
        text += f"; {ell} closed loop(s) giving factors of {d}" if ell else "; no closed loops"
        if q:
            text += (f"; factors 1/{d}^k with k <= {q}, cleared by multiplying both sides by "
                     f"{d}^{q} (sound: {d} >= 1)")
        vals = self.values(d)
        deg = self.degree(d)
        text += (f": {d} = {vals[0]} suffices" if len(vals) == 1
                 else f": {d} in {vals[0]}..{vals[-1]} ({deg + 1} sizes: the coefficients are "
                      f"polynomials of degree <= {deg} in {d})")
        if self.base[d] > max(k, 1):
            text += f" (raised from {max(k, 1)} so that every size of the grid is valid)"
        return text

    def to_json(self) -> dict[str, Any]:
        return {d: {"K": self.K.get(d, 0), "loops": self.L.get(d, 0),
                    **({"negative_powers": self.Q[d]} if self.Q.get(d) else {}),
                    "sizes": self.values(d), "reason": self.reason(d)} for d in self.base}


def bound_from(sides: Mapping[str, Profile], dims: Sequence[str]) -> SizeBound:
    """K and L over the scalar profiles of the sides (``{"claimed side": p, ...}``)."""
    K: dict[str, int] = {d: 0 for d in dims}
    L: dict[str, int] = {d: 0 for d in dims}
    Q: dict[str, int] = {}
    per: dict[str, dict[str, int]] = {}
    for name, prof in sides.items():
        per[name] = {}
        for kind, (Ks, Ls) in prof.terms.items():
            assert kind == "s", kind
            for d in dims:
                K[d] = max(K[d], Ks.get(d, 0))
                L[d] = max(L[d], Ls.get(d, 0))
                if Ls.get(neg(d), 0):
                    Q[d] = max(Q.get(d, 0), Ls[neg(d)])
                per[name][d] = max(per[name].get(d, 0), Ks.get(d, 0))
    base = {d: max(K[d], 1) for d in dims}
    return SizeBound(K, L, base, per, Q)


def proof_grid(bound: SizeBound, valid: Any = None, *, max_raise: int = 8
               ) -> list[dict[str, int]]:
    """The grid Π_d {B_d..B_d+L_d}, with the bases raised (smallest total first) until every
    size is valid for ``valid(size) -> bool`` (e.g. the family's r <= n)."""
    dims = list(bound.base)

    def grid(base: Mapping[str, int]) -> list[dict[str, int]]:
        ranges = [range(base[d], base[d] + bound.degree(d) + 1) for d in dims]
        return [dict(zip(dims, vals, strict=True)) for vals in product(*ranges)]

    if valid is None:
        return grid(bound.base)
    for total in range(max_raise * max(1, len(dims)) + 1):
        for raise_ in _compositions(total, len(dims)):
            base = {d: bound.base[d] + r for d, r in zip(dims, raise_, strict=True)}
            g = grid(base)
            if all(valid(s) for s in g):
                bound.base = base
                return g
    raise OutsideFragment("no valid grid of sizes for the bound")  # pragma: no cover


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 0:
        return [()] if total == 0 else []
    out = []
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            out.append((first, *rest))
    return out
