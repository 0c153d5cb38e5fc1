"""Ge, Lee & Ma (2016), "Matrix completion has no spurious local minimum", NeurIPS, main theorem
(symmetric case): the sampling hypothesis cannot be dropped.

``gelema2016.sampling-necessary``: with Ω uniformly random (the hypothesis kept), gradient descent
on rank-1 planted instances recovers M from every random start (SUPPORTED, batch engine); with
the hypothesis dropped (``--drop random-mask``: a fixed, structured mask), the counterexample
target ``completion-spurious-min`` (:mod:`mfverify.counterexample.completion`) finds, shrinks
and certifies a strict spurious local minimum of ½‖P_Ω(xxᵀ − zzᵀ)‖², and the claim is REFUTED
only when the certificate re-checks PROVED (the check of ``mfverify certify FILE``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite

__all__ = ["sampling_necessary"]


def _budget(ctx: RunContext, quick: float, full: float) -> float:
    return float(ctx.options.get("budget", quick if ctx.quick else full))


def _random_masks(ctx: RunContext) -> Outcome:
    """Rank-1 planted M = zzᵀ, symmetric Bernoulli(1/2) masks, GD from random starts."""
    from mfverify.problems import MatrixCompletion

    from .gelema2016 import TOLERANCE, _batch_recovery

    n = 20 if ctx.quick else 30
    B, K = (6, 4) if ctx.quick else (12, 8)
    rng = np.random.default_rng([ctx.seed, 2016])
    # incoherent planted factors: |zᵢ| ∈ [1, 2] with random signs (coherence μ <= 4)
    z = rng.choice([-1.0, 1.0], size=(B, n, 1)) * rng.uniform(1.0, 2.0, size=(B, n, 1))
    M = z @ np.swapaxes(z, -1, -2)
    W = (rng.random((B, n, n)) < 0.5).astype(np.float64)
    W = np.triu(W) + np.swapaxes(np.triu(W, 1), -1, -2)
    alpha = 2.0 * float(np.max(np.abs(z)))  # inactive at the planted factor
    problem = MatrixCompletion(np.zeros((n, n), dtype=int), np.ones((n, n), dtype=int), 1,
                               reg_weight="1/10",
                               reg_alpha=sp.Rational(alpha).limit_denominator(10 ** 6))
    stats = _batch_recovery(problem, {"M": M, "mask": W}, B, K, ctx.seed)
    ev = {"n": n, "r": 1, "p": 0.5, "instances": B, "starts_per_instance": K,
          "tolerance": f"‖xxᵀ − M‖_F/‖M‖_F <= {TOLERANCE}",
          "method": "batch engine: planted z with |zᵢ| ~ U[1, 2] and random signs, "
                    "symmetric Bernoulli(1/2) masks, GD with Armijo steps on the regularized "
                    "objective (λ = 1/10, α = twice the largest |zᵢ|) from N(0, I/n) starts, "
                    "float64", **stats}
    if stats["recovered"] == stats["runs"]:
        return Outcome(Verdict.SUPPORTED, ev, f"all {stats['runs']} runs recovered M "
                       f"(n = {n}, p = 1/2, uniformly random masks)")
    return Outcome(Verdict.INCONCLUSIVE, ev, f"{stats['runs'] - stats['recovered']} of "
                   f"{stats['runs']} runs did not recover M (numerical: not certified minima)")


@claim(
    "gelema2016.sampling-necessary",
    paper="gelema2016",
    source=("Ge, Lee & Ma 2016, NeurIPS, main theorem (symmetric case): its hypothesis that Ω "
            "is sampled uniformly at random"),
    cites=[cite("gelema2016", "main theorem, symmetric case (sampling hypothesis)")],
    provenance="stated",
    statement="Rank-1 symmetric completion ½‖P_Ω(xxᵀ − M)‖²_F, M = zzᵀ: when Ω is drawn "
              "uniformly at random (p = 1/2 here) every local minimum is global (xxᵀ = M); a "
              "fixed mask is not covered: dropping the hypothesis, a structured mask has a "
              "strict spurious local minimum (certified).",
    latex=r"\Omega\ \text{uniform}\Rightarrow \nabla f=0,\ \nabla^2 f\succeq0\Rightarrow "
          r"xx^\top=M",
    hypotheses=[Hypothesis(
        "random-mask",
        "Ω is drawn uniformly at random (entries observed independently with probability p)",
        "a fixed structured mask (the path 1–2–3 with the diagonal entries of its ends "
        "observed, small integer ground truths such as z = (−2, 1, −2)) has a strict spurious "
        "local minimum: the search finds it, shrinks it and certifies it exactly (REFUTED)")],
    conclusion="every local minimum is global",
    expected=Verdict.SUPPORTED,
    tags=("counterexample", "certify", "completion"),
)
def sampling_necessary(ctx: RunContext) -> Outcome:
    if not ctx.dropping("random-mask"):
        return _random_masks(ctx)
    from mfverify.counterexample import find_completion_spurious_min

    res = find_completion_spurious_min(budget=_budget(ctx, 60, 240), seed=ctx.seed % 10_000)
    ev: dict[str, Any] = {"target": res.target, "status": res.status, "search": res.evidence,
                          "certificate_check": res.check, "certificate": res.certificate}
    if res.certified:
        return Outcome(Verdict.REFUTED, ev, "a fixed mask admits a strict spurious local "
                       f"minimum: {res.summary}")
    ev["best_candidate"] = res.best
    return Outcome(Verdict.INCONCLUSIVE, ev, "no certified counterexample within the budget: "
                   f"{res.reason}")


