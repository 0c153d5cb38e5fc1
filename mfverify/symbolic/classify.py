"""Exact classification of stationary points: inertia, type, higher-order tests.

* **Inertia** (n₊, n₀, n₋) of the Hessian at a point with coordinates in ℚ(θ): the
  characteristic polynomial χ(μ) = det(μI − H) is computed in ℚ(θ); H is real symmetric, so χ
  has only real roots and Descartes' rule of signs is *exact*: n₊ = sign changes of the
  coefficients of χ(μ), n₋ = sign changes of χ(−μ), n₀ = order of μ = 0. Every sign is decided
  exactly (:meth:`~mfverify.symbolic.algebraic.RealField.sign`); no float eigenvalue is used.
* **Eigenvalues** are reported when χ has rational coefficients (factored over ℚ, roots in
  radicals of degree <= 2); otherwise ``None`` (the inertia is still exact).
* **Types** (with the orbit dimension o and excess e = n₀ − o):

  - n₋ > 0, n₊ > 0: ``strict_saddle``; n₊ = 0 and e = 0: ``local_max``;
  - n₋ = 0, e = 0: a (Morse–Bott when o > 0) local minimum: ``global_min`` when its value equals
    the certified global minimum value, ``spurious_local_min`` when a lower value is certified
    (or f is unbounded below), else ``local_min``; ``strict`` is True only when n₀ = 0;
  - n₋ = 0, e > 0 (degenerate): ``global_min`` (``strict: False``) if the value is the certified
    minimum; else a higher-order test: an explicit descent curve γ(t) = x + t d (+ t² e) with
    f(γ(t)) − f(x) = c·t^k + O(t^{k+1}), c < 0, verified exactly (``degenerate_saddle``); or the
    reduced quartic test for a one-dimensional excess (a certified local minimum, strict: False);
    otherwise ``degenerate_unresolved``.
"""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ..problems.base import Problem
from .algebraic import RealField, S, canonical_number
from .result import DescentCurve
from .stationary import AlgebraicPoint
from .symmetry import SymmetryProof, nf_nullspace, nf_rank, nf_solve, orbit_tangent_exact

__all__ = ["PointData", "Classifier", "descartes_inertia", "inertia_from_charpoly",
           "compare_values", "global_min_certificate"]

TPAR = sp.Symbol("t")


def _sign_changes(signs: list[int]) -> int:
    s = [x for x in signs if x != 0]
    return sum(1 for a, b in zip(s, s[1:], strict=False) if a != b)


def descartes_inertia(signs: list[int]) -> tuple[int, int, int]:
    """``(n₊, n₀, n₋)`` of a real symmetric matrix from the signs of the coefficients of its
    characteristic polynomial χ(μ), highest power first. χ is real-rooted, so Descartes' rule
    of signs is exact: n₊ = sign changes of χ(μ), n₋ = those of χ(−μ), n₀ = the number of
    trailing zero coefficients."""
    N = len(signs) - 1
    zero = 0
    for sg in reversed(signs):
        if sg != 0:
            break
        zero += 1
    pos = _sign_changes(signs)
    neg = _sign_changes([sg * (-1 if (N - k) % 2 else 1) for k, sg in enumerate(signs)])
    if pos + neg + zero != N:  # pragma: no cover - impossible for a real symmetric matrix
        raise ArithmeticError("Descartes counts do not add up; matrix not symmetric?")
    return pos, zero, neg


def inertia_from_charpoly(F: RealField, coeffs: list[sp.Poly]) -> tuple[int, int, int]:
    """(n₊, n₀, n₋) from χ(μ) = Σ coeffs[k] μ^{N−k} of a real symmetric matrix (exact)."""
    return descartes_inertia([F.sign(c) for c in coeffs])


def compare_values(a: tuple[RealField, sp.Poly], b: tuple[RealField, sp.Poly]) -> int:
    """Exact comparison of two real algebraic numbers given in (possibly different) fields."""
    Fa, va = a
    Fb, vb = b
    if Fa.is_rational and Fb.is_rational or canonical_number(Fa, va) == canonical_number(Fb, vb):
        la, _ = Fa.enclosure(va)
        lb, _ = Fb.enclosure(vb)
        if Fa.is_rational and Fb.is_rational:
            return (la > lb) - (la < lb)
        return 0
    width = Fraction(1, 8)
    for _ in range(400):
        la, ha = Fa.enclosure(va, width)
        lb, hb = Fb.enclosure(vb, width)
        if ha < lb:
            return -1
        if hb < la:
            return 1
        width /= 16
    raise RuntimeError("could not compare two algebraic numbers")  # pragma: no cover


