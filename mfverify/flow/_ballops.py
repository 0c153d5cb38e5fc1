"""Small rigorous helpers on python-flint ``arb`` balls and object arrays of them.

Every function returns a *rigorous* bound (an upper bound is ≥ the exact supremum over all
members of the balls, a lower bound ≤ the infimum), so the validated flow and its certified
statements can rely on them. Float64 is used only to *guess* (an eigenvalue estimate, a
shift); every guess is then checked in ball arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import flint
import numpy as np

from ..arith.ball import ARB

__all__ = ["interval", "upper", "lower", "norm2_upper", "norm2_lower", "rad2_upper",
           "cholesky_pd", "lambda_max_upper", "lambda_min_lower", "flat", "to_float",
           "ball_around", "mids", "log2_abs", "log2_norm"]


def interval(lo: Any, hi: Any) -> flint.arb:
    """A ball containing the interval [lo, hi] (lo ≤ hi exact or balls)."""
    a, b = ARB(lo), ARB(hi)
    return a.union(b)


def upper(x: flint.arb) -> flint.arb:
    """An exact (radius-0) upper bound of every member of ``x``."""
    return ARB(x.upper().mid()) if x.is_finite() else ARB("inf")


def lower(x: flint.arb) -> flint.arb:
    return -upper(-x)


def flat(arrs: Iterable[np.ndarray]) -> list[flint.arb]:
    out: list[flint.arb] = []
    for a in arrs:
        out.extend(np.asarray(a, dtype=object).reshape(-1).tolist())
    return out


def to_float(x: flint.arb) -> float:
    """The midpoint as a float (a guess, never a bound)."""
    return float(x.mid()) if x.is_finite() else float("inf")


def log2_abs(x: flint.arb) -> float:
    """log2 of the midpoint's magnitude (a guess; −inf for 0, inf when not finite)."""
    if not x.is_finite():
        return float("inf")
    m = x.mid()
    if m == 0:
        return float("-inf")
    man, exp = m.man_exp()
    return math.log2(abs(int(man))) + int(exp)


def log2_norm(v: Sequence[flint.arb]) -> float:
    """A float estimate of log2 ‖mid(v)‖₂ that never overflows (−inf for the zero vector)."""
    if not v:
        return float("-inf")
    return max(log2_abs(x) for x in v) + 0.5 * math.log2(len(v))


def _sqrt_sum_squares_upper(parts: Sequence[flint.arb]) -> flint.arb:
    """An upper bound of sqrt(Σ p_i²) for exact nonnegative p_i (0 for an all-zero list)."""
    acc = ARB(0)
    for a in parts:
        acc += a * a
    return upper(acc.sqrt()) if acc != 0 else ARB(0)


def norm2_upper(v: Sequence[flint.arb]) -> flint.arb:
    """An upper bound of ‖w‖₂ over all vectors w with w_i in the balls v_i."""
    return _sqrt_sum_squares_upper([x.abs_upper() for x in v])


def norm2_lower(v: Sequence[flint.arb]) -> flint.arb:
    """A lower bound of ‖w‖₂ over all vectors w with w_i in the balls v_i."""
    acc = ARB(0)
    for x in v:
        a = x.abs_lower()
        acc += a * a
    lo = lower(acc)
    return lower(lo.sqrt()) if lo > 0 else ARB(0)


def rad2_upper(v: Sequence[flint.arb]) -> flint.arb:
    """An upper bound of the Euclidean norm of the radius vector (rad(v_1), …, rad(v_N))."""
    return _sqrt_sum_squares_upper([x.rad() for x in v])


def mids(v: Sequence[flint.arb]) -> list[flint.arb]:
    """Exact midpoints (radius 0)."""
    return [x.mid() for x in v]


def ball_around(center: flint.arb, r: flint.arb) -> flint.arb:
    """The ball ``[center ± rad(center) + r]`` (contains every point within r of center)."""
    return center + ARB(0, r) if r != 0 else center


def cholesky_pd(S: np.ndarray) -> bool:
    """True only if every symmetric matrix with entries in the balls of ``S`` is positive
    definite: a Cholesky factorization run in ball arithmetic whose pivots are all certified
    > 0 (each pivot ball lies in (0, ∞)). False means "not certified", not "indefinite"."""
    n = S.shape[0]
    L = np.empty((n, n), dtype=object)
    for j in range(n):
        d = S[j, j] - sum((L[j, k] * L[j, k] for k in range(j)), ARB(0))
        if not d > 0:
            return False
        ljj = d.sqrt()
        L[j, j] = ljj
        for i in range(j + 1, n):
            L[i, j] = (S[i, j] - sum((L[i, k] * L[j, k] for k in range(j)), ARB(0))) / ljj
    return True


def _sym_split(S: np.ndarray) -> tuple[np.ndarray, np.ndarray, flint.arb]:
    """Midpoint matrix (float64 entries, exact as arb), its float copy, and an upper bound of
    ‖E‖_F over all E = Sym(member of S) − Mid, Sym(A) = (A + Aᵀ)/2."""
    n = S.shape[0]
    Mf = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            Mf[i, j] = to_float((S[i, j] + S[j, i]) / 2)
    Mf = (Mf + Mf.T) / 2
    Ma = np.empty((n, n), dtype=object)
    accE = ARB(0)
    for i in range(n):
        for j in range(n):
            Ma[i, j] = ARB(float(Mf[i, j]))
            e = ((S[i, j] + S[j, i]) / 2 - Ma[i, j]).abs_upper()
            accE += e * e
    return Ma, Mf, upper(accE.sqrt()) if accE != 0 else ARB(0)


def lambda_max_upper(S: np.ndarray) -> flint.arb:
    """An upper bound of λ_max((A + Aᵀ)/2) over all matrices A with entries in the balls of S
    (so an upper bound of the logarithmic 2-norm μ₂(A) = λ_max((A + Aᵀ)/2)).

    Proof: (A + Aᵀ)/2 = Mid + E with Mid the exact float midpoint matrix, ‖E‖₂ ≤ ‖E‖_F ≤ e
    (bounded entrywise in ball arithmetic), so λ_max ≤ λ_max(Mid) + e (Weyl). λ_max(Mid) ≤ σ
    is certified by a ball-arithmetic Cholesky factorization of σI − Mid (positive definite),
    with σ a float eigenvalue estimate plus a margin that is doubled until the test passes.
    """
    n = S.shape[0]
    if n == 0:
        return ARB(0)
    Ma, Mf, e = _sym_split(S)
    if not np.all(np.isfinite(Mf)):
        return ARB("inf")
    lam = float(np.linalg.eigvalsh(Mf)[-1])
    scale = max(1.0, float(np.abs(Mf).max()))
    margin = 1e-12 * scale
    for _ in range(60):
        sigma = ARB(lam + margin)
        T = np.empty((n, n), dtype=object)
        for i in range(n):
            for j in range(n):
                T[i, j] = (sigma if i == j else ARB(0)) - Ma[i, j]
        if cholesky_pd(T):
            return upper(sigma + e)
        margin *= 4
    return ARB("inf")


def lambda_min_lower(S: np.ndarray) -> flint.arb:
    """A lower bound of λ_min((A + Aᵀ)/2) over all A in the balls of S (see
    :func:`lambda_max_upper`, applied to −S)."""
    n = S.shape[0]
    neg = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(n):
            neg[i, j] = -S[i, j]
    return -lambda_max_upper(neg)
