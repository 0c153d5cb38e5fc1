"""Shared helper of the derivation claims modules: combine exact results into one outcome."""

from __future__ import annotations

from typing import Any

from mfverify.claims import Outcome, Verdict
from mfverify.derivation.exact import ExactResult, size_label

__all__ = ["outcome", "merge"]


def outcome(results: list[tuple[str, ExactResult]]) -> Outcome:
    """Combine several exact results (one per identity) into one outcome."""
    evidence: dict[str, Any] = {"method": "mfverify.derivation.check_identity (exact)",
                                "identities": {}}
    verdicts = []
    for name, res in results:
        evidence["identities"][name] = res.to_json()
        verdicts.append(res.verdict)
    sizes = sorted({"(" + size_label(s) + ")" for _, r in results for s in r.sizes_checked})
    evidence["sizes"] = sizes
    scopes = {name: res.scope for name, res in results}
    evidence["scope"] = ("all_sizes" if all(v == "all_sizes" for v in scopes.values())
                         else "sizes_checked")
    evidence["scope_reasons"] = {name: res.scope_reason for name, res in results}
    if "REFUTED" in verdicts:
        name, res = next((n, r) for n, r in results if r.verdict == "REFUTED")
        ce = res.counterexample or {}
        values = (f"LHS {ce.get('lhs')} vs RHS {ce.get('rhs')}" if "lhs" in ce else
                  f"{ce.get('claimed')} vs {ce.get('true')}")
        summary = (f"{name}: REFUTED at {size_label(ce.get('size', {}))}, {ce.get('entry')}: "
                   f"{values} (point {ce.get('point')})")
        return Outcome(Verdict.REFUTED, evidence, summary)
    if "INCONCLUSIVE" in verdicts:
        return Outcome(Verdict.INCONCLUSIVE, evidence, "some identity could not be decided")
    count = f"{len(results)} identit{'y' if len(results) == 1 else 'ies'}"
    evidence["provers"] = {name: res.prover for name, res in results}
    if evidence["scope"] == "all_sizes":
        return Outcome(Verdict.PROVED, evidence,
                       f"scope all_sizes: {count} proved for every size ("
                       + "; ".join(f"{name}: {_by(res)}" for name, res in results) + ")"
                       + (f"; exact for these sizes: {', '.join(sizes)}" if sizes else ""))
    why = "; ".join(f"{name}: {res.scope_reason}" for name, res in results
                    if res.scope != "all_sizes")
    return Outcome(Verdict.PROVED, evidence,
                   f"scope sizes_checked: {count} proved exactly for these sizes: "
                   f"{', '.join(sizes)} (no all-sizes statement: {why})")



def _by(res: ExactResult) -> str:
    """What proved one identity for every size, in words."""
    if res.prover == "free_algebra":
        n = len(res.sizes_evaluated)
        return ("free-algebra normal form, no size expanded"
                + (f"; evaluated exactly at points first at {n} size(s), up to "
                   f"({size_label(res.sizes_evaluated[-1])})" if n else ""))
    bound = ", ".join(f"{d}={v['sizes'][0]}" + (f"..{v['sizes'][-1]}" if len(v["sizes"]) > 1
                                                 else "")
                      for d, v in (res.size_bound or {}).items())
    return f"size-bound theorem, bounds {bound}"


def merge(results: list[ExactResult]) -> ExactResult:
    """One result from per-size results of the same identity: the first that is not PROVED,
    else the first with every size appended to its ``sizes_checked``."""
    base = results[0]
    for r in results[1:]:
        if r.verdict != "PROVED":
            return r
        base.sizes_checked.extend(r.sizes_checked)
        if r.scope != "all_sizes":
            base.scope, base.scope_reason = r.scope, r.scope_reason
    return base
