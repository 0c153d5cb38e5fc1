"""Tests of mfverify.counterexample: every target found from a cold start and certified, the
certificates re-check with ``mfverify certify``, tampering is rejected, budgets give
INCONCLUSIVE, bad input exits 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from mfverify.certify import check_certificate
from mfverify.claims import RunContext, Verdict, get_claim, run_claim
from mfverify.cli import main
from mfverify.counterexample import (
    CLAIM_TARGETS,
    TARGETS,
    find_constrained_ssp,
    find_lifting_saddle,
    find_unbalanced_saddles,
    find_zsl_spurious_min,
    maximize_violation,
    repair_affine,
    shrink_vector,
    simplify_number,
    simplify_surd,
)

# ---------------------------------------------------------------------------------------------
# the building blocks
# ---------------------------------------------------------------------------------------------


def test_simplify_number_and_surd():
    assert simplify_number(0.3333333, 1e-6) == sp.Rational(1, 3)
    assert simplify_number(2.0, 1e-9) == 2
    assert simplify_surd(0.7071067811865476, 1e-12) == sp.sqrt(2) / 2


def test_shrink_vector_keeps_the_predicate():
    theta = np.array([0.49, 1.97, -0.02])
    out, log = shrink_vector(theta, lambda t: t[1] > 1.5)
    assert out == [0, 2, 0] or all(sp.Rational(v).q == 1 for v in out)
    assert float(out[1]) > 1.5
    with pytest.raises(ValueError):
        shrink_vector(theta, lambda t: False)


def test_repair_affine_is_exact():
    E = sp.Matrix([[1, 2, 3, 0], [0, 1, 1, 1]])
    e = sp.Matrix([sp.Rational(1, 3), 2])
    a, piv = repair_affine(E, e, [0.1, 0.2, 0.3, 0.4])
    assert E * sp.Matrix(a) == e
    assert len(piv) == 2


def test_maximize_violation_is_seeded_and_respects_the_budget():
    def viol(t):
        return float(-np.sum((t - 3.0) ** 2) + 0.5), {}

    def sample(rng):
        return rng.normal(size=2)

    r1 = maximize_violation(viol, sample, budget=5, seed=3, max_restarts=2)
    r2 = maximize_violation(viol, sample, budget=5, seed=3, max_restarts=2)
    assert r1.status == "FOUND" and r1.best.violation > 0
    np.testing.assert_array_equal(r1.best.params, r2.best.params)
    never = maximize_violation(lambda t: (-1.0, {}), sample, budget=0.2, seed=0)
    assert never.status == "INCONCLUSIVE" and never.best is not None


# ---------------------------------------------------------------------------------------------
# the targets, from a cold start (small budgets and a fixed seed keep them fast)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zsl():
    return find_zsl_spurious_min(budget=60, seed=0)


def test_target_zsl_spurious_minimum(zsl, tmp_path, capsys):
    assert zsl.certified, zsl.reason
    doc = zsl.certificate
    assert doc["problem"]["problem"] == "sensing" and doc["problem"]["rank"] == 1
    # every operator entry is a simple rational (shrinking worked)
    for mat in doc["problem"]["operator"]:
        for row in mat:
            for v in row:
                assert sp.Rational(v).q <= 12
    check = check_certificate(doc)
    assert check.proved
    rip = next(d for d in check.details if d["type"] == "rip_constant")
    assert float(rip["scaled_delta"].strip("[").split()[0]) > 0.5
    # re-check through the CLI, then tamper with one number
    path = tmp_path / "zsl.json"
    zsl.write(path)
    assert main(["certify", str(path)]) == 0
    assert "PROVED" in capsys.readouterr().out
    bad = json.loads(path.read_text())
    bad["problem"]["operator"][0][0][0] = str(sp.Rational(bad["problem"]["operator"][0][0][0])
                                             + sp.Rational(1, 7))
    path.write_text(json.dumps(bad))
    assert main(["certify", str(path)]) == 1
    assert "REFUTED" in capsys.readouterr().out  # the shared Verdict (was "REJECTED")


def test_target_lifting(zsl):
    res = find_lifting_saddle(budget=30, seed=0, base=zsl)
    assert res.certified, res.reason
    assert res.certificate["problem"]["rank"] == 2
    claim = res.certificate["claims"][0]
    assert claim["type"] == "strict_saddle"
    assert sp.Rational(claim["certified"]["curvature_upper_bound"]) < 0
    assert "rank1" in res.extra_certificates
    assert res.evidence["rank2_descent"]["reached_global"] >= 1


def test_target_unbalanced_saddles():
    res = find_unbalanced_saddles(budget=30, seed=0, members=5)
    assert res.certified, res.reason
    lams = [m["lambda_min_float"] for m in res.evidence["members"]]
    assert all(v < 0 for v in lams)
    assert all(a < b for a, b in zip(lams, lams[1:], strict=False))  # increasing to 0⁻
    assert lams[-1] > -0.02
    assert res.evidence["closed_form_matches_papers_md_2_6"] is True
    assert res.evidence["limit_c_to_infinity"] == "0"
    # Valavi, Liu & Ramadge 2020 numbers for σ = (2, 1): c = 1 gives -1
    assert lams[0] == pytest.approx(-1.0)


def test_target_constrained_ssp():
    res = find_constrained_ssp(budget=60, seed=0)
    assert res.certified, res.reason
    det = res.check["claims"]
    assert det[0]["rank"] == 2 and det[0]["S_inertia"]["negative"] >= 1
    assert sp.Rational(det[0]["better_value"]) < sp.Rational(det[0]["value"])
    assert det[2]["vector_field"].startswith("exactly 0")
    trap = res.evidence["trap"]
    assert trap["rank_stayed_1"] == trap["instances"]
    assert trap["reached_global"] >= 1
    assert trap["field_norm_at_ssp_float"] < 1e-9


# ---------------------------------------------------------------------------------------------
# budgets and the CLI
# ---------------------------------------------------------------------------------------------


def test_budget_exhaustion_is_inconclusive_with_best_candidate():
    res = find_zsl_spurious_min(budget=0.5, seed=0, rip_below_half=True)
    assert res.status == "INCONCLUSIVE"
    assert res.best is not None and res.best["violation"] <= 0


def test_cli_counterexample(tmp_path, capsys):
    out = tmp_path / "saddles.json"
    rc = main(["counterexample", "li2019.balanced-saddle-curvature", "--drop", "balanced",
               "--budget", "30", "--out", str(out), "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "CERTIFIED" in text and out.is_file()
    assert main(["certify", str(out)]) == 0
    capsys.readouterr()
    rc = main(["counterexample", "related.zsl-rip-threshold", "--drop", "rip-below-half",
               "--budget", "0.001"])
    assert rc == 1
    captured = capsys.readouterr()
    assert "INCONCLUSIVE" in captured.out and "best candidate" in captured.out
    assert captured.err == ""  # not a terminal: no progress (issue 15; it was printed before)


@pytest.mark.parametrize("argv", [
    ["counterexample", "no.such-claim", "--drop", "x"],
    ["counterexample", "related.zsl-rip-threshold", "--drop", "balanced"],
    ["counterexample", "related.zsl-rip-threshold", "--drop", "rip-below-half", "--budget",
     "-1"],
])
def test_cli_counterexample_bad_input(argv, capsys):
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_claim_targets_are_registered_claims():
    assert set(CLAIM_TARGETS.values()) == set(TARGETS)
    for claim_id, hyp in CLAIM_TARGETS:
        c = get_claim(claim_id)
        assert hyp in [h.name for h in c.hypotheses]


def test_claims_normal_and_dropped():
    res = run_claim(get_claim("li2019.balanced-saddle-curvature"))
    assert res.verdict is Verdict.PROVED, res.summary
    # regression: PROVED must include that the closed form is the SMALLEST eigenvalue
    assert res.evidence["closed_form_is_smallest_eigenvalue"] is True
    assert res.evidence["charpoly_minus_factorization"] == "0"
    assert all(res.evidence["signs_decided"].values())
    assert get_claim("li2019.balanced-saddle-curvature").predictions == ("L-P7",)
    res = run_claim(get_claim("related.overparam-lifting"))
    assert res.verdict is Verdict.PROVED, res.summary
    res = run_claim(get_claim("li2019.balanced-saddle-curvature"),
                    RunContext(dropped=frozenset({"balanced"}), seed=0))
    assert res.verdict is Verdict.REFUTED, res.summary
    assert check_certificate(res.evidence["certificate"]).proved


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_targets_full_budget(seed):
    for name in ("zsl-spurious-min", "unbalanced-saddles", "constrained-ssp"):
        res = TARGETS[name](budget=300, seed=seed)
        assert res.certified, (name, seed, res.reason)


def test_cli_counterexample_unwritable_out_exits_2_before_searching(tmp_path, capsys):
    """Regression: --out in a missing directory crashed with an internal error (exit 3) after
    the search; it is now bad input, rejected up front (exit 2, one line)."""
    for out in (tmp_path / "no-such-dir" / "c.json", tmp_path):
        rc = main(["counterexample", "li2019.balanced-saddle-curvature", "--drop", "balanced",
                   "--out", str(out), "--quiet"])
        assert rc == 2
        err = capsys.readouterr().err
        assert err.startswith("mfverify: error: InputError: --out") and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
