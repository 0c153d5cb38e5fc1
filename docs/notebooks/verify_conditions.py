# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Verify a theorem's conditions on your instance
#
# A theorem applies to *your* problem only when its hypotheses hold there. `mfverify conditions`
# (and its Python API, `mfverify.claims.conditions.evaluate_conditions`) evaluates each
# hypothesis of a catalog claim on an instance, says which hold and by what margin, and — when
# they all hold — runs the theorem's conclusion on the instance and says whether it came true.
#
# This notebook uses the rank-1 restricted-isometry theorem of Zhang, Sojoudi & Lavaei (JMLR
# 2019, abstract; claim `related.zsl-rip-half`): for rank-1 symmetric matrix sensing
# f(x) = ‖A(xxᵀ) − A(zzᵀ)‖², an operator with restricted isometry constant δ₂ < 1/2 gives a
# landscape without spurious local minima, and 1/2 is sharp. The explicit two-dimensional
# family `zsl_family(c)` has δ₂ = c exactly (prediction R4 of the
# [predictions page](../predictions.md)).
#
# It is a jupytext `py:percent` file: open it as a notebook with `jupytext --to notebook`, or
# run it as a script; the test suite executes it (`tests/test_notebooks.py`).

# %%
from mfverify import evaluate_conditions, get_claim, zsl_family

claim = get_claim("related.zsl-rip-half")
print(claim.id, "—", claim.citation_text, f"(provenance: {claim.provenance})")
for h in claim.hypotheses:
    print(f"  hypothesis {h.name}: {h.statement}")

# %% [markdown]
# ## An instance where the theorem applies: δ₂ = 3/10
#
# Both hypotheses are decided exactly (the restricted isometry constant of this small operator
# is computed in exact arithmetic). The conclusion is then checked by the exact landscape
# engine: the complete list of stationary points, with their types.

# %%
good = zsl_family("3/10")
res = evaluate_conditions(claim, good)
for h in res.hypotheses:
    print(f"{h.name:10s} {h.status:12s} margin {h.margin}")
print("all hypotheses hold:", res.all_hold, "| conclusion came true:", res.came_true)
assert res.all_hold and res.came_true

# %% [markdown]
# ## An instance where it does not: δ₂ = 3/5
#
# The hypothesis `rip-half` fails, with a negative margin 1/2 − δ₂ = −1/10, and nothing is
# claimed: the conclusion is not run (the theorem says nothing about this instance).

# %%
bad = zsl_family("3/5")
res_bad = evaluate_conditions(claim, bad)
for h in res_bad.hypotheses:
    print(f"{h.name:10s} {h.status:12s} margin {h.margin}")
assert not res_bad.all_hold
assert [h.status for h in res_bad.hypotheses if h.name == "rip-half"] == ["fails"]

# %% [markdown]
# ## The same from the command line
#
# `mfverify conditions CLAIM_ID SPEC` takes a problem spec (a JSON file or inline JSON). Exit
# status 0 means the theorem applies and its conclusion came true, 1 that it does not apply
# (or the conclusion failed), 2 bad input.

# %%
import json
import tempfile
from pathlib import Path

from mfverify.cli import main

with tempfile.TemporaryDirectory() as tmp:
    spec = Path(tmp) / "zsl_03.json"
    spec.write_text(json.dumps(good.to_spec()))
    assert main(["conditions", "related.zsl-rip-half", str(spec)]) == 0
    spec_bad = Path(tmp) / "zsl_06.json"
    spec_bad.write_text(json.dumps(bad.to_spec()))
    assert main(["conditions", "related.zsl-rip-half", str(spec_bad)]) == 1

# %% [markdown]
# ## A theorem whose constants are unspecified
#
# Ye & Du 2021, Theorem 1.1 asks for ε = Õ(σ_d/(√(dσ₁)(m+n))) and η = O(σ_dε²/(dσ₁³)). The
# O(·) constants are not given, so `mfverify` reports the scale-free ratios and leaves these
# hypotheses *undetermined* — it never decides them with an invented constant.

# %%
from mfverify import load_spec

ye_du = get_claim("yedu2021.theorem-1.1-conditions")
problem = load_spec({"problem": "asymmetric", "Sigma": [[2, 0, 0], [0, 1, 0]], "rank": 2})
res_yd = evaluate_conditions(ye_du, problem, params={"eps": "1/100", "eta": "1/100000"},
                             run_conclusion=False)
for h in res_yd.hypotheses:
    print(f"{h.name:12s} {h.status:12s} {h.margin}")
assert {h.status for h in res_yd.hypotheses} <= {"holds", "undetermined"}
assert not res_yd.all_hold
