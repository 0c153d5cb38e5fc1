"""Ye & Du (2021), Theorem 1.1 — the iteration count of GD on f(U, V) = ½‖UVᵀ − Σ‖²_F from
N(0, ε²) initialization, T = O((1/(ησ_d))·(ln(dσ_d/ε) + ln(σ_d/δ))) — checked over a
(κ, ε, δ) grid by the study engine (``gen:asymmetric``: Σ of rank d = 3 with singular values
geometric from σ₁ = 1 to σ_d = 1/κ; prediction Y-P6).

``yedu2021.study-iteration-scaling`` records T(δ) for seven thresholds per run and checks, on
the medians per cell (other instances pooled):

* T is affine in ln(1/δ) in every (κ, ε) cell and affine in ln(1/ε) for every κ (R² >= 0.97);
* the two slopes grow like κ = σ₁/σ_d (η fixed, σ₁ = 1): the fitted exponents of the
  δ-slope and of the ε-slope against κ lie in [0.75, 1.25];
* normalized as in ``yedu2021.iteration-scaling``: δ-slope·2ησ_d ∈ [0.45, 1.05] and
  ε-slope·ησ_d ∈ [0.85, 1.15] (slopes per unit of ln).

SUPPORTED with counts (float runs), never PROVED.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mfverify.batch.rates import fit_line
from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite

from ._batch_common import round_sig
from ._study_common import by_axis, run_grid

# the bands of yedu2021.iteration-scaling (proofs_checks/yedu2021_gd.py; importing that module
# here would register its claims twice); tests/test_study_claims.py asserts they are equal
R2_MIN = 0.97
DELTA_SLOPE_BAND = (0.45, 1.05)
EPS_SLOPE_BAND = (0.85, 1.15)
DELTAS = [10.0 ** -k for k in range(3, 10)]
EXPONENT_BAND = (0.75, 1.25)


def _spec(ctx: RunContext, eta: float) -> dict[str, Any]:
    kappas = [1.5, 2.0, 3.0] if ctx.quick else [1.5, 2.0, 3.0, 4.0, 6.0]
    alphas = [1e-3, 1e-4, 1e-5] if ctx.quick else [1e-3, 1e-4, 1e-5, 1e-6, 1e-7]
    # gtol 1e-8 stops a run only after f <= 1e-9 (‖∇f‖ ~ σ_d·√(2f) there)
    return {"name": "yedu2021-iteration-scaling", "family": "asymmetric",
            "instances": 2 if ctx.quick else 4, "inits": 6 if ctx.quick else 10,
            "seed": ctx.seed % 100_000, "step": eta, "max_iter": 20_000, "gtol": 1e-8,
            "deltas": DELTAS,
            "params": {"m": 10, "n": 10, "rank": 3, "r": 3, "top": 1.0},
            "grid": {"cond": kappas, "alpha": alphas}}


def _median_T(cols: dict[str, np.ndarray], mask: np.ndarray, delta: float) -> float:
    return float(np.median(cols[f"T_{delta!r}"][mask]))


@claim("yedu2021.study-iteration-scaling", paper="yedu2021",
       source=("Ye & Du 2021, Theorem 1.1 (T = O((1/ησ_d)(ln(dσ_d/ε) + ln(σ_d/δ)))); the "
               "normalized slope bands are those of yedu2021.iteration-scaling (derived here)"),
       cites=[cite("yedu2021", "Theorem 1.1")],
       provenance="stated",
       statement="Over a grid of condition numbers κ = σ₁/σ_d (σ₁ = 1), initialization scales "
                 "ε and seven thresholds δ, the median T(δ) of GD is affine in ln(1/δ) and in "
                 "ln(1/ε) (R² >= 0.97) with slopes growing like κ (fitted exponents in "
                 "[0.75, 1.25]) and normalized slopes δ-slope·2ησ_d ∈ [0.45, 1.05], "
                 "ε-slope·ησ_d ∈ [0.85, 1.15].",
       hypotheses=(Hypothesis("small-step", "η = 0.1 with σ₁ = 1",
                              "η = 2.5 > 2/σ₁: GD diverges and T(δ) is undefined"),),
       expected=Verdict.SUPPORTED, predictions=("Y-P6",), tags=("batch", "study", "rates"))
def study_iteration_scaling(ctx: RunContext) -> Outcome:
    eta = 2.5 if ctx.dropping("small-step") else 0.1
    study, cols = run_grid(_spec(ctx, eta))
    unreached = int(sum((cols[f"T_{d!r}"] < 0).sum() for d in DELTAS))
    diverged = int((cols["outcome"] == "diverged").sum())
    base = {"instances": int(cols["outcome"].size), "eta": eta,
            "study_hash": study.content_hash[:16], "tolerance": f"R² >= {R2_MIN}"}
    if unreached or diverged:
        return Outcome(Verdict.INCONCLUSIVE, {**base, "unreached": unreached,
                                              "diverged": diverged},
                       f"{diverged} runs diverged, {unreached} T(δ) never reached: T undefined")
    kappas = study.grid["cond"]
    lnd = np.log(1.0 / np.asarray(DELTAS))
    d_slope: dict[float, list[float]] = {k: [] for k in kappas}
    r2_d = 1.0
    for (kap, _alpha), mask in by_axis(cols, "cond", "alpha").items():
        fit = fit_line(lnd, [_median_T(cols, mask, d) for d in DELTAS])
        d_slope[kap].append(fit.slope)
        r2_d = min(r2_d, fit.r2)
    mid = DELTAS[len(DELTAS) // 2]
    e_slope: dict[float, float] = {}
    r2_e = 1.0
    for (kap,), mask in by_axis(cols, "cond").items():
        groups = by_axis({k: v[mask] for k, v in cols.items()}, "alpha")
        sub = {k: v[mask] for k, v in cols.items()}
        al = [a for (a,) in groups]
        fit = fit_line(np.log(1.0 / np.asarray(al)),
                       [_median_T(sub, groups[(a,)], mid) for a in al])
        e_slope[kap] = fit.slope
        r2_e = min(r2_e, fit.r2)
    lk = np.log(np.asarray(kappas))
    exp_d = fit_line(lk, np.log([np.median(d_slope[k]) for k in kappas]))
    exp_e = fit_line(lk, np.log([e_slope[k] for k in kappas]))
    norm_d = [s * 2 * eta / k for k in kappas for s in d_slope[k]]  # σ_d = 1/κ
    norm_e = [e_slope[k] * eta / k for k in kappas]
    (dlo, dhi), (elo, ehi), (xlo, xhi) = DELTA_SLOPE_BAND, EPS_SLOPE_BAND, EXPONENT_BAND
    checks = {"affine_in_ln_1/delta": r2_d >= R2_MIN, "affine_in_ln_1/eps": r2_e >= R2_MIN,
              "delta_slope_exponent_in_kappa": xlo <= exp_d.slope <= xhi,
              "eps_slope_exponent_in_kappa": xlo <= exp_e.slope <= xhi,
              "delta_slopes_in_band": all(dlo <= v <= dhi for v in norm_d),
              "eps_slopes_in_band": all(elo <= v <= ehi for v in norm_e)}
    ev = {**base, "method": "study engine (mfverify.study.run_cell), gen:asymmetric 10×10 of "
                            "rank 3, GD at fixed η; OLS on the medians per cell",
          "tolerance": f"R² >= {R2_MIN}; exponents in [{xlo}, {xhi}]; slope·2ησ_d ∈ "
                       f"[{dlo}, {dhi}]; slope·ησ_d ∈ [{elo}, {ehi}]",
          "kappas": kappas, "alphas": study.grid["alpha"], "deltas": DELTAS,
          "min_r2_delta": round_sig(r2_d, 5), "min_r2_eps": round_sig(r2_e, 5),
          "delta_slope_exponent": [round_sig(exp_d.slope, 4), round_sig(exp_d.slope_stderr, 2)],
          "eps_slope_exponent": [round_sig(exp_e.slope, 4), round_sig(exp_e.slope_stderr, 2)],
          "delta_slope_times_2_eta_sigma_d": [round_sig(v, 4) for v in norm_d],
          "eps_slope_times_eta_sigma_d": [round_sig(v, 4) for v in norm_e], "checks": checks}
    if all(checks.values()):
        return Outcome(Verdict.SUPPORTED, ev,
                       f"T affine in ln(1/δ), ln(1/ε); slopes ∝ κ^{exp_d.slope:.2f} (δ) and "
                       f"κ^{exp_e.slope:.2f} (ε) over κ ∈ {kappas} on "
                       f"{cols['outcome'].size} runs, η = {eta:g}")
    failed = [k for k, v in checks.items() if not v]
    return Outcome(Verdict.INCONCLUSIVE, ev, f"checks failed: {failed} (float fits)")