def global_min_certificate(problem: Problem, f: sp.Expr, gens: list[sp.Symbol]
                           ) -> tuple[str, str]:
    """Does f attain its infimum (so that the global minimum value is the least critical
    value)? Returns ``("attained" | "unbounded" | "unknown", reason)``."""
    cert = problem.global_min_certificate()
    if cert is not None:
        return cert
    raw = _unexpanded_objective(problem)
    if raw is not None and _syntactic_nonneg(raw):
        return ("nonnegative", "f is written as a sum of nonnegative terms (squares with "
                "positive weights), so f >= 0; if 0 is a critical value it is the global "
                "minimum value")
    P = sp.Poly(f, *gens)
    d = P.total_degree()
    top = {m: c for m, c in P.terms() if sum(m) == d}
    n = len(gens)
    if d % 2 == 0 and all(all(e % 2 == 0 for e in m) for m in top) and all(
            c > 0 for c in top.values()) and all(
            tuple(d if j == i else 0 for j in range(n)) in top for i in range(n)):
        return ("attained", f"the degree-{d} part of f is a positive combination of even "
                "monomials containing every x_i^d, hence positive definite: f is coercive")
    # unbounded below along a ray where the top form is negative
    top_expr = sum(c * sp.Mul(*[g ** e for g, e in zip(gens, m, strict=True)])
                   for m, c in top.items())
    dirs = []
    for i in range(n):
        for sgn in (1, -1):
            v = [0] * n
            v[i] = sgn
            dirs.append(v)
    for i in range(n):
        for j in range(i + 1, n):
            for s1 in (1, -1):
                for s2 in (1, -1):
                    v = [0] * n
                    v[i], v[j] = s1, s2
                    dirs.append(v)
    for v in dirs:
        val = top_expr.xreplace(dict(zip(gens, v, strict=True)))
        if val < 0:
            return ("unbounded", f"the top-degree part of f is {val} < 0 along the ray t·{v}, "
                    "so f → −∞ along it")
    return ("unknown", "no certificate that f attains its infimum")


def _unexpanded_objective(problem: Problem) -> sp.Expr | None:
    try:
        return problem.symbolic_objective(expand=False)[0]
    except Exception:  # noqa: BLE001 - only a certificate attempt
        return None


def _syntactic_nonneg(e: sp.Expr) -> bool:
    """True when e is built from squares, positive numbers, sums and products of such."""
    if e.is_Number:
        return bool(e >= 0)
    if e.is_Pow:
        return bool(e.exp.is_Integer and e.exp % 2 == 0) or (
            e.exp.is_Integer and e.exp > 0 and _syntactic_nonneg(e.base))
    if e.is_Add or e.is_Mul:
        return all(_syntactic_nonneg(a) for a in e.args)
    return False


def _to_flint(a: sp.Poly) -> Any:
    import flint

    if a.is_zero:
        return flint.fmpq_poly([])
    cs = [sp.Rational(c) for c in reversed(a.all_coeffs())]
    return flint.fmpq_poly([flint.fmpq(int(c.p), int(c.q)) for c in cs])


def _from_flint(F: RealField, p: Any) -> sp.Poly:
    cs = [sp.Rational(int(c.p), int(c.q)) for c in p.coeffs()]
    expr = sum((c * S ** k for k, c in enumerate(cs)), sp.Integer(0))
    return F.elem(expr)


def _charpoly_flint(F: RealField, H: list[list[sp.Poly]]) -> list[sp.Poly]:
    """det(μI − H) over ℚ(θ) by Faddeev–LeVerrier, with python-flint polynomials mod q
    (exact rational arithmetic; divisions only by the integers 1..N)."""
    import flint

    N = len(H)
    q = _to_flint(F.q)
    A = [[_to_flint(e) for e in row] for row in H]
    zero = flint.fmpq_poly([])
    Mk = [[zero for _ in range(N)] for _ in range(N)]
    coeffs = [flint.fmpq_poly([1])]
    c_prev = flint.fmpq_poly([1])
    for k in range(1, N + 1):
        # M_k = A M_{k-1} + c_{k-1} I
        AM = [[sum((A[i][m] * Mk[m][j] for m in range(N)), zero) % q for j in range(N)]
              for i in range(N)]
        for i in range(N):
            AM[i][i] = AM[i][i] + c_prev
        Mk = AM
        tr = sum((sum((A[i][m] * Mk[m][i] for m in range(N)), zero) for i in range(N)),
                 zero) % q
        c_prev = tr * flint.fmpq(-1, k)
        coeffs.append(c_prev)
    return [_from_flint(F, c) for c in coeffs]


