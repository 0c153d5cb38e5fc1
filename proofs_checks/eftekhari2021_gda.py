"""Eftekhari (2021): the primal–dual (gradient descent–ascent) discretization "is successful when
initialized randomly" — prediction E-P4, a check of a **reconstruction**: the paper's merit
function, step sizes and experiments are not public, so the set-up is the reconstruction of
Eftekhari 2021 (docs/paper-eftekhari2021.md)'s reconstruction.

``eftekhari2021.gda-success`` runs GDA on the augmented Lagrangian of
min ½‖U‖²_F s.t. A(UUᵀ) = b (:class:`~mfverify.problems.ConstrainedMF`, one step =
:meth:`~mfverify.problems.ConstrainedMF.gda_step_in`) with a planted PSD ground truth of rank
r* = 2 and m = 3·n·r* symmetrized Gaussian measurements, from

(a) random full-rank U₀, and
(b) rank-deficient U₀ near the feasible set: a rank-(p − 1) least-squares fit of
    A(UUᵀ) ≈ b (batched GD on :class:`~mfverify.problems.MatrixSensing` of width p − 1),
    padded with a zero column and rotated.

It reports the success fraction (‖A(UUᵀ) − b‖ <= 1e-6·‖b‖ and ½‖U‖² within 1e-6 relative of
½·tr M*, the value at the planted truth) and, for (b), how far from rank p − 1 the iterates
drift (GDA multiplies U by I − αS each step, so rank is preserved up to round-off). The verdict
is SUPPORTED at best, never PROVED: no specific iteration counts are asserted (the paper gives
none).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mfverify.batch import Armijo, gd, primal_dual
from mfverify.batch.inits import small_random
from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite
from mfverify.problems import ConstrainedMF, MatrixSensing

from ._batch_common import round_sig

SUCCESS_TOL = 1e-6


def _rank_ratio(x: Any, _: Any) -> np.ndarray:
    s = np.linalg.svd(x["U"], compute_uv=False)
    return s[..., -1] / np.maximum(s[..., 0], 1e-300)


def _case(problem: ConstrainedMF, U0: np.ndarray, alpha: float, T: int, opt: float,
          bnorm: float) -> dict[str, Any]:
    res = primal_dual(problem, {"U": U0}, alpha=alpha, max_iter=T, tol=1e-10,
                      record_every=max(1, T // 50), metrics={"rank_ratio": _rank_ratio})
    fe = res.history["feasibility"][..., -1]
    ok = (fe <= SUCCESS_TOL * bnorm) & (np.abs(res.f - opt) <= SUCCESS_TOL * opt)
    return {"success": int(ok.sum()), "runs": int(ok.size),
            "status": res.counts(),
            "max_final_feasibility": round_sig(float(np.max(fe)), 3),
            "max_rel_objective_gap": round_sig(float(np.max(np.abs(res.f - opt) / opt)), 3),
            "max_sigma_p_over_sigma_1_along_path": round_sig(
                float(np.max(res.history["rank_ratio"])), 3),
            "median_iterations": float(np.median(res.iterations))}


@claim("eftekhari2021.gda-success", paper="eftekhari2021",
       source=("Eftekhari 2021, abstract (a heuristic primal–dual discretization succeeds from "
               "random initialization); the GDA template and the set-up are the project's "
               "reconstruction (docs/paper-eftekhari2021.md)"),
       cites=[cite("eftekhari2021", "abstract")],
       provenance="reconstructed",
       statement="(reconstruction) GDA on the augmented Lagrangian of min ½‖U‖² s.t. "
                 "A(UUᵀ) = b (Gaussian A, m = 3·n·r*, planted PSD truth of rank r* = 2, "
                 "over-parametrized width p) succeeds from random and from rank-deficient "
                 "near-feasible initializations: A(UUᵀ) → b and ½‖U‖² → the optimum.",
       hypotheses=(
           Hypothesis("small-step", "α = β small (0.01 quick, relative to ‖A‖)",
                      "α = 0.5: the iteration diverges (overflow caught per run)"),
           Hypothesis("over-parametrized", "p − 1 >= r* (the rank-deficient start can reach M*)",
                      "p − 1 < r*: the rank-deficient start cannot reach M* (rank is "
                      "preserved, docs/predictions.md item 3), so case (b) fails"),
       ),
       expected=Verdict.SUPPORTED, predictions=("E-P4",), tags=("batch", "constrained", "hyp"))
def gda_success(ctx: RunContext) -> Outcome:
    r_star = 2
    n = 10 if ctx.quick else 20
    widths = [4] if ctx.quick else [5, 10]
    if ctx.dropping("over-parametrized"):
        widths = [2]
    K = 4 if ctx.quick else 8
    T = 6000 if ctx.quick else 20000
    alpha = 0.5 if ctx.dropping("small-step") else (0.01 if ctx.quick else 0.005)
    m = 3 * n * r_star
    cases = []
    total = succ = 0
    seed = ctx.seed % 10_000
    for p in widths:
        prob = ConstrainedMF.gaussian(n, m, p, seed=seed, truth_rank=r_star,
                                      merit="augmented_lagrangian", rho=1)
        Mstar = np.asarray(prob.ground_truth, dtype=np.float64)
        opt = 0.5 * float(np.trace(Mstar))
        bnorm = float(np.linalg.norm(np.asarray(prob.data["b"], dtype=np.float64)))
        scale = np.sqrt(np.trace(Mstar) / (n * p))
        rng = np.random.default_rng([seed, p])
        U_rand = scale * rng.standard_normal((1, K, n, p))
        # (b) rank-(p-1) least-squares fit of A(UUᵀ) ≈ b, padded and rotated
        fit_p = MatrixSensing(prob.operator, p - 1, b=prob.data["b"], scale="1/2")
        x0 = small_random(fit_p, 1, K, 0.1 * scale, seed=seed + p)
        fit = gd(fit_p, x0, step=Armijo(initial=0.05), max_iter=1500 if ctx.quick else 5000,
                 gtol=1e-10)
        Xf = fit.x["X"]
        U_def = np.concatenate([Xf, np.zeros((1, K, n, 1))], axis=-1)
        Q = np.linalg.qr(rng.standard_normal((1, K, p, p)))[0]
        U_def = U_def @ Q
        a = _case(prob, U_rand, alpha, T, opt, bnorm)
        b = _case(prob, U_def, alpha, T, opt, bnorm)
        b["start_feasibility_median"] = round_sig(float(np.median(np.sqrt(2 * fit.f))), 3)
        cases.append({"p": p, "random_full_rank": a, "rank_deficient_near_feasible": b})
        total += a["runs"] + b["runs"]
        succ += a["success"] + b["success"]
    frac = succ / max(total, 1)
    ev = {"method": "batched GDA (mfverify.batch.primal_dual) on the augmented Lagrangian "
                    "(ρ = 1), α = β; ConstrainedMF.gaussian planted truth; (reconstruction) set-up",
          "n": n, "m": m, "r_star": r_star, "alpha": alpha, "max_iter": T,
          "instances": total, "tolerance": SUCCESS_TOL, "success_fraction": round(frac, 4),
          "cases": cases,
          "caveat": "reconstruction: the paper's formulation and step sizes are unknown; this "
                    "checks "
                    "the project's reconstruction, and SUPPORTED is the best possible verdict"}
    if ctx.dropping("over-parametrized"):
        b = cases[0]["rank_deficient_near_feasible"]
        escaped = b["max_sigma_p_over_sigma_1_along_path"] > 1e-8
        ev["note"] = ("p − 1 < r*: exact GDA keeps rank U = p − 1 < r* (U⁺ = (I − αS)U), so "
                      "the rank-deficient start cannot reach M*. " +
                      ("The float runs nevertheless left the rank-deficient set through "
                       "round-off (σ_p/σ₁ grew above 1e-8), which is numerics, not the exact "
                       "iteration." if escaped else "The float runs stayed rank deficient."))
        return Outcome(Verdict.INCONCLUSIVE, ev,
                       f"(reconstruction) p − 1 < r*: {b['success']}/{b['runs']} rank-deficient "
                        "runs "
                       f"succeeded{' only through round-off' if escaped else ''}")
    if frac >= 0.9:
        return Outcome(Verdict.SUPPORTED, ev, f"(reconstruction) GDA succeeded in "
                                              f"{succ}/{total} runs "
                                              "(random and rank-deficient starts)")
    return Outcome(Verdict.INCONCLUSIVE, ev,
                   f"(reconstruction) GDA succeeded in only {succ}/{total} runs")
