"""Ye & Du (NeurIPS 2021), Ye & Du 2021 and Y-P1: the algebraic identities behind the
analysis, proved exactly for small block sizes with :mod:`mfverify.derivation`.

Set-up (Ye & Du 2021): f(U, V) = ½‖UVᵀ − Σ‖²_F; GD U⁺ = U + η(Σ − UVᵀ)V, V⁺ = V + η(Σ − UVᵀ)ᵀU.
After the SVD reduction the bold matrices split into blocks: bold U = [U; J] (U is d×d, J is
m'×d), bold V = [V; K] (K is n'×d), bold Σ = [[Σ, 0], [0, 0]] (Σ is d×d).
Symmetrization (their §3): A = (U + V)/2, B = (U − V)/2, P = Σ − AAᵀ + BBᵀ, Q = ABᵀ − BAᵀ.

Each claim is an identity in the entries (independent symbols; Σ symmetric where the paper's
diagonal Σ is used, which is a special case), decided exactly for every size in a stated range
and, where the size bound of :mod:`mfverify.derivation.sizebound` applies and its sizes can be
expanded, for every size (the outcome's ``scope`` says which; block identities written as
Python callables stay "for these sizes"). Text identities are first compared in the free
algebra (:mod:`mfverify.derivation.freealgebra`): eq. (12), whose size bound needs d = 7, is
PROVED for every size that way, with no size expanded. Two misprints
of the version read are registered as expected refutations with their counterexamples: eq. (12)
with (B + ηPB) and the §3.2.5 continuous-time identity; the corrected forms are PROVED.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite
from mfverify.derivation import check_identity

from ._derivation_common import outcome as _outcome

PAPER = "yedu2021"

SIGMA_SYMMETRIC = Hypothesis(
    "sigma-symmetric",
    "the d×d block Σ is symmetric (in the paper it is diagonal after the SVD reduction)",
    "with a general Σ, P = Σ − AAᵀ + BBᵀ is not symmetric and the identity fails "
    "(the claim then reports the counterexample)",
)


def _sizes(ctx: RunContext, quick: str, full: str) -> str:
    return quick if ctx.quick else full


# ---------------------------------------------------------------------------------------------
# block dynamics (6)-(9) and the Frobenius split
# ---------------------------------------------------------------------------------------------

BLOCKS = {"U": "d x d", "V": "d x d", "J": "mp x d", "K": "np x d", "Sigma": "d x d",
          "eta": "scalar"}


def _bold(U: np.ndarray, V: np.ndarray, J: np.ndarray, K: np.ndarray, Sigma: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bold U = [U; J], bold V = [V; K], bold Σ = [[Σ, 0], [0, 0]] (zeros made in the entries'
    own exact arithmetic as 0·(a product of the right shape))."""
    bU = np.concatenate([U, J], axis=0)
    bV = np.concatenate([V, K], axis=0)
    z_top = (U @ K.T) * 0
    z_left = (J @ V.T) * 0
    z_corner = (J @ K.T) * 0
    bS = np.concatenate([np.concatenate([Sigma, z_top], axis=1),
                         np.concatenate([z_left, z_corner], axis=1)], axis=0)
    return bU, bV, bS


def _gd_blocks_true(U: Any, V: Any, J: Any, K: Any, Sigma: Any, eta: Any) -> np.ndarray:
    """One GD step on the bold matrices, blocks stacked [U⁺; J⁺; V⁺; K⁺]."""
    bU, bV, bS = _bold(U, V, J, K, Sigma)
    R = bS - bU @ bV.T
    bU1 = bU + eta * (R @ bV)
    bV1 = bV + eta * (R.T @ bU)
    d = U.shape[0]
    return np.concatenate([bU1[:d], bU1[d:], bV1[:d], bV1[d:]], axis=0)


def _gd_blocks_claimed(U: Any, V: Any, J: Any, K: Any, Sigma: Any, eta: Any) -> np.ndarray:
    """Eqs. (6)-(9), blocks stacked [U⁺; J⁺; V⁺; K⁺]."""
    R = Sigma - U @ V.T
    U1 = U + eta * (R @ V) - eta * (U @ K.T @ K)
    V1 = V + eta * (R.T @ U) - eta * (V @ J.T @ J)
    J1 = J - eta * (J @ (V.T @ V + K.T @ K))
    K1 = K - eta * (K @ (U.T @ U + J.T @ J))
    return np.concatenate([U1, J1, V1, K1], axis=0)


