"""Certified inertia (numbers of positive, negative and zero eigenvalues) of symmetric matrices.

Two methods:

* **Ball matrices** (:func:`ball_inertia`): H is a symmetric matrix of ``arb`` balls (e.g. the
  Hessian enclosed over a Krawczyk box). Take a floating-point eigenvector matrix V of mid(H),
  form B = Vᵀ H V in ball arithmetic and apply Gershgorin's theorem to B. If no Gershgorin
  interval [B_ii − R_i, B_ii + R_i] contains 0, the homotopy B(t) = diag(B) + t·offdiag(B),
  t ∈ [0, 1], never has a zero eigenvalue (every eigenvalue of a symmetric matrix lies in the
  union of its Gershgorin intervals), so the inertia of B equals the signs of its diagonal.
  Sylvester's law of inertia transfers it to H, once VᵀV is certified positive definite (so V is
  invertible), again by Gershgorin. This holds for *every* symmetric matrix inside the balls.
  Zero eigenvalues can never be certified this way (use exact arithmetic).
* **Exact matrices** (:func:`exact_inertia`): the characteristic polynomial of a real symmetric
  matrix has only real roots, so Descartes' rule of signs is exact: the number of positive roots
  equals the sign changes of its coefficients, the negative roots those of p(−λ), and the
  multiplicity of 0 is the lowest degree with a nonzero coefficient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from flint import arb, arb_mat, fmpz_poly

from ._poly import arb_str, exact_to_arb, working_precision

__all__ = ["Inertia", "ball_inertia", "exact_inertia", "exact_eigenvalues", "least_root_check",
           "quadratic_form_arb"]


@dataclass
class Inertia:
    """Certified inertia.

    Attributes
    ----------
    certified
        False when the method could not decide (``reason`` says why).
    positive, negative, zero
        Eigenvalue counts (with multiplicity).
    method
        ``"gershgorin-congruence"`` or ``"descartes-exact"``.
    bounds
        Method-specific certified numbers as strings (Gershgorin intervals, or the exact
        characteristic polynomial).
    """

    certified: bool
    positive: int = 0
    negative: int = 0
    zero: int = 0
    method: str = ""
    reason: str = ""
    bounds: dict[str, Any] = field(default_factory=dict)

    @property
    def definite(self) -> str:
        if not self.certified:
            return "unknown"
        if self.negative == 0 and self.zero == 0:
            return "positive definite"
        if self.positive == 0 and self.zero == 0:
            return "negative definite"
        if self.negative == 0:
            return "positive semidefinite (singular)"
        if self.positive == 0:
            return "negative semidefinite (singular)"
        return "indefinite"


def _gershgorin(B: arb_mat) -> list[tuple[arb, arb]]:
    n = B.nrows()
    out = []
    for i in range(n):
        R = arb(0)
        for j in range(n):
            if j != i:
                R = R + abs(B[i, j])
        out.append((B[i, i], R))
    return out


def ball_inertia(H: arb_mat) -> Inertia:
    """Certified inertia of every symmetric matrix inside the ball matrix ``H``."""
    n = H.nrows()
    mid = np.array([[float(H[i, j].mid()) for j in range(n)] for i in range(n)])
    mid = 0.5 * (mid + mid.T)
    if not np.all(np.isfinite(mid)):
        return Inertia(False, method="gershgorin-congruence",
                       reason="the matrix has non-finite entries")
    _, V = np.linalg.eigh(mid)
    Vb = arb_mat([[arb(float(V[i, j])) for j in range(n)] for i in range(n)])
    VtV = Vb.transpose() * Vb
    for d, R in _gershgorin(VtV):
        if not bool(d - R > 0):
            return Inertia(False, method="gershgorin-congruence",
                           reason="could not certify that the eigenvector matrix is invertible")
    B = Vb.transpose() * H * Vb
    discs = _gershgorin(B)
    pos = neg = 0
    intervals = []
    for i, (d, R) in enumerate(discs):
        lo, hi = d - R, d + R
        lo_s, hi_s = lo.lower().str(12, radius=False), hi.upper().str(12, radius=False)
        intervals.append(f"[{lo_s}, {hi_s}]")
        if bool(lo > 0):
            pos += 1
        elif bool(hi < 0):
            neg += 1
        else:
            return Inertia(False, method="gershgorin-congruence",
                           reason=f"Gershgorin interval {i} of VᵀHV, [{arb_str(lo, 8)}, "
                           f"{arb_str(hi, 8)}], contains 0 (the matrix may be singular or "
                           "the enclosure too wide)", bounds={"gershgorin": intervals})
    return Inertia(True, pos, neg, 0, "gershgorin-congruence",
                   bounds={"gershgorin_intervals_of_congruent_matrix": intervals})


def _charpoly_exact(M: sp.Matrix) -> list[sp.Expr]:
    return [sp.radsimp(sp.expand(c)) for c in M.charpoly().all_coeffs()]  # highest degree first


def _sign(c: sp.Expr) -> int:
    if c == 0:
        return 0
    if c.is_Rational:
        return 1 if c > 0 else -1
    if sp.simplify(c) == 0:
        return 0
    for prec in (64, 256, 1024):
        with working_precision(prec):
            b = exact_to_arb(c)
            if bool(b > 0):
                return 1
            if bool(b < 0):
                return -1
    raise ArithmeticError(f"cannot decide the sign of {c}")


def _sign_changes(signs: list[int]) -> int:
    s = [v for v in signs if v != 0]
    return sum(1 for a, b in zip(s, s[1:], strict=False) if a != b)


def exact_inertia(M: Any) -> Inertia:
    """Exact inertia of a symmetric matrix with exact (rational or algebraic) entries."""
    M = sp.Matrix(M)
    n = M.shape[0]
    coeffs = _charpoly_exact(M)  # degree n ... 0
    low = list(reversed(coeffs))  # degree 0 ... n
    zero = next(k for k, c in enumerate(low) if c != 0)
    signs = [_sign(c) for c in coeffs]
    pos = _sign_changes(signs)
    neg_signs = [s * (-1) ** ((n - k) % 2) for k, s in enumerate(signs)]
    neg = _sign_changes(neg_signs)
    if pos + neg + zero != n:
        return Inertia(False, method="descartes-exact",
                       reason="Descartes counts do not add up to n: the matrix is not symmetric")
    return Inertia(True, pos, neg, zero, "descartes-exact",
                   bounds={"charpoly_coefficients": [str(c) for c in coeffs]})


def exact_eigenvalues(M: Any) -> list[sp.Expr]:
    """All eigenvalues of a rational symmetric matrix, exactly, sorted (with multiplicity)."""
    M = sp.Matrix(M)
    lam = sp.Symbol("lambda_")
    p = sp.Poly(M.charpoly().all_coeffs(), lam)
    out: list[sp.Expr] = []
    for root, mult in sp.roots(p, multiple=False).items():
        out.extend([sp.radsimp(root)] * mult)
    if len(out) != M.shape[0]:
        out = [sp.CRootOf(p, k) for k in range(M.shape[0])]
    return sorted(out, key=lambda v: float(sp.re(sp.N(v, 50))))


def least_root_check(M: Any, value: sp.Expr) -> str:
    """'' when ``value`` is exactly the least eigenvalue of the rational symmetric matrix M.

    Checks p(value) = 0 exactly (p the characteristic polynomial) and, with certified root
    isolation (flint ``complex_roots``), that no root of p is smaller.
    """
    M = sp.Matrix(M)
    lam = sp.Symbol("lambda_")
    p = sp.Poly(M.charpoly().all_coeffs(), lam)
    val = sp.radsimp(sp.expand(p.as_expr().xreplace({lam: value})))
    if val != 0 and sp.simplify(val) != 0:
        return f"{value} is not an eigenvalue: p({value}) = {val} ≠ 0"
    if not all(c.is_Rational for c in p.all_coeffs()):
        return "least-root check needs a rational matrix"
    den = sp.ilcm(*[sp.Rational(c).q for c in p.all_coeffs()])
    zp = fmpz_poly([int(c * den) for c in reversed(p.all_coeffs())])
    with working_precision(300):
        vb = exact_to_arb(value)
        overlapping = 0
        for r, _mult in zp.complex_roots():
            if r.real.overlaps(vb) and r.imag.overlaps(arb(0)):
                overlapping += 1
            elif not bool(r.real > vb):
                return f"the characteristic polynomial has a root {r} not above {value}"
        if overlapping != 1:
            return (f"root isolation could not separate {value} from the other roots "
                    f"({overlapping} root enclosures overlap it)")
    return ""


def quadratic_form_arb(H: arb_mat, d: list[arb]) -> arb:
    """dᵀ H d in ball arithmetic."""
    n = H.nrows()
    total = arb(0)
    for i in range(n):
        for j in range(n):
            total = total + d[i] * H[i, j] * d[j]
    return total
