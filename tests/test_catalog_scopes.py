"""Issue 13, item 8: every catalog claim that proves something exactly at sizes states its scope.

Each claim below is *run* (quick profile) and its evidence read: ``"all_sizes"`` when its matrix
formulas are PROVED for every size by the size-bound theorem (or the free algebra), else
``"sizes_checked"`` with the reason no all-sizes statement is made. The table pins the scope
each claim reaches today; a claim that loses (or gains) its all-sizes proof fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from mfverify.claims import RunContext, Verdict, get_claim, run_claim

ALL_SIZES, SIZES_CHECKED = "all_sizes", "sizes_checked"

#: claim id -> the scope it reaches (quick profile)
SCOPES = {
    # closed forms: matrix formulas PROVED for every size, the code equal to them at instances
    "foundations.symmetric-closed-forms": ALL_SIZES,
    "foundations.asymmetric-closed-forms": ALL_SIZES,
    "foundations.phase-closed-forms": ALL_SIZES,
    "foundations.completion-closed-forms": ALL_SIZES,
    "foundations.deep-linear-closed-forms": ALL_SIZES,
    "foundations.derivation-planted": ALL_SIZES,
    # outside the fragment: sensing operators (lists of matrices), group elements, moments,
    # nullities, inverses
    "foundations.sensing-closed-forms": SIZES_CHECKED,
    "foundations.constrained-closed-forms": SIZES_CHECKED,
    "foundations.symmetric-invariance": SIZES_CHECKED,
    "foundations.asymmetric-invariance": SIZES_CHECKED,
    "foundations.families-invariance": SIZES_CHECKED,
    "foundations.sensing-invariance": SIZES_CHECKED,
    "foundations.phase-population-moments": SIZES_CHECKED,
    "cross.li-nullspace-mohammadi-lambda2": SIZES_CHECKED,
    "cross.yedu-mohammadi-s-dynamics": SIZES_CHECKED,
    "sunquwright2018.population-landscape": SIZES_CHECKED,
    # the derivation claims (mfverify.derivation.check_identity per identity)
    "related.normalization-every-scale": ALL_SIZES,
    "related.gjz-identity": SIZES_CHECKED,
    "yedu2021.block-dynamics": SIZES_CHECKED,
    "yedu2021.frobenius-split": SIZES_CHECKED,
    "yedu2021.residual-split": ALL_SIZES,
    "yedu2021.symmetrized-dynamics": ALL_SIZES,
    "yedu2021.eq12-corrected": ALL_SIZES,
    "yedu2021.ct-b-identity-corrected": ALL_SIZES,
    "yedu2021.gd-imbalance-drift": ALL_SIZES,
    "mohammadi2024.riccati": SIZES_CHECKED,
    "mohammadi2024.cascade": SIZES_CHECKED,
}


def _reasons(ev: dict[str, Any]) -> list[str]:
    """The reasons a sizes_checked claim gives: its own, or one per identity not all_sizes."""
    if "scope_reason" in ev:
        r = ev["scope_reason"]
        return list(r.values()) if isinstance(r, dict) else [r]
    return [v for k, v in ev.get("scope_reasons", {}).items()
            if ev["identities"][k]["scope"] != ALL_SIZES]


@pytest.mark.parametrize("claim_id", sorted(SCOPES))
def test_each_exact_claim_states_its_scope(claim_id: str) -> None:
    c = get_claim(claim_id)
    res = run_claim(c, RunContext())
    assert res.error is None and res.verdict is Verdict.PROVED, res.summary
    ev = res.evidence
    assert ev["scope"] == SCOPES[claim_id], (claim_id, ev.get("scope_reason"), res.summary)
    if ev["scope"] == SIZES_CHECKED:
        reasons = _reasons(ev)
        assert reasons and all(isinstance(r, str) and len(r) > 20 for r in reasons), reasons
    elif "all_sizes" in ev:  # matrix formulas: each one PROVED for every size, and said so
        assert ev["all_sizes"] and all(v["scope"] == ALL_SIZES and v["verdict"] == "PROVED"
                                       for v in ev["all_sizes"].values())
        assert res.summary.startswith("scope all_sizes")
        assert all("size-bound theorem" in v["scope_reason"] for v in ev["all_sizes"].values())


def test_a_formula_left_undecided_turns_the_scope_to_sizes_checked() -> None:
    """Mutation: the fold of formula checks never reports all_sizes unless every formula is
    PROVED for every size; a sizes_checked formula carries its reason into the outcome."""
    from mfverify.claims import Outcome
    from proofs_checks._scope_common import with_scope

    every = {"f": {"verdict": "PROVED", "scope": ALL_SIZES, "scope_reason": "size-bound theorem",
                   "summary": ""},
             "g": {"verdict": "PROVED", "scope": SIZES_CHECKED,
                   "scope_reason": "a side is a callable", "summary": ""}}
    out = with_scope(Outcome(Verdict.PROVED, {}, "code ok"), every, "test")
    assert out.evidence["scope"] == SIZES_CHECKED and "callable" in out.evidence["scope_reason"]
    assert out.summary.startswith("scope sizes_checked")
    bad = dict(every, g={**every["g"], "verdict": "REFUTED", "summary": "at n=2"})
    assert with_scope(Outcome(Verdict.PROVED, {}, "code ok"), bad, "test").verdict \
        is Verdict.REFUTED


@pytest.mark.parametrize("claim_id, table, key, old, new", [
    ("foundations.symmetric-closed-forms", "SYMMETRIC_TEXTS", "hvp", " + (X*X.T - M)*D", ""),
    # the balancing term's constant: only a symbolic balance b catches it
    ("foundations.asymmetric-closed-forms", "ASYMMETRIC_TEXTS", "gradient V", "balance/2",
     "balance/4"),
])
def test_matrix_formula_slips_refute_the_closed_form_claims(
        monkeypatch: pytest.MonkeyPatch, claim_id: str, table: str, key: str, old: str,
        new: str) -> None:
    import proofs_checks.foundations as mod

    texts = dict(getattr(mod, table))
    text, where = texts[key]
    assert old in text
    texts[key] = (text.replace(old, new), where)
    monkeypatch.setattr(mod, table, texts)
    res = run_claim(get_claim(claim_id), RunContext())
    assert res.verdict is Verdict.REFUTED and key in res.summary, res.summary
