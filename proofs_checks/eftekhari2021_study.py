"""Eftekhari (2021): the success fraction of the primal–dual (gradient descent–ascent)
discretization from random initialization, over the over-parametrization p — prediction E-P4,
a check of the project's **reconstruction** (docs/paper-eftekhari2021.md: the paper's merit
function and experiments are not public), run by the study engine over a grid of widths p
(``gen:constrained``: min ½‖U‖²_F s.t. A(UUᵀ) = b, symmetric Gaussian constraints,
m = 3·n·r*, planted PSD M* of rank r* = 2 with unit eigenvalues; ``method = "primal_dual"``).

``eftekhari2021.study-success-over-p`` counts a run as a success when it recovers M*
(‖UUᵀ − M*‖_F / ‖M*‖_F <= 1e-4) and checks: no success for p < r* (impossible: rank UUᵀ <= p
forces a relative error >= σ_{r*}(M*)/‖M*‖_F = 1/√2, an exact consequence of Eckart–Young,
so a success there would be an engine bug), and a success fraction >= 0.9 for every
over-parametrized width p > r*. The fraction at p = r* is reported, not checked. SUPPORTED at
best, never PROVED.
"""

from __future__ import annotations

import numpy as np

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite

from ._batch_common import round_sig
from ._study_common import by_axis, run_grid

R_STAR = 2
RECOVERED = 1e-4


@claim("eftekhari2021.study-success-over-p", paper="eftekhari2021",
       source=("Eftekhari 2021, abstract (a primal–dual discretization succeeds from random "
               "initialization in the over-parametrized regime); set-up, merit and step are "
               "the project's reconstruction (docs/paper-eftekhari2021.md)"),
       cites=[cite("eftekhari2021", "abstract"),
              cite("eckartyoung1936", "best rank-p approximation (the p < r* bound)")],
       provenance="reconstructed",
       statement="(reconstruction) GDA on the augmented Lagrangian of min ½‖U‖² s.t. "
                 "A(UUᵀ) = b (Gaussian A, m = 3·n·r*, planted PSD M* of rank r* = 2), from "
                 "random U₀ ∈ ℝ^{n×p}, recovers M* in >= 90% of the runs for every "
                 "over-parametrized width p > r*, and never for p < r*.",
       hypotheses=(Hypothesis("small-step", "α = β = 0.01",
                              "α = 0.5: the iteration diverges (overflow caught per run)"),),
       expected=Verdict.SUPPORTED, predictions=("E-P4",),
       tags=("batch", "study", "constrained"))
def study_success_over_p(ctx: RunContext) -> Outcome:
    n = 6 if ctx.quick else 12
    widths = [1, 2, 3, 4] if ctx.quick else [1, 2, 3, 4, 6, 8]
    step = 0.5 if ctx.dropping("small-step") else 0.01
    spec = {"name": "eftekhari2021-success-over-p", "family": "constrained",
            "instances": 2 if ctx.quick else 4, "inits": 2 if ctx.quick else 5,
            "seed": ctx.seed % 100_000, "method": "primal_dual", "step": step,
            "max_iter": 5000 if ctx.quick else 15000, "alpha": 0.3, "gtol": 1e-8,
            "params": {"n": n, "rank": R_STAR, "m": 3 * n * R_STAR}, "grid": {"p": widths}}
    study, cols = run_grid(spec)
    err = cols["recovery_error"]
    ok = np.isfinite(err) & (err <= RECOVERED)
    per = {}
    for (p,), mask in by_axis(cols, "p").items():
        e = err[mask]
        per[int(p)] = {"success": int(ok[mask].sum()), "runs": int(mask.sum()),
                       "diverged": int((cols["outcome"][mask] == "diverged").sum()),
                       "median_recovery_error": round_sig(float(np.median(e)), 3)
                       if np.isfinite(e).any() else None}
    over = [p for p in per if p > R_STAR]
    checks = {"no_success_below_r_star": all(per[p]["success"] == 0 for p in per
                                             if p < R_STAR),
              "success_fraction_over_parametrized": all(
                  per[p]["success"] >= 0.9 * per[p]["runs"] for p in over)}
    ev = {"method": "study engine (mfverify.study.run_cell), gen:constrained, batched GDA "
                    "(mfverify.batch.primal_dual) α = β, λ₀ = 0, U₀ ~ N(0, 0.3²)",
          "n": n, "m": 3 * n * R_STAR, "r_star": R_STAR, "step": step,
          "max_iter": spec["max_iter"], "instances": int(err.size),
          "tolerance": f"recovered: ‖UUᵀ − M*‖_F/‖M*‖_F <= {RECOVERED}",
          "study_hash": study.content_hash[:16], "per_p": per, "checks": checks,
          "caveat": "reconstruction: the paper's formulation and step sizes are unknown"}
    fr = ", ".join(f"p={p}: {v['success']}/{v['runs']}" for p, v in per.items())
    if all(checks.values()):
        return Outcome(Verdict.SUPPORTED, ev, f"(reconstruction) GDA recovered M* in {fr} "
                                              f"(r* = {R_STAR})")
    failed = [k for k, v in checks.items() if not v]
    return Outcome(Verdict.INCONCLUSIVE, ev, f"(reconstruction) {fr}; checks failed: {failed}")
