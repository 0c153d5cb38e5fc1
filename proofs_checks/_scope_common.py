"""Shared helper of the closed-form claims: matrix formulas checked for every size by the
size-bound theorem (:mod:`mfverify.derivation.sizebound`), folded into a claim's outcome with
its scope (``"all_sizes"`` or ``"sizes_checked"`` and the reason)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from mfverify.claims import Outcome, RunContext, Verdict

__all__ = ["INVARIANCE_REASON", "SENSING_REASON", "Texts", "formulas_all_sizes",
           "scope_sizes_checked", "with_scope"]

#: Why a group-invariance claim is decided per size.
INVARIANCE_REASON = (
    "invariance is decided per size: the Lie-algebra basis (skew or elementary Ω of size r) "
    "and the reflection diag(−1, 1, …) are matrices of a given size, and a group element "
    "is constrained (QᵀQ = I) or enters through an inverse (A⁻ᵀ), so the statement is not "
    "an identity of free matrices: outside the size-bound theorem's fragment")

#: Why a sensing claim is decided per size.
SENSING_REASON = (
    "the sensing operator A(Z) = (⟨Aᵢ, Z⟩)ᵢ is a list of m matrices (a three-index array), "
    "outside the expression grammar and the size-bound theorem's fragment (matrices only)")

#: ``{"gradient U": (text, definitions), "hvp": (text in D, definitions), …}``
Texts = Mapping[str, tuple[str, list[str]]]


def formulas_all_sizes(problems: Mapping[str, Any], symbolic: tuple[str, ...] = (),
                       texts: Mapping[str, Texts] | None = None, general: tuple[str, ...] = ()
                       ) -> dict[str, dict[str, Any]]:
    """Closed forms as text checked for every size by
    :func:`mfverify.derivation.check_gradient` / ``check_hvp``: for each labelled problem its
    ``texts[label]``, else its ``closed_form_texts()`` (``{"gradient": (text, definitions),
    "hvp U": (text ending in "in D…", definitions), …}``: a key names the variable after the
    kind). ``symbolic``: scalar data made symbolic (every value); ``general``: data freed of
    the problem's structure (e.g. a non-symmetric M)."""
    from mfverify.derivation import check_gradient, check_hvp

    out: dict[str, dict[str, Any]] = {}
    for label, p in problems.items():
        forms = texts[label] if texts is not None else p.closed_form_texts()
        for key, (text, where) in forms.items():
            kind, *wrt = key.split()
            check = check_gradient if kind == "gradient" else check_hvp
            res = check(p, text, where=where or None, wrt=wrt[0] if wrt else None,
                        symbolic=list(symbolic), general=list(general))
            out[f"{label} {key}"] = {
                "claim": text, "where": where, "verdict": res.verdict, "scope": res.scope,
                "scope_reason": res.scope_reason,
                "size_bound": {d: v["sizes"] for d, v in (res.size_bound or {}).items()},
                "summary": res.summary()}
    return out


def with_scope(out: Outcome, every: dict[str, dict[str, Any]], what: str) -> Outcome:
    """Fold the all-sizes checks of the matrix formulas into the instance outcome ``out``:
    REFUTED when one is refuted, else scope all_sizes when each is PROVED for every size, else
    scope sizes_checked with each formula's reason."""
    out.evidence["all_sizes"] = every
    if out.verdict is Verdict.REFUTED:
        return out
    refuted = [k for k, v in every.items() if v["verdict"] == "REFUTED"]
    if refuted:
        return Outcome(Verdict.REFUTED, out.evidence, f"the matrix formula {refuted[0]} is "
                       f"refuted: {every[refuted[0]]['summary']}")
    proved = all(v["verdict"] == "PROVED" and v["scope"] == "all_sizes" for v in every.values())
    out.evidence["scope"] = "all_sizes" if proved else "sizes_checked"
    if proved:
        out.summary = (f"scope all_sizes: the {len(every)} matrix formulas ({what}) PROVED for "
                       "every size by the size-bound theorem; the code equals them: "
                       + out.summary)
    else:
        why = "; ".join(f"{k}: {v['scope_reason']}" for k, v in every.items()
                        if v["scope"] != "all_sizes")
        out.evidence["scope_reason"] = why or "a formula could not be decided for every size"
        out.summary = f"scope sizes_checked ({why}): " + out.summary
    return out


def scope_sizes_checked(reason: str) -> Callable[[Callable[[RunContext], Outcome]],
                                                 Callable[[RunContext], Outcome]]:
    """Decorator (under ``@claim``) of a claim proved exactly only at the sizes or instances it
    lists: its evidence states ``"scope": "sizes_checked"`` and why no all-sizes statement is
    made (``reason``: what puts it outside the size-bound theorem's fragment)."""
    def wrap(fn: Callable[[RunContext], Outcome]) -> Callable[[RunContext], Outcome]:
        @functools.wraps(fn)
        def run(ctx: RunContext) -> Outcome:
            out = fn(ctx)
            out.evidence.setdefault("scope", "sizes_checked")
            out.evidence.setdefault("scope_reason", reason)
            return out
        return run
    return wrap
