"""Krawczyk proofs that a true stationary point (a zero of ∇f) lies in a small box.

For F = ∇f restricted to the *free* coordinates (some coordinates may be fixed exactly, see
below), a box X with center c, a point matrix Y ≈ J(c)⁻¹ and J = ∇²f, the Krawczyk operator is

    K(X) = c − Y F(c) + (I − Y J(X)) (X − c),

evaluated in ball arithmetic (python-flint ``arb``), where J(X) encloses the Jacobian over the
whole box. If K(X) lies in the interior of X, then F has exactly one zero in X, and that zero lies
in K(X) (Krawczyk 1969; Moore 1977; Neumaier, *Interval methods for systems of equations*,
Thm. 5.1.8). The certificate is independent of how c was found.

Fixed coordinates: a lifted point such as [x, 0] of a rank-(r+1) problem is not an isolated
stationary point (it lies on a group orbit), so Krawczyk cannot apply to all coordinates. Instead
some coordinates are fixed to exact values; the gradient components of the fixed coordinates must
vanish *identically* on that slice (checked symbolically, as polynomials in the free variables),
and Krawczyk proves a zero of the free components. Together: a true stationary point of f.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import sympy as sp
from flint import arb, arb_mat

from ..errors import UnsupportedError
from ._poly import PolySystem, arb_str, ball_box, derive, exact_to_arb, working_precision

if TYPE_CHECKING:
    from ..problems import Problem

__all__ = ["BoxProof", "krawczyk", "refine_stationary", "prove_stationary_box", "full_point"]


@dataclass
class BoxProof:
    """Result of a Krawczyk test.

    Attributes
    ----------
    proved
        True when K(X) ⊂ interior(X) and K(X) ⊂ center ± radius: a unique zero of the free
        gradient components lies in the box (and the fixed components vanish identically).
    reason
        Why the proof failed (empty when it succeeded).
    center, radius
        The box: exact rational center of the free coordinates and exact radius.
    free, fixed
        Indices of the free coordinates (in flat order) and exact values of the fixed ones.
    enclosure
        K(X) as ball strings (a tighter enclosure of the zero).
    contraction
        max_i rad(K_i) / radius (how strongly the box contracted).
    """

    proved: bool
    reason: str
    center: list[sp.Expr]
    radius: sp.Expr
    free: list[int]
    fixed: dict[int, sp.Expr] = field(default_factory=dict)
    enclosure: list[str] = field(default_factory=list)
    contraction: float = float("nan")


def full_point(n: int, free: Sequence[int], free_vals: Sequence[Any],
               fixed: Mapping[int, Any]) -> list[Any]:
    """Merge free and fixed coordinates into one flat list of length n."""
    out: list[Any] = [None] * n
    for i, v in zip(free, free_vals, strict=True):
        out[i] = v
    for i, v in fixed.items():
        out[i] = v
    if any(v is None for v in out):
        raise UnsupportedError("free and fixed coordinates do not cover every variable")
    return out


def _fixed_components_vanish(poly: PolySystem, fixed: Mapping[int, Any]) -> str:
    """'' when every gradient component of a fixed coordinate is identically 0 on the slice."""
    sub = {poly.symbols[i]: sp.sympify(v) for i, v in fixed.items()}
    for i in fixed:
        g = sp.expand(poly.grad[i].xreplace(sub))
        if g != 0:
            return (f"gradient component {i} ({poly.symbols[i]}) does not vanish identically on "
                    f"the slice where the fixed coordinates take their values: it is {g}")
    return ""


def krawczyk(poly: PolySystem, center: Sequence[Any], radius: Any, *,
             fixed: Mapping[int, Any] | None = None, prec: int = 200) -> BoxProof:
    """Run the Krawczyk test on the box ``center ± radius`` (free coordinates).

    Parameters
    ----------
    poly
        The derived polynomial system of the problem (:func:`mfverify.certify.derive`).
    center
        Exact rational values of the free coordinates (SymPy numbers or strings).
    radius
        Exact positive radius (same for every free coordinate).
    fixed
        Flat index -> exact value of coordinates held fixed (default: none).
    prec
        Ball precision in bits.
    """
    from ..numbers import parse_number

    fixed = {int(k): parse_number(v) for k, v in (fixed or {}).items()}
    n = len(poly.symbols)
    free = [i for i in range(n) if i not in fixed]
    c_exact = [parse_number(v) for v in center]
    r_exact = parse_number(radius)
    if len(c_exact) != len(free):
        raise UnsupportedError(f"the box has {len(c_exact)} coordinates but {len(free)} are "
                               "free")
    res = BoxProof(False, "", c_exact, r_exact, free, fixed)
    if not r_exact.is_positive:
        res.reason = "the radius must be positive"
        return res
    why = _fixed_components_vanish(poly, fixed)
    if why:
        res.reason = why
        return res
    with working_precision(prec):
        fixed_b = {i: exact_to_arb(v) for i, v in fixed.items()}
        X = ball_box(c_exact, r_exact)
        c = [exact_to_arb(v) for v in c_exact]
        Xf = full_point(n, free, X, fixed_b)
        cf = full_point(n, free, c, fixed_b)
        Fc = poly.grad_arb(cf, free)
        JX = poly.hess_arb(Xf, free)
        Jc = poly.hess_arb(cf, free)
        k = len(free)
        try:
            Y = arb_mat(Jc.mid()).inv().mid()
        except (ZeroDivisionError, ValueError):
            res.reason = "the Jacobian at the center is singular (degenerate or non-isolated zero)"
            return res
        ident = arb_mat(k, k)
        for i in range(k):
            ident[i, i] = arb(1)
        Fv = arb_mat([[v] for v in Fc])
        dX = arb_mat([[X[i] - c[i]] for i in range(k)])
        Kv = arb_mat([[v] for v in c]) - Y * Fv + (ident - Y * JX) * dX
        K = [Kv[i, 0] for i in range(k)]
        rb = exact_to_arb(r_exact)
        res.enclosure = [arb_str(v, 30) for v in K]
        res.contraction = max(float(v.rad()) for v in K) / float(r_exact) if k else 0.0
        for i in range(k):
            if not K[i].is_finite():
                res.reason = f"K(X) is not finite in coordinate {free[i]}"
                return res
            inside = X[i].contains_interior(K[i]) and bool(abs(K[i] - c[i]) < rb)
            if not inside:
                res.reason = (f"Krawczyk test failed in coordinate {free[i]} "
                              f"({poly.symbols[free[i]]}): K_i = {arb_str(K[i])} is not inside "
                              f"the box {arb_str(X[i])}; the box may not contain a stationary "
                              "point")
                return res
    res.proved = True
    return res


def refine_stationary(poly: PolySystem, x0: Sequence[float], *, fixed: Mapping[int, Any] |
                      None = None, steps: int = 60, prec: int = 200) -> list[sp.Rational]:
    """Newton's method on the free gradient components, in ball midpoints at ``prec`` bits.

    Returns the free coordinates as exact rationals with ~``prec·0.3`` significant digits.
    Heuristic (the result is only a candidate center; :func:`krawczyk` certifies it).
    """
    from ..numbers import parse_number

    fixed = {int(k): parse_number(v) for k, v in (fixed or {}).items()}
    n = len(poly.symbols)
    free = [i for i in range(n) if i not in fixed]
    with working_precision(prec):
        fixed_b = {i: exact_to_arb(v) for i, v in fixed.items()}
        x = [arb(float(x0[i])) for i in free]
        digits = int(prec * 0.3)
        for _ in range(steps):
            xf = full_point(n, free, x, fixed_b)
            F = arb_mat([[v.mid()] for v in poly.grad_arb(xf, free)])
            J = arb_mat(poly.hess_arb(xf, free).mid())
            try:
                step = J.solve(F).mid()
            except (ZeroDivisionError, ValueError):
                break
            x = [(x[i] - step[i, 0]).mid() for i in range(len(free))]
            if max(abs(float(step[i, 0])) for i in range(len(free))) < 10.0 ** (-digits + 5):
                break
        return [_round_decimal(v, digits) for v in x]


def _round_decimal(v: arb, digits: int) -> sp.Rational:
    """The midpoint of ``v`` rounded to ``digits`` decimals (an exact rational)."""
    man, exp = v.mid().man_exp()
    frac = Fraction(int(man)) * (Fraction(2) ** int(exp))
    scaled = round(frac * 10**digits)
    return sp.Rational(scaled, 10**digits)


def prove_stationary_box(poly: PolySystem | Problem, x0: Sequence[float], *,
                         fixed: Mapping[int, Any] | None = None,
                         radii: Sequence[str] = ("1e-40", "1e-30", "1e-20", "1e-12"),
                         prec: int = 200) -> BoxProof:
    """Refine ``x0`` by Newton's method and try Krawczyk boxes of decreasing tightness.

    ``poly`` is a :class:`PolySystem` or a :class:`~mfverify.problems.Problem` (whose
    polynomial system :func:`derive` builds, exactly).
    """
    if not isinstance(poly, PolySystem):
        poly = derive(poly)
    center = refine_stationary(poly, x0, fixed=fixed, prec=prec)
    last: BoxProof | None = None
    for r in radii:
        last = krawczyk(poly, center, r, fixed=fixed, prec=prec)
        if last.proved:
            return last
    assert last is not None
    return last
