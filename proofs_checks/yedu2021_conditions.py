"""Ye & Du (NeurIPS 2021), Theorem 1.1 applied to an instance (Ye & Du 2021).

Theorem 1.1: for f(U, V) = ½‖UVᵀ − Σ‖²_F with rank(Σ) = d equal to the factor width, GD
U⁺ = U + η(Σ − UVᵀ)V, V⁺ = V + η(Σ − UVᵀ)ᵀU from U₀, V₀ with i.i.d. N(0, ε²) entries, with

* ε = Õ(σ_d / (√(dσ₁)·(m + n))) and
* η = O(σ_d ε² / (dσ₁³)),

reaches f(U_t, V_t) <= δ for every t > T_total = O((1/(ησ_d)) ln(dσ_d/ε) + (1/(ησ_d))
ln(σ_d/δ)), with high probability.

The paper leaves the constants in O(·)/Õ(·) unspecified. mfverify does not invent them: the
hypotheses ``init-scale`` and ``step-size`` report the scale-free quantities

* ε·√(dσ₁)(m + n)/σ_d (the theorem needs it below an unspecified constant, up to log factors);
* η·dσ₁³/(σ_d ε²) (the theorem needs it below an unspecified constant),

and are therefore *undetermined* on every instance; ``mfverify conditions ... --force`` runs the
conclusion anyway and reports the measured constant T·ησ_d / (ln(dσ_d/ε) + ln(σ_d/δ)), the
quantity the O(·) of T_total bounds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite
from mfverify.errors import InputError

__all__ = ["instance_quantities", "gd_time_to_delta"]

PAPER = "yedu2021"


def _asymmetric(problem: Any) -> bool:
    from mfverify.problems import AsymmetricMF

    return isinstance(problem, AsymmetricMF)


def instance_quantities(problem: Any) -> dict[str, Any]:
    """σ₁, σ_d (exact and float), m, n, d and rank(Σ) of an :class:`AsymmetricMF` instance."""
    S = sp.Matrix(problem.data["Sigma"].tolist())
    m, n = S.shape
    d = problem.r
    rank = S.rank(simplify=True)
    sq = (S.T * S) if n <= m else (S * S.T)
    eig = sorted((sp.nsimplify(e) if e.is_Rational else e
                  for e in sq.eigenvals(multiple=True)), key=lambda e: -float(sp.N(e, 30)))
    sing = [sp.sqrt(e) if float(sp.N(e, 30)) > 0 else sp.Integer(0) for e in eig]
    s1 = sing[0] if sing else sp.Integer(0)
    sd = sing[d - 1] if d - 1 < len(sing) else sp.Integer(0)
    return {"m": m, "n": n, "d": d, "rank_Sigma": int(rank), "sigma_1": s1, "sigma_d": sd,
            "sigma_1_float": float(sp.N(s1, 30)), "sigma_d_float": float(sp.N(sd, 30)),
            "singular_values": [str(sp.simplify(s)) for s in sing]}


def _param(params: Any, name: str, what: str) -> float:
    if name not in params:
        raise InputError(f"this hypothesis needs the {what}: pass --set {name}=VALUE")
    value = params[name]
    if isinstance(value, str):
        from mfverify.numbers import parse_number

        value = parse_number(value)
    try:
        f = float(sp.N(value, 30)) if isinstance(value, sp.Basic) else float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"--set {name}: expected a number, got {value!r}") from exc
    if not (f > 0 and math.isfinite(f)):
        raise InputError(f"--set {name}: expected a positive number, got {value!r}")
    return f


def check_objective(problem: Any) -> tuple[bool, str]:
    if not _asymmetric(problem):
        return False, (f"Theorem 1.1 is about asymmetric factorization ½‖UVᵀ − Σ‖²; this is a "
                       f"{problem.kind!r} problem")
    if problem.scale != sp.Rational(1, 2) or problem.balance != 0:
        return False, (f"Theorem 1.1 is about ½‖UVᵀ − Σ‖² without regularizer; this instance has "
                       f"scale {problem.scale} and balance {problem.balance}")
    return True, "f(U,V) = ½‖UVᵀ − Σ‖²_F, no balancing regularizer (eq. (1))"


def check_exact_parametrization(problem: Any) -> tuple[bool, str]:
    if not _asymmetric(problem):
        return False, f"needs an asymmetric problem; got {problem.kind!r}"
    q = instance_quantities(problem)
    if q["rank_Sigma"] == q["d"]:
        return True, f"rank(Σ) = {q['rank_Sigma']} = d (exact rank)"
    return False, (f"rank(Σ) = {q['rank_Sigma']} but the factor width is d = {q['d']}: Theorem "
                   "1.1 assumes the exactly parametrized case rank(Σ) = d")


def check_init_scale(problem: Any, params: Any) -> tuple[None, str]:
    if not _asymmetric(problem):
        return None, f"needs an asymmetric problem; got {problem.kind!r}"
    eps = _param(params, "eps", "initialization scale ε (entries of U₀, V₀ ~ N(0, ε²))")
    q = instance_quantities(problem)
    s1, sd, m, n, d = q["sigma_1_float"], q["sigma_d_float"], q["m"], q["n"], q["d"]
    if sd <= 0:
        return None, "σ_d = 0: the bound σ_d/(√(dσ₁)(m+n)) is 0"
    ratio = eps * math.sqrt(d * s1) * (m + n) / sd
    return None, (f"ε·√(dσ₁)(m+n)/σ_d = {ratio:.4g} (ε = {eps:.4g}, σ₁ = {s1:.4g}, σ_d = "
                  f"{sd:.4g}, m = {m}, n = {n}, d = {d}); Theorem 1.1 needs it <= c·(log "
                  "factors) for an absolute constant c the paper does not specify (Õ)")


def check_step_size(problem: Any, params: Any) -> tuple[None, str]:
    if not _asymmetric(problem):
        return None, f"needs an asymmetric problem; got {problem.kind!r}"
    eps = _param(params, "eps", "initialization scale ε")
    eta = _param(params, "eta", "step size η")
    q = instance_quantities(problem)
    s1, sd, d = q["sigma_1_float"], q["sigma_d_float"], q["d"]
    if sd <= 0:
        return None, "σ_d = 0: the bound σ_dε²/(dσ₁³) is 0"
    ratio = eta * d * s1 ** 3 / (sd * eps ** 2)
    return None, (f"η·dσ₁³/(σ_d ε²) = {ratio:.4g} (η = {eta:.4g}); Theorem 1.1 needs it <= c "
                  "for an absolute constant c the paper does not specify (O); the authors call "
                  f"this requirement loose. For reference η·σ₁ = {eta * s1:.3g}")


def gd_time_to_delta(Sigma: np.ndarray, d: int, eps: float, eta: float, delta: float, *,
                     seeds: list[int], max_steps: int, hold_steps: int) -> dict[str, Any]:
    """GD (eqs. (2)–(3)) from i.i.d. N(0, ε²) factors, batched over seeds (float64).

    Returns the first t with f <= δ per seed (``None``: not reached within ``max_steps``),
    whether f stayed <= δ for ``hold_steps`` more steps, and whether the run diverged.
    """
    m, n = Sigma.shape
    B = len(seeds)
    U = np.stack([np.random.default_rng([s, 0]).normal(0.0, eps, (m, d)) for s in seeds])
    V = np.stack([np.random.default_rng([s, 1]).normal(0.0, eps, (n, d)) for s in seeds])
    S = np.broadcast_to(Sigma, (B, m, n))
    hit = np.full(B, -1)
    held = np.ones(B, dtype=bool)
    diverged = np.zeros(B, dtype=bool)
    f = np.zeros(B)
    t = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while t < max_steps:
            Rm = S - U @ np.swapaxes(V, 1, 2)
            f = 0.5 * np.sum(Rm * Rm, axis=(1, 2))
            bad = ~np.isfinite(f)
            diverged |= bad
            newly = (f <= delta) & (hit < 0)
            hit[newly] = t
            after = (hit >= 0) & (t > hit)
            held &= ~(after & (f > delta))
            done = diverged | ((hit >= 0) & (t - hit >= hold_steps))
            if np.all(done):
                break
            U, V = U + eta * (Rm @ V), V + eta * (np.swapaxes(Rm, 1, 2) @ U)
            t += 1
    return {"hit": [None if h < 0 else int(h) for h in hit],
            "held": [bool(h) for h, k in zip(held, hit, strict=True)],
            "diverged": [bool(x) for x in diverged], "final_f": [float(x) for x in f],
            "steps_run": t}


def theorem_conclusion(problem: Any, ctx: RunContext) -> Outcome:
    """GD from N(0, ε²) on the instance: time to f <= δ, and the measured O(·) constant."""
    ok, why = check_objective(problem)
    if not ok:
        raise InputError(why)
    opts = ctx.options
    eps = _param(opts, "eps", "initialization scale ε")
    eta = _param(opts, "eta", "step size η")
    q = instance_quantities(problem)
    s1, sd, d = q["sigma_1_float"], q["sigma_d_float"], q["d"]
    delta = _param(opts, "delta", "target δ") if "delta" in opts else 1e-6 * sd ** 2
    seeds = [ctx.seed + k for k in range(4 if ctx.quick else 16)]
    max_steps = int(opts.get("max_steps", 200_000 if ctx.quick else 2_000_000))
    Sigma = np.array([[float(sp.N(v, 30)) for v in row] for row in problem.data["Sigma"]])
    run = gd_time_to_delta(Sigma, d, eps, eta, delta, seeds=seeds, max_steps=max_steps,
                           hold_steps=max(100, int(0.2 / (eta * max(sd, 1e-300)))))
    shape = math.log(max(d * sd / eps, math.e)) + math.log(max(sd / delta, math.e))
    consts = [None if h is None else h * eta * sd / shape for h in run["hit"]]
    evidence: dict[str, Any] = {
        "method": "float64 GD (eqs. (2)–(3)) from i.i.d. N(0, ε²) U₀, V₀, batched over seeds",
        "eps": eps, "eta": eta, "delta": delta, "sigma_1": s1, "sigma_d": sd,
        "seeds": seeds, "instances": len(seeds), "tolerance": delta, **run,
        "T_shape_(ln(d sigma_d/eps)+ln(sigma_d/delta))/(eta sigma_d)": shape / (eta * sd),
        "measured_constant_T*eta*sigma_d/shape": consts,
        "note": "the constant of T_total is unspecified in the paper; this is the measured one",
    }
    reached = [h is not None for h in run["hit"]]
    if all(reached) and all(run["held"]):
        c = max(x for x in consts if x is not None)
        return Outcome(Verdict.SUPPORTED, evidence,
                       f"all {len(seeds)} seeds reached f <= δ = {delta:.3g} and stayed there; "
                       f"T·ησ_d/(ln(dσ_d/ε)+ln(σ_d/δ)) <= {c:.3g} (the O(·) constant measured)")
    if any(run["diverged"]):
        return Outcome(Verdict.INCONCLUSIVE, evidence,
                       f"GD diverged (f overflowed) for {sum(run['diverged'])}/{len(seeds)} "
                       "seeds: float evidence only, and the theorem's η constant is unspecified")
    return Outcome(Verdict.INCONCLUSIVE, evidence,
                   f"{sum(reached)}/{len(seeds)} seeds reached f <= δ within {max_steps} steps "
                   "(T_total's constant is unspecified: not a refutation)")


@claim(
    "yedu2021.theorem-1.1-conditions",
    paper=PAPER,
    source="Ye & Du 2021, Theorem 1.1 (NeurIPS submission version)",
    cites=[cite("yedu2021", "Theorem 1.1")],
    provenance="stated",
    statement="GD on ½‖UVᵀ − Σ‖² (rank Σ = d = factor width) from i.i.d. N(0, ε²) factors with "
              "ε = Õ(σ_d/(√(dσ₁)(m+n))) and η = O(σ_dε²/(dσ₁³)) reaches f <= δ for all "
              "t > T_total = O((1/(ησ_d))(ln(dσ_d/ε) + ln(σ_d/δ))) w.h.p.; the O(·) constants "
              "are unspecified (checked here at scale-free ratio 1, with the constant of "
              "T_total measured).",
    latex=r"\varepsilon=\tilde O\!\big(\tfrac{\sigma_d}{\sqrt{d\sigma_1}(m+n)}\big),\ "
          r"\eta=O\!\big(\tfrac{\sigma_d\varepsilon^2}{d\sigma_1^3}\big)\Rightarrow "
          r"f(U_t,V_t)\le\delta\ \forall t>T_{\rm total}",
    hypotheses=[
        Hypothesis("objective", "f = ½‖UVᵀ − Σ‖²_F, no regularizer (eq. (1))",
                   "not tested", check=check_objective),
        Hypothesis("exact-parametrization", "rank(Σ) = d, the factor width",
                   "not tested (GD still converges when over-parametrized, more slowly: see "
                   "the R1 claims)", check=check_exact_parametrization),
        Hypothesis("init-scale", "ε = Õ(σ_d/(√(dσ₁)(m+n))) (constant unspecified)",
                   "not tested: a larger ε changes the warm-up, not the limit",
                   check=check_init_scale),
        Hypothesis("step-size", "η = O(σ_dε²/(dσ₁³)) (constant unspecified)",
                   "η = 3/σ₁: GD diverges (f overflows) in every seed — float evidence that "
                   "some bound on η is needed (INCONCLUSIVE, not a certified refutation)",
                   check=check_step_size),
    ],
    conclusion="every seed reaches f <= δ and stays there; the measured T·ησ_d/(ln(dσ_d/ε) + "
               "ln(σ_d/δ)) is reported. The catalog verdict is INCONCLUSIVE while the ε and η "
               "hypotheses are undetermined (unspecified constants); the conclusion observed at "
               "ratios 1 is in the evidence (conclusion_at_ratio_1)",
    expected=Verdict.INCONCLUSIVE,
    predictions=("Y-P6",),
    tags=("numeric", "conditions"),
    instance_run=theorem_conclusion,
)
def theorem_1_1_conditions(ctx: RunContext) -> Outcome:
    from mfverify.problems import AsymmetricMF

    Sigma = [[2, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    problem = AsymmetricMF(Sigma, 2)
    q = instance_quantities(problem)
    s1, sd, m, n, d = q["sigma_1_float"], q["sigma_d_float"], q["m"], q["n"], q["d"]
    eps = sd / (math.sqrt(d * s1) * (m + n))  # init-scale ratio = 1
    eta = sd * eps ** 2 / (d * s1 ** 3)        # step-size ratio = 1
    if ctx.dropping("step-size"):
        eta = 3.0 / s1
    if ctx.dropping("init-scale"):
        eps = 1.0
    params = {"eps": eps, "eta": eta, "delta": 1e-4}
    hyps = {h.name: (h.check(problem, params) if h.name in ("init-scale", "step-size")
                     else h.check(problem)) for h in theorem_1_1_conditions_claim().hypotheses}
    out = theorem_conclusion(problem, RunContext(ctx.profile, frozenset(), ctx.seed,
                                                 {**params, "max_steps": 400_000}))
    undetermined = [k for k, v in hyps.items() if v[0] is None]
    failing = [k for k, v in hyps.items() if v[0] is False]
    evidence = {"instance": "Σ = diag(2, 1) in 4×5, d = 2",
                "hypotheses": {k: {"holds": v[0], "margin": v[1]} for k, v in hyps.items()},
                "undetermined_hypotheses": undetermined, "failing_hypotheses": failing,
                "conclusion_at_ratio_1": str(out.verdict), **out.evidence}
    if ctx.dropping("step-size"):
        if all(out.evidence["diverged"]):
            return Outcome(Verdict.INCONCLUSIVE, evidence,
                           "with η = 3/σ₁ GD diverged in every seed: float evidence that the "
                           "step-size hypothesis is needed (not a certified refutation)")
        return Outcome(Verdict.INCONCLUSIVE, evidence, "η = 3/σ₁: " + out.summary)
    if failing:
        return Outcome(Verdict.INCONCLUSIVE, evidence,
                       f"hypotheses {failing} fail on the instance: the theorem does not apply "
                       "(nothing is decided)")
    if undetermined:
        # The theorem's O(·) constants are unspecified, so whether ratio 1 satisfies the
        # hypotheses cannot be decided: the run is evidence about the constants, not a check
        # of the theorem (a SUPPORTED here would claim hypotheses nobody established).
        return Outcome(Verdict.INCONCLUSIVE, evidence,
                       f"hypotheses {undetermined} are undetermined (the paper's O(·) constants "
                       "are unspecified), so the theorem is not decided; at ratios 1 the "
                       f"conclusion was observed {out.verdict}: {out.summary}")
    return Outcome(out.verdict, evidence,
                   "at init-scale and step-size ratios 1: " + out.summary)


def theorem_1_1_conditions_claim() -> Any:
    from mfverify.claims import get_claim

    return get_claim("yedu2021.theorem-1.1-conditions")
