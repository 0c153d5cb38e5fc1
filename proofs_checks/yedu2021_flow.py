"""Ye & Du (2021), Ye & Du 2021 tightness example / Y-P4: the scalar flow ȧ = (σ − a²)a.

It is the gradient flow of f(U, V) = ½‖UVᵀ − Σ‖² for m = n = d = 1, Σ = [σ], started balanced
(U₀ = V₀ = a₀, which stays balanced since UᵀU − VᵀV is conserved). With s = a²:

    s_t = σ e^{2σt} / (e^{2σt} + σ/a₀² − 1),
    σ − s_t <= δ  iff  t >= (1/(2σ)) ln((σ/a₀² − 1)(σ/δ − 1))   (derived here).

The flow is integrated with the Taylor engine of :mod:`mfverify.flow` at 50 digits on the
*problem's own* gradient (AsymmetricMF), and the hitting time is located as an event
(f = ½(σ − a²)² <= δ²/2) by root-finding on the step's Taylor polynomial.

PROVED on the instance (σ = 2, a₀ = 1/100) with the validated integrator
(:func:`mfverify.flow.integrate_validated`, ball arithmetic): the enclosures of s_t = U_tV_t at
t = 1, 3, 10 contain the closed form and are narrower than TOL, and for each δ the enclosures at
rational times t_lo < t* < t_hi (t_hi − t_lo < TOL) give σ − s > δ at t_lo and σ − s <= δ at
t_hi; since s stays in (0, σ) and ṡ = 2s(σ − s) > 0 there (s = 0 and s = σ are equilibria of
the balanced flow, which stays balanced by uniqueness), the hitting time lies in (t_lo, t_hi].
When an enclosure does not close, the verdict falls back to the numerical SUPPORTED check.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

from mfverify.arith.ball import to_arb, workprec
from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite
from mfverify.flow import integrate, integrate_validated
from mfverify.flow.events import objective_below
from mfverify.problems import AsymmetricMF

from ._flowkit import mp_str

DPS = 50
TOL = sp.Rational(1, 10**30)
#: digits of the validated enclosures (plus k for δ = 1e-k)
VDPS = 60
_HP = 800  # bits for the closed forms in ball arithmetic


def _arb_s(sigma: Fraction | int, a0: Fraction, t: Fraction) -> Any:
    sg = to_arb(Fraction(sigma))
    e = (2 * sg * to_arb(t)).exp()
    return sg * e / (e + sg / to_arb(a0) ** 2 - 1)


def _arb_tstar(sigma: Fraction | int, a0: Fraction, delta: Fraction) -> Any:
    sg = to_arb(Fraction(sigma))
    return ((sg / to_arb(a0) ** 2 - 1) * (sg / to_arb(delta) - 1)).log() / (2 * sg)


def validated_tightness(sigma: Fraction | int, a0: Fraction, deltas: list[int]
                        ) -> dict[str, Any]:
    """The validated checks (module docstring); ``proved`` is True when every one closes.
    Needs 0 < a₀² < σ (then s_t increases from a₀² to σ and t* is defined)."""
    sigma = Fraction(sigma)
    p = AsymmetricMF([[str(sigma)]], 1)
    x0 = {"U": [[str(a0)]], "V": [[str(a0)]]}
    res = integrate_validated(p, x0, [1, 3, 10], dps=VDPS)
    tol = float(TOL)
    out: dict[str, Any] = {"enclosure": res.evidence(), "closed_form": [], "hitting_times": []}
    ok = res.status.ok
    for pt in res.points:
        with workprec(_HP):
            sb = pt.state["U"][0, 0] * pt.state["V"][0, 0]
            inside = bool(sb.contains(_arb_s(sigma, a0, pt.t)))
        width = 2 * float(sb.rad())
        ok = ok and inside and width < tol
        out["closed_form"].append({"t": str(pt.t), "contains_closed_form": inside,
                                   "width": f"{width:.3e}"})
    for k in deltas:
        delta = Fraction(1, 10**k)
        scale = 10**35
        with workprec(_HP):
            ts = _arb_tstar(sigma, a0, delta)
            man, exp = (ts * scale).mid().man_exp()
        q = Fraction(int(man)) * Fraction(2) ** int(exp)
        mid = Fraction(q.numerator // q.denominator, scale)
        t_lo, t_hi = mid - Fraction(1, scale), mid + Fraction(2, scale)
        r = integrate_validated(p, x0, [t_lo, t_hi], dps=VDPS + k)
        row: dict[str, Any] = {"delta": f"1e-{k}", "t_lo": str(t_lo), "t_hi": str(t_hi),
                               "status": r.status.value}
        if r.status.ok:
            with workprec(_HP):
                gaps = [to_arb(sigma) - pt.state["U"][0, 0] * pt.state["V"][0, 0]
                        for pt in r.points]
                before = bool(gaps[0] > to_arb(delta))
                after = bool(gaps[1] <= to_arb(delta))
                star_in = bool(ts > to_arb(t_lo) and ts < to_arb(t_hi))
            row.update({"gap_above_delta_at_t_lo": before, "gap_below_delta_at_t_hi": after,
                        "t_star_in_interval": star_in})
            ok = ok and before and after and star_in and float(t_hi - t_lo) < tol
        else:
            ok = False
        out["hitting_times"].append(row)
    out["proved"] = bool(ok)
    return out


def _scalar_sigma(problem: Any) -> Fraction:
    """σ of a scalar instance ½(uv − σ)² (AsymmetricMF, Σ = [σ], r = 1, no balance term)."""
    from mfverify.errors import UnsupportedError

    if not isinstance(problem, AsymmetricMF) or problem.data["Sigma"].shape != (1, 1) \
            or problem.r != 1 or problem.scale != sp.Rational(1, 2) or problem.balance != 0:
        raise UnsupportedError("the tightness example is the scalar flow of ½(uv − σ)²: an "
                               "asymmetric problem with Sigma = [[σ]], rank 1, scale 1/2")
    sg = sp.nsimplify(problem.data["Sigma"][0, 0])
    if not (sg.is_Rational and sg > 0):
        raise UnsupportedError(f"σ must be a positive rational, got {sg}")
    return Fraction(int(sg.p), int(sg.q))


def _a0_param(params: Any) -> Fraction:
    from mfverify.errors import InputError
    from mfverify.numbers import parse_number

    if "a0" not in params:
        raise InputError("this hypothesis needs the balanced start U₀ = V₀ = a₀: pass "
                         "--set a0=VALUE")
    v = parse_number(params["a0"]) if isinstance(params["a0"], str) else \
        sp.nsimplify(params["a0"])
    if not v.is_Rational:
        raise InputError(f"--set a0: expected a rational number, got {params['a0']!r}")
    return Fraction(int(v.p), int(v.q))


def check_nonzero_start(problem: Any, params: Any) -> tuple[bool, str]:
    """a₀ ≠ 0, decided exactly (the start U₀ = V₀ = a₀ of ``--set a0=``)."""
    sigma, a0 = _scalar_sigma(problem), _a0_param(params)
    if a0 == 0:
        return False, "a₀ = 0: the field vanishes there, the flow stays at 0"
    return True, f"a₀ = {a0} (a₀² = {a0 * a0}, σ = {sigma})"


def tightness_on_instance(problem: Any, ctx: RunContext) -> Outcome:
    """The tightness conclusion on the user's (σ, a₀): PROVED by validated enclosures when they
    close (closed form of s_t inside boxes narrower than 1e-30 at t = 1, 3, 10, hitting times
    of δ = 1e-10, 1e-20 bracketed within 1e-30); INCONCLUSIVE otherwise."""
    sigma, a0 = _scalar_sigma(problem), _a0_param(ctx.options)
    ev: dict[str, Any] = {"sigma": str(sigma), "a0": str(a0), "instances": 1}
    if not 0 < a0 * a0 < sigma:
        return Outcome(Verdict.INCONCLUSIVE, ev, f"the hitting-time formula needs 0 < a₀² < σ "
                       f"(a₀² = {a0 * a0}, σ = {sigma}): s_t does not rise to σ from below")
    val = validated_tightness(sigma, a0, [10, 20])
    ev["validated"] = val
    if val["proved"]:
        return Outcome(Verdict.PROVED, ev,
                       f"PROVED on σ = {sigma}, a₀ = {a0} by validated enclosures: s_t inside "
                       "boxes < 1e-30 around the closed form at t = 1, 3, 10; t* for δ = 1e-10, "
                       "1e-20 bracketed within 3e-35")
    return Outcome(Verdict.INCONCLUSIVE, ev, "the validated enclosures did not close (see "
                   "validated.closed_form and validated.hitting_times)")


def closed_form_s(sigma: Any, a0: Any, t: Any, ctx: Any) -> Any:
    e = ctx.exp(2 * sigma * t)
    return sigma * e / (e + sigma / a0**2 - 1)


def hitting_time(sigma: Any, a0: Any, delta: Any, ctx: Any) -> Any:
    return ctx.ln((sigma / a0**2 - 1) * (sigma / delta - 1)) / (2 * sigma)


@claim(
    "yedu2021.flow-scalar-tightness",
    paper="yedu2021",
    source=("Ye & Du 2021, §1, the tightness example after Corollary 1.2; the exact hitting "
            "time is derived here"),
    cites=[cite("yedu2021", "§1, tightness example")],
    provenance="stated",
    statement="The scalar flow ȧ = (σ − a²)a has s_t = a_t² = σe^{2σt}/(e^{2σt} + σ/a₀² − 1), "
              "and σ − s_t <= δ exactly from t* = (1/(2σ)) ln((σ/a₀² − 1)(σ/δ − 1)), so "
              "T = Θ((1/σ) ln(σ/δ)) is necessary.",
    latex=r"t^\ast=\tfrac{1}{2\sigma}\ln\big((\sigma/a_0^2-1)(\sigma/\delta-1)\big)",
    hypotheses=[
        Hypothesis("nonzero-start", "a₀ ≠ 0",
                   "a₀ = 0 is stationary: the flow never leaves it, no finite hitting time",
                   check=check_nonzero_start),
    ],
    conclusion="|s_t − closed form| < 1e-30 at t = 1, 3, 10 and |t_hit − t*| < 1e-30 for "
               "δ = 1e-10, 1e-20 (quick) / also 1e-30 (full); PROVED on the instance by "
               "validated enclosures, SUPPORTED when only the numerical check closes",
    expected=Verdict.PROVED,
    predictions=("Y-P4",),
    tags=("flow", "events"),
    instance_run=tightness_on_instance,
)
def scalar_tightness(ctx: RunContext) -> Outcome:
    sigma = sp.Integer(2)
    a0 = sp.Integer(0) if ctx.dropping("nonzero-start") else sp.Rational(1, 100)
    p = AsymmetricMF([[sigma]], 1)
    x0 = {"U": [[str(a0)]], "V": [[str(a0)]]}
    res = integrate(p, x0, [1, 3, 10], dps=DPS)
    A = res.arith
    c = A.ctx
    sg, a0m = A.const(sigma), A.const(a0)
    evidence: dict[str, Any] = {"dps": DPS, "tolerance": str(TOL), "sigma": str(sigma),
                                "a0": str(a0)}
    if a0 == 0:
        deltas = ["1e-10"]
        ev = objective_below(p, sp.Rational(1, 10**20) / 2)
        r2 = integrate(p, x0, [1000], dps=DPS, events=[ev])
        evidence.update({"instances": 1, "exactly_stationary": r2.exactly_stationary,
                         "event_fired": bool(r2.events), "horizon": "1000"})
        if r2.exactly_stationary:
            # Exact: the field vanishes exactly (SymPy) at U = V = 0 and is polynomial, so
            # a(t) ≡ 0 is the unique solution (Picard–Lindelöf) and σ − s_t = σ = 2 > δ for all t.
            return Outcome(Verdict.REFUTED, {**evidence, "counterexample": {
                               "a0": "0", "recheck": "the gradient field of AsymmetricMF "
                               "vanishes exactly at U = V = 0 (SymPy): a(t) = 0 for all t, "
                               "sigma - s_t = sigma > delta"}},
                           "a₀ = 0: the field vanishes exactly there, so a(t) ≡ 0 and "
                           "σ − s_t = σ never falls below δ (exact; the bound needs a₀ ≠ 0)")
        return Outcome(Verdict.INCONCLUSIVE, evidence,
                       "a₀ = 0 but the flow engine did not certify exact stationarity "
                       f"(event fired: {bool(r2.events)})")
    worst_s = c.zero
    rows = []
    for pt in res.points:
        a = pt.state["U"][0, 0]
        s_num = a * a
        s_cf = closed_form_s(sg, a0m, pt.t, c)
        err = abs(s_num - s_cf)
        worst_s = max(worst_s, err)
        rows.append({"t": mp_str(pt.t), "s_t": mp_str(s_num, 35), "closed_form":
                     mp_str(s_cf, 35), "abs_error": mp_str(err), "error_estimate":
                     mp_str(pt.error_estimate)})
    deltas = ["1e-10", "1e-20"] if ctx.quick else ["1e-10", "1e-20", "1e-30"]
    hits = []
    worst_t = c.zero
    for dtext in deltas:
        k = int(dtext.split("e-")[1])
        delta = sp.Rational(1, 10**k)
        # f = ½(σ − a²)² <= δ²/2  iff  σ − s <= δ (s < σ along the flow). Errors are absolute,
        # so resolving σ − s = δ to 30 more digits needs DPS + k digits.
        ev = objective_below(p, delta**2 / 2)
        r2 = integrate(p, x0, [int(hitting_time(sg, a0m, A.const(delta), c)) + 5],
                       dps=DPS + k, events=[ev])
        c2 = r2.arith.ctx
        tstar = hitting_time(c2.mpf(2), c2.mpf(a0.p) / a0.q, c2.mpf(1) / 10**k, c2)
        if not r2.events:
            hits.append({"delta": dtext, "hit": None})
            worst_t = c.inf
            continue
        th = r2.events[0].t
        worst_t = max(worst_t, c.mpf(abs(th - tstar)))
        hits.append({"delta": dtext, "dps": DPS + k, "t_hit": mp_str(th, 35),
                     "t_star": mp_str(tstar, 35),
                     "abs_error": mp_str(abs(th - tstar)),
                     "time_error_estimate": mp_str(r2.events[0].time_error_estimate)})
    # slope of t* in ln(1/δ): 1/(2σ)
    evidence.update({"instances": len(rows) + len(hits), "closed_form": rows,
                     "hitting_times": hits, "max_state_error": mp_str(worst_s),
                     "max_time_error": mp_str(worst_t),
                     "slope_in_ln_1_over_delta": str(1 / (2 * sigma))})
    if worst_s < A.const(TOL) and worst_t < A.const(TOL):
        val = validated_tightness(int(sigma), Fraction(int(a0.p), int(a0.q)),
                                  [int(d.split("e-")[1]) for d in deltas])
        evidence["validated"] = val
        if val["proved"]:
            return Outcome(Verdict.PROVED, evidence,
                           "on the instance σ = 2, a₀ = 1/100: validated enclosures contain the "
                           "closed form at t = 1, 3, 10 (width < 1e-30) and put the hitting "
                           f"time within 3e-35 of t* for {len(deltas)} values of δ (ball "
                           "arithmetic)")
        return Outcome(Verdict.SUPPORTED, evidence,
                       f"s_t matches the closed form to {mp_str(worst_s, 3)}, hitting times to "
                       f"{mp_str(worst_t, 3)} ({len(hits)} values of δ)")
    return Outcome(Verdict.INCONCLUSIVE, evidence,
                   f"numerically the conclusion fails: state mismatch {mp_str(worst_s, 3)}, "
                   f"time mismatch {mp_str(worst_t, 3)}; not a certified refutation")