@claim(f"{PAPER}.block-dynamics", paper=PAPER,
       source="Ye & Du 2021, eqs. (6)–(9)",
       cites=[cite("yedu2021", "eqs. (6)–(9)")],
       provenance="stated",
       statement="One GD step on ½‖UVᵀ − Σ‖² with bold U = [U; J], bold V = [V; K], "
                 "bold Σ = [[Σ, 0], [0, 0]] acts on the blocks as (6)-(9): U⁺ = U + η(Σ − UVᵀ)V "
                 "− ηUKᵀK, V⁺ = V + η(Σ − UVᵀ)ᵀU − ηVJᵀJ, J⁺ = J − ηJ(VᵀV + KᵀK), "
                 "K⁺ = K − ηK(UᵀU + JᵀJ).",
       latex=r"U_{t+1} = U_t + \eta(\Sigma - U_tV_t^\top)V_t - \eta U_tK_t^\top K_t,\ \dots",
       conclusion="identity of matrices, exact for the stated block sizes",
       predictions=("Y-P1",), tags=("identity", "exact"))
def block_dynamics(ctx: RunContext) -> Outcome:
    res = check_identity((_gd_blocks_true, _gd_blocks_claimed), declare=BLOCKS,
                         sizes=_sizes(ctx, "d=1..3,mp=1..2,np=1..2", "d=1..4,mp=1..3,np=1..3"),
                         what="(6)-(9): GD on bold blocks == stacked block formulas")
    return _outcome([("eqs. (6)-(9)", res)])


def _frob_true(U: Any, V: Any, J: Any, K: Any, Sigma: Any) -> Any:
    bU, bV, bS = _bold(U, V, J, K, Sigma)
    R = bS - bU @ bV.T
    return (R * R).sum()


def _frob_split(U: Any, V: Any, J: Any, K: Any, Sigma: Any) -> Any:
    def sq(a: np.ndarray) -> Any:
        return (a * a).sum()

    return sq(Sigma - U @ V.T) + sq(U @ K.T) + sq(J @ V.T) + sq(J @ K.T)


@claim(f"{PAPER}.frobenius-split", paper=PAPER,
       source="Ye & Du 2021, §3 (exact error split of the block decomposition)",
       cites=[cite("yedu2021", "§3")],
       provenance="stated",
       statement="‖bold Σ − bold U bold Vᵀ‖²_F = ‖Σ − UVᵀ‖²_F + ‖UKᵀ‖²_F + ‖JVᵀ‖²_F + "
                 "‖JKᵀ‖²_F.",
       latex=r"\|\mathbf\Sigma-\mathbf U\mathbf V^\top\|_F^2=\|\Sigma-UV^\top\|_F^2+"
             r"\|UK^\top\|_F^2+\|JV^\top\|_F^2+\|JK^\top\|_F^2",
       predictions=("Y-P1",), tags=("identity", "exact"))
def frobenius_split(ctx: RunContext) -> Outcome:
    decl = {k: v for k, v in BLOCKS.items() if k != "eta"}
    res = check_identity((_frob_true, _frob_split), declare=decl,
                         sizes=_sizes(ctx, "d=1..3,mp=1..2,np=1..2", "d=1..4,mp=1..3,np=1..3"),
                         what="Frobenius split of the bold residual")
    return _outcome([("Frobenius split", res)])


# ---------------------------------------------------------------------------------------------
# symmetrization: Σ − UVᵀ = P + Q and (10)-(11) with C, D of (13)-(14)
# ---------------------------------------------------------------------------------------------

SYM_DEFS = ["A = (U + V)/2", "B = (U - V)/2", "P = Sigma - A*A.T + B*B.T",
            "Q = A*B.T - B*A.T"]


@claim(f"{PAPER}.residual-split", paper=PAPER,
       source="Ye & Du 2021, §3, symmetrization (Σ − UVᵀ = P + Q)",
       cites=[cite("yedu2021", "§3, symmetrization")],
       provenance="stated",
       statement="With A = (U+V)/2, B = (U−V)/2, P = Σ − AAᵀ + BBᵀ and Q = ABᵀ − BAᵀ: "
                 "Σ − UVᵀ = P + Q (for any d×d Σ).",
       latex=r"\Sigma - UV^\top = P + Q",
       predictions=("Y-P1",), tags=("identity", "exact"))
