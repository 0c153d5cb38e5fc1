"""Strata of constant Hessian inertia on a positive-dimensional piece, proved exactly.

A piece of the stationary set is a closed set C = V(I) (a Gröbner basis G in the chart
variables y, the original point x = φ(y)); ∇²f is not constant on it, and its inertia can change
along it. This module splits C into finitely many *strata*, locally closed sets
S = C ∖ (V(g₁) ∪ … ∪ V(g_s)) on each of which the inertia is constant, and proves that constancy
exactly:

1. **Characteristic polynomial modulo the piece.** χ(μ) = det(μI − ∇²f(φ(y))) = Σ_k c_k(y)μ^{N−k}
   is computed by Faddeev–LeVerrier with every entry reduced modulo G (the normal form is
   canonical, and c_k ≡ c'_k mod I means c_k = c'_k on C). ρ = the largest k with c_k ∉ I.
2. **Signs proved on the stratum.** Each c_k (k <= ρ) is factored over ℚ: c_k ≡ a·∏ g_i^{m_i}.
   Every factor g_i is a *splitter*: the stratum avoids V(g_i), and C ∩ V(g_i) is split off as a
   lower closed set, decomposed again (Gröbner bases with factor splitting) and stratified
   recursively. On S every g_i ≠ 0, so the sign of c_k on S is sign(a)·∏_{m_i odd} sign(g_i),
   which is constant when each odd-multiplicity factor is *sign-definite*: a sum of even
   monomials with coefficients of one sign, or a quadratic polynomial whose Gram matrix on
   (1, y) is semidefinite (principal minors). The other odd factors h₁, …, h_m (m <= 3) split
   the stratum into the *sign cells* {sign h_j = ε_j} (semi-algebraic strata), on each of which
   the signs are then constant; a cell with no real point found is not called empty (only the
   whole stratum can be proved empty, step 6) and stays ``unresolved``, as does a stratum with
   more than three such factors (never guessed).
3. **Inertia by Descartes.** ∇²f is real symmetric, so χ has only real roots and Descartes' rule
   of signs is exact: n₊ = sign changes of (c₀, …, c_ρ), n₋ = sign changes of the coefficients of
   χ(−μ), n₀ = N − ρ. With every sign constant on S, so is the inertia.
4. **Degenerate strata** (n₋ = 0 or n₊ = 0 with n₀ > 0): a constant direction d with
   f(φ(y) + td) − f(φ(y)) = a_k(y)t^k + O(t^{k+1}) and a_1, …, a_{k−1} ∈ I, where either k is odd
   and a_k ≠ 0 on S, or a_k < 0 on S (signs proved as in 2; the factors of a_k are splitters
   too), is a descent curve at *every* point of S: all of S are saddles (for −f: no point is a
   local maximum). In the identity chart, a stratum with n₀ = dim C on which C is smooth (an
   (n − d)-minor of the Jacobian of G is a splitter that is nonzero on S) is a Morse–Bott
   critical manifold: near each of its points the critical set is C and ∇²f is nondegenerate
   normal to it, so the sign pattern decides min / max / saddle for all of S.
5. **A partition.** Every closed set is processed once (deduplicated by its reduced Gröbner
   basis); a closed set B found inside another A without lying in A's splitters is excluded from
   A's stratum (and an intersection of two closed sets not covered by the splitters of the first
   is added as a new closed set), so the strata are pairwise disjoint and cover the piece.
6. **Representatives.** A real point of C off every splitter and excluded set: a maximal
   independent set of variables is fixed to small rationals and the zero-dimensional rest is
   solved exactly; the exact inertia at that point is recomputed independently
   (:meth:`~mfverify.symbolic.classify.Classifier.local_data`) and must agree with the proved
   one. When no such point is found, the stratum is dropped only if it is provably empty
   (1 ∈ I + (1 − T·∏ g_i), Rabinowitsch), and is otherwise ``unresolved``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.polys.orderings import grevlex

from ..errors import UnsupportedError
from .algebraic import equal_vectors
from .classify import descartes_inertia
from .positivity import empty_cell_certificate, sos_real_vanishing
from .stationary import (
    AlgebraicPoint,
    Budget,
    Chart,
    chart_point_to_original,
    independent_variables,
    krull_dimension,
    saturation_basis,
    solve_polynomial_system,
)

__all__ = ["Stratum", "Stratification", "stratify_piece", "definite_sign", "sign_pattern"]

TPAR = sp.Symbol("t_")


@dataclass
class Stratum:
    """One stratum C ∖ (splitters ∪ excluded) with its proved inertia."""

    basis: list[sp.Expr]
    dimension: int
    splitters: list[sp.Expr] = field(default_factory=list)
    excluded: list[list[sp.Expr]] = field(default_factory=list)
    cell: dict[sp.Expr, int] = field(default_factory=dict)  # sign conditions g > 0 / g < 0
    inertia: tuple[int, int, int] | None = None
    signs: list[int] = field(default_factory=list)
    certificate: list[str] = field(default_factory=list)
    behaviour: str = ""  # "saddle" (descent curve), "not_max" (ascent curve), "morse_bott", ""
    descent: dict[str, Any] | None = None
    point: AlgebraicPoint | None = None  # original coordinates
    chart_point: AlgebraicPoint | None = None
    value: sp.Expr | None = None
    reason: str = ""

    @property
    def resolved(self) -> bool:
        return not self.reason

    def key(self) -> tuple[str, ...]:
        return tuple(sorted(str(b) for b in self.basis))

    def text(self) -> str:
        eqs = ", ".join(str(b) for b in self.basis) or "all"
        out = f"{{{eqs}}} = 0"
        conds = [f"{g} {'>' if self.cell[g] > 0 else '<'} 0" for g in self.cell]
        conds += [f"{g} ≠ 0" for g in self.splitters if g not in self.cell]
        if conds:
            out += " with " + ", ".join(conds)
        if self.excluded:
            out += " minus " + "; ".join("{" + ", ".join(str(e) for e in ex) + " = 0}"
                                         for ex in self.excluded)
        return out


@dataclass
class Stratification:
    """The strata of one piece: positive-dimensional strata and point strata (chart
    coordinates for points; original coordinates in ``Stratum.point``)."""

    strata: list[Stratum] = field(default_factory=list)
    points: list[AlgebraicPoint] = field(default_factory=list)  # original coordinates
    chart_points: list[AlgebraicPoint] = field(default_factory=list)  # the same, in the chart
    reasons: list[str] = field(default_factory=list)
    groebner_calls: int = 0


# ---------------------------------------------------------------------------------------------
# signs
# ---------------------------------------------------------------------------------------------


def definite_sign(g: sp.Expr, gens: list[sp.Symbol]) -> int | None:
    """+1 if g >= 0 on ℝⁿ, −1 if g <= 0, proved; None otherwise. Rules: a sum of even monomials
    with coefficients of one sign; a polynomial of degree <= 2 whose Gram matrix on (1, y) is
    semidefinite (all principal minors of ±Q nonnegative)."""
    P = sp.Poly(g, *gens)
    terms = P.terms()
    if not terms:
        return None
    cs = [c for _, c in terms]
    if all(all(e % 2 == 0 for e in m) for m, _ in terms):
        if all(c > 0 for c in cs):
            return 1
        if all(c < 0 for c in cs):
            return -1
    if P.total_degree() <= 2:
        used = sorted({i for m, _ in terms for i, e in enumerate(m) if e})
        n = len(used)
        Q = sp.zeros(n + 1, n + 1)
        pos = {v: k + 1 for k, v in enumerate(used)}
        for m, c in terms:
            idx = [pos[i] for i, e in enumerate(m) for _ in range(e)]
            idx += [0] * (2 - len(idx))
            a, b = idx
            if a == b:
                Q[a, a] += c
            else:
                Q[a, b] += sp.Rational(c) / 2
                Q[b, a] += sp.Rational(c) / 2
        for sgn in (1, -1):
            T = sgn * Q
            if all(T.extract(list(sub), list(sub)).det() >= 0
                   for k in range(1, n + 2) for sub in itertools.combinations(range(n + 1), k)):
                return sgn
    return None


def real_vanishing(basis: list[sp.Expr], gens: list[sp.Symbol],
                   generators: list[sp.Expr] | None = None, budget: Any = None
                   ) -> list[sp.Expr]:
    """Variables that vanish at every *real* point of V(basis), read off sums of squares.

    If g = Σ c_k y_{i_k}^{2e_k} with every c_k > 0 (pure even powers of single variables, all
    coefficients of one sign) lies in the ideal, then g(y) = 0 at a real point forces each
    y_{i_k} = 0; adding those variables to the ideal keeps the real points (the real
    Nullstellensatz in its simplest instance) while the complex variety, over which Gröbner
    bases and Rabinowitsch emptiness tests reason, shrinks. Returns the variables not yet in
    the basis; when there are none, the polynomials q_k ∉ I of an element b = Σ d_k q_k²
    (d_k > 0, exact certificate, :func:`~mfverify.symbolic.positivity.sos_real_vanishing`),
    or of a generator b ≡ Σ d_k q_k² modulo the other ``generators``, which vanish at the real
    points for the same reason (empty: nothing to add)."""
    out: list[sp.Expr] = []
    have = {str(b) for b in basis}
    for b in basis:
        P = sp.Poly(b, *gens)
        terms = P.terms()
        if len(terms) < 1 or P.total_degree() < 2:
            continue
        pure = all(sum(1 for e in m if e) == 1 and sum(m) % 2 == 0 for m, _ in terms)
        one_sign = all(c > 0 for _, c in terms) or all(c < 0 for _, c in terms)
        if pure and one_sign:
            for m, _ in terms:
                v = gens[next(i for i, e in enumerate(m) if e)]
                if str(v) not in have:
                    have.add(str(v))
                    out.append(v)
    if not out:  # an element that is an exact sum of squares Σ d_k q_k²: every q_k vanishes
        out = sos_real_vanishing(basis, gens, budget, generators=generators or ())[0]
    return out


def sign_pattern(expr: sp.Expr, gens: list[sp.Symbol], known: dict[sp.Expr, int] | None = None
                 ) -> tuple[int | None, list[sp.Expr], str]:
    """Sign of a nonzero polynomial on the set where all its factors are nonzero, using the
    signs ``known`` on the set (a sign cell) for factors that are not definite:
    (sign or None, the non-constant factors, the reason in words)."""
    known = known or {}
    const, facs = sp.factor_list(sp.expand(expr), *gens)
    sign = 1 if const > 0 else -1
    factors = []
    why = []
    for g, m in facs:
        if not g.free_symbols:
            continue
        factors.append(g)
        if m % 2 == 0:
            why.append(f"({g})^{m} > 0")
            continue
        s = definite_sign(g, gens)
        if s is None:
            s = next((sg * ks for h, ks in known.items() for sg in (1, -1)
                      if sp.expand(g - sg * h) == 0), None)
        if s is None:
            return None, factors, f"the sign of the factor {g} is not proved constant"
        sign *= s
        why.append(f"{g} {'>' if s > 0 else '<'} 0")
    return sign, factors, f"{const}·" + "·".join(why) if why else f"the constant {const}"


def undetermined_factors(expr: sp.Expr, gens: list[sp.Symbol]) -> list[sp.Expr]:
    """The odd-multiplicity factors of ``expr`` that are not proved definite."""
    _, facs = sp.factor_list(sp.expand(expr), *gens)
    return [g for g, m in facs if g.free_symbols and m % 2 == 1
            and definite_sign(g, gens) is None]


# ---------------------------------------------------------------------------------------------
# the stratifier
# ---------------------------------------------------------------------------------------------


class _Ideal:
    def __init__(self, basis: list[sp.Expr], gens: list[sp.Symbol]) -> None:
        self.gens = gens
        self.G = sp.groebner(basis, *gens, order="grevlex", domain="QQ") if basis else None
        self.basis = list(self.G.exprs) if self.G is not None else []
        lms = [sp.Poly(b, *gens).monoms(order=grevlex)[0] for b in self.basis]
        self.dimension = krull_dimension(lms, len(gens)) if self.basis else len(gens)

    def reduce(self, e: sp.Expr) -> sp.Expr:
        e = sp.expand(e)
        if self.G is None or e == 0:
            return e
        return sp.expand(self.G.reduce(e)[1])

    def contains(self, e: sp.Expr) -> bool:
        return self.reduce(e) == 0

    def is_one(self) -> bool:
        return self.basis == [1]


class Stratifier:
    """Stratify the pieces of one chart (module docstring)."""

    def __init__(self, clf: Any, chart: Chart, budget: Budget, seed: int = 0,
                 descent_tries: int = 120) -> None:
        self.clf = clf
        self.chart = chart
        self.budget = budget
        self.seed = seed
        self.vars = list(chart.variables)
        sub = {g: chart.substitution.get(g, g) for g in clf.gens}
        self.sub = sub
        self.H = [[sp.expand(h.xreplace(sub)) if h != 0 else sp.Integer(0) for h in row]
                  for row in clf.H]
        self.f = sp.expand(clf.f.xreplace(sub))
        self.N = clf.N
        self.identity = not chart.substitution and not chart.extra
        self.descent_tries = descent_tries
        self.out = Stratification()
        self._seen: dict[tuple[str, ...], list[Stratum]] = {}
        self._point_keys: list[AlgebraicPoint] = []
        self._point_sets: set[tuple[str, ...]] = set()

    # -- characteristic polynomial modulo I ---------------------------------------------------
    def charpoly(self, I: _Ideal) -> list[sp.Expr]:
        N = self.N
        H = [[I.reduce(h) for h in row] for row in self.H]
        M = [[sp.Integer(0)] * N for _ in range(N)]
        coeffs = [sp.Integer(1)]
        for k in range(1, N + 1):
            self.budget.check("stratification")
            c_prev = coeffs[-1]
            HM = [[I.reduce(sum((H[i][m] * M[m][j] for m in range(N) if H[i][m] != 0
                                 and M[m][j] != 0), sp.Integer(0))) for j in range(N)]
                  for i in range(N)]
            for i in range(N):
                HM[i][i] = sp.expand(HM[i][i] + c_prev)
            M = HM
            tr = sum((H[i][m] * M[m][i] for i in range(N) for m in range(N)
                      if H[i][m] != 0 and M[m][i] != 0), sp.Integer(0))
            coeffs.append(I.reduce(-tr / k))
        return coeffs

    # -- driver ---------------------------------------------------------------------------------
    def run(self, bases: list[list[sp.Expr]]) -> Stratification:
        queue = [list(b) for b in bases]
        for _round in range(10):
            self._close(queue)
            strata = [st for cells in self._seen.values() for st in cells]
            for st in strata:
                st.excluded = []
            queue = self._partition(strata)
            if not queue:
                break
        else:
            raise UnsupportedError("the strata partition did not close after 10 rounds")
        for st in strata:
            if st.point is None and not st.reason.startswith("empty"):
                self._represent(st)
        self.out.strata = [s for s in strata if not s.reason.startswith("empty")]
        self._drop_points_inside()
        return self.out

    def _close(self, queue: list[list[sp.Expr]]) -> None:
        """Process every closed set of the queue and, recursively, its splitters' zero sets."""
        while queue:
            self.budget.check("stratification")
            basis = queue.pop(0)
            I = _Ideal(basis, self.vars)
            self.out.groebner_calls += 1
            while not I.is_one() and (extra := real_vanishing(I.basis, self.vars, basis,
                                                              self.budget)):
                I = _Ideal(I.basis + extra, self.vars)  # same real points (real_vanishing)
                self.out.groebner_calls += 1
            if I.is_one():
                continue
            key = tuple(sorted(str(b) for b in I.basis))
            if key in self._seen or key in self._point_sets:
                continue
            if I.dimension == 0:
                self._point_sets.add(key)
                self._points_of(I.basis)
                continue
            cells = self._process(I)
            self._seen[key] = cells
            for g in {str(g): g for st in cells for g in st.splitters}.values():
                queue.append(I.basis + [g])

    def _points_of(self, basis: list[sp.Expr]) -> None:
        sol = solve_polynomial_system(basis, self.vars, self.budget, seed=self.seed)
        self.out.groebner_calls += sol.groebner_calls
        for p in sol.points:
            orig = chart_point_to_original(p, self.chart, self.clf.gens)
            if not any(equal_vectors(orig.field, orig.coords, q.field, q.coords)
                       for q in self._point_keys):
                self._point_keys.append(orig)
                self.out.points.append(orig)
                self.out.chart_points.append(p)
        for pc in sol.pieces:  # pragma: no cover - a zero-dimensional ideal has no pieces
            raise UnsupportedError(f"unexpected positive-dimensional piece {pc.basis}")

    def _process(self, I: _Ideal) -> list[Stratum]:
        """The sign cells of the closed set: one stratum per sign pattern of the factors of
        the coefficients that are not proved definite (at most ``max_cells``)."""
        coeffs = self.charpoly(I)
        rho = max(k for k, c in enumerate(coeffs) if c != 0)
        splitters: list[sp.Expr] = []
        loose: list[sp.Expr] = []
        for k in range(1, rho + 1):
            if coeffs[k] == 0:
                continue
            _, facs, _ = sign_pattern(coeffs[k], self.vars, {g: 1 for g in
                                                              undetermined_factors(
                                                                  coeffs[k], self.vars)})
            for g in facs:
                if not any(sp.expand(g - h) == 0 for h in splitters):
                    splitters.append(g)
            for g in undetermined_factors(coeffs[k], self.vars):
                if not any(sp.expand(g - h) == 0 or sp.expand(g + h) == 0 for h in loose):
                    loose.append(g)
        fv = I.reduce(self.f)
        cells = list(itertools.product((1, -1), repeat=len(loose))) if len(loose) <= 3 else []
        out = []
        for pattern in cells or [()]:
            st = Stratum(I.basis, I.dimension, list(splitters))
            st.cell = dict(zip(loose, pattern, strict=False)) if cells else {}
            self._signs(st, coeffs, rho, loose if not cells else [])
            st.value = fv if not fv.free_symbols else None
            if st.value is None and not st.reason:
                st.reason = f"f ≡ {fv} is not constant modulo the ideal of the piece"
            if st.inertia is not None and st.inertia[1] > 0 and (st.inertia[0] == 0
                                                                 or st.inertia[2] == 0):
                self._degenerate(I, st)
            out.append(st)
        return out

    def _signs(self, st: Stratum, coeffs: list[sp.Expr], rho: int,
               unsplit: list[sp.Expr]) -> None:
        signs = [1] + [0] * self.N
        for k in range(1, rho + 1):
            c = coeffs[k]
            if c == 0:
                continue
            sg, _facs, why = sign_pattern(c, self.vars, st.cell)
            if sg is None:
                st.reason = f"c_{k} = {c} on the piece: {why}"
                continue
            signs[k] = sg
            st.certificate.append(f"c_{k} ≡ {c} (mod the ideal): {why}")
        st.signs = signs
        if unsplit:
            st.reason = st.reason or (f"more than three factors of undetermined sign: "
                                      f"{unsplit}")
        if not st.reason:
            try:
                st.inertia = descartes_inertia(signs)
            except ArithmeticError:  # χ of a real symmetric matrix is real-rooted
                st.reason = (f"empty: the proved signs {signs} of c_0, …, c_N contradict "
                             "Descartes' rule for the real-rooted χ of the real symmetric "
                             "∇²f, so the stratum has no real point")
                return
            st.certificate.append(f"c_k ∈ I for k > {rho}: rank ∇²f = {rho} on the stratum")
            if st.cell:
                st.certificate.append("on the sign cell " + ", ".join(
                    f"{g} {'>' if v > 0 else '<'} 0" for g, v in st.cell.items()))

    # -- degenerate strata --------------------------------------------------------------------
    def _directions(self) -> list[list[int]]:
        N = self.N
        out: list[list[int]] = []
        for size in range(1, N + 1):
            for sub in itertools.combinations(range(N), size):
                for sgns in itertools.product((1, -1), repeat=size - 1):
                    d = [0] * N
                    d[sub[0]] = 1
                    for i, s in zip(sub[1:], sgns, strict=True):
                        d[i] = s
                    out.append(d)
                    if len(out) >= self.descent_tries:
                        return out
        return out

    def _descent(self, I: _Ideal, f: sp.Expr, st: Stratum) -> dict[str, Any] | None:
        """A constant direction d whose first nonzero Taylor coefficient
        a_k = (1/k!)·(d·∇)^k f on the stratum certifies descent (module docstring, step 4)."""
        best: dict[str, Any] | None = None
        extra = 0
        gens = self.clf.gens
        deg = sp.Poly(f, *gens).total_degree()
        for d in self._directions():
            if best is not None:
                extra += 1
                if extra > 8:  # a few more tries for a certificate with fewer splitters
                    break
            self.budget.check("descent curves on a stratum")
            g = f
            order = None
            for k in range(1, deg + 1):
                g = sp.expand(sum((di * sp.diff(g, x) for di, x in zip(d, gens, strict=True)
                                   if di != 0), sp.Integer(0)))
                if g == 0:
                    break
                a = I.reduce(g.xreplace(self.sub) / sp.factorial(k))
                if a != 0:
                    order = (k, a)
                    break
            if order is None:
                continue
            k, a = order
            sg, facs, why = sign_pattern(a, self.vars, st.cell)
            if k % 2 == 1:
                ok = True
            else:
                ok = sg is not None and sg < 0
            if not ok:
                continue
            cand = {"direction": d, "order": k, "coefficient": a, "factors": facs,
                    "why": (f"f(x + t·d) − f(x) = ({a})·t^{k} + O(t^{k + 1}) on the stratum, d = "
                            f"{d}; " + ("odd order, the coefficient ≠ 0 off its factors"
                                        if k % 2 else f"the coefficient is negative: {why}"))}
            if best is None or len(facs) < len(best["factors"]):
                best = cand
            if not facs:
                break
        return best

    def _degenerate(self, I: _Ideal, st: Stratum) -> None:
        assert st.inertia is not None
        pos, zero, neg = st.inertia
        if self.identity and zero == I.dimension:
            minor = self._smooth_minor(I)
            if minor is not None:
                st.behaviour = "morse_bott"
                if minor != 1:
                    self._add_splitter(st, minor)
                st.certificate.append(
                    f"Morse–Bott: the piece is smooth of dimension {I.dimension} on the stratum "
                    f"(a Jacobian minor {minor} ≠ 0) and the nullity of ∇²f equals it")
                return
        sign = 1 if neg == 0 else -1
        d = self._descent(I, sign * self.clf.f, st)
        if d is None:
            return
        if pos == 0 == neg and d["order"] % 2 == 0:
            # zero Hessian: an even-order descent curve does not exclude a local maximum
            a = self._descent(I, -self.clf.f, st)
            if a is None:
                return
            for g in a["factors"]:
                self._add_splitter(st, g)
            st.certificate.append("ascent curve at every point: " + a["why"])
        st.behaviour = "saddle" if sign > 0 else "not_max"
        st.descent = d
        for g in d["factors"]:
            self._add_splitter(st, g)
        st.certificate.append(("descent" if sign > 0 else "ascent") + " curve at every point: "
                              + d["why"])

    def _add_splitter(self, st: Stratum, g: sp.Expr) -> None:
        if not any(sp.expand(g - h) == 0 for h in st.splitters):
            st.splitters.append(g)

    def _smooth_minor(self, I: _Ideal) -> sp.Expr | None:
        n, d = len(self.vars), I.dimension
        k = n - d
        if k == 0:
            return sp.Integer(1)
        J = sp.Matrix([[sp.diff(b, v) for v in self.vars] for b in I.basis])
        for rows in itertools.combinations(range(J.rows), k):
            for cols in itertools.combinations(range(n), k):
                m = I.reduce(J.extract(list(rows), list(cols)).det())
                if m == 0:
                    continue
                if not m.free_symbols:
                    return sp.Integer(1)
                return m
        return None

    # -- partition ------------------------------------------------------------------------------
    def _partition(self, strata: list[Stratum]) -> list[list[sp.Expr]]:
        """Exclude from each stratum the closed sets of the others that meet it outside its
        splitters; return the intersections of closed sets neither of which contains the other
        (new closed sets to stratify, so that their points belong to some stratum)."""
        ideals = {s.key(): _Ideal(s.basis, self.vars) for s in strata}
        meets: dict[tuple[tuple[str, ...], tuple[str, ...]], _Ideal] = {}
        new: list[list[sp.Expr]] = []
        for a in strata:
            Ia = ideals[a.key()]
            for b in strata:
                if a is b or a.key() == b.key():
                    continue
                self.budget.check("strata partition")
                Ib = ideals[b.key()]
                pair = tuple(sorted((a.key(), b.key())))
                if pair not in meets:
                    meets[pair] = _Ideal(Ia.basis + Ib.basis, self.vars)  # type: ignore[index]
                    self.out.groebner_calls += 1
                both = meets[pair]  # type: ignore[index]
                if both.is_one():
                    continue
                # is C_a ∩ C_b inside the splitters of a?  1 ∈ I_a + I_b + (1 − T·∏g)
                if self._covered(both, a.splitters):
                    continue
                if all(Ia.contains(e) for e in Ib.basis):
                    continue  # C_a ⊆ C_b: handled from b's side
                a.excluded.append(both.basis)
                key = tuple(sorted(str(e) for e in both.basis))
                if (key not in ideals and key not in self._seen and key not in self._point_sets
                        and not all(Ib.contains(e) for e in Ia.basis)):
                    new.append(both.basis)
        return new

    def _covered(self, I: _Ideal, splitters: list[sp.Expr]) -> bool:
        if not splitters:
            return False
        G = saturation_basis(I.basis, self.vars, sp.Mul(*splitters))
        self.out.groebner_calls += 1
        return list(G.exprs) == [1]

    def _drop_points_inside(self) -> None:
        keep = [(p, c) for p, c in zip(self.out.points, self.out.chart_points, strict=True)
                if not any(self._in_stratum(p, st) for st in self.out.strata)]
        self.out.points = [p for p, _ in keep]
        self.out.chart_points = [c for _, c in keep]

    def _in_stratum(self, p: AlgebraicPoint, st: Stratum) -> bool:
        """Is the original point p in the stratum (identity charts only; else False)?"""
        if not self.identity:
            return False
        F = p.field
        sub = {g: c.as_expr() for g, c in zip(self.vars, p.coords, strict=True)}

        def val(e: sp.Expr) -> sp.Poly:
            return F.elem(sp.expand(e.xreplace(sub)))

        if any(not val(b).is_zero for b in st.basis):
            return False
        if any(val(g).is_zero for g in st.splitters):
            return False
        if any(F.sign(val(g)) != sg for g, sg in st.cell.items()):
            return False
        return not any(all(val(e).is_zero for e in ex) for ex in st.excluded)

    # -- representatives ----------------------------------------------------------------------
    def _represent(self, st: Stratum) -> None:
        pt = self._sample(st)
        if pt is not None:
            st.chart_point = pt
            st.point = chart_point_to_original(pt, self.chart, self.clf.gens)
            return
        if self._empty(st):
            st.reason = "empty: no complex point off the splitters"
            return
        if st.cell and self._cell_infeasible(st):
            st.reason = "empty: the sign conditions of the cell are infeasible on the piece"
            return
        if st.cell and (emp := empty_cell_certificate(st.basis, st.cell, self.vars,
                                                      self.budget)) is not None:
            h, eps, cert = emp
            st.reason = f"empty: {h} {'>' if eps > 0 else '<'} 0 has no real point on the piece"
            note = (f"the sign cell {h} {'>' if eps > 0 else '<'} 0 of this closed set is empty: "
                    + cert.text())
            for other in {id(o): o for o in [st, *self._seen.get(st.key(), [])]}.values():
                other.certificate.append(note)
            return
        st.reason = (f"no real point of the stratum {st.text()} was found (emptiness not "
                     "proved); its real points were not determined")

    def _cell_infeasible(self, st: Stratum) -> bool:
        """A sign cell of a linear piece with linear sign conditions: infeasibility of the
        strict system Σ a_i t_i + b > 0 by exact Fourier–Motzkin elimination."""
        lin = [b for b in st.basis if sp.Poly(b, *self.vars).total_degree() <= 1]
        if len(lin) != len(st.basis):
            return False
        sol = sp.solve(lin, self.vars, dict=True) if lin else [{}]
        if len(sol) != 1:
            return False
        free = [v for v in self.vars if v not in sol[0]]
        rows = []
        for g, sg in st.cell.items():
            e = sp.expand(sg * g.xreplace(sol[0]))
            P = sp.Poly(e, *free) if free else None
            if P is not None and P.total_degree() > 1:
                return False
            coeffs = [P.coeff_monomial(v) for v in free] if P is not None else []
            rows.append((coeffs, e.xreplace({v: 0 for v in free})))
        return not _strict_feasible(rows, len(free))

    def _empty(self, st: Stratum) -> bool:
        prod = sp.Mul(*st.splitters) if st.splitters else sp.Integer(1)
        G = saturation_basis(st.basis, self.vars, prod)
        return list(G.exprs) == [1] and not st.excluded

    def _sample(self, st: Stratum) -> AlgebraicPoint | None:
        gens = self.vars
        indep = independent_variables(list(st.basis), gens, st.dimension)
        if indep is None:
            return None
        d = len(indep)
        R = sp.Rational
        pools = [[2, 3, 5, 7, 11, 13], [1, 2, 3, 4, 5, 6], [R(1, 2), R(1, 3), R(1, 5), R(1, 7)],
                 [1] * d, [-1, 2, -3, 5, -7, 11], [0] * d, [R(1, 4)] * d, [R(1, 10)] * d,
                 [R(1, 3), -R(1, 5), R(1, 7), -R(1, 11)], [0] * (d - 1) + [1],
                 [0] * (d - 1) + [R(1, 2)], [1] + [0] * (d - 1), [R(1, 2)] + [0] * (d - 1),
                 [-2, 3, -5, 7], [-3, -2, 5, 3], [5, -7, 2, -3], [-R(1, 2), R(1, 3)],
                 [-5, -3, -2, -7]]
        for vals in pools:
            vals = (list(vals) * d)[:d]
            self.budget.check("stratum representative")
            eqs = list(st.basis) + [gens[i] - v for i, v in zip(indep, vals, strict=True)]
            try:
                sol = solve_polynomial_system(eqs, gens, self.budget, seed=self.seed)
            except UnsupportedError:
                continue
            self.out.groebner_calls += sol.groebner_calls
            for p in sorted(sol.points, key=lambda q: q.field.degree):
                if self._good(p, st):
                    return p
        return None

    def _good(self, p: AlgebraicPoint, st: Stratum) -> bool:
        F = p.field
        sub = {g: c.as_expr() for g, c in zip(self.vars, p.coords, strict=True)}

        def val(e: sp.Expr) -> sp.Poly:
            return F.elem(sp.expand(e.xreplace(sub)))

        if any(val(g).is_zero for g in st.splitters):
            return False
        if any(F.sign(val(g)) != sg for g, sg in st.cell.items()):
            return False
        return not any(all(val(e).is_zero for e in ex) for ex in st.excluded)


def _strict_feasible(rows: list[tuple[list[Any], Any]], n: int) -> bool:
    """Is {t : a·t + b > 0 for every row (a, b)} nonempty? Exact Fourier–Motzkin."""
    rows = [(list(a), sp.Rational(b)) for a, b in rows]
    for j in range(n):
        pos = [(a, b) for a, b in rows if a[j] > 0]
        neg = [(a, b) for a, b in rows if a[j] < 0]
        rows = [(a, b) for a, b in rows if a[j] == 0]
        for ap, bp in pos:
            for an, bn in neg:
                cp, cn = ap[j], -an[j]
                rows.append(([cn * x + cp * y for x, y in zip(ap, an, strict=True)],
                             cn * bp + cp * bn))
    return all(b > 0 for _, b in rows)


def stratify_piece(clf: Any, chart: Chart, bases: list[list[sp.Expr]], budget: Budget,
                   seed: int = 0) -> Stratification:
    """Strata of constant inertia of the pieces ``bases`` (Gröbner bases in the chart
    variables) of one chart (module docstring)."""
    return Stratifier(clf, chart, budget, seed).run(bases)
