"""Zhang, Sojoudi & Lavaei (JMLR 2019) / Zhang, Josz, Sojoudi & Lavaei (NeurIPS 2018),
prediction R4: for rank-1 symmetric matrix sensing, a restricted isometry constant δ < 1/2 (of order
2) implies that f(x) = ‖A(xxᵀ) − A(zzᵀ)‖² has no spurious local minimum; 1/2 is sharp.

The claim is written so that ``mfverify conditions related.zsl-rip-half SPEC`` can apply it to a
user's instance:

* hypothesis ``rank-one``: the problem is symmetric sensing with factor width r = 1 and noiseless
  measurements b = A(zzᵀ) of a rank-1 PSD ground truth;
* hypothesis ``rip-half``: δ₂ < 1/2, with δ₂ computed by
  :func:`mfverify.problems.sensing.restricted_isometry` (exact when the operator is small enough;
  otherwise certified bounds: the hypothesis then holds if the upper bound is < 1/2, fails if the
  lower bound is >= 1/2, and is undetermined in between);
* conclusion (``instance_run``): the exact landscape engine (:func:`mfverify.symbolic.landscape`)
  lists the complete real stationary set and classifies it exactly; the conclusion came true iff
  the list is complete and contains no ``spurious_local_min``.

In the catalog run, the claim checks the implication on members of the explicit ZSL family of
the explicit family of prediction R4 (n = 2, δ = c exactly): for c < 1/2 each instance's landscape
is exactly free of spurious minima; with ``rip-half`` dropped, c > 1/2 gives an exact spurious local
minimum (REFUTED: the threshold is needed).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite
from mfverify.errors import UnsupportedError

__all__ = ["check_rank_one", "check_rip_half", "exact_sign", "no_spurious_minimum"]

HALF = sp.Rational(1, 2)
LANDSCAPE_BUDGET = 60.0


def _is_sensing(problem: Any) -> bool:
    from mfverify.problems.sensing import MatrixSensing

    return isinstance(problem, MatrixSensing)


def check_rank_one(problem: Any) -> tuple[bool, str]:
    """Hypothesis ``rank-one``: symmetric sensing, r = 1, b = A(zzᵀ) with zzᵀ of rank 1."""
    if not _is_sensing(problem):
        return False, f"the theorem is about matrix sensing; this is a {problem.kind!r} problem"
    if not problem.symmetric:
        return False, "the theorem is about symmetric sensing A(xxᵀ); this problem is asymmetric"
    if problem.r != 1:
        return False, f"the factor width is r = {problem.r}; the theorem needs r = 1"
    if problem.ground_truth is None:
        return False, "no ground truth given: cannot check that b = A(zzᵀ) with rank(zzᵀ) = 1"
    Mt = sp.Matrix(problem.ground_truth.tolist())
    rank = Mt.rank(simplify=True)
    if rank != 1:
        return False, f"rank(M*) = {rank}; the theorem needs a rank-1 ground truth"
    if not (Mt.trace() > 0):
        return False, "M* has rank 1 but is negative semidefinite (not of the form zzᵀ)"
    if not problem.noiseless:
        return False, "b ≠ A(M*): the measurements are noisy; the theorem is about b = A(zzᵀ)"
    return True, "r = 1, M* = zzᵀ of rank 1, b = A(M*) exactly"


def _num(e: Any, digits: int = 6) -> str:
    """An exact number as ``exact ≈ decimal`` when its text is short, else ``≈ decimal`` (the
    exact values are in ``restricted_isometry(...).to_json()``)."""
    text, dec = str(e), f"{float(sp.N(e, 30)):.{digits}g}"
    if text == dec or len(text) > 40:
        return f"≈ {dec}" if text != dec else dec
    return f"{text} ≈ {dec}"


def exact_sign(e: Any) -> int | None:
    """The sign (-1, 0, 1) of an exact real number, decided exactly; ``None`` if SymPy cannot.

    Never guesses from a rounded value: zero is decided exactly (rational arithmetic, or the
    minimal polynomial of an algebraic number), and a nonzero number's sign comes from SymPy's
    sign determination (adaptive-precision evaluation, which for a nonzero algebraic number
    terminates with the correct sign). ``sympy.nsimplify`` is deliberately not used: it snaps
    numbers within 1e-15 of a simple fraction to that fraction (1/2 − √2·10⁻²⁰ becomes 1/2).
    """
    e = sp.sympify(e)
    if e.is_Rational:
        return 1 if e > 0 else (-1 if e < 0 else 0)
    if e.is_zero:
        return 0
    if e.is_positive:
        return 1
    if e.is_negative:
        return -1
    try:
        if e.is_algebraic and sp.minimal_polynomial(e, sp.Dummy("x")).is_Symbol:
            return 0
    except (NotImplementedError, ValueError, sp.polys.polyerrors.NotAlgebraic):
        pass
    return None


def check_rip_half(problem: Any) -> tuple[bool | None, str]:
    """Hypothesis ``rip-half``: δ₂(A) < 1/2, exactly or from certified bounds."""
    if not _is_sensing(problem):
        raise UnsupportedError(f"a restricted isometry constant needs a sensing operator; this "
                               f"is a {problem.kind!r} problem")
    from mfverify.problems.sensing import restricted_isometry

    ri = restricted_isometry(problem, order=2)
    if ri.kind == "exact" and ri.value is not None:
        d = ri.value
        diff = HALF - d
        sign = exact_sign(diff)
        if sign is None:  # pragma: no cover - SymPy could not decide the sign
            return None, (f"δ₂ {_num(d)} (exact, order {ri.order}): the sign of 1/2 − δ₂ could "
                          "not be decided exactly, so the hypothesis is undetermined")
        holds = sign > 0
        rel = "<" if sign > 0 else (">" if sign < 0 else "=")

        def eq(e: Any, digits: int = 6) -> str:
            t = _num(e, digits)
            return t if t.startswith("≈") else f"= {t}"

        return holds, (f"δ₂ {eq(d)} (exact, order {ri.order}) {rel} 1/2; margin "
                       f"1/2 − δ₂ {eq(diff, 3)}")
    lo, hi = ri.lower, ri.upper
    text = (f"δ₂ ∈ [{_num(lo)}, {_num(hi)}] (certified bounds, order {ri.order})")
    if hi < HALF:
        return True, f"{text}: upper bound < 1/2 by {float(sp.N(HALF - hi, 15)):.3g}"
    if lo >= HALF:
        return False, f"{text}: lower bound >= 1/2 (by {float(sp.N(lo - HALF, 15)):.3g})"
    return None, f"{text}: the bounds straddle 1/2, so the hypothesis is undetermined"


def no_spurious_minimum(problem: Any, ctx: RunContext | None = None) -> Outcome:
    """Conclusion on one instance: the exact landscape has no ``spurious_local_min``."""
    from mfverify.symbolic import landscape

    budget = LANDSCAPE_BUDGET
    if ctx is not None and "budget" in ctx.options:
        budget = float(ctx.options["budget"])
    L = landscape(problem, budget=budget, seed=0 if ctx is None else ctx.seed % 1000)
    types = [c.type for c in L.components]
    summary_types = {t: sum(c.count or 1 for c in L.components if c.type == t)
                     for t in dict.fromkeys(types)}
    evidence: dict[str, Any] = {"method": "exact landscape (mfverify.symbolic.landscape)",
                                "complete": L.complete, "field": "real",
                                "components": [c.to_json() for c in L.components],
                                "types": summary_types}
    spurious = [c for c in L.components if c.type == "spurious_local_min"]
    if spurious:
        evidence["counterexample"] = spurious[0].to_json()
        return Outcome(Verdict.REFUTED, evidence,
                       f"spurious local minimum at {spurious[0].description or 'a point'} "
                       f"(f = {spurious[0].value})")
    if not L.complete:
        evidence["reason"] = getattr(L, "reason", "") or "landscape incomplete"
        return Outcome(Verdict.INCONCLUSIVE, evidence,
                       "the exact landscape is incomplete (budget): no spurious minimum found "
                       "among the components listed, but the list is not provably complete")
    open_ = [c for c in L.components if c.type in ("local_min", "degenerate_unresolved")]
    if open_:
        return Outcome(Verdict.INCONCLUSIVE, evidence,
                       f"{len(open_)} component(s) could not be classified exactly "
                       f"({', '.join(sorted({c.type for c in open_}))})")
    return Outcome(Verdict.PROVED, evidence,
                   "complete exact landscape without spurious local minimum: "
                   + ", ".join(f"{v} {k}" for k, v in summary_types.items()))


@claim(
    "related.zsl-rip-half",
    paper="related",
    source=("Zhang, Sojoudi & Lavaei 2019 (JMLR 20(114)), abstract; Zhang, Josz, Sojoudi & "
            "Lavaei 2018 (NeurIPS), abstract"),
    cites=[cite("zhangsojoudilavaei2019", "abstract (main theorem, rank-1 case)"),
           cite("zhangjoszsojoudilavaei2018", "abstract")],
    provenance="stated",
    statement="Rank-1 symmetric matrix sensing f(x) = ‖A(xxᵀ) − A(zzᵀ)‖²: if the operator "
              "satisfies RIP of order 2 with δ < 1/2, f has no spurious local minimum (and 1/2 "
              "is sharp).",
    latex=r"\delta_2(\mathcal A) < \tfrac12 \;\Rightarrow\; \text{every local minimum of } "
          r"\|\mathcal A(xx^\top - zz^\top)\|^2 \text{ is global}",
    hypotheses=[
        Hypothesis("rank-one", "symmetric sensing, factor width r = 1, b = A(zzᵀ) with a "
                   "rank-1 PSD ground truth zzᵀ",
                   "not tested: the threshold 1/2 is specific to rank 1 (Zhang, Sojoudi & Lavaei "
                   "2019; R. Y. Zhang 2022)",
                   check=check_rank_one),
        Hypothesis("rip-half", "the restricted isometry constant of order 2 satisfies δ₂ < 1/2",
                   "ZSL family with c > 1/2 (δ₂ = c): an exact spurious local minimum at "
                   "x = (0, ±√c) (REFUTED)", check=check_rip_half),
    ],
    conclusion="the complete exact landscape has no spurious local minimum",
    expected=Verdict.SUPPORTED,
    predictions=("R4",),
    tags=("exact", "conditions"),
    instance_run=no_spurious_minimum,
)
def zsl_rip_half(ctx: RunContext) -> Outcome:
    from mfverify.problems.sensing import zsl_family

    if ctx.dropping("rank-one"):
        return Outcome(Verdict.INCONCLUSIVE, {"reason": "no rank > 1 instance is constructed"},
                       "dropping rank-one is not tested: the 1/2 threshold is a rank-1 result")
    dropping = ctx.dropping("rip-half")
    if dropping:
        cs = ["11/20", "3/5"] if ctx.quick else ["51/100", "11/20", "3/5", "7/10", "9/10"]
    else:
        cs = ["0", "3/10", "9/20"] if ctx.quick else ["0", "1/10", "1/5", "3/10", "2/5",
                                                       "9/20", "49/100"]
    rows: list[dict[str, Any]] = []
    for c in cs:
        p = zsl_family(c)
        hyp = [check_rank_one(p), check_rip_half(p)]
        out = no_spurious_minimum(p, ctx)
        rows.append({"c": c, "rank-one": hyp[0][1], "rip-half": {"holds": hyp[1][0],
                                                                  "margin": hyp[1][1]},
                     "conclusion": str(out.verdict), "summary": out.summary,
                     "types": out.evidence.get("types"),
                     "counterexample": out.evidence.get("counterexample")})
        if not hyp[0][0]:
            return Outcome(Verdict.INCONCLUSIVE, {"instances": rows},
                           f"the ZSL instance c = {c} failed the rank-one check: {hyp[0][1]}")
        if not dropping and hyp[1][0] is not True:
            return Outcome(Verdict.INCONCLUSIVE, {"instances": rows},
                           f"δ₂ < 1/2 could not be established for c = {c}: {hyp[1][1]}")
    verdicts = [r["conclusion"] for r in rows]
    evidence: dict[str, Any] = {
        "method": "ZSL family (prediction R4, n = 2, δ₂ = c): δ₂ computed exactly by "
                  "restricted_isometry; complete stationary set classified exactly by "
                  "mfverify.symbolic.landscape",
        "instances": len(rows), "tolerance": 0,
        "tolerance_note": "each instance is decided exactly (no floating point); the verdict is "
                          "SUPPORTED because finitely many instances support a theorem about all",
        "per_instance": rows,
    }
    if dropping:
        refuted = [r for r in rows if r["conclusion"] == "REFUTED"]
        if refuted:
            return Outcome(Verdict.REFUTED, {**evidence, "counterexample": refuted[0]},
                           f"without δ₂ < 1/2 the conclusion fails: c = {refuted[0]['c']} "
                           f"(δ₂ = c > 1/2) has an exact spurious local minimum")
        return Outcome(Verdict.INCONCLUSIVE, evidence,
                       "with δ₂ > 1/2 no spurious minimum was found on these instances")
    if any(v == "REFUTED" for v in verdicts):
        bad = next(r for r in rows if r["conclusion"] == "REFUTED")
        return Outcome(Verdict.REFUTED, {**evidence, "counterexample": bad},
                       f"c = {bad['c']} satisfies δ₂ < 1/2 but has a spurious local minimum")
    if all(v == "PROVED" for v in verdicts):
        return Outcome(Verdict.SUPPORTED, evidence,
                       f"{len(rows)} instances with δ₂ = c < 1/2 (c = {', '.join(cs)}): each "
                       "complete exact landscape is free of spurious local minima")
    return Outcome(Verdict.INCONCLUSIVE, evidence,
                   "some instance's landscape could not be completed or classified")
