"""Exact nonnegativity certificates modulo an ideal: empty sign cells and real vanishing.

**Theorem used** (the easy direction of the Positivstellensatz; Parrilo 2003, "Semidefinite
programming relaxations for semialgebraic problems", Math. Program. 96, Section 4;
Blekherman, Parrilo & Thomas 2013, "Semidefinite Optimization and Convex Algebraic Geometry",
SIAM, Ch. 3, Theorem 3.138 and Section 3.4 on sums of squares modulo an ideal): if

    h ≡ σ = Σ_k d_k q_k²  (mod I),   d_k ∈ ℚ, d_k > 0, q_k ∈ ℚ[y],

then h(y) = σ(y) >= 0 at every real point y of V(I), so {y ∈ V_ℝ(I) : h(y) < 0} = ∅. In
particular h ≡ −σ proves a sign cell {h > 0} of V(I) empty, and an element b = Σ d_k q_k² of I
(d_k > 0) forces every q_k to vanish at the real points of V(I) (the real Nullstellensatz in its
simplest instance), so the q_k may be added to I without changing V_ℝ(I).

**Search** (only a proposal; the verdict is exact). With G a reduced grevlex Gröbner basis of I
and z a vector of standard monomials (not divisible by a leading monomial of G) of degree <=
⌈deg NF(h) / 2⌉ in the variables of the normal form NF(h), the Gram matrices Q with
NF(zᵀQz) = NF(h) form an affine space, computed exactly over ℚ (reduced row echelon form,
python-flint): the pivot entries are affine functions of the free entries. A floating-point
search over the free entries maximizes a smooth lower bound of λ_min(Q) (no SDP solver is
needed at these sizes); a point with λ_min(Q) > 0 is rounded to rationals, the pivot entries
are recomputed *exactly* from the rounded free entries (so the rational Q lies exactly on the
affine space), and Q = L·D·Lᵀ is factored exactly: every pivot d_k must be > 0 (a zero pivot
is accepted only with a zero column). This is the rounding-and-projection scheme of Peyrl &
Parrilo 2008 ("Computing sum of squares decompositions with rational coefficients", Theoret.
Comput. Sci. 409, Section 3). The certificate (h, G, the pairs (d_k, q_k)) is then re-checked
by :func:`verify_certificate` from scratch in SymPy: the Gröbner basis is recomputed and
NF(h − Σ d_k q_k²) must be 0. No floating-point number enters the verdict; a failed search
proves nothing and returns ``None``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import sympy as sp
from scipy.optimize import minimize
from sympy.polys.orderings import grevlex

__all__ = ["PositivityCertificate", "nonnegative_certificate", "verify_certificate",
           "ldl_pivots", "empty_cell_certificate", "sos_real_vanishing"]

#: largest monomial basis tried (the Gram matrix is MAX_BASIS × MAX_BASIS)
MAX_BASIS = 36


@dataclass(frozen=True)
class PositivityCertificate:
    """h ≡ Σ_k d_k·q_k² modulo the ideal of ``basis`` (d_k > 0): h >= 0 on V_ℝ(basis)."""

    target: sp.Expr
    basis: tuple[sp.Expr, ...]
    gens: tuple[sp.Symbol, ...]
    squares: tuple[tuple[sp.Rational, sp.Expr], ...]

    @property
    def sigma(self) -> sp.Expr:
        return sp.Add(*(d * q ** 2 for d, q in self.squares))

    def text(self) -> str:
        sos = " + ".join(f"{d}·({q})²" for d, q in self.squares) or "0"
        ideal = ", ".join(str(b) for b in self.basis) or "0"
        return (f"{self.target} ≡ {sos} (mod ⟨{ideal}⟩), a sum of squares with positive "
                "rational weights, re-checked exactly: so it is >= 0 at every real point")


def _normal_form(G: Any, e: sp.Expr) -> sp.Expr:
    e = sp.expand(e)
    if G is None or e == 0:
        return e
    return sp.expand(G.reduce(e)[1])


def _groebner(basis: list[sp.Expr], gens: list[sp.Symbol]) -> Any:
    basis = [b for b in basis if sp.expand(b) != 0]
    return sp.groebner(basis, *gens, order="grevlex", domain="QQ") if basis else None


def verify_certificate(cert: PositivityCertificate) -> bool:
    """Exact re-check: every weight is a positive rational, every q_k has rational
    coefficients, and h − Σ d_k q_k² reduces to 0 modulo a Gröbner basis recomputed here."""
    gens = list(cert.gens)
    for d, q in cert.squares:
        if not (isinstance(d, sp.Rational) and d > 0):
            return False
        if q.free_symbols - set(gens) or not sp.Poly(q, *gens).domain.is_QQ and \
                not sp.Poly(q, *gens).domain.is_ZZ:
            return False
    G = _groebner(list(cert.basis), gens)
    if G is not None and list(G.exprs) == [1]:
        return True  # V(I) = ∅: the statement holds vacuously
    return _normal_form(G, cert.target - cert.sigma) == 0


def ldl_pivots(Q: list[list[Fraction]]) -> list[tuple[Fraction, list[Fraction]]] | None:
    """Exact Q = Σ_k d_k·l_k·l_kᵀ (LDLᵀ without pivoting) with every d_k > 0, or ``None``
    when a pivot is negative, or zero with a nonzero column (Q not proved semidefinite)."""
    n = len(Q)
    A = [list(map(Fraction, row)) for row in Q]
    out: list[tuple[Fraction, list[Fraction]]] = []
    for k in range(n):
        p = A[k][k]
        if p < 0:
            return None
        if p == 0:
            if any(A[i][k] != 0 for i in range(k + 1, n)):
                return None
            continue
        col = [Fraction(0)] * k + [A[i][k] / p for i in range(k, n)]
        out.append((p, col))
        for i in range(k + 1, n):
            if A[i][k] == 0:
                continue
            f = A[i][k]
            for j in range(k + 1, n):
                A[i][j] -= f * col[j]
    return out


def _standard_monomials(G: Any, gens: list[sp.Symbol], used: list[int], deg: int
                        ) -> list[tuple[int, ...]]:
    lms = [] if G is None else [sp.Poly(g, *gens).monoms(order=grevlex)[0] for g in G.exprs]
    out = []
    for d in range(deg + 1):
        for combo in itertools.combinations_with_replacement(used, d):
            m = [0] * len(gens)
            for i in combo:
                m[i] += 1
            if not any(all(a >= b for a, b in zip(m, lm, strict=True)) for lm in lms):
                out.append(tuple(m))
    return out


def _gram_system(G: Any, gens: list[sp.Symbol], z: list[tuple[int, ...]], h: sp.Expr
                 ) -> tuple[list[tuple[int, int]], Any, Any] | None:
    """Rows Σ_{i<=j} w_ij·coeff_μ(NF(z_i z_j))·q_ij = coeff_μ(NF h) as an exact rref."""
    pairs = [(i, j) for i in range(len(z)) for j in range(i, len(z))]
    cache: dict[tuple[int, ...], dict[tuple[int, ...], Any]] = {}
    cols: list[dict[tuple[int, ...], Any]] = []
    for i, j in pairs:
        m = tuple(a + b for a, b in zip(z[i], z[j], strict=True))
        if m not in cache:
            nf = _normal_form(G, sp.Mul(*(g ** e for g, e in zip(gens, m, strict=True))))
            cache[m] = dict(sp.Poly(nf, *gens).terms()) if nf != 0 else {}
        w = 1 if i == j else 2
        cols.append({mu: w * c for mu, c in cache[m].items()})
    target = dict(sp.Poly(h, *gens).terms()) if h != 0 else {}
    mus = sorted({mu for c in cols for mu in c} | set(target))
    if set(target) - {mu for c in cols for mu in c}:
        return None
    A = flint.fmpq_mat(len(mus), len(pairs) + 1)
    for r, mu in enumerate(mus):
        for c, col in enumerate(cols):
            if mu in col:
                v = sp.Rational(col[mu])
                A[r, c] = flint.fmpq(int(v.p), int(v.q))
        v = sp.Rational(target.get(mu, 0))
        A[r, len(pairs)] = flint.fmpq(int(v.p), int(v.q))
    R, rank = A.rref()
    return pairs, R, rank


def _forced_zero_diagonal(pairs: list[tuple[int, int]], R: Any, rank: int
                          ) -> set[int] | None:
    """Exact facial reduction of the simplest kind: a row Σ c_k·q_{i_k i_k} = β of the rref
    whose entries are all diagonal with coefficients of one sign and β of the other sign or 0
    forces those diagonal entries of a semidefinite Q to 0 (then rows and columns vanish, and
    those monomials leave the basis), or proves no semidefinite Q exists (None)."""
    m = len(pairs)
    out: set[int] = set()
    for r in range(rank):
        nz = [c for c in range(m) if R[r, c] != 0]
        if not nz or any(pairs[c][0] != pairs[c][1] for c in nz):
            continue
        sg = {1 if R[r, c] > 0 else -1 for c in nz}
        if len(sg) != 1:
            continue
        s = sg.pop()
        beta = R[r, m]
        if (beta > 0 and s < 0) or (beta < 0 and s > 0):
            return None
        if beta == 0:
            out |= {pairs[c][0] for c in nz}
    return out


def _affine(pairs: list[tuple[int, int]], R: Any, rank: int
            ) -> tuple[list[int], list[int], list[Fraction], list[list[Fraction]]] | None:
    """Pivot entries q_p = b_p − Σ_f R_pf q_f of the rref (None if inconsistent)."""
    m = len(pairs)
    piv: list[int] = []
    for r in range(rank):
        c = next(c for c in range(m + 1) if R[r, c] != 0)
        if c == m:
            return None  # 0 = 1: no Gram matrix on this basis
        piv.append(c)
    free = [c for c in range(m) if c not in set(piv)]

    def fr(x: Any) -> Fraction:
        return Fraction(int(x.p), int(x.q))

    b = [fr(R[r, m]) for r in range(rank)]
    coef = [[fr(R[r, f]) for f in free] for r in range(rank)]
    return piv, free, b, coef


def _float_search(n: int, pairs: list[tuple[int, int]], piv: list[int], free: list[int],
                  b: list[Fraction], coef: list[list[Fraction]], budget: Any
                  ) -> tuple[np.ndarray | None, np.ndarray]:
    """Free entries with λ_min(Q) > 0 (a proposal; None if the search fails) and the
    diagonal of the last Gram matrix tried."""
    Pb = np.array([float(x) for x in b])
    Pc = np.array([[float(x) for x in row] for row in coef]).reshape(len(piv), len(free))
    I_idx = np.array([i for i, _ in pairs])
    J_idx = np.array([j for _, j in pairs])
    piv_a, free_a = np.array(piv, dtype=int), np.array(free, dtype=int)

    def gram(t: np.ndarray) -> np.ndarray:
        q = np.zeros(len(pairs))
        q[free_a] = t
        if len(piv):
            q[piv_a] = Pb - Pc @ t
        Q = np.zeros((n, n))
        Q[I_idx, J_idx] = q
        Q[J_idx, I_idx] = q
        return Q

    def obj(t: np.ndarray, beta: float) -> tuple[float, np.ndarray]:
        lam, V = np.linalg.eigh(gram(t))
        w = np.exp(-beta * (lam - lam[0]))
        w /= w.sum()
        soft = lam[0] - math.log(np.exp(-beta * (lam - lam[0])).sum()) / beta
        G = (V * w) @ V.T  # d soft / dQ
        gq = np.where(I_idx == J_idx, G[I_idx, J_idx], 2 * G[I_idx, J_idx])
        grad = gq[free_a] - (Pc.T @ gq[piv_a] if len(piv) else 0)
        return -soft, -grad

    t = np.zeros(len(free))
    if not len(free):
        Q = gram(t)
        return (t if np.linalg.eigvalsh(Q)[0] > 0 else None), np.diag(Q)
    scale = max(1.0, float(np.abs(Pb).max()) if len(Pb) else 1.0)
    for beta in (2.0 / scale, 10.0 / scale, 50.0 / scale):
        if budget is not None:
            budget.check("sum-of-squares search")
        res = minimize(obj, t, args=(beta,), jac=True, method="L-BFGS-B",
                       bounds=[(-10 * scale, 10 * scale)] * len(free),
                       options={"maxiter": 400})
        t = res.x
        if np.linalg.eigvalsh(gram(t))[0] > 1e-9 * scale:
            return t, np.diag(gram(t))
    return None, np.diag(gram(t))


def _round_and_check(z: list[tuple[int, ...]], gens: list[sp.Symbol],
                     pairs: list[tuple[int, int]], piv: list[int], free: list[int],
                     b: list[Fraction], coef: list[list[Fraction]], t: np.ndarray
                     ) -> list[tuple[sp.Rational, sp.Expr]] | None:
    """Round the free entries, recompute the pivot entries exactly, factor exactly."""
    n = len(z)
    zs = [sp.Mul(*(g ** e for g, e in zip(gens, m, strict=True))) for m in z]
    for den in (1, 2, 4, 8, 16, 64, 256, 1024, 2 ** 14, 2 ** 20):
        tf = [Fraction(round(float(x) * den), den) for x in t]
        q: dict[int, Fraction] = dict(zip(free, tf, strict=True))
        for r, p in enumerate(piv):
            q[p] = b[r] - sum((c * x for c, x in zip(coef[r], tf, strict=True) if c),
                              Fraction(0))
        Q = [[Fraction(0)] * n for _ in range(n)]
        for c, (i, j) in enumerate(pairs):
            Q[i][j] = Q[j][i] = q[c]
        ldl = ldl_pivots(Q)
        if ldl is None:
            continue
        return [(sp.Rational(d.numerator, d.denominator),
                 sp.Add(*(sp.Rational(x.numerator, x.denominator) * zi
                          for x, zi in zip(col, zs, strict=True) if x))) for d, col in ldl]
    return None


def nonnegative_certificate(h: sp.Expr, basis: list[sp.Expr], gens: list[sp.Symbol],
                            budget: Any = None, max_basis: int = MAX_BASIS
                            ) -> PositivityCertificate | None:
    """A certificate that h >= 0 at every real point of V(basis) (module docstring), re-checked
    exactly by :func:`verify_certificate`; ``None`` when none is found (nothing is claimed)."""
    gens = list(gens)
    G = _groebner(list(basis), gens)
    if G is not None and list(G.exprs) == [1]:
        return None
    nf = _normal_form(G, h)
    used = sorted({gens.index(s) for s in nf.free_symbols if s in gens})
    if nf.free_symbols - set(gens):
        return None
    deg = sp.Poly(nf, *gens).total_degree() if nf != 0 else 0
    if G is None and not _may_be_sos(nf, gens):
        return None
    for half in sorted({math.ceil(deg / 2), math.ceil(deg / 2) + 1}):
        if budget is not None:
            budget.check("sum-of-squares search")
        z = _standard_monomials(G, gens, used, half)
        if G is None:
            z = _newton_box(z, nf, gens)
        for _prune in range(3):
            if not z or len(z) > max_basis:
                break
            squares, z = _search_on(G, gens, z, nf, budget)
            if squares is not None:
                cert = PositivityCertificate(h, tuple(G.exprs) if G is not None else (),
                                             tuple(gens), tuple(squares))
                if verify_certificate(cert):
                    return cert
                break
    return None


def _may_be_sos(h: sp.Expr, gens: list[sp.Symbol]) -> bool:
    """A necessary condition for h = Σ q_k² in ℝ[y] (no ideal): for every monomial order the
    leading term of Σ q_k² is 2·max_k LM(q_k) with a positive coefficient, so the leading
    term of h in each order tried (lex in each cyclic variable order, grevlex) has even
    exponents and a positive coefficient; so does the lowest-degree part in grevlex. Only a
    quick rejection; it never proves anything."""
    if h == 0:
        return True
    P = sp.Poly(h, *gens)
    n = len(gens)
    perms = [gens[k:] + gens[:k] for k in range(n)]
    checks = [sp.Poly(h, *g).terms(order="lex")[0] for g in perms]
    checks.append(P.terms(order="grevlex")[0])
    low = min(sum(m) for m in P.monoms())
    lowp = sp.Poly(sp.Add(*(c * sp.Mul(*(g ** e for g, e in zip(gens, m, strict=True)))
                            for m, c in P.terms() if sum(m) == low)), *gens)
    checks.append(lowp.terms(order="grevlex")[0])
    return all(c > 0 and all(e % 2 == 0 for e in m) for m, c in checks)


def _newton_box(z: list[tuple[int, ...]], h: sp.Expr, gens: list[sp.Symbol]
                ) -> list[tuple[int, ...]]:
    """Without an ideal, z_i² must lie in the Newton polytope of h (Reznick 1978, "Extremal
    PSD forms with few terms", Duke Math. J. 45, Theorem 1): keep the z_i with 2·z_i inside
    the bounding box of the exponents of h and 2·deg z_i between its lowest and highest
    degree (a necessary condition; a heuristic pruning only, the verdict is exact)."""
    ms = [m for m, _ in sp.Poly(h, *gens).terms()] if h != 0 else []
    if not ms:
        return z
    lo = [min(m[i] for m in ms) for i in range(len(gens))]
    hi = [max(m[i] for m in ms) for i in range(len(gens))]
    dlo, dhi = min(sum(m) for m in ms), max(sum(m) for m in ms)
    return [m for m in z if all(lo[i] <= 2 * m[i] <= hi[i] for i in range(len(gens)))
            and dlo <= 2 * sum(m) <= dhi]


def _search_on(G: Any, gens: list[sp.Symbol], z: list[tuple[int, ...]], nf: sp.Expr,
               budget: Any) -> tuple[list[tuple[sp.Rational, sp.Expr]] | None,
                                     list[tuple[int, ...]]]:
    """One Gram search on the basis z: (squares or None, a pruned basis to try next)."""
    while True:
        sys_ = _gram_system(G, gens, z, nf)
        if sys_ is None:
            return None, []
        pairs, R, rank = sys_
        aff = _affine(pairs, R, rank)
        if aff is None:
            return None, []
        zero = _forced_zero_diagonal(pairs, R, rank)
        if zero is None:
            return None, []
        if not zero:
            break
        z = [m for i, m in enumerate(z) if i not in zero]
        if not z:
            return None, []
    t, diag = _float_search(len(z), pairs, *aff, budget)
    if t is None:
        small = max(1e-6, 1e-4 * max(abs(x) for x in diag)) if len(diag) else 0
        keep = [m for m, d in zip(z, diag, strict=True) if d > small]
        return None, (keep if len(keep) < len(z) else [])
    return _round_and_check(z, gens, pairs, *aff, t), z


def empty_cell_certificate(basis: list[sp.Expr], cell: dict[sp.Expr, int],
                           gens: list[sp.Symbol], budget: Any = None
                           ) -> tuple[sp.Expr, int, PositivityCertificate] | None:
    """(h, ε, certificate that −ε·h >= 0 on V_ℝ(basis)): the condition ε·h > 0 of the sign
    cell has no real solution on V(basis), so the cell is empty; ``None`` if none is found."""
    for h, eps in cell.items():
        cert = nonnegative_certificate(-eps * h, basis, gens, budget)
        if cert is not None:
            return h, eps, cert
    return None


_CACHE: dict[tuple[str, ...], PositivityCertificate | None] = {}


def _cached_certificate(h: sp.Expr, rest: list[sp.Expr], gens: list[sp.Symbol], budget: Any
                        ) -> PositivityCertificate | None:
    """:func:`nonnegative_certificate` memoized on the text of (h, the ideal's generators,
    gens): the stratifier asks the same question for the same generators of many closed sets.
    A cached certificate is re-checked exactly before it is returned."""
    key = (str(sp.expand(h)), *sorted(str(sp.expand(e)) for e in rest), "|",
           *(str(g) for g in gens))
    if key not in _CACHE:
        if len(_CACHE) > 4096:
            _CACHE.clear()
        _CACHE[key] = nonnegative_certificate(h, rest, gens, budget)
    cert = _CACHE[key]
    return cert if cert is None or verify_certificate(cert) else None


def sos_real_vanishing(basis: list[sp.Expr], gens: list[sp.Symbol], budget: Any = None,
                       generators: list[sp.Expr] | tuple[sp.Expr, ...] = (),
                       max_terms: int = 12) -> tuple[list[sp.Expr], list[str]]:
    """Polynomials q_k outside the ideal I = ⟨basis⟩ that vanish at every real point of V(I).

    An element ±b of ``basis`` with b = Σ d_k q_k² exactly (d_k > 0, a certificate modulo the
    zero ideal), or an element ±b of ``generators`` (a generating list of I) with
    b ≡ Σ d_k q_k² modulo the ideal J of the *other* generators (J ⊆ I), gives Σ d_k q_k² ∈ I,
    so every q_k = 0 at a real point of V(I). Returns (the q_k not in I, the certificates'
    texts); empty lists when nothing is found."""
    gens = list(gens)
    G = _groebner(list(basis), gens)
    out: list[sp.Expr] = []
    texts: list[str] = []
    tasks: list[tuple[sp.Expr, list[sp.Expr]]] = [(b, []) for b in basis]
    tasks += [(b, [o for o in generators if o is not b]) for b in generators
              if not any(sp.expand(b - x) == 0 for x in basis)]
    for b, rest in tasks:
        P = sp.Poly(b, *gens)
        if P.total_degree() < 2 or len(P.terms()) > max_terms:
            continue
        for sgn in (1, -1):
            cert = _cached_certificate(sgn * b, rest, gens, budget)
            if cert is None:
                continue
            new = [q for _, q in cert.squares if _normal_form(G, q) != 0]
            if new:
                out += [q for q in new if not any(sp.expand(q - o) == 0 for o in out)]
                texts.append(f"{b} ∈ I and {cert.text()}; so the real points of the set "
                             f"satisfy {', '.join(f'{q} = 0' for q in new)}")
            break
    return out, texts
