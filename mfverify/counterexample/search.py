"""Counterexample search: random restarts plus local optimization that maximizes a violation.

A *violation* is a function θ ↦ (v, info) on a search space of instances and points: v > 0 means
θ breaks the claim (with a margin v: bigger is more robust), v <= 0 means it does not. The
search draws θ from a hypothesis-driven sampler (instances that satisfy every hypothesis except
the dropped one), runs a derivative-free local optimizer (Nelder–Mead) on −v from each draw, and
keeps the best candidate. It is seeded (``numpy.random.default_rng(seed)``), reports progress
through a callback, and stops when the time budget runs out: the result is then INCONCLUSIVE
with the best candidate so far. Floating point only: every candidate it returns must still be
shrunk and certified (:mod:`mfverify.counterexample.shrink`, :mod:`mfverify.certify`).

This module also holds the floating-point violation functions of the built-in targets:

* :func:`sensing_spurious_margin` -- rank-1 symmetric sensing with n = 2 (Zhang, Sojoudi & Lavaei
  2019): the margin of the best strict spurious local minimum of the operator;
* :func:`kkt_points` -- KKT points of min ½‖U‖² s.t. A(UUᵀ) = b (the reconstruction of Eftekhari
  2021 (docs/paper-eftekhari2021.md));
* :func:`stationary_points` / :func:`least_curvature` -- stationary points of any problem and the
  least Hessian eigenvalue there (for saddle searches, Valavi, Liu & Ramadge 2020).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import least_squares, minimize

from ..errors import BudgetExceeded
from ..results import ResultMixin, SearchStatus, coerce

__all__ = ["Candidate", "SearchResult", "maximize_violation", "sensing_fgh",
           "sensing_local_minima", "sensing_spurious_margin", "svec_gram", "kkt_points",
           "stationary_points", "least_curvature", "Progress"]

Progress = Callable[[str], None]


@dataclass
class Candidate:
    """A point of the search space and its violation (> 0: a counterexample candidate)."""

    params: np.ndarray
    violation: float
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class SearchResult(ResultMixin):
    """Outcome of :func:`maximize_violation`.

    ``status`` is a :class:`~mfverify.results.SearchStatus` (equal to its string): ``"FOUND"``
    (a candidate with violation > 0, not yet certified) or ``"INCONCLUSIVE"`` (budget or
    restarts exhausted without one; ``best`` is the best so far).
    """

    status: str
    best: Candidate | None
    evaluations: int
    restarts: int
    seconds: float
    seed: int
    history: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.status = coerce(SearchStatus, self.status)

    def to_json(self) -> dict[str, Any]:
        return {"status": str(self.status), "evaluations": self.evaluations,
                "restarts": self.restarts, "seconds": round(self.seconds, 3), "seed": self.seed,
                "best_violation": None if self.best is None else float(self.best.violation),
                "history": [float(h) for h in self.history[-20:]]}


class _Clock:
    def __init__(self, budget: float) -> None:
        self.t0 = time.perf_counter()
        self.budget = float(budget)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def check(self) -> None:
        if self.elapsed > self.budget:
            raise BudgetExceeded(f"search budget of {self.budget:g} s exhausted")


def maximize_violation(
    violation: Callable[[np.ndarray], tuple[float, dict[str, Any]]],
    sample: Callable[[np.random.Generator], np.ndarray],
    *,
    budget: float = 60.0,
    seed: int = 0,
    max_restarts: int | None = None,
    local_evals: int = 200,
    polish_evals: int = 400,
    stop_when_found: bool = True,
    progress: Progress | None = None,
    progress_every: int = 1,
) -> SearchResult:
    """Maximize ``violation`` by random restarts from ``sample`` plus Nelder–Mead.

    Parameters
    ----------
    violation
        θ ↦ (v, info); v > 0 means θ violates the claim.
    sample
        Draws a starting θ (the hypothesis-driven generator).
    budget
        Wall-clock seconds; when exhausted the result is INCONCLUSIVE unless a violation was
        already found.
    seed
        Seed of ``numpy.random.default_rng``.
    max_restarts
        Stop after this many restarts (default: only the budget stops the search).
    local_evals
        Nelder–Mead evaluations per restart (0: pure random search).
    polish_evals
        Extra evaluations spent enlarging the margin of the first violating candidate.
    stop_when_found
        Return as soon as a violating candidate has been polished.
    progress
        Called with one line of text every ``progress_every`` restarts.
    """
    rng = np.random.default_rng(seed)
    clock = _Clock(budget)
    best: Candidate | None = None
    evals = 0
    restarts = 0
    history: list[float] = []

    def fun(theta: np.ndarray) -> float:
        nonlocal evals, best
        clock.check()
        v, info = violation(np.asarray(theta, dtype=float))
        evals += 1
        if not np.isfinite(v):
            v = -1e300
        if best is None or v > best.violation:
            best = Candidate(np.array(theta, dtype=float), float(v), info)
        return -v

    try:
        while max_restarts is None or restarts < max_restarts:
            clock.check()
            restarts += 1
            theta0 = sample(rng)
            v0 = -fun(theta0)
            if local_evals > 0 and v0 > -1e299:
                minimize(fun, theta0, method="Nelder-Mead",
                         options={"maxfev": local_evals, "xatol": 1e-10, "fatol": 1e-12})
            assert best is not None
            history.append(best.violation)
            if progress and (restarts % progress_every == 0 or best.violation > 0):
                progress(f"restart {restarts}: best violation {best.violation:.4g} "
                         f"({evals} evaluations, {clock.elapsed:.1f}s)")
            if best.violation > 0 and stop_when_found:
                if polish_evals > 0:
                    if progress:
                        progress(f"violation found; polishing the margin ({polish_evals} "
                                 "evaluations)")
                    minimize(fun, best.params, method="Nelder-Mead",
                             options={"maxfev": polish_evals, "xatol": 1e-12, "fatol": 1e-14})
                break
    except BudgetExceeded:
        if progress:
            progress(f"budget of {budget:g} s exhausted after {restarts} restarts")
    status = "FOUND" if best is not None and best.violation > 0 else "INCONCLUSIVE"
    return SearchResult(status, best, evals, restarts, clock.elapsed, seed, history)


# ---------------------------------------------------------------------------------------------
# rank-1 symmetric sensing, n = 2 (float)
# ---------------------------------------------------------------------------------------------


def sensing_fgh(mats: np.ndarray, b: np.ndarray, x: np.ndarray, scale: float = 0.5
                ) -> tuple[float, np.ndarray, np.ndarray]:
    """f, ∇f, ∇²f of f(x) = scale·Σ_i (xᵀA_i x − b_i)² for symmetric A_i (rank 1, float).

    ∇f = 4·scale·Σ r_i A_i x, ∇²f = 4·scale·Σ (2 A_i x (A_i x)ᵀ + r_i A_i).
    """
    Ax = mats @ x
    r = Ax @ x - b
    f = scale * float(r @ r)
    g = 4 * scale * (r @ Ax)
    H = 4 * scale * (2 * Ax.T @ Ax + np.einsum("m,mij->ij", r, mats))
    return f, g, H


def sensing_local_minima(mats: np.ndarray, b: np.ndarray, starts: np.ndarray, *,
                         iters: int = 50) -> list[tuple[np.ndarray, float, float, float]]:
    """Damped (eigenvalue-modified) Newton descent from each start.

    Returns ``(x, f, ‖∇f‖, λ_min(∇²f))`` per start.
    """
    out = []
    for x0 in starts:
        x = np.array(x0, dtype=float)
        for _ in range(iters):
            f, g, H = sensing_fgh(mats, b, x)
            if np.linalg.norm(g) < 1e-13:
                break
            w, V = np.linalg.eigh(H)
            wabs = np.maximum(np.abs(w), 1e-6 * max(1.0, float(np.abs(w).max())))
            step = -V @ ((V.T @ g) / wabs)
            t = 1.0
            while t > 1e-10:
                if sensing_fgh(mats, b, x + t * step)[0] <= f - 1e-4 * t * abs(g @ step):
                    break
                t *= 0.5
            x = x + t * step
        f, g, H = sensing_fgh(mats, b, x)
        out.append((x, f, float(np.linalg.norm(g)), float(np.linalg.eigvalsh(H)[0])))
    return out


def svec_gram(mats: np.ndarray) -> np.ndarray:
    """The Gram matrix of Z ↦ A(Z) in isometric coordinates (Z_11, √2 Z_12, Z_22) (n = 2)."""
    rows = np.stack([mats[:, 0, 0], np.sqrt(2) * mats[:, 0, 1], mats[:, 1, 1]], axis=1)
    return rows.T @ rows


def sensing_spurious_margin(theta: np.ndarray, *, starts: np.ndarray,
                            z: Sequence[float] = (1.0, 0.0)) -> tuple[float, dict[str, Any]]:
    """The margin of the best strict spurious local minimum of the n = 2 operator θ.

    θ holds three symmetric 2×2 sensing matrices (entries a11, a12, a22 each); the ground truth
    is zzᵀ, b = A(zzᵀ), f = ½‖A(xxᵀ) − b‖². The margin of a local minimum x (found by damped
    Newton from ``starts``) is min(λ_min(∇²f(x)), 4·f(x), λ_min(G))/λ_max(G), with G the Gram
    matrix of the operator (scale invariant): positive exactly for a strict local minimum with
    f(x) > 0 = min f of an injective operator. Non-violating operators get margin <= 0.
    """
    mats = theta_to_mats(theta)
    zz = np.outer(z, z)
    b = np.einsum("mij,ij->m", mats, zz)
    G = svec_gram(mats)
    ev = np.linalg.eigvalsh(G)
    if ev[-1] <= 1e-12:
        return -1.0, {}
    best = -1.0
    info: dict[str, Any] = {"eig_gram": ev.tolist(),
                            "delta_scaled": float((ev[-1] - ev[0]) / (ev[-1] + ev[0]))}
    for x, f, gn, lmin in sensing_local_minima(mats, b, starts):
        if gn > 1e-8:
            continue
        m = min(lmin, 4 * f, ev[0]) / ev[-1]
        if f < 1e-10:
            m = min(m, 0.0)
        if m > best:
            best = m
            info.update({"x": x.tolist(), "f": f, "lambda_min": lmin})
    return float(best), info


def theta_to_mats(theta: np.ndarray) -> np.ndarray:
    """Three symmetric 2×2 matrices from 9 numbers (a11, a12, a22 per matrix)."""
    t = np.asarray(theta, dtype=float).reshape(-1, 3)
    mats = np.empty((t.shape[0], 2, 2))
    mats[:, 0, 0] = t[:, 0]
    mats[:, 0, 1] = mats[:, 1, 0] = t[:, 1]
    mats[:, 1, 1] = t[:, 2]
    return mats


# ---------------------------------------------------------------------------------------------
# constrained factorization: KKT points (float)
# ---------------------------------------------------------------------------------------------


def kkt_points(mats: np.ndarray, b: np.ndarray, p: int, rng: np.random.Generator, *,
               starts: int = 20, tol: float = 1e-11) -> list[dict[str, Any]]:
    """KKT points of min ½‖U‖²_F s.t. ⟨A_i, UUᵀ⟩ = b_i, by Levenberg–Marquardt on the residual
    ((I − 2Σλ_iA_i)U, A(UUᵀ) − b) from random starts. Returns dicts with U, lam, value, rank
    gap σ_min(U), λ_min(S(λ)) and the residual norm."""
    m, n, _ = mats.shape

    def resid(z: np.ndarray) -> np.ndarray:
        U = z[: n * p].reshape(n, p)
        lam = z[n * p:]
        S = np.eye(n) - 2 * np.einsum("m,mij->ij", lam, mats)
        r = np.einsum("mij,ij->m", mats, U @ U.T) - b
        return np.concatenate([(S @ U).ravel(), r])

    out = []
    for _ in range(starts):
        z0 = np.concatenate([rng.normal(size=n * p), rng.normal(size=m)])
        sol = least_squares(resid, z0, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
                            max_nfev=2000)
        res = float(np.linalg.norm(resid(sol.x)))
        if res > tol:
            continue
        U = sol.x[: n * p].reshape(n, p)
        lam = sol.x[n * p:]
        S = np.eye(n) - 2 * np.einsum("m,mij->ij", lam, mats)
        out.append({"U": U, "lam": lam, "value": 0.5 * float(np.sum(U * U)),
                    "sigma_min": float(np.linalg.svd(U, compute_uv=False)[-1]),
                    "S_min": float(np.linalg.eigvalsh(S)[0]), "residual": res})
    return out


# ---------------------------------------------------------------------------------------------
# generic problems: stationary points and least curvature (float, via the problem's closed forms)
# ---------------------------------------------------------------------------------------------


def stationary_points(problem: Any, rng: np.random.Generator, *, starts: int = 10,
                      scale: float = 1.0, tol: float = 1e-10) -> list[np.ndarray]:
    """Stationary points of ``problem`` (any kind) by Levenberg–Marquardt on ∇f = 0 from
    Gaussian starts (all critical points, not only minima). Flat float vectors."""
    out = []

    def grad(z: np.ndarray) -> np.ndarray:
        g = problem.grad(problem.unflatten(z), "numpy")
        return problem.flatten(g)

    for _ in range(starts):
        z0 = scale * rng.normal(size=problem.dim)
        sol = least_squares(grad, z0, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
                            max_nfev=2000)
        if np.linalg.norm(grad(sol.x)) < tol:
            out.append(sol.x)
    return out


def least_curvature(problem: Any, z: np.ndarray) -> float:
    """λ_min of the (float) Hessian matrix of ``problem`` at the flat point ``z``."""
    H = problem.hessian_matrix(problem.unflatten(np.asarray(z, dtype=float)), "numpy")
    H = np.asarray(H, dtype=float)
    return float(np.linalg.eigvalsh(0.5 * (H + H.T))[0])
