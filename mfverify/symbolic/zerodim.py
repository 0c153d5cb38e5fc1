"""Certified real solutions of a zero-dimensional system from msolve's answer, re-checked.

msolve (:mod:`mfverify.symbolic.msolve`) returns a rational parametrization
x_i = −v_i(t) / (c_i·d(t)) over the roots t of an eliminant q, with t = ℓ·x. Nothing of it is
taken on trust except the *count* (that q has as many roots as the system has complex
solutions, which is msolve's multi-modular Gröbner computation, Berthomieu, Eder & Safey El Din
2021); everything else is re-checked here, exactly, with python-flint:

1. q is squarefree (gcd(q, q′) = 1) and d is invertible modulo q; g_i := −v_i·d⁻¹/c_i mod q
   and the last coordinate from t = ℓ·x, so ℓ·g(t) ≡ t: distinct roots of q give distinct
   points (when msolve had to add a variable A = t with ℓ·(x, A) = 0, every g_i is
   parametrized and t ≡ −ℓ_x·g(t)/ℓ_A is checked instead);
2. every equation F_j satisfies F_j(g(t)) ≡ 0 (mod q): every root θ of q gives a solution
   g(θ) (exact arithmetic in ℚ[t]/(q));
3. the real roots of q are isolated by arb (``fmpq_poly.complex_roots``: certified balls, the
   real roots with an exactly zero imaginary part), and each real point g(θ) is enclosed by
   ball arithmetic; msolve's own boxes must match these one to one (a consistency check).

A real solution is then a real root θ of q with its ball; coordinates, Hessian entries and
values are elements of ℚ[t]/(q) evaluated on the ball (:mod:`~.zerodim_classify`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint

from ..errors import MsolveOutputError, UnsupportedError
from .msolve import MsolveResult

__all__ = ["Poly", "RealRoot", "ZeroDimSystem", "arb_interval", "certify"]

#: A polynomial as {exponent tuple: rational coefficient}.
Poly = dict[tuple[int, ...], Fraction]


def arb_interval(a: Any) -> tuple[Fraction, Fraction]:
    """The exact rational interval [mid − rad, mid + rad] of a real arb ball."""
    m, e = a.mid().man_exp()
    r, k = a.rad().man_exp()
    mid = Fraction(int(m)) * Fraction(2) ** int(e)
    rad = Fraction(int(r)) * Fraction(2) ** int(k)
    return mid - rad, mid + rad


def _fq(c: Fraction | int) -> Any:
    c = Fraction(c)
    return flint.fmpq(c.numerator, c.denominator)


@dataclass
class RealRoot:
    """One real root θ of q: its arb ball at the current precision and exact interval."""

    index: int
    ball: Any  # flint.arb
    prec: int


@dataclass
class ZeroDimSystem:
    """The verified solution set: q, the coordinates g_i ∈ ℚ[t]/(q), the real roots."""

    nvars: int
    q: Any  # flint.fmpq_poly, squarefree
    coords: list[Any]  # flint.fmpq_poly, reduced mod q
    roots: list[RealRoot]
    msolve_boxes: list[list[tuple[Fraction, Fraction]]]
    checks: list[str] = field(default_factory=list)
    _powers: dict[tuple[int, int], Any] = field(default_factory=dict, repr=False)

    # -- exact arithmetic in Q[t]/(q) -------------------------------------------------------
    def power(self, i: int, e: int) -> Any:
        key = (i, e)
        if key not in self._powers:
            self._powers[key] = (flint.fmpq_poly([1]) if e == 0 else
                                 (self.power(i, e - 1) * self.coords[i]) % self.q)
        return self._powers[key]

    def substitute(self, p: Poly) -> Any:
        """p(g(t)) mod q (exact)."""
        acc = flint.fmpq_poly([])
        for exps, c in p.items():
            term = flint.fmpq_poly([_fq(c)])
            for i, e in enumerate(exps):
                if e:
                    term = (term * self.power(i, e)) % self.q
            acc += term
        return acc % self.q

    # -- balls ----------------------------------------------------------------------------------
    def evaluate(self, a: Any, root: RealRoot) -> Any:
        """An arb ball containing a(θ) for an element a of ℚ[t]/(q)."""
        with _precision(root.prec):
            return flint.arb_poly([flint.arb(c) for c in a.coeffs()])(root.ball)

    def point_ball(self, root: RealRoot) -> list[Any]:
        return [self.evaluate(g, root) for g in self.coords]

    def refine(self, factor: int = 2) -> None:
        """Re-isolate the real roots at ``factor`` times the precision."""
        prec = self.roots[0].prec * factor if self.roots else 64
        balls = _real_roots(self.q, prec)
        self.roots = [RealRoot(k, b, prec) for k, b in enumerate(balls)]

    def is_zero_at(self, a: Any, root: RealRoot) -> bool:
        """Exact: a(θ) = 0 ⇔ θ is a root of h = gcd(a, q) ⇔ h has a root in θ's isolating
        interval (h divides q, and the interval holds exactly one root of q)."""
        a = a % self.q
        if a.is_zero():
            return True
        h = a.gcd(self.q)
        if h.degree() <= 0:
            return False
        lo, hi = arb_interval(root.ball)
        import sympy as sp

        t = sp.Symbol("t")
        hs = sp.Poly([sp.Rational(int(c.p), int(c.q)) for c in reversed(h.coeffs())], t)
        return hs.count_roots(sp.Rational(lo.numerator, lo.denominator),
                              sp.Rational(hi.numerator, hi.denominator)) > 0


class _precision:
    def __init__(self, prec: int) -> None:
        self.prec = prec

    def __enter__(self) -> None:
        self.old = flint.ctx.prec
        flint.ctx.prec = max(self.prec, 53)

    def __exit__(self, *exc: Any) -> None:
        flint.ctx.prec = self.old


def _real_roots(q: Any, prec: int) -> list[Any]:
    """Certified balls of the real roots of q, increasing (arb: each ball isolates one root;
    a real root is returned with an exactly zero imaginary part)."""
    with _precision(prec):
        out = []
        for z, mult in q.complex_roots():
            if mult != 1:  # pragma: no cover - q is squarefree
                raise MsolveOutputError("the eliminant has a multiple root")
            if z.imag.is_zero():
                out.append(z.real)
        out.sort(key=lambda b: float(b.mid()))
        return out


def _coordinates(res: MsolveResult, nvars: int) -> tuple[Any, list[Any]]:
    q = flint.fmpq_poly([_fq(c) for c in res.eliminant])
    if q.degree() < 1:
        raise MsolveOutputError("msolve: an eliminant of degree < 1")
    if q.gcd(q.derivative()).degree() != 0:
        raise MsolveOutputError("msolve: the eliminant is not squarefree")
    d = flint.fmpq_poly([_fq(c) for c in res.denominator])
    g, s, _t = d.xgcd(q)
    if g.degree() != 0 or g.is_zero():
        raise MsolveOutputError("msolve: the denominator is not invertible modulo the eliminant")
    dinv = (s * flint.fmpq_poly([1 / g.coeffs()[0]])) % q
    coords = []
    for v, c in res.params:
        if c == 0:
            raise MsolveOutputError("msolve: a zero parametrization constant")
        vp = flint.fmpq_poly([_fq(x) for x in v])
        coords.append((-vp * dinv * flint.fmpq_poly([flint.fmpq(1, c)])) % q)
    lin = res.linear_form
    t = flint.fmpq_poly([0, 1])
    if lin[-1] == 0:
        raise UnsupportedError("msolve: the linear form does not involve the last variable")
    lsum = sum((flint.fmpq_poly([lin[i]]) * coords[i] for i in range(len(coords))),
               flint.fmpq_poly([]))
    if len(res.params) == len(res.variables) - 1 and len(coords) == nvars:
        # an added variable A = t with ℓ·(x, A) = 0: check t ≡ −ℓ_x·g(t)/ℓ_A (injectivity)
        if ((lsum + flint.fmpq_poly([lin[-1]]) * t) % q).is_zero():
            return q, coords
        raise MsolveOutputError("msolve: t is not the added linear form of the point")
    # t = ℓ·x gives the last coordinate (and distinct roots give distinct points)
    coords.append(((t - lsum) * flint.fmpq_poly([flint.fmpq(1, lin[-1])])) % q)
    return q, coords


def _overlaps(ball: list[Any], box: list[tuple[Fraction, Fraction]]) -> bool:
    for b, (lo, hi) in zip(ball, box, strict=True):
        blo, bhi = arb_interval(b)
        if bhi < lo or blo > hi:
            return False
    return True


def certify(res: MsolveResult, equations: Sequence[Poly], nvars: int) -> ZeroDimSystem:
    """Re-check msolve's answer for ``equations`` in ``nvars`` variables (module docstring);
    raises :class:`~mfverify.errors.MsolveOutputError` when any check fails."""
    if res.kind != "finite":
        raise UnsupportedError(f"msolve: the system is {res.kind}, not a finite set")
    names = [f"x{i}" for i in range(nvars)]
    extra = res.variables[nvars:]
    if res.variables[:nvars] != names or len(extra) > 1 or (extra and extra[0] in names) \
            or len(res.params) != len(res.variables) - 1:
        raise MsolveOutputError("msolve: the variables of the answer are not those asked for")
    q, coords = _coordinates(res, nvars)
    sysm = ZeroDimSystem(nvars, q, coords, [], res.boxes)
    for j, eq in enumerate(equations):
        if not sysm.substitute(eq).is_zero():
            raise MsolveOutputError(f"msolve: equation {j} does not vanish on the "
                                    "parametrization (exact check modulo the eliminant)")
    sysm.roots = [RealRoot(k, b, 64) for k, b in enumerate(_real_roots(q, 64))]
    if len(sysm.roots) != len(res.boxes):
        raise MsolveOutputError(f"msolve: {len(res.boxes)} real boxes but the eliminant has "
                                f"{len(sysm.roots)} real roots")
    _match_boxes(sysm)
    return sysm


def _match_boxes(sysm: ZeroDimSystem) -> None:
    """Each certified real point lies in exactly one of msolve's boxes (one to one)."""
    for _ in range(6):
        balls = [sysm.point_ball(r) for r in sysm.roots]
        hits = [[k for k, box in enumerate(sysm.msolve_boxes) if _overlaps(b, box)]
                for b in balls]
        if all(len(h) == 1 for h in hits):
            if len({h[0] for h in hits}) != len(hits):
                break
            return
        if any(not h for h in hits):
            break
        sysm.refine(2)
    raise MsolveOutputError("msolve: its real boxes do not match the certified real roots")
