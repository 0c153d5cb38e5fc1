"""Shrinking: make a counterexample candidate small and simple while it stays a counterexample.

* :func:`simplify_number` -- the simplest rational (smallest denominator, then numerator) within a
  tolerance of a float; :func:`simplify_surd` also tries ±√(p/q).
* :func:`shrink_vector` -- round a whole parameter vector to multiples of 1/D for increasing
  D, then simplify coordinate by coordinate (0 first, then simpler rationals), keeping only
  changes under which the violation persists (a user predicate, evaluated in floating point);
  the *final* simple instance is then certified exactly or with certified bounds
  (:mod:`mfverify.certify`).
* :func:`repair_affine` -- exact repair of data that must satisfy affine equations (for example
  "the rounded point is exactly stationary", which is linear in the problem data): keep the
  simple values of as many unknowns as possible and solve exactly (rationals) for the rest.
* :func:`drop_components` -- dimension reduction: drop components (measurements, rows) while
  the violation persists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

__all__ = ["simplify_number", "simplify_surd", "complexity", "shrink_vector", "repair_affine",
           "drop_components", "round_to"]

#: Denominators tried, in order, when rounding.
DENOMINATORS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, 50, 64, 100, 128, 256, 1000)


def complexity(v: Any) -> int:
    """Size of an exact number: |numerator| + denominator for rationals, larger for surds."""
    v = sp.nsimplify(v) if isinstance(v, float) else sp.sympify(v)
    if v.is_Rational:
        return int(abs(v.p)) + int(v.q)
    return 10 * sum(complexity(a) for a in v.atoms(sp.Rational)) + 50


def simplify_number(x: float, tol: float, *, max_den: int = 1000) -> sp.Rational:
    """The rational with the smallest denominator (<= max_den) within ``tol`` of ``x``
    (ties: smallest |numerator|); falls back to the best approximation with max_den."""
    for q in range(1, max_den + 1):
        p = round(x * q)
        if abs(p / q - x) <= tol:
            return sp.Rational(p, q)
    f = Fraction(x).limit_denominator(max_den)
    return sp.Rational(f.numerator, f.denominator)


def simplify_surd(x: float, tol: float, *, max_den: int = 64) -> sp.Expr:
    """The simplest of a rational and ±√(p/q) within ``tol`` of ``x``."""
    r = simplify_number(x, tol, max_den=max_den)
    within: list[sp.Expr] = [r] if abs(float(r) - x) <= tol else []
    if x != 0:
        s = simplify_number(x * x, 2 * abs(x) * tol, max_den=max_den)
        cand = sp.sign(x) * sp.sqrt(s)
        if abs(float(cand) - x) <= tol:
            within.append(cand)
    if within:
        return min(within, key=complexity)
    return r


def round_to(theta: np.ndarray, den: int) -> list[sp.Rational]:
    """Each entry rounded to the nearest multiple of 1/den (exact rationals)."""
    return [sp.Rational(int(round(float(t) * den)), den) for t in np.ravel(theta)]


def shrink_vector(theta: np.ndarray, keeps: Callable[[np.ndarray], bool], *,
                  denominators: Sequence[int] = DENOMINATORS,
                  deadline: float | None = None) -> tuple[list[sp.Rational], dict[str, Any]]:
    """Simplify the numbers of ``theta`` while ``keeps`` (the violation persists) holds.

    Returns the simplified exact vector and a log (denominator used, coordinates changed).
    Raises ``ValueError`` if no rounding keeps the violation (then the candidate is too fragile).
    """
    import time

    theta = np.asarray(theta, dtype=float)
    current: list[sp.Rational] | None = None
    used = None
    for den in denominators:
        cand = round_to(theta, den)
        if keeps(np.array([float(v) for v in cand])):
            current, used = cand, den
            break
    if current is None:
        raise ValueError("no rounding of the candidate keeps the violation")
    log: dict[str, Any] = {"denominator": used, "simplified": []}
    changed = True
    rounds = 0
    while changed and rounds < 3:
        changed = False
        rounds += 1
        for i in range(len(current)):
            if deadline is not None and time.perf_counter() > deadline:
                return current, log
            v = current[i]
            options = [sp.Integer(0)] + [sp.Rational(int(round(float(v) * q)), q)
                                         for q in (1, 2, 3, 4, 5, 6, 8, 10)]
            for opt in options:
                if complexity(opt) >= complexity(v) or opt == v:
                    continue
                trial = list(current)
                trial[i] = opt
                if keeps(np.array([float(t) for t in trial])):
                    log["simplified"].append({"index": i, "from": str(v), "to": str(opt)})
                    current = trial
                    changed = True
                    break
    return current, log


def repair_affine(E: sp.Matrix, e: sp.Matrix, a0: Sequence[float], *,
                  simplify: Callable[[float], sp.Rational] | None = None, tries: int = 40
                  ) -> tuple[list[sp.Expr], list[int]]:
    """Solve E·a = e exactly, keeping simple values for as many unknowns as possible.

    The unknowns outside a pivot set are fixed to ``simplify(a0_j)``; the pivots are solved for
    in exact rational arithmetic. Pivot sets are QR with column pivoting of the float matrix and
    ``tries`` random well-conditioned column subsets; the solution of least total
    :func:`complexity` wins. Returns the exact solution and the pivot indices. Raises
    ``ValueError`` when the system is inconsistent.
    """
    from scipy.linalg import qr

    simplify = simplify or (lambda x: simplify_number(x, 1e-3, max_den=12))
    Ef = np.array(E.tolist(), dtype=float)
    k = E.shape[1]
    rank = int(np.linalg.matrix_rank(Ef)) if Ef.size else 0
    if rank == 0:
        return [simplify(float(v)) for v in a0], []
    _, _, perm = qr(Ef, pivoting=True)
    candidates = [sorted(int(j) for j in perm[:rank])]
    rng = np.random.default_rng(0)
    for _ in range(tries):
        order = rng.permutation(k)
        sel: list[int] = []
        for j in order:
            trial = sel + [int(j)]
            if np.linalg.matrix_rank(Ef[:, trial]) == len(trial):
                sel = trial
            if len(sel) == rank:
                break
        if len(sel) == rank and sorted(sel) not in candidates:
            candidates.append(sorted(sel))
    best: list[sp.Expr] | None = None
    best_piv: list[int] = []
    for pivots in candidates:
        if np.linalg.cond(Ef[:, pivots]) > 1e8:
            continue
        try:
            a = _solve_pivots(E, e, a0, pivots, simplify)
        except ValueError:
            continue
        if best is None or sum(complexity(v) for v in a) < sum(complexity(v) for v in best):
            best, best_piv = a, pivots
    if best is None:
        raise ValueError("the affine system is inconsistent after fixing the free unknowns")
    return best, best_piv


def _solve_pivots(E: sp.Matrix, e: sp.Matrix, a0: Sequence[float], pivots: list[int],
                  simplify: Callable[[float], sp.Rational]) -> list[sp.Expr]:
    k = E.shape[1]
    free = [j for j in range(k) if j not in pivots]
    a: list[sp.Expr] = [sp.Integer(0)] * k
    for j in free:
        a[j] = simplify(float(a0[j]))
    rhs = e - E[:, free] * sp.Matrix([a[j] for j in free]) if free else e
    try:
        sol, params = E[:, pivots].gauss_jordan_solve(rhs)
    except ValueError as exc:
        raise ValueError("inconsistent") from exc
    if params.shape[0]:
        sol = sol.subs({t: 0 for t in params})
    for idx, j in enumerate(pivots):
        a[j] = sol[idx]
    check = E * sp.Matrix(a) - e
    if any(sp.simplify(v) != 0 for v in check):
        raise ValueError("the affine system is inconsistent after fixing the free unknowns")
    return a


def drop_components(n: int, keeps: Callable[[list[int]], bool]) -> list[int]:
    """Greedily drop components 0..n−1 while ``keeps(remaining)`` holds; returns those kept."""
    remaining = list(range(n))
    for i in range(n):
        trial = [j for j in remaining if j != i]
        if trial and keeps(trial):
            remaining = trial
    return remaining
