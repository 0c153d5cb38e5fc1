"""Kawaguchi (2016), "Deep learning without poor local minima", NeurIPS, Theorem 2.3 (ii) and
(iv), checked by complete exact landscapes of small depth-3 networks.

``kawaguchi2016.exact-landscape``: for f = ½‖W₃W₂W₁X − Y‖²_F with X = I₂, Y = (2, 0) and
widths d = (2, 2, 1, 1) and (2, 1, 2, 1) (a hidden layer of width 2), the exact landscape engine
(:func:`mfverify.symbolic.landscape`, through the ``DeepLinearNetwork`` family and its GL chain
group) enumerates the whole real stationary set, proves the Hessian inertia constant on every
stratum and classifies each one: no spurious local minimum (every local minimum is global,
(ii)), and the origin is a saddle with zero Hessian (no negative eigenvalue, (iv)), decided by a
descent curve of order 3. PROVED for these sizes only. The theorem's data hypotheses hold
exactly: XXᵀ = I and XYᵀ = Yᵀ have full rank, and YXᵀ(XXᵀ)⁻¹XYᵀ = (4) has distinct
eigenvalues. With X = I any nonzero 1×2 target is (‖Y‖, 0)·Q for a rotation Q, absorbed by
W₁ ↦ W₁Q, so Y = (2, 0) is no loss of generality.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite

__all__ = ["exact_landscape", "network_report"]

X = [[1, 0], [0, 1]]
Y = [[2, 0]]
WIDTHS = ([2, 1], [1, 2])
BAD = ("spurious_local_min", "local_min", "local_max", "degenerate_unresolved")


def _data_hypotheses() -> dict[str, Any]:
    Xm, Ym = sp.Matrix(X), sp.Matrix(Y)
    S = Ym * Xm.T * (Xm * Xm.T).inv() * Xm * Ym.T
    ev = list(S.eigenvals())
    return {"XX^T_full_rank": (Xm * Xm.T).rank() == Xm.rows,
            "XY^T_full_rank": (Xm * Ym.T).rank() == min(Xm.rows, Ym.rows),
            "distinct_eigenvalues": len(ev) == S.rows, "YX^T(XX^T)^-1XY^T": str(S.tolist())}


def network_report(widths: list[int], budget: float) -> dict[str, Any]:
    """The landscape of one network, summarized (types, origin, completeness)."""
    from mfverify.problems import DeepLinearNetwork
    from mfverify.symbolic import landscape

    p = DeepLinearNetwork(X, Y, widths)
    L = landscape(p, budget=budget)
    origin = [c for c in L.components if c.dimension == 0
              and all(v == 0 for W in c.representative.values() for v in W.reshape(-1))]
    o = origin[0] if len(origin) == 1 else None
    return {"dims": p.dims, "complete": L.complete, "reason": L.reason,
            "seconds": round(L.seconds, 2), "group": L.evidence["symmetry"]["group"],
            "global_min_value": str(L.global_min_value),
            "components": [(c.type, c.dimension, list(c.inertia), str(c.value))
                           for c in L.components],
            "bad": [c.type for c in L.components if c.type in BAD],
            "origin": None if o is None else {
                "type": o.type, "inertia": list(o.inertia),
                "zero_hessian": o.hessian_eigenvalues == [0] * sum(o.inertia),
                "descent_order": None if o.descent_curve is None else o.descent_curve.order,
                "descent_coefficient": None if o.descent_curve is None
                else str(o.descent_curve.coefficient)}}


@claim(
    "kawaguchi2016.exact-landscape",
    paper="kawaguchi2016",
    source="Kawaguchi 2016, NeurIPS, Theorem 2.3 (ii) and (iv)",
    cites=[cite("kawaguchi2016", "Theorem 2.3 (ii), (iv)")],
    provenance="stated",
    statement="Depth-3 networks ½‖W₃W₂W₁X − Y‖² with X = I₂, Y = (2, 0), widths 2-2-1-1 and "
              "2-1-2-1: the complete exact landscape has no spurious local minimum and the "
              "origin is a saddle with zero Hessian (exact, these sizes).",
    latex=r"\text{local min}\Rightarrow\text{global};\ \nabla^2 f(0)=0,\ 0\ \text{a saddle}",
    hypotheses=[Hypothesis("full-rank-data", "XXᵀ and XYᵀ have full rank and "
                           "YXᵀ(XXᵀ)⁻¹XYᵀ has distinct eigenvalues", "not tested")],
    tags=("deep_linear", "exact", "landscape"),
)
def exact_landscape(ctx: RunContext) -> Outcome:
    hyp = _data_hypotheses()
    budget = float(ctx.options.get("budget", 60 if ctx.quick else 180))
    rows = [network_report(w, budget) for w in WIDTHS]
    ev = {"method": "exact landscape engine (solve → group → classify, strata of proved "
                    "constant inertia), DeepLinearNetwork family, X = I₂, Y = (2, 0)",
          "data_hypotheses": hyp, "networks": rows}
    if not all(v for k, v in hyp.items() if k != "YX^T(XX^T)^-1XY^T"):
        return Outcome(Verdict.INCONCLUSIVE, ev, "the data hypotheses do not hold")
    incomplete = [r["dims"] for r in rows if not r["complete"]]
    if incomplete:
        return Outcome(Verdict.INCONCLUSIVE, ev, f"landscape not complete for {incomplete}: "
                       + "; ".join(r["reason"] for r in rows if not r["complete"]))
    bad = [(r["dims"], r["bad"]) for r in rows if r["bad"]]
    if bad:
        return Outcome(Verdict.REFUTED, ev, f"spurious or unresolved components: {bad}")
    ok = all(r["origin"] and r["origin"]["type"] == "degenerate_saddle"
             and r["origin"]["zero_hessian"] for r in rows)
    if not ok:
        return Outcome(Verdict.REFUTED, ev, "the origin is not a saddle with zero Hessian")
    return Outcome(Verdict.PROVED, ev, "widths 2-2-1-1 and 2-1-2-1: complete exact landscapes, "
                   "no spurious local minimum, the origin a saddle with zero Hessian (descent "
                   "of order 3)")
