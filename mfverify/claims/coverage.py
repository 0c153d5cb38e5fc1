"""Which predictions the catalog must cover.

A *prediction* is a concrete, checkable consequence of a paper that the project formulated (the
ids ``L-P1``…``L-P7`` for Li et al. 2019, ``Y-P1``…``Y-P7`` for Ye & Du 2021, ``E-P1``…``E-P4``
for Eftekhari 2021, ``M-P1``…``M-P6`` for Mohammadi et al. 2024, ``R1``…``R11`` for the related
results); each is defined, with its citation, in ``docs/predictions.md``, which
``tests/test_citations.py`` keeps equal to :data:`PREDICTIONS`. :data:`CROSS_CHECKS` lists the
cross-paper checks ``X1``…``X5`` with the claim ids that carry them. ``tests/test_catalog.py``
asserts that each checkable prediction is named in the ``predictions`` of at least one
registered claim, and that each cross check has a registered claim.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import Claim

__all__ = ["Prediction", "PREDICTIONS", "CROSS_CHECKS", "checkable_predictions",
           "coverage_table"]


@dataclass(frozen=True)
class Prediction:
    """One prediction (defined in ``docs/predictions.md``).

    Attributes
    ----------
    id
        The prediction id (``L-P3``, ``R6``, ...).
    where
        The source, by authors, year and theorem / equation / section (or "abstract").
    what
        The prediction in a few words.
    checkable
        Whether mfverify can check it (exactly or numerically).
    reason
        For a non-checkable prediction: why not. For a partly checkable one: what part is
        checked.
    """

    id: str
    where: str
    what: str
    checkable: bool = True
    reason: str = ""


_P = Prediction

PREDICTIONS: dict[str, Prediction] = {p.id: p for p in [
    # Li et al. 2019 (docs/paper-li2019.md)
    _P("L-P1", "Li et al. 2019, abstract; (S1)–(S2)",
       "n=2, r=1, M=diag(λ1,λ2): 5 stationary points, exact Hessian eigenvalues, only ±√λ1 e1 "
       "minima"),
    _P("L-P2", "Li et al. 2019, abstract; (S1)–(S2)",
       "n=3, r=2, M=diag(3,2,1): 7 O(2)-orbit classes, f* = 1/4"),
    _P("L-P3", "Li et al. 2019, abstract; Hessian table",
       "full Hessian spectrum at every stationary point equals the Hessian spectrum table of "
       "docs/paper-li2019.md (n <= 6, all S, random Ψ)"),
    _P("L-P4", "Li et al. 2019, abstract; (H2), (H3)",
       "Hessian null space at minima: orbit tangent (exact) plus (n−r*)(r−r*) extra directions "
       "(over-parametrized)"),
    _P("L-P5", "Li et al. 2019, abstract; (G1), (G2)",
       "O(r) equivariance of f, ∇f, ∇²f"),
    _P("L-P6", "Li et al. 2019, abstract; (H1), (H2)",
       "sharp ceilings on the saddle-region and minimum-region constants: max saddle λ_min = "
       "−λ_{r*}, min nonzero eigenvalue at minima = λ_{r*}"),
    _P("L-P7", "Valavi, Liu & Ramadge 2020, abstract (= R8)",
       "unbalanced asymmetric saddle curvature λ_min → 0⁻ along the c-sweep"),
    # Ye & Du 2021 (docs/paper-yedu2021.md)
    _P("Y-P1", "Ye & Du 2021, eqs. (6)–(14)",
       "identities (6)–(11), P+Q, Frobenius split, corrected eq. (12), GD imbalance drift, "
       "conserved U^TU − V^TV"),
    _P("Y-P2", "Ye & Du 2021, Lemmas 3.2, 3.3",
       "property tests of the lemmas on random instances satisfying the hypotheses"),
    _P("Y-P3", "Ye & Du 2021, proof of Theorem 3.1",
       "||J_t||, ||K_t|| non-increasing along GD with η <= 1/(3σ1)"),
    _P("Y-P4", "Ye & Du 2021, §1 tightness example",
       "scalar ODE ȧ = (σ − a²)a against its closed form and hitting time at high precision"),
    _P("Y-P5", "Ye & Du 2021, §2.2",
       "trajectory shape: σ_d(A_t) increasing, ||B_t|| = O(dε), ||J||, ||K|| non-increasing"),
    _P("Y-P6", "Ye & Du 2021, Theorem 1.1",
       "iteration scaling: T(δ) affine in ln(1/δ) and ln(1/ε) with slopes Θ(1/(ησ_d))"),
    _P("Y-P7", "Ye & Du 2021, §3; Du, Hu & Lee 2018",
       "auto-balancing: ||U^TU − V^TV|| stays O(ε² poly(d)) + Σ η²(...)"),
    # Eftekhari 2021 (docs/paper-eftekhari2021.md)
    _P("E-P1", "Eftekhari 2021, abstract; (E1)",
       "rank preservation along the flow of any ψ(UU^T)"),
    _P("E-P2", "Eftekhari 2021, abstract; (E3)",
       "rank-1 start with rank-2 M converges to the best rank-1 approximation, f → λ2²/4"),
    _P("E-P3", "Burer & Monteiro 2005; (E4)",
       "rank-deficient second-order KKT points are global (Burer–Monteiro certificate)"),
    _P("E-P4", "Eftekhari 2021, abstract (reconstruction)",
       "primal–dual (GDA) template reaches the feasible set and the SDP optimum (sanity; the "
       "paper's algorithm is not public)",
       reason="checked only as a sanity check of the reconstructed template: the paper's merit "
              "function, step sizes and constants are not public"),
    # Mohammadi et al. 2024 (docs/paper-mohammadi2024.md)
    _P("M-P1", "Mohammadi et al. 2024, abstract; cascade",
       "three-subsystem cascade (i)–(iii) derived symbolically"),
    _P("M-P2", "Mohammadi et al. 2024, abstract; cascade (i)",
       "S(t) closed form, ||S(t)|| <= 1/(2t), t||XX^T − M|| → 1/2"),
    _P("M-P3", "Mohammadi et al. 2024, abstract",
       "exact parametrization: S ≡ 0 and log-slope −λ_r"),
    _P("M-P4", "Mohammadi et al. 2024, abstract; cascade (i)–(ii)",
       "indefinite M: ||S(t)|| <= μ/(e^{2μt} − 1), ||K(t)|| <= e^{−λ t}||K0||"),
    _P("M-P5", "Mohammadi et al. 2024, abstract",
       "Jacobian spectrum at each equilibrium class = −(Hessian table of docs/paper-li2019.md); "
       "instability criterion"),
    _P("M-P6", "Mohammadi et al. 2024; Xiong, Ding & Du 2024",
       "GD: η t ||X_t X_t^T − M|| → √k/2"),
    # Related results (docs/paper-related.md)
    _P("R1", "Xiong, Ding & Du 2024, abstract",
       "over-parametrized GD slows to Θ(1/T²); sharp constant √(min(k,n) − r)/2 for pure "
       "factorization"),
    _P("R2", "Ward & Kolda 2023, abstract",
       "alternating GD reaches relative error ε in O(κ² log(1/ε)) steps (constants unverified: "
       "scaling checked only)"),
    _P("R3", "Stöger & Soltanolkotabi 2021",
       "best early-stopped error decreases polynomially as the init scale α → 0, independently of"
       " the width (qualitative)"),
    _P("R4", "Zhang, Sojoudi & Lavaei 2019, abstract",
       "rank-1 sensing: RIP δ < 1/2 ⇒ no spurious local minima; explicit family with δ = c"),
    _P("R5", "Ge, Jin & Zheng 2017",
       "GJZ identity ∇²f[Δ,Δ] − 4<∇f,Δ> = 2||ΔΔ^T||² − 6||UU^T − M||²"),
    _P("R6", "R. Y. Zhang 2022, abstract",
       "algebraic form of the over-parametrization threshold (r > ¼(L/μ − 1)² r* ⟺ δ < 1/(1 + "
       "√(r*/r)))",
       reason="only the (derived) algebra of the threshold is checked; the theorem itself is not "
              "proved by mfverify"),
    _P("R7", "Du, Hu, Lee 2018",
       "conserved U^TU − V^TV (flow) and exact GD drift"),
    _P("R8", "Valavi, Liu & Ramadge 2020, abstract",
       "= L-P7 (unbalanced saddle curvature → 0)"),
    _P("R9", "Tu et al. 2016, Lemma 5.4",
       "Procrustes inequality dist² <= ||UU^T − XX^T||² / (2(√2−1)σ_r²)"),
    _P("R10", "Tarmoun et al. 2021, abstract",
       "closed-form Riccati solution of the Gramian dynamics against the ODE"),
    _P("R11", "Jiang, Chen & Ding 2022, abstract",
       "small-init GD learns components sequentially; early stopping gives the best low-rank "
       "approximation (qualitative)"),
]}


#: Cross-paper checks (docs/predictions.md): id -> (description, claim ids that carry it).
CROSS_CHECKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "X1": ("Mohammadi O(1/t) ↔ XDD Ω(1/T²)", ("cross.mohammadi-xdd-rate",)),
    "X2": ("Li null-space count (n−r*)(r−r*) ↔ Mohammadi Λ2 = 0",
            ("cross.li-nullspace-mohammadi-lambda2",)),
    "X3": ("Eftekhari rank preservation ↔ Mohammadi cascade (rank-deficient trap)",
            ("cross.rank-deficient-trap",)),
    "X4": ("ZSL δ < 1/2 ↔ Zhang 2022 L/μ < 3", ("cross.zsl-zhang-equivalence",)),
    "X5": ("Ye–Du symmetrized S-dynamics ↔ Mohammadi P1 equation",
            ("cross.yedu-mohammadi-s-dynamics",)),
}


def checkable_predictions() -> list[str]:
    """Ids of the predictions the catalog must cover (ordered as in docs/predictions.md)."""
    return [p.id for p in PREDICTIONS.values() if p.checkable]


def coverage_table(claims: Iterable[Claim]) -> dict[str, list[str]]:
    """Prediction id -> ids of the registered claims that name it (empty list: a gap)."""
    table: dict[str, list[str]] = {pid: [] for pid in PREDICTIONS}
    for c in claims:
        for pid in c.predictions:
            if pid in table:
                table[pid].append(c.id)
    # R8 (Valavi, Liu & Ramadge 2020) is checked by the claims of L-P7
    if not table["R8"]:
        table["R8"] = list(table["L-P7"])
    return table
