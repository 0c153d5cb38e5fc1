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
# # Find and certify a counterexample
#
# A hypothesis of a theorem is needed when dropping it breaks the conclusion. `mfverify`
# searches for an instance that breaks it (floating point: the search only *proposes*), shrinks
# it to simple numbers, writes a **certificate**, and re-checks the certificate from scratch in
# exact or interval arithmetic (the re-check *decides*). A counterexample counts only when the
# re-check says PROVED.
#
# The example: strict saddles of matrix factorization have curvature bounded away from zero
# *on the balanced manifold* xᵀx = yᵀy — Valavi, Liu & Ramadge (AISTATS 2020, abstract) show
# that without balancing the least Hessian eigenvalue over strict saddles of
# F(x, y) = ½‖xyᵀ − Σ‖² is not bounded below zero (claim `li2019.balanced-saddle-curvature`,
# result "unbalanced caveat" of the [Li et al. page](../paper-li2019.md)). Dropping the
# hypothesis `balanced`, the search must find strict saddles whose curvature tends to 0.
#
# This is a jupytext `py:percent` file; the test suite executes it
# (`tests/test_notebooks.py`).

# %%
from mfverify import get_claim

claim = get_claim("li2019.balanced-saddle-curvature")
print(claim.statement)
print("cites:", claim.citation_text, f"(provenance: {claim.provenance})")
print("hypotheses:", [h.name for h in claim.hypotheses])

# %% [markdown]
# ## Search, shrink, certify
#
# `CLAIM_TARGETS` maps (claim, dropped hypothesis) to a built-in search; `run_target` runs it
# under a wall-clock budget (seconds) and a seed, so the run is reproducible.

# %%
from mfverify import CLAIM_TARGETS, run_target

target = CLAIM_TARGETS[("li2019.balanced-saddle-curvature", "balanced")]
result = run_target(target, budget=60, seed=0)
print(result.summary)
assert result.certified, result.reason

# %% [markdown]
# The certificate holds the problem (Σ = diag(2, 1), exact) and one claim per saddle: the exact
# point (x = c·e₂, y = e₂/c), a direction of negative curvature with an exact upper bound on the
# curvature, and the exact least eigenvalue — which tends to 0⁻ as c grows.

# %%
cert = result.certificate
print("problem:", cert["problem"])
for c in cert["claims"]:
    print(f"  {c['type']}: point {c['point']['exact']}, "
          f"least eigenvalue {c['certified']['least_eigenvalue']}")

# %% [markdown]
# ## Re-check it independently
#
# `check_certificate` knows nothing of the search: it reloads the problem from its spec and
# recomputes every certified quantity exactly. `mfverify certify FILE` is the same check from
# the command line (exit status 0 when PROVED).

# %%
import copy
import tempfile
from pathlib import Path

from mfverify import check_certificate
from mfverify.cli import main

check = check_certificate(cert)
print("re-check:", check.verdict)
assert str(check.verdict) == "PROVED" and check.proved

with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "unbalanced_saddles.json"
    result.write(path)
    assert main(["certify", str(path)]) == 0

# %% [markdown]
# ## A tampered certificate is rejected
#
# Move the first saddle off the stationary set (y = 2e₂ instead of e₂): the gradient no longer
# vanishes, the re-check says so, and the verdict is not PROVED.

# %%
bad = copy.deepcopy(cert)
bad["claims"][0]["point"]["exact"] = ["0", "1", "0", "2"]
bad_check = check_certificate(bad)
print("re-check of the tampered certificate:", bad_check.verdict)
print(bad_check.reasons[0])
assert not bad_check.proved and str(bad_check.verdict) != "PROVED"

# %% [markdown]
# ## The closed form, checked exactly
#
# The family's least eigenvalue has the closed form
# λ_min(c) = [σ₂(c² + c⁻²) − √(σ₂²(c² + c⁻²)² + 4(σ₁² − σ₂²))]/2 (derived here); SymPy
# confirms that it tends to 0 from below, so no uniform negative curvature bound holds.

# %%
import sympy as sp

c = sp.symbols("c", positive=True)
s1, s2 = sp.Integer(2), sp.Integer(1)
a = s2 * (c**2 + c**-2)
lam_min = (a - sp.sqrt(a**2 + 4 * (s1**2 - s2**2))) / 2
assert sp.limit(lam_min, c, sp.oo) == 0
assert all(lam_min.subs(c, k) < 0 for k in (1, 2, 4, 8, 16, 32))
for entry in cert["claims"]:
    k = sp.sympify(entry["member"]["c"])
    assert sp.simplify(sp.sympify(entry["certified"]["least_eigenvalue"]) - lam_min.subs(c, k)) == 0
print("closed form matches every certified saddle")
