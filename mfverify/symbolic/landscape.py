"""``landscape(problem)``: the complete real stationary set of a small instance, classified.

Three steps, each readable on its own:

1. **solve** (:mod:`mfverify.symbolic.landscape_solve`): ∇f = 0 in the charts of the quotient
   strategy of the proved group, or through a structure theorem;
2. **group** (:mod:`mfverify.symbolic.landscape_group`): points into orbits, pieces into orbits,
   minimum-value pieces, and strata of proved constant inertia
   (:mod:`mfverify.symbolic.stratify`);
3. **classify** (:mod:`mfverify.symbolic.landscape_classify`): the type of every group.

The group is proved from f first (:func:`~mfverify.symbolic.symmetry.verify_invariance`), and
the engine asks it for its quotient strategy (:func:`~mfverify.symbolic.quotients.quotient_for`).
See :mod:`mfverify.symbolic.stationary` for why the solutions are complete and
:mod:`mfverify.symbolic.classify` for the exact inertia. The completeness argument of each run
is written into ``Landscape.evidence["completeness"]``.
"""

from __future__ import annotations

import time
from typing import Any

import sympy as sp

from ..errors import BudgetExceeded, InputError, UnsupportedError
from ..problems.base import Problem
from ..progress import ProgressCallback, tracker
from .classify import Classifier, global_min_certificate
from .glstrata import Stratification
from .landscape_classify import classify_stage, generic_pieces, global_min_of, unglue_records
from .landscape_group import Grouped, group_stage
from .landscape_solve import Solved, solve_stage
from .landscape_zerodim import zerodim_landscape
from .orbit_construction import STRATEGIES, orbit_solve
from .quotients import quotient_for
from .result import Component, Landscape
from .stationary import Budget, objective_polynomial
from .symmetry import verify_invariance

__all__ = ["landscape", "LANDSCAPE_STAGES"]

#: The stages :func:`landscape` reports to its ``progress`` callback, in order.
LANDSCAPE_STAGES = ("expanding the objective", "symmetry and global-minimum certificate",
                    "solving for the stationary set", "grouping the solutions",
                    "classifying the components")


def _not_polynomial(problem: Problem, t0: float) -> Landscape:
    why_not = ("the objective is not a polynomial with rational coefficients in the "
               "variables; the exact engine does not apply")
    return Landscape(problem=problem.describe(), complete=False, components=[],
                     global_min_value=None, reason=why_not, method="none",
                     seconds=time.perf_counter() - t0, evidence={"completeness": why_not})


def _not_started(problem: Problem, t0: float, exc: BudgetExceeded) -> Landscape:
    return Landscape(problem=problem.describe(), complete=False, components=[],
                     global_min_value=None, reason=str(exc), method="none",
                     seconds=time.perf_counter() - t0,
                     evidence={"completeness": f"not started: {exc}"})


def _grace(B: Budget) -> Budget:
    """The grace period after an overrun, to group and classify what was found: 10% of the
    budget plus 1 s (so that the whole run stays within 1.1·budget + 1 s)."""
    assert B.seconds is not None
    return Budget(0.1 * B.seconds + 1.0, max_degree=B.max_degree, what=B.what)


def _strategy_hook(strategy: str, problem: Problem, f: sp.Expr, gens: list[sp.Symbol],
                   B: Budget, evidence: dict[str, Any]) -> Solved | None:
    """The structure theorems consulted before the charts: with ``strategy="auto"`` the orbit
    construction of symmetric MF (:mod:`mfverify.symbolic.orbit_construction`) when it provably
    applies; ``"groebner"`` never (the stationary set then comes from the charts and Gröbner
    bases, or from the repeated-eigenvalue and GL(r) structure theorems where the charts alone
    cannot describe it)."""
    evidence["strategy"] = strategy
    if strategy != "auto":
        return None
    try:
        with B.alarm("orbit construction"):
            return orbit_solve(problem, f, gens, B, evidence)
    except BudgetExceeded as exc:
        evidence["orbit_construction"] = f"not finished: {exc}"
        return None


