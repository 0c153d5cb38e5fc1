"""Exact real algebraic numbers: one real root θ of an irreducible q ∈ ℚ[s], and ℚ(θ).

A stationary point found by :mod:`mfverify.symbolic.stationary` has coordinates ``g_i(θ)``, where
``g_i ∈ ℚ[s]`` and θ is one real root of an irreducible polynomial ``q`` (shape lemma of a
radical zero-dimensional ideal). Everything the classifier needs (values, Hessian entries,
characteristic-polynomial coefficients, ranks) is computed *in the field ℚ(θ) = ℚ[s]/(q)*,
exactly; a sign of an element ``a(θ)`` is decided by

* ``a ≡ 0 (mod q)``  ⇔ ``a(θ) = 0`` (q is irreducible), and otherwise
* rational interval arithmetic on an isolating interval of θ, bisected until the enclosure of
  ``a(θ)`` excludes 0 (this terminates because ``a(θ) ≠ 0``).

No floating point number is used to decide anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

__all__ = ["RealField", "S", "canonical_number", "equal_vectors"]

#: The symbol of the primitive element.
S = sp.Symbol("s_")


def _frac(c: Any) -> Fraction:
    c = sp.Rational(c)
    return Fraction(int(c.p), int(c.q))


def _horner_interval(coeffs: list[Fraction], lo: Fraction, hi: Fraction) -> tuple[Fraction,
                                                                                   Fraction]:
    """Enclosure of p([lo, hi]) for p with coefficients ``coeffs`` (highest degree first)."""
    a = b = Fraction(0)
    for c in coeffs:
        # [a, b] * [lo, hi] + c
        prods = (a * lo, a * hi, b * lo, b * hi)
        a, b = min(prods) + c, max(prods) + c
    return a, b


def _eval_exact(coeffs: list[Fraction], x: Fraction) -> Fraction:
    v = Fraction(0)
    for c in coeffs:
        v = v * x + c
    return v


@dataclass
class RealField:
    """ℚ(θ) for one real root θ of an irreducible polynomial ``q`` (in :data:`S`).

    Parameters
    ----------
    q
        Irreducible polynomial over ℚ (a :class:`sympy.Poly` in :data:`S`).
    lo, hi
        Rational endpoints of an interval containing θ and no other root of ``q``
        (for ``deg q = 1``, ``lo = hi = θ``).
    """

    q: sp.Poly
    lo: Fraction
    hi: Fraction
    _qc: list[Fraction] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.q = sp.Poly(self.q, S, domain="QQ").monic()
        self._qc = [_frac(c) for c in self.q.all_coeffs()]

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def rational(cls, value: Any) -> RealField:
        v = _frac(value)
        return cls(sp.Poly(S - sp.Rational(v.numerator, v.denominator), S), v, v)

    @classmethod
    def real_roots_of(cls, q: sp.Poly) -> list[RealField]:
        """One field per real root of the irreducible ``q``, in increasing order."""
        q = sp.Poly(q, S, domain="QQ")
        if q.degree() == 1:
            c1, c0 = q.all_coeffs()
            return [cls.rational(-sp.Rational(c0) / sp.Rational(c1))]
        out = []
        for (lo, hi), _mult in q.intervals():
            out.append(cls(q, _frac(lo), _frac(hi)))
        return out

    @property
    def degree(self) -> int:
        return int(self.q.degree())

    @property
    def is_rational(self) -> bool:
        return self.degree == 1

    # -- arithmetic -----------------------------------------------------------------------------
    def elem(self, expr: Any) -> sp.Poly:
        """Reduce an expression polynomial in :data:`S` (or a number) to the normal form."""
        p = sp.Poly(expr, S, domain="QQ")
        return p.rem(self.q)

    def mul(self, a: sp.Poly, b: sp.Poly) -> sp.Poly:
        return (a * b).rem(self.q)

    def inv(self, a: sp.Poly) -> sp.Poly:
        if a.is_zero:
            raise ZeroDivisionError("inverse of zero in Q(theta)")
        if self.is_rational or a.degree() <= 0:
            return sp.Poly(1 / a.eval(self.theta_rational()) if self.is_rational else
                           1 / a.LC(), S, domain="QQ").rem(self.q)
        return a.invert(self.q)

    def theta_rational(self) -> sp.Rational:
        return sp.Rational(self.lo.numerator, self.lo.denominator)

    # -- signs ---------------------------------------------------------------------------------
    def _refine(self) -> None:
        mid = (self.lo + self.hi) / 2
        vm = _eval_exact(self._qc, mid)
        if vm == 0:  # pragma: no cover - impossible for an irreducible q of degree >= 2
            self.lo = self.hi = mid
            return
        vlo = _eval_exact(self._qc, self.lo)
        if (vlo < 0) == (vm < 0):
            self.lo = mid
        else:
            self.hi = mid

    def enclosure(self, a: sp.Poly, width: Fraction | None = None) -> tuple[Fraction, Fraction]:
        """Rational interval containing a(θ), of width <= ``width`` if given."""
        coeffs = [_frac(c) for c in a.all_coeffs()] if not a.is_zero else [Fraction(0)]
        if self.is_rational:
            v = _eval_exact(coeffs, self.lo)
            return v, v
        for _ in range(2000):
            lo, hi = _horner_interval(coeffs, self.lo, self.hi)
            if width is None or hi - lo <= width:
                return lo, hi
            self._refine()
        raise RuntimeError("interval refinement did not converge")  # pragma: no cover

    def sign(self, a: sp.Poly) -> int:
        """Exact sign of a(θ) (−1, 0 or 1)."""
        a = a.rem(self.q)
        if a.is_zero:
            return 0
        coeffs = [_frac(c) for c in a.all_coeffs()]
        if self.is_rational:
            v = _eval_exact(coeffs, self.lo)
            return (v > 0) - (v < 0)
        for _ in range(4000):
            lo, hi = _horner_interval(coeffs, self.lo, self.hi)
            if lo > 0:
                return 1
            if hi < 0:
                return -1
            self._refine()
        raise RuntimeError("sign determination did not converge")  # pragma: no cover

    def is_rational_elem(self, a: sp.Poly) -> bool:
        return a.degree() <= 0

    # -- exact expressions ------------------------------------------------------------------
    def theta_expr(self) -> sp.Expr:
        """θ as an exact SymPy number: rational, a quadratic surd, or a ``CRootOf``."""
        if self.is_rational:
            return self.theta_rational()
        c = [sp.Rational(x) for x in self.q.all_coeffs()]
        if self.degree == 2:
            a, b, cc = c
            disc = b * b - 4 * a * cc
            mid = _frac(-b / (2 * a))
            while self.lo <= mid <= self.hi:
                self._refine()
            sign = 1 if self.lo > mid else -1
            return sp.radsimp((-b + sign * sp.sqrt(disc)) / (2 * a))
        q_expr = self.q.as_expr()
        below = sp.Poly(self.q, S).count_roots(None, sp.Rational(self.lo.numerator,
                                                                  self.lo.denominator))
        return sp.CRootOf(sp.Poly(q_expr, S), int(below))

    def to_expr(self, a: sp.Poly) -> sp.Expr:
        """a(θ) as a simplified exact SymPy number (cached per field)."""
        a = a.rem(self.q)
        cache = self.__dict__.setdefault("_expr_cache", {})
        ck = tuple(a.all_coeffs()) if not a.is_zero else ()
        if ck not in cache:
            cache[ck] = self._to_expr(a)
        return cache[ck]

    def _to_expr(self, a: sp.Poly) -> sp.Expr:
        if a.degree() <= 0:
            return sp.Rational(a.LC()) if not a.is_zero else sp.Integer(0)
        th = self.theta_expr()
        val = a.as_expr().subs(S, th)
        if self.degree == 2:
            return sp.radsimp(sp.expand(val))
        return self._closed_form(a) or sp.expand(val)

    def _closed_form(self, a: sp.Poly) -> sp.Expr | None:
        """a(θ) via its own minimal polynomial: radicals when it has degree <= 4 and all its
        real roots come out in real radicals, else the canonical ``CRootOf``."""
        key = canonical_number(self, a)
        if key[0] != "A":
            return None
        z = sp.Symbol("z_")
        m = sp.Poly([sp.Rational(c) for c in key[1]], z)
        idx = key[2]
        if m.degree() <= 4:
            try:
                rts = sp.roots(m, multiple=True)
            except Exception:  # noqa: BLE001
                rts = []
            if len(rts) == m.degree():
                real = []
                for r in rts:
                    v = complex(sp.N(r, 60))
                    if abs(v.imag) < 1e-40:
                        real.append((v.real, r))
                if len(real) == len(m.intervals()) and not any(r.has(sp.I) for _, r in real):
                    real.sort(key=lambda t: t[0])
                    cand = real[idx][1]
                    lo, hi = self.enclosure(a, Fraction(1, 10 ** 30))
                    v = sp.N(cand, 60)
                    if sp.Rational(lo.numerator, lo.denominator) - sp.Rational(1, 10 ** 25) <= v \
                            <= sp.Rational(hi.numerator, hi.denominator) + sp.Rational(1, 10 ** 25):
                        return sp.radsimp(cand)
        return sp.CRootOf(m, idx)

    def minimal_polynomial(self, a: sp.Poly) -> sp.Poly:
        """Minimal polynomial over ℚ of a(θ) (an irreducible factor of Res_s(q, z − a(s)))."""
        z = sp.Symbol("z_")
        a = a.rem(self.q)
        if a.degree() <= 0:
            return sp.Poly(z - (sp.Rational(a.LC()) if not a.is_zero else 0), z)
        facs = self._charpoly_factors(a, z)
        if len(facs) == 1:
            return facs[0]
        width = Fraction(1, 2)
        for _ in range(200):
            lo, hi = self.enclosure(a, width)
            alive = []
            for m in facs:
                mc = [_frac(c) for c in m.all_coeffs()]
                ml, mh = _horner_interval(mc, lo, hi)
                if ml <= 0 <= mh:
                    alive.append(m)
            if len(alive) == 1:
                return alive[0]
            width /= 16
        raise RuntimeError("could not separate the minimal polynomial")  # pragma: no cover


def _fl(p: sp.Poly) -> Any:
    import flint

    cs = [sp.Rational(c) for c in reversed(p.all_coeffs())] if not p.is_zero else []
    return flint.fmpq_poly([flint.fmpq(int(c.p), int(c.q)) for c in cs])


def _charpoly_factors_impl(field_: RealField, a: sp.Poly, z: sp.Symbol) -> list[sp.Poly]:
    """Irreducible factors of the characteristic polynomial of multiplication by a(θ) on
    ℚ(θ) (python-flint): that polynomial is a power of the minimal polynomial of a(θ) when q
    is irreducible; the factor list is returned (one entry then)."""
    import flint

    d = field_.degree
    q = _fl(field_.q)
    av = _fl(a)
    cols = []
    basis = flint.fmpq_poly([1])
    for _ in range(d):
        v = (av * basis) % q
        c = list(v.coeffs()) + [flint.fmpq(0)] * (d - len(v.coeffs()))
        cols.append(c)
        basis = basis * flint.fmpq_poly([0, 1])
    Mx = flint.fmpq_mat(d, d, [cols[j][i] for i in range(d) for j in range(d)])
    cp = Mx.charpoly()
    _, facs = cp.factor()
    out = []
    for fac, _mult in facs:
        cs = [sp.Rational(int(c.p), int(c.q)) for c in fac.coeffs()]
        out.append(sp.Poly(sum(c * z ** k for k, c in enumerate(cs)), z, domain="QQ"))
    return out


RealField._charpoly_factors = _charpoly_factors_impl  # type: ignore[attr-defined]


def canonical_number(field_: RealField, a: sp.Poly) -> tuple[Any, ...]:
    """A canonical key of the real number a(θ): ``(coefficients of its minimal polynomial, index
    of the real root)``. Equal keys ⇔ equal numbers (used to compare points of different fields).
    """
    a = a.rem(field_.q)
    cache = field_.__dict__.setdefault("_canon_cache", {})
    ck = tuple(a.all_coeffs()) if not a.is_zero else ()
    if ck not in cache:
        cache[ck] = _canonical_number(field_, a)
    return cache[ck]


def _canonical_number(field_: RealField, a: sp.Poly) -> tuple[Any, ...]:
    if a.degree() <= 0:
        v = sp.Rational(a.LC()) if not a.is_zero else sp.Integer(0)
        return ("Q", str(v))
    m = field_.minimal_polynomial(a)
    z = m.gens[0]
    m = sp.Poly(m.as_expr(), z, domain="QQ").monic()
    width = Fraction(1, 4)
    roots = m.intervals()
    for _ in range(200):
        lo, hi = field_.enclosure(a, width)
        hits = [k for k, ((rl, rh), _) in enumerate(roots)
                if not (_frac(rh) < lo or _frac(rl) > hi)]
        if len(hits) == 1:
            return ("A", tuple(str(c) for c in m.all_coeffs()), hits[0])
        roots = m.intervals(eps=float(width) / 4)
        width /= 16
    raise RuntimeError("could not isolate an algebraic number")  # pragma: no cover


def equal_vectors(F1: RealField, v1: list[sp.Poly], F2: RealField, v2: list[sp.Poly]) -> bool:
    """Exact equality of two real vectors with entries in ℚ(θ₁) and ℚ(θ₂): disjoint rational
    enclosures prove inequality; otherwise canonical keys (minimal polynomial + root index)
    decide."""
    if len(v1) != len(v2):
        return False
    width = Fraction(1, 2 ** 40)
    for a, b in zip(v1, v2, strict=True):
        la, ha = F1.enclosure(a.rem(F1.q), width)
        lb, hb = F2.enclosure(b.rem(F2.q), width)
        if ha < lb or hb < la:
            return False
    if F1 is F2:
        return all((a - b).rem(F1.q).is_zero for a, b in zip(v1, v2, strict=True))
    return all(canonical_number(F1, a) == canonical_number(F2, b)
               for a, b in zip(v1, v2, strict=True))
