"""Ge, Lee & Ma (2016), "Matrix completion has no spurious local minimum", NeurIPS: for a PSD
rank-r matrix M = UUᵀ that is incoherent, entries observed independently with probability p
above a threshold of the form C(μ, r, κ)·log n / n, and the regularized objective
½‖P_Ω(XXᵀ − M)‖²_F + λΣᵢ(‖eᵢᵀX‖ − α)₊⁴ with λ, α chosen as in their theorem, all local minima
are global (X Xᵀ = M) with high probability.

The paper's constant C and the exact choices of λ and α are not reproduced here (the statement
is used with its constants unspecified), so ``mfverify conditions gelema2016.no-spurious SPEC``
answers those hypotheses *undetermined* and reports the scale-free quantities the constants
multiply (the observed fraction p̂ = |Ω|/n², p̂·n/log n, the coherence μ and the condition number
κ of M); it never invents a constant. The PSD-low-rank hypothesis is decided exactly.

* ``gelema2016.no-spurious`` (SUPPORTED, batch engine): on planted Gaussian rank-r instances
  with symmetric Bernoulli(p) masks, gradient descent on the regularized objective from random
  starts recovers XXᵀ = M in every run (B instances × K starts, tolerance in the evidence).
  Its ``instance_run`` (the conclusion on a user's instance): the exact landscape engine for an
  unregularized completion (complete and free of spurious minima: PROVED; a spurious minimum:
  REFUTED), the batch engine from random starts for a regularized one (SUPPORTED at best).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite
from mfverify.errors import UnsupportedError

__all__ = ["check_psd_low_rank", "check_sampling", "check_regularizer", "no_spurious_instance"]

TOLERANCE = 1e-6


def _completion(problem: Any) -> Any:
    from mfverify.problems import MatrixCompletion

    if not isinstance(problem, MatrixCompletion):
        raise UnsupportedError(f"the theorem is about matrix completion; this is a "
                               f"{problem.kind!r} problem")
    if not problem.symmetric:
        raise UnsupportedError("the theorem is about the symmetric completion P_Ω(XXᵀ − M)")
    return problem


def check_psd_low_rank(problem: Any) -> tuple[bool, str]:
    """M is PSD of rank exactly r (the factor width), decided exactly."""
    p = _completion(problem)
    Mm = sp.Matrix(p.data["M"].tolist())
    rank = Mm.rank(simplify=True)
    if rank != p.r:
        return False, f"rank(M) = {rank} but the factor width is r = {p.r}"
    if not Mm.is_positive_semidefinite:
        return False, "M is not positive semidefinite"
    return True, f"M is PSD of rank {rank} = r (exact)"


def _spectrum(p: Any) -> tuple[float, float, float]:
    """(μ, κ, p̂): coherence (n/r)·max ‖eᵢᵀU‖² of the top-r eigenvectors, condition number
    λ₁/λ_r, observed fraction (float64 summaries for the report)."""
    M = np.asarray(p.data["M"], dtype=np.float64)
    w, Q = np.linalg.eigh(M)
    w, Q = w[::-1][: p.r], Q[:, ::-1][:, : p.r]
    mu = p.n / p.r * float(np.max(np.sum(Q ** 2, axis=1)))
    kappa = float(w[0] / w[-1]) if w[-1] > 0 else float("inf")
    phat = p.observed / (p.n * p.n)
    return mu, kappa, phat


def check_sampling(problem: Any) -> tuple[None, str]:
    """Undetermined: the threshold C(μ, r, κ)·log n/n has an unspecified constant, and
    'observed independently with probability p' is a property of the distribution, not of one
    mask. Reports p̂, p̂·n/log n, μ and κ."""
    p = _completion(problem)
    mu, kappa, phat = _spectrum(p)
    scaled = phat * p.n / math.log(p.n) if p.n > 1 else float("inf")
    return None, (f"observed fraction p̂ = {phat:.4g} (p̂·n/log n = {scaled:.4g}), coherence "
                  f"μ = {mu:.4g}, condition number κ = {kappa:.4g}, r = {p.r}: the theorem needs "
                  "p >= C(μ, r, κ)·log n / n for a constant the statement leaves unspecified, "
                  "and a uniformly random mask, so the hypothesis is undetermined on one mask")


def check_regularizer(problem: Any) -> tuple[bool | None, str]:
    """The regularizer is present (λ > 0); its λ, α are compared with the theorem's choices only
    up to the unspecified constants: undetermined when present, fails when absent."""
    p = _completion(problem)
    if not p.regularized:
        return False, ("no regularizer (reg_weight = 0); the theorem is stated for the "
                       "regularized objective")
    M = np.asarray(p.data["M"], dtype=np.float64)
    scale = math.sqrt(float(np.max(np.diag(M))))
    return None, (f"λ = {p.reg_weight}, α = {p.reg_alpha} (max row norm of a factor of M: "
                  f"{scale:.4g}); the theorem's choices of λ and α involve unspecified constants")


def _batch_recovery(problem: Any, data: dict[str, np.ndarray], B: int, K: int, seed: int
                    ) -> dict[str, Any]:
    from mfverify.batch import solvers

    n, r = problem.n, problem.r
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal((B, K, n, r)) / math.sqrt(n)
    res = solvers.solve(problem, {"X": x0}, method="gd", step=solvers.Armijo(), max_iter=4000,
                        gtol=1e-12, data=data)
    X = res.x["X"]
    M = np.asarray(data["M"]) if "M" in data else np.asarray(problem.data["M"], dtype=float)[None]
    M = np.broadcast_to(M, (B, n, n))
    err = np.linalg.norm(X @ np.swapaxes(X, -1, -2) - M[:, None], axis=(-2, -1)) / \
        np.linalg.norm(M, axis=(-2, -1))[:, None]
    return {"runs": B * K, "recovered": int(np.sum(err <= TOLERANCE)),
            "max_relative_error": float(err.max()), "solver_status": res.counts(),
            "median_iterations": float(np.median(res.iterations))}


def no_spurious_instance(problem: Any, ctx: RunContext | None = None) -> Outcome:
    """The conclusion on one instance: exact landscape when unregularized, batch GD otherwise."""
    p = _completion(problem)
    if not p.regularized:
        from .related_rip import no_spurious_minimum  # at run time: no re-registration

        return no_spurious_minimum(p, ctx)
    stats = _batch_recovery(p, {}, 1, 32, 0 if ctx is None else ctx.seed)
    evidence = {"method": "batch engine: GD with Armijo steps from 32 random starts "
                          "N(0, I/n), float64", "tolerance": f"‖XXᵀ − M‖_F/‖M‖_F <= {TOLERANCE}",
                "instances": 1, **stats}
    if stats["recovered"] == stats["runs"]:
        return Outcome(Verdict.SUPPORTED, evidence, "every run recovered M")
    return Outcome(Verdict.INCONCLUSIVE, evidence,
                   f"{stats['runs'] - stats['recovered']} runs did not recover M (not certified "
                   "local minima)")


@claim(
    "gelema2016.no-spurious",
    paper="gelema2016",
    source=("Ge, Lee & Ma 2016, NeurIPS, main theorem (symmetric PSD completion with the "
            "incoherence regularizer; the constants are not used)"),
    cites=[cite("gelema2016", "main theorem, symmetric case")],
    provenance="stated",
    statement="For M = UUᵀ PSD of rank r, incoherent and well conditioned, entries observed "
              "i.i.d. with probability p >= C(μ, r, κ)·log n/n, every local minimum of "
              "½‖P_Ω(XXᵀ − M)‖² + λΣ(‖eᵢᵀX‖ − α)₊⁴ satisfies XXᵀ = M (w.h.p.). Batch check: "
              "n = 20 (30 full), r = 2, p = 0.5, GD from random starts recovers M in every run.",
    latex=r"\nabla f(X)=0,\ \nabla^2 f(X)\succeq 0 \Rightarrow XX^\top = M",
    hypotheses=[
        Hypothesis("psd-low-rank", "M is PSD of rank r (the factor width)",
                   "not tested", check=check_psd_low_rank),
        Hypothesis("sampling", "Ω uniformly random with p >= C(μ, r, κ)·log n / n",
                   "p = 0.12 at n = 20: runs fail to recover M (INCONCLUSIVE: too few entries "
                   "determine M, or local minima appear)", check=check_sampling),
        Hypothesis("regularized", "the regularizer λΣ(‖eᵢᵀX‖ − α)₊⁴ is present with the "
                   "theorem's λ, α", "not tested (the catalog run keeps it)",
                   check=check_regularizer),
    ],
    conclusion="no spurious local minimum",
    expected=Verdict.SUPPORTED,
    tags=("completion", "batch", "conditions"),
    instance_run=no_spurious_instance,
)
def no_spurious(ctx: RunContext) -> Outcome:
    from mfverify.problems import MatrixCompletion
    from mfverify.problems.generators import ground_truths

    n = 20 if ctx.quick else 30
    B, K = (8, 6) if ctx.quick else (16, 8)
    r = 2
    p_obs = 0.12 if ctx.dropping("sampling") else 0.5
    truth = ground_truths(B, n, r, cond=2.0, top=math.sqrt(n), seed=ctx.seed % 1000)
    rng = np.random.default_rng(ctx.seed)
    W = (rng.random((B, n, n)) < p_obs).astype(np.float64)
    W = np.triu(W) + np.swapaxes(np.triu(W, 1), -1, -2)
    alpha = 2.0 * float(np.max(np.linalg.norm(truth.X, axis=-1)))  # inactive at X*: no shift
    problem = MatrixCompletion(np.zeros((n, n), dtype=int), np.ones((n, n), dtype=int), r,
                               reg_weight="1/10", reg_alpha=sp.Rational(alpha).limit_denominator(
                                   10 ** 6))
    stats = _batch_recovery(problem, {"M": truth.M, "mask": W}, B, K, ctx.seed)
    evidence = {"n": n, "r": r, "p": p_obs, "instances": B, "starts_per_instance": K,
                "tolerance": f"‖XXᵀ − M‖_F/‖M‖_F <= {TOLERANCE}",
                "regularizer": f"λ = 1/10, α = {float(problem.reg_alpha):.4g} (twice the "
                               "largest row norm of the planted factor)",
                "method": "batch engine: planted M = X*X*ᵀ (Haar factors, singular values "
                          "√n·(1, 1/2)), symmetric Bernoulli(p) masks, GD with Armijo steps "
                          "from N(0, I/n) starts, float64", **stats}
    if stats["recovered"] == stats["runs"]:
        return Outcome(Verdict.SUPPORTED, evidence,
                       f"all {stats['runs']} runs recovered M (n = {n}, p = {p_obs})")
    return Outcome(Verdict.INCONCLUSIVE, evidence,
                   f"{stats['runs'] - stats['recovered']} of {stats['runs']} runs did not "
                   "recover M (numerical: not certified local minima)")