@dataclass
class PointData:
    """Exact local data at one point."""

    point: AlgebraicPoint
    value: sp.Poly
    inertia: tuple[int, int, int]
    eigenvalues: list[sp.Expr] | None
    orbit_dimension: int
    kernel: list[list[sp.Poly]]
    excess_directions: list[list[sp.Poly]]
    tangent_in_kernel: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def excess(self) -> int:
        return self.inertia[1] - self.orbit_dimension


class Classifier:
    """Exact Hessian data and higher-order tests for one polynomial objective."""

    def __init__(self, problem: Problem, f: sp.Expr, gens: list[sp.Symbol],
                 proof: SymmetryProof) -> None:
        self.problem = problem
        self.f = f
        self.gens = gens
        self.proof = proof
        self.N = len(gens)

    @functools.cached_property
    def grad(self) -> list[sp.Expr]:
        """∇f (expanded SymPy expressions; computed on first use)."""
        return [sp.expand(sp.diff(self.f, g)) for g in self.gens]

    @functools.cached_property
    def H(self) -> list[list[sp.Expr]]:
        """∇²f (expanded SymPy expressions; computed on first use: a structure theorem with
        closed-form Hessian data never needs it); ∂²f/∂x_i∂x_j = ∂²f/∂x_j∂x_i, so each pair
        once."""
        N, gens = self.N, self.gens
        H: list[list[sp.Expr]] = [[sp.Integer(0)] * N for _ in range(N)]
        for i in range(N):
            for j in range(i, N):
                H[i][j] = H[j][i] = sp.expand(sp.diff(self.grad[i], gens[j]))
        return H

    # -- evaluation in Q(θ) -------------------------------------------------------------------
    def _sub(self, pt: AlgebraicPoint) -> dict[sp.Symbol, sp.Expr]:
        return {g: c.as_expr() for g, c in zip(self.gens, pt.coords, strict=True)}

    def _flint_eval(self, expr: sp.Expr, pt: AlgebraicPoint, cache: dict[Any, Any]) -> Any:
        """expr(point) mod q with python-flint polynomial arithmetic (exact)."""
        import flint

        F = pt.field
        q = cache.setdefault("q", _to_flint(F.q))
        coords = cache.setdefault("coords", [_to_flint(c) for c in pt.coords])
        powers = cache.setdefault("powers", {})
        acc = flint.fmpq_poly([])
        for mon, c in self._terms(expr):
            term = flint.fmpq_poly([flint.fmpq(int(c.p), int(c.q))])
            for i, e in enumerate(mon):
                if e:
                    key = (i, e)
                    if key not in powers:
                        powers[key] = (coords[i] ** e) % q
                    term = (term * powers[key]) % q
            acc = acc + term
        return acc % q

    def _terms(self, expr: sp.Expr) -> list[tuple[tuple[int, ...], sp.Rational]]:
        """The terms of expr as a polynomial in the variables (cached per expression: the
        gradient and Hessian entries are evaluated at many points)."""
        cache = self.__dict__.setdefault("_terms_cache", {})
        out = cache.get(expr)
        if out is None:
            out = [(mon, sp.Rational(c)) for mon, c in sp.Poly(expr, *self.gens).terms()]
            cache[expr] = out
        return out

    def eval(self, expr: sp.Expr, pt: AlgebraicPoint) -> sp.Poly:
        if expr == 0:
            return pt.field.elem(0)
        return _from_flint(pt.field, self._flint_eval(expr, pt, {}))

    def hessian_at(self, pt: AlgebraicPoint) -> list[list[sp.Poly]]:
        F = pt.field
        cache: dict[Any, Any] = {}
        return [[_from_flint(F, self._flint_eval(h, pt, cache)) if h != 0 else F.elem(0)
                 for h in row] for row in self.H]

    def charpoly(self, F: RealField, H: list[list[sp.Poly]]) -> list[sp.Poly]:
        """Coefficients of det(μI − H) in ℚ(θ) (Faddeev–LeVerrier, exact)."""
        N = len(H)
        if F.is_rational:
            Mq = sp.Matrix(N, N, lambda i, j: sp.Rational(H[i][j].LC()) if not H[i][j].is_zero
                           else 0)
            cp = Mq.charpoly().all_coeffs()
            return [F.elem(c) for c in cp]
        return _charpoly_flint(F, H)

    def local_data(self, pt: AlgebraicPoint) -> PointData:
        F = pt.field
        H = self.hessian_at(pt)
        cps = self.charpoly(F, H)
        inertia = inertia_from_charpoly(F, cps)
        eig: list[sp.Expr] | None = None
        if all(c.degree() <= 0 for c in cps):
            mu = sp.Symbol("mu")
            chi = sp.Poly([sp.Rational(c.LC()) if not c.is_zero else 0 for c in cps], mu)
            eig = []
            for fac, mult in chi.factor_list()[1]:
                if fac.degree() <= 2:
                    rts = sp.roots(fac, multiple=True)
                    eig.extend([sp.radsimp(r) for r in rts] * mult)
                else:
                    rts = [sp.CRootOf(fac, k) for k in range(fac.degree())]
                    eig.extend(rts * mult)
            eig = sorted(eig, key=lambda e: float(sp.re(sp.N(e, 30))), reverse=True)
        tangent_exprs = orbit_tangent_exact(self.proof, self.problem,
                                            [c.as_expr() for c in pt.coords])
        tangent = [[F.elem(sp.expand(e)) for e in v] for v in tangent_exprs]
        odim = nf_rank(F, tangent) if tangent else 0
        kernel = nf_nullspace(F, H, self.N)
        # G2 sanity: H·(orbit tangent) = 0
        in_kernel = True
        for v in tangent:
            for row in H:
                acc = F.elem(0)
                for a, b in zip(row, v, strict=True):
                    acc = (acc + F.mul(a, b)).rem(F.q)
                if not acc.is_zero:
                    in_kernel = False
        excess_dirs = []
        base = list(tangent)
        rank = odim
        for kv in kernel:
            if nf_rank(F, base + [kv]) > rank:
                base.append(kv)
                rank += 1
                excess_dirs.append(kv)
        value = self.eval(self.f, pt)
        return PointData(pt, value, inertia, eig, odim, kernel, excess_dirs, in_kernel)

    # -- higher order ---------------------------------------------------------------------------
    def _series(self, pt: AlgebraicPoint, curve: list[sp.Expr]) -> list[sp.Poly]:
        """Coefficients (in ℚ(θ), by powers of t) of f(curve(t)) − f(point)."""
        F = pt.field
        sub = {g: c for g, c in zip(self.gens, curve, strict=True)}
        expr = sp.expand(self.f.xreplace(sub))
        P = sp.Poly(expr, TPAR)
        deg = max(int(P.degree()), 0) if not P.is_zero else 0  # f ≡ const on the curve: [0]
        out = []
        for k in range(deg + 1):
            out.append(F.elem(sp.expand(P.coeff_monomial(TPAR ** k))))
        out[0] = (out[0] - self.eval(self.f, pt)).rem(F.q)
        return out

    def _leading(self, F: RealField, coeffs: list[sp.Poly]) -> tuple[int, int]:
        for k, c in enumerate(coeffs):
            if k == 0:
                continue
            sg = F.sign(c)
            if sg != 0:
                return k, sg
        return -1, 0

    def higher_order(self, data: PointData, *, seed: int = 0, tries: int = 24
                     ) -> tuple[str, DescentCurve | None, str]:
        """Descent curve (→ "saddle"), certified local minimum (→ "min"), or "unresolved"."""
        pt = data.point
        F = pt.field
        dirs = data.excess_directions
        if not dirs:
            return "unresolved", None, "no excess directions"
        rng = random.Random(seed)
        cands: list[list[sp.Poly]] = list(dirs)
        k = len(dirs)
        for i in range(k):
            for j in range(i + 1, k):
                for s in (1, -1, 2, -2):
                    cands.append([(a + s * b).rem(F.q) for a, b in
                                  zip(dirs[i], dirs[j], strict=True)])
        if 3 <= k <= 5:
            # sign patterns over every subset of three or more excess directions (a zero
            # Hessian of a product of k factors needs a direction moving all of them)
            for size in range(3, k + 1):
                for sub in itertools.combinations(range(k), size):
                    for sg in itertools.product((1, -1), repeat=size - 1):
                        w = [0] * k
                        w[sub[0]] = 1
                        for i, s in zip(sub[1:], sg, strict=True):
                            w[i] = s
                        cands.append([sum((wi * d[m] for wi, d in zip(w, dirs, strict=True)),
                                          F.elem(0)).rem(F.q) for m in range(self.N)])
        while len(cands) < tries and k > 1:
            w = [rng.randint(-3, 3) for _ in range(k)]
            if any(w):
                cands.append([sum((wi * d[m] for wi, d in zip(w, dirs, strict=True)),
                                  F.elem(0)).rem(F.q) for m in range(self.N)])
        if k > 5:
            # many excess directions (e.g. the zero Hessian at the origin of a deep linear
            # network, whose cubic term needs every layer to move): a few combinations with
            # full support; a nonzero form of the leading order is nonzero at almost every
            # integer vector, and the order-and-sign test below decides each one exactly
            rng_full = random.Random(seed + 1)
            for _ in range(4):
                w = [rng_full.choice((-3, -2, -1, 1, 2, 3)) for _ in range(k)]
                cands.append([sum((wi * d[m] for wi, d in zip(w, dirs, strict=True)),
                                  F.elem(0)).rem(F.q) for m in range(self.N)])
        x0 = [c.as_expr() for c in pt.coords]
        H = self.hessian_at(pt)
        quartic_ok: list[bool] = []
        for d in cands:
            dx = [e.as_expr() for e in d]
            line = [a + TPAR * b for a, b in zip(x0, dx, strict=True)]
            ser = self._series(pt, line)
            order, sg = self._leading(F, ser)
            if order > 0 and (order % 2 == 1 or sg < 0):
                direction = 1 if (order % 2 == 0 or sg < 0) else -1
                curve = [a + direction * TPAR * b for a, b in zip(x0, dx, strict=True)]
                return "saddle", self._curve(pt, curve, order), "descent along a line"
            # parabola x0 + t d + t² e with H e = −b, b = [t²] ∇f(x0 + t d)
            sub = {g: c for g, c in zip(self.gens, line, strict=True)}
            b = []
            for gexpr in self.grad:
                P = sp.Poly(sp.expand(gexpr.xreplace(sub)), TPAR)
                b.append(F.elem(sp.expand(P.coeff_monomial(TPAR ** 2))))
            e = nf_solve(F, H, [(-x).rem(F.q) for x in b])
            if e is None:
                continue
            ex = [v.as_expr() for v in e]
            par = [a + TPAR * u + TPAR ** 2 * w for a, u, w in zip(x0, dx, ex, strict=True)]
            ser2 = self._series(pt, par)
            order2, sg2 = self._leading(F, ser2)
            if order2 > 0 and sg2 < 0:
                return "saddle", self._curve(pt, par, order2), "descent along a parabola"
            quartic_ok.append(order == 4 and order2 == 4 and sg2 > 0)
        if (k == 1 and data.orbit_dimension == 0 and quartic_ok and quartic_ok[0]):
            return "min", None, ("reduced quartic test: the excess direction d has zero cubic "
                                 "term and positive reduced quartic coefficient "
                                 "C4(d) − ½ b(d)ᵀH⁺b(d) > 0, so the point is an isolated local "
                                 "minimum (splitting lemma)")
        return "unresolved", None, f"no descent curve among {len(cands)} candidate directions"

    def _curve(self, pt: AlgebraicPoint, curve: list[sp.Expr], order: int) -> DescentCurve:
        F = pt.field
        th = F.theta_expr()
        exprs = []
        for c in curve:
            P = sp.Poly(sp.expand(c), TPAR)
            terms = 0
            for (k,), coef in P.terms():
                terms += F.to_expr(F.elem(sp.expand(coef.subs(S, S)) if coef.free_symbols else
                                          coef)) * TPAR ** k
            exprs.append(sp.expand(terms))
        ser = self._series(pt, curve)
        coef = F.to_expr(ser[order])
        expansion = sum(F.to_expr(c) * TPAR ** k for k, c in enumerate(ser) if not c.is_zero)
        del th
        arrs = self.problem.unflatten(np.array(exprs, dtype=object))
        return DescentCurve(arrs, order, coef, sp.expand(expansion))