def residual_split(ctx: RunContext) -> Outcome:
    res = check_identity("Sigma - U*V.T == P + Q",
                         declare={"U": "d x d", "V": "d x d", "Sigma": "d x d"},
                         where=SYM_DEFS, sizes=_sizes(ctx, "1..3", "1..4"))
    return _outcome([("Sigma - U V^T = P + Q", res)])


UPDATE_DEFS = SYM_DEFS + [
    "Up = U + eta*(Sigma - U*V.T)*V - eta*U*K.T*K",   # (6)
    "Vp = V + eta*(Sigma - U*V.T).T*U - eta*V*J.T*J",  # (7)
    "C = -A*B.T*B + B*A.T*B - A*(K.T*K + J.T*J)/2 - B*(K.T*K - J.T*J)/2",  # (13)
    "D = A*B.T*A - B*A.T*A - A*(K.T*K - J.T*J)/2 - B*(K.T*K + J.T*J)/2",   # (14)
]


@claim(f"{PAPER}.symmetrized-dynamics", paper=PAPER,
       source="Ye & Du 2021, eqs. (10)–(11) with C, D of eqs. (13)–(14)",
       cites=[cite("yedu2021", "eqs. (10)–(11), (13)–(14)")],
       provenance="stated",
       statement="Along (6)-(7), A⁺ = (U⁺+V⁺)/2 = A + η(PA + C) and B⁺ = (U⁺−V⁺)/2 = "
                 "B + η(−PB + D), with C = −ABᵀB + BAᵀB − A(KᵀK + JᵀJ)/2 − B(KᵀK − JᵀJ)/2 and "
                 "D = ABᵀA − BAᵀA − A(KᵀK − JᵀJ)/2 − B(KᵀK + JᵀJ)/2.",
       latex=r"A_{t+1} = A_t + \eta(P_tA_t + C_t),\quad B_{t+1} = B_t + \eta(-P_tB_t + D_t)",
       hypotheses=(SIGMA_SYMMETRIC,),
       predictions=("Y-P1",), tags=("identity", "exact"))
def symmetrized_dynamics(ctx: RunContext) -> Outcome:
    decl = dict(BLOCKS)
    decl["Sigma"] = "d x d" if ctx.dropping("sigma-symmetric") else "d x d symmetric"
    sizes = _sizes(ctx, "d=1..3,mp=1..2,np=1..2", "d=1..4,mp=1..3,np=1..3")
    a = check_identity("(Up + Vp)/2 == A + eta*(P*A + C)", declare=decl, where=UPDATE_DEFS,
                       sizes=sizes)
    b = check_identity("(Up - Vp)/2 == B + eta*(-P*B + D)", declare=decl, where=UPDATE_DEFS,
                       sizes=sizes)
    return _outcome([("(10) A update", a), ("(11) B update", b)])


# ---------------------------------------------------------------------------------------------
# eq. (12): printed (wrong sign) and corrected
# ---------------------------------------------------------------------------------------------

EQ12_DECL = {"A": "d x d", "B": "d x d", "C": "d x d", "D": "d x d",
             "Sigma": "d x d symmetric", "eta": "scalar"}
EQ12_DEFS = ["P = Sigma - A*A.T + B*B.T", "Ap = A + eta*(P*A + C)", "Bp = B + eta*(-P*B + D)",
             "Pnext = Sigma - Ap*Ap.T + Bp*Bp.T"]


def eq12_rhs(sign: str) -> str:
    """The right side of eq. (12) with (B ± ηPB) (``sign`` is "+" as printed, "-" corrected)."""
    return ("P - eta*P*(Sigma - P) - eta*(Sigma - P)*P + eta^2*(P^3 - P*Sigma*P) "
            "- 2*eta*B*B.T*P - 2*eta*P*B*B.T - eta*(A + eta*P*A)*C.T - eta*C*(A + eta*P*A).T "
            f"- eta^2*C*C.T + eta*(B {sign} eta*P*B)*D.T + eta*D*(B {sign} eta*P*B).T "
            "+ eta^2*D*D.T")