def landscape(problem: Problem, *, budget: float | Budget | None = 60.0, seed: int = 0,
              progress: ProgressCallback | None = None, strategy: str = "auto") -> Landscape:
    """The complete real stationary set of ``problem`` with every component classified exactly.

    Parameters
    ----------
    problem
        Any :class:`~mfverify.problems.Problem` whose objective is a polynomial with rational
        coefficients in its variables (small sizes: a few to ~10 unknowns).
    budget
        Seconds (or a :class:`Budget`); when exceeded the result is INCONCLUSIVE
        (``complete = False``) with the components found so far.
    seed
        Seed of the random choices (separating linear forms, gauge rotation, test directions).
    progress
        A :data:`mfverify.progress.ProgressCallback`, told of each of the
        :data:`LANDSCAPE_STAGES` as it starts (default: nothing is reported).
    strategy
        ``"auto"`` (default): take a proved structure theorem first, here the orbit
        construction of symmetric MF c·‖XXᵀ − M‖² with M rational (every stationary point is
        [V_S·diag(√λ_S), 0]·Q, Q ∈ O(r); Hessian spectrum from the λ's; a rational spectrum,
        or simple irrational eigenvalues within a number-field degree limit), else the
        charts; ``"groebner"``: never the orbit construction (an independent path, used by the
        claims that check that very theorem).

    Returns
    -------
    Landscape
        ``complete`` is True only when the set is provably complete and classified. Every
        ``dimension`` is that of a set in the original coordinates (an orbit or the group
        saturation of a stratum of a chart; :class:`~mfverify.symbolic.result.Component`).
        ``evidence["quotient"]`` names how the stationary set was solved: the quotient
        strategy whose charts were solved (``"gauge"``, ``"charts"``, ``"none"``; ``"none"``
        also for the zero-dimensional full-system path of a finite group), or
        ``"orbit construction"``.
    """
    if strategy not in STRATEGIES:
        raise InputError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    t0 = time.perf_counter()
    B = budget if isinstance(budget, Budget) else Budget(budget, what="landscape")
    stage = tracker(progress, "landscape", len(LANDSCAPE_STAGES)).step
    stage(LANDSCAPE_STAGES[0], n=0)
    try:
        with B.alarm("expanding the objective"):
            f, gens = objective_polynomial(problem)
            try:
                rational = all(c.is_Rational for c in sp.Poly(f, *gens).coeffs())
            except sp.PolynomialError:
                rational = False
    except BudgetExceeded as exc:
        return _not_started(problem, t0, exc)
    if not rational:
        return _not_polynomial(problem, t0)
    # ---- group: prove the symmetry, ask for its quotient strategy ---------------------------
    stage(LANDSCAPE_STAGES[1])
    try:
        with B.alarm("verifying the symmetry and the global-minimum certificate"):
            proof = verify_invariance(problem, f, gens)
            quotient = quotient_for(problem, gens, proof)
            cert, cert_reason = global_min_certificate(problem, f, gens)
            clf = Classifier(problem, f, gens, proof)
    except BudgetExceeded as exc:
        return _not_started(problem, t0, exc)
    evidence: dict[str, Any] = {"symmetry": {"group": proof.group, "action": proof.action.action,
                                             "proved_by": proof.identities},
                                "global_min_certificate": {"status": cert, "reason": cert_reason},
                                "quotient": quotient.name}
    # ---- solve: the orbit construction (strategy="auto"), else the charts (a finite group
    # and msolve installed: the zero-dimensional fast path) --------------------------------
    stage(LANDSCAPE_STAGES[2])
    solved = _strategy_hook(strategy, problem, f, gens, B, evidence)
    if solved is not None:  # a structure theorem, not the charts of the quotient, solved it
        evidence["quotient"] = "orbit construction"
    else:
        structured = quotient.structure(f, B, seed, evidence)
        if not structured.method:
            fast = zerodim_landscape(problem, f, gens, quotient, clf, cert, B, evidence, t0)
            if fast is not None:  # it grouped and classified too: report those stages as done
                for name in (*LANDSCAPE_STAGES[3:], "done"):
                    stage(name)
                return fast
        solved = solve_stage(quotient, f, clf.grad, gens, B, seed, evidence, structured)
    # ---- group the solutions (after an overrun: a grace period, see _grace) -----------------
    if solved.reasons and B.seconds is not None:
        B = _grace(B)
    pre_reasons = list(solved.reasons)
    overrun: list[str] = []
    stage(LANDSCAPE_STAGES[3])
    while True:
        reasons = pre_reasons + overrun
        try:
            grouped = group_stage(problem, f, gens, quotient, clf, solved, B, seed,
                                  cert if not pre_reasons else "unknown")
            reasons += grouped.reasons
            unglue_records(grouped.records, gens, B, seed)
        except (UnsupportedError, BudgetExceeded) as exc:
            reasons.append(str(exc))
            grouped = Grouped([], [], [])
            if (isinstance(exc, BudgetExceeded) and not pre_reasons and not overrun
                    and B.seconds is not None):
                overrun.append(str(exc))
                B = _grace(B)
                continue
        break
    # ---- classify -----------------------------------------------------------------------------
    stage(LANDSCAPE_STAGES[4])
    gtuple = global_min_of(grouped.groups, cert, not reasons)
    components, complete = classify_stage(problem, f, gens, quotient, clf, grouped, cert,
                                          not reasons, seed, reasons, gtuple)
    strata = solved.structured.strata
    stratified = any("inertia_stratum" in g.extra or "point_stratum" in g.extra
                     for g in grouped.groups)
    if strata is not None:
        pieces = _pieces(strata, components)
    elif stratified:
        pieces = generic_pieces(grouped, components)
    else:
        pieces = None
    evidence["completeness"] = solved.why if complete else "; ".join(reasons)
    evidence["charts"] = solved.method
    evidence["groebner_bases"] = solved.groebner_calls + grouped.groebner_calls
    gval = None if gtuple is None else gtuple[0].to_expr(gtuple[1])
    stage("done")
    return Landscape(problem=problem.describe(), complete=complete, components=components,
                     global_min_value=gval, reason="; ".join(reasons), method=solved.method,
                     seconds=time.perf_counter() - t0, evidence=evidence, pieces=pieces)


def _pieces(strata: Stratification, components: list[Component]) -> list[dict[str, Any]]:
    """The closed pieces S (unions of connected components of the stationary set), each with
    the indices of its orbit strata in ``components`` and a type read off the strata."""
    out = []
    for label, info in strata.pieces.items():
        idx = [i for i, c in enumerate(components)
               if c.evidence.get("stratum", {}).get("piece") == label]
        types = {components[i].type for i in idx}
        if len(types) == 1:
            ptype = types.pop()
        elif types <= {"strict_saddle", "degenerate_saddle"}:
            ptype = "degenerate_saddle"  # every point is a saddle, some only to higher order
        else:
            ptype = "mixed"
        out.append({"piece": label, "kappa": info["kappa"], "rank_Z": info["rank"],
                    "value": str(info["value"]), "dimension": info["dimension"],
                    "components": info["components"], "type": ptype, "strata": idx})
    out.sort(key=lambda p: (float(sp.N(sp.sympify(p["value"]), 30)), -p["rank_Z"]))
    return out