_EQ12_STATEMENT = ("With A⁺ = A + η(PA + C), B⁺ = B + η(−PB + D) and P⁺ = Σ − A⁺A⁺ᵀ + B⁺B⁺ᵀ: "
                   "P⁺ = P − ηP(Σ−P) − η(Σ−P)P + η²(P³ − PΣP) − 2ηBBᵀP − 2ηPBBᵀ "
                   "− η(A + ηPA)Cᵀ − ηC(A + ηPA)ᵀ − η²CCᵀ + η(B {s} ηPB)Dᵀ + ηD(B {s} ηPB)ᵀ "
                   "+ η²DDᵀ (C, D arbitrary d×d matrices).")


@claim(f"{PAPER}.eq12-as-printed", paper=PAPER,
       source=("Ye & Du 2021, eq. (12) as printed in the NeurIPS submission version (a "
               "misprint: REFUTED as expected)"),
       cites=[cite("yedu2021", "eq. (12)")],
       provenance="stated",
       statement=_EQ12_STATEMENT.format(s="+"),
       latex=r"\dots + \eta(B_t + \eta P_tB_t)D_t^\top + \eta D_t(B_t + \eta P_tB_t)^\top + \dots",
       expected=Verdict.REFUTED, predictions=("Y-P1",), tags=("identity", "exact", "erratum"))
def eq12_printed(ctx: RunContext) -> Outcome:
    res = check_identity(f"Pnext == {eq12_rhs('+')}", declare=EQ12_DECL, where=EQ12_DEFS,
                         sizes=_sizes(ctx, "1..3", "1..4"))
    return _outcome([("eq. (12) as printed (B + eta P B)", res)])


@claim(f"{PAPER}.eq12-corrected", paper=PAPER,
       source="Ye & Du 2021, eq. (12) with the sign of the (B ± ηPB) factors corrected here",
       cites=[cite("yedu2021", "eq. (12)")],
       provenance="derived",
       statement=_EQ12_STATEMENT.format(s="−"),
       latex=r"\dots + \eta(B_t - \eta P_tB_t)D_t^\top + \eta D_t(B_t - \eta P_tB_t)^\top + \dots",
       hypotheses=(SIGMA_SYMMETRIC,),
       predictions=("Y-P1",), tags=("identity", "exact", "erratum"))
def eq12_corrected(ctx: RunContext) -> Outcome:
    decl = dict(EQ12_DECL)
    if ctx.dropping("sigma-symmetric"):
        decl["Sigma"] = "d x d"
    res = check_identity(f"Pnext == {eq12_rhs('-')}", declare=decl, where=EQ12_DEFS,
                         sizes=_sizes(ctx, "1..3", "1..4"))
    return _outcome([("eq. (12) corrected (B - eta P B)", res)])


# ---------------------------------------------------------------------------------------------
# §3.2.5 continuous-time identity for ‖B‖²
# ---------------------------------------------------------------------------------------------

CT_DECL = {"A": "d x d", "B": "d x d", "Sigma": "d x d symmetric"}
CT_DEFS = ["P = Sigma - A*A.T + B*B.T", "Q = A*B.T - B*A.T"]
CT_FLOW = {"A": "P*A - Q*B", "B": "-P*B + Q*A"}


@claim(f"{PAPER}.ct-b-identity-as-printed", paper=PAPER,
       source=("Ye & Du 2021, §3.2.5, continuous-time identity for ‖B‖² as printed in the "
               "NeurIPS submission version (a misprint: REFUTED as expected)"),
       cites=[cite("yedu2021", "§3.2.5")],
       provenance="stated",
       statement="Along Ȧ = PA − QB, Ḃ = −PB + QA (J = K = 0): d/dt‖B‖²_F = 2⟨B, Ḃ⟩ = "
                 "Tr(BᵀPB) − ½‖Q‖²_F.",
       latex=r"\frac{d}{dt}\|B\|_F^2 = \mathrm{Tr}(B^\top PB) - \tfrac12\|Q\|_F^2",
       expected=Verdict.REFUTED, predictions=("Y-P1",), tags=("identity", "exact", "erratum"))
def ct_b_printed(ctx: RunContext) -> Outcome:
    res = check_identity("d/dt norm(B)^2 == trace(B.T*P*B) - 1/2*norm(Q)^2", declare=CT_DECL,
                         where=CT_DEFS, flow=CT_FLOW, sizes=_sizes(ctx, "1..3", "1..4"))
    return _outcome([("d/dt |B|^2 as printed", res)])


@claim(f"{PAPER}.ct-b-identity-corrected", paper=PAPER,
       source=("Ye & Du 2021, §3.2.5, continuous-time identity for ‖B‖² corrected here "
               "(consistent with their inequality (19))"),
       cites=[cite("yedu2021", "§3.2.5, ineq. (19)")],
       provenance="derived",
       statement="Along Ȧ = PA − QB, Ḃ = −PB + QA (J = K = 0): d/dt‖B‖²_F = 2⟨B, Ḃ⟩ = "
                 "−2Tr(BᵀPB) − ‖Q‖²_F.",
       latex=r"\frac{d}{dt}\|B\|_F^2 = -2\,\mathrm{Tr}(B^\top PB) - \|Q\|_F^2",
       predictions=("Y-P1",), tags=("identity", "exact", "erratum"))
def ct_b_corrected(ctx: RunContext) -> Outcome:
    sizes = _sizes(ctx, "1..3", "1..4")
    a = check_identity("d/dt norm(B)^2 == -2*trace(B.T*P*B) - norm(Q)^2", declare=CT_DECL,
                       where=CT_DEFS, flow=CT_FLOW, sizes=sizes)
    b = check_identity("d/dt norm(B)^2 == 2*inner(B, -P*B + Q*A)", declare=CT_DECL,
                       where=CT_DEFS, flow=CT_FLOW, sizes=sizes)
    return _outcome([("d/dt |B|^2 = -2 Tr(B^T P B) - |Q|^2", a),
                     ("d/dt |B|^2 = 2 <B, dB/dt>", b)])


# ---------------------------------------------------------------------------------------------
# GD imbalance drift (Y-P1, R7) and its gradient-flow counterpart
# ---------------------------------------------------------------------------------------------

DRIFT_DECL = {"U": "m x r", "V": "n x r", "Sigma": "m x n", "eta": "scalar"}
DRIFT_DEFS = ["R = Sigma - U*V.T", "Up = U + eta*R*V", "Vp = V + eta*R.T*U"]


@claim(f"{PAPER}.gd-imbalance-drift", paper=PAPER,
       source=("Du, Hu & Lee 2018 (conserved imbalance under the flow), as used by Ye & Du "
               "2021 §3; the exact GD drift is derived here"),
       cites=[cite("duhulee2018", "conserved imbalance"), cite("yedu2021", "§3")],
       provenance="derived",
       statement="For GD U⁺ = U + ηRV, V⁺ = V + ηRᵀU with R = Σ − UVᵀ: (U⁺ᵀU⁺ − V⁺ᵀV⁺) − "
                 "(UᵀU − VᵀV) = η²(VᵀRᵀRV − UᵀRRᵀU); along the gradient flow U̇ = RV, "
                 "V̇ = RᵀU, d/dt(UᵀU − VᵀV) = 0.",
       latex=r"\Delta(U^\top U - V^\top V) = \eta^2(V^\top R^\top RV - U^\top RR^\top U)",
       predictions=("Y-P1", "R7"), tags=("identity", "exact"))
def gd_imbalance_drift(ctx: RunContext) -> Outcome:
    sizes = _sizes(ctx, "1..3", "1..4")
    a = check_identity("Up.T*Up - Vp.T*Vp - (U.T*U - V.T*V) == "
                       "eta^2*(V.T*R.T*R*V - U.T*R*R.T*U)",
                       declare=DRIFT_DECL, where=DRIFT_DEFS, sizes=sizes)
    b = check_identity("d/dt (U.T*U - V.T*V) == 0*(U.T*U)",
                       declare={k: v for k, v in DRIFT_DECL.items() if k != "eta"},
                       where=["R = Sigma - U*V.T"], flow={"U": "R*V", "V": "R.T*U"}, sizes=sizes)
    return _outcome([("GD drift", a), ("gradient flow conserves U^T U - V^T V", b)])
