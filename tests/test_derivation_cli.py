"""``mfverify derivation``: JSON shape, exit codes, identities with flows; and the claims."""

from __future__ import annotations

import json

import pytest

from mfverify.claims import RunContext, Verdict, get_claim, run_claim
from mfverify.cli import main

SPEC = '{"problem": "symmetric", "M": [[1, 0], [0, 0]], "rank": 1}'
ASPEC = '{"problem": "asymmetric", "Sigma": [[1, 0], [0, 1]], "rank": 1}'


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    rc = main(argv + ["--json"])
    out = capsys.readouterr().out
    return rc, json.loads(out)


def test_cli_proved_and_refuted(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = run_json(["derivation", SPEC, "--gradient", "(X*X.T - M)*X"], capsys)
    assert rc == 0 and out["verdict"] == "PROVED"
    assert out["counterexample"] is None and out["diagnosis"] is None
    assert len(out["sizes_checked"]) == 6
    rc, out = run_json(["derivation", SPEC, "--gradient", "2*(X*X.T - M)*X"], capsys)
    assert rc == 1 and out["verdict"] == "REFUTED"
    assert out["diagnosis"] == "claimed = 2 × true gradient"
    assert set(out["counterexample"]) >= {"size", "point", "entry", "claimed", "true"}


def test_cli_symmetric_declaration(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = run_json(["derivation", SPEC, "--gradient", "(X*X.T - M.T)*X", "--general", "M"],
                       capsys)
    assert rc == 1 and out["verdict"] == "REFUTED" and out["counterexample"]
    rc, out = run_json(["derivation", SPEC, "--gradient", "(X*X.T - M.T)*X", "--symmetric", "M"],
                       capsys)
    assert rc == 0 and out["verdict"] == "PROVED"


def test_cli_numeric(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = run_json(["derivation", SPEC, "--gradient", "(X*X.T - M)*X", "--numeric",
                        "--n", "100", "--r", "10"], capsys)
    assert rc == 0 and out["verdict"] == "SUPPORTED"
    assert out["sizes_checked"] == [{"n": 100, "r": 10}]
    assert out["tolerance"]["slope"] == 0.2 and out["instances"] == 3
    rc, out = run_json(["derivation", SPEC, "--hessian",
                        "1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D", "--numeric",
                        "--n", "100", "--r", "10", "--at", "zero"], capsys)
    assert rc == 0 and out["checks"][0]["slope"] > 3.5


def test_cli_wrt_and_hvp(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = run_json(["derivation", ASPEC, "--hvp",
                        "(DU*V.T + U*DV.T)*V + (U*V.T - Sigma)*DV in DU, DV", "--wrt", "U",
                        "--sizes", "1..2"], capsys)
    assert rc == 0 and out["verdict"] == "PROVED"


def test_cli_identity_with_flow(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["derivation", "--declare", "A: d x d", "--declare", "B: d x d",
            "--declare", "Sigma: d x d symmetric", "--where", "P = Sigma - A*A.T + B*B.T",
            "--where", "Q = A*B.T - B*A.T", "--flow", "A = P*A - Q*B",
            "--flow", "B = -P*B + Q*A"]
    rc, out = run_json(base + ["--identity",
                               "d/dt norm(B)^2 == trace(B.T*P*B) - 1/2*norm(Q)^2"], capsys)
    assert rc == 1 and out["verdict"] == "REFUTED"
    assert out["counterexample"]["size"] == {"d": 1}
    rc, out = run_json(base + ["--identity", "d/dt norm(B)^2 == -2*trace(B.T*P*B) - norm(Q)^2"],
                       capsys)
    assert rc == 0 and out["verdict"] == "PROVED"


@pytest.mark.parametrize("argv", [
    ["derivation", SPEC, "--gradient", "__import__('os').system('echo hi')"],
    ["derivation", SPEC, "--gradient", "X.__class__"],
    ["derivation", SPEC, "--hessian", "inner(X, X)"],
    ["derivation", SPEC, "--gradient", "(X*X.T - M)*X", "--wrt", "U"],
    ["derivation", SPEC, "--gradient", "(X*X.T - M)*X", "--sizes", "1..50"],
    ["derivation", ASPEC, "--gradient", "(U*V.T - Sigma)*V"],
    ["derivation", SPEC, "--gradient", "(X*X.T - M)*X", "--n", "5"],
    ["derivation", "--identity", "d/dt A == A", "--declare", "A: n x n"],
    ["derivation", "--identity", "A == A"],
    ["derivation", SPEC, "--gradient", ""],
    ["derivation", SPEC, "--gradient", "(X*X.T - M)*X", "--symbolic", "nope"],
])
def test_cli_bad_input_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("mfverify: error:") and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# the claims of this feature
# ---------------------------------------------------------------------------------------------

CLAIMS = [
    "yedu2021.block-dynamics", "yedu2021.frobenius-split", "yedu2021.residual-split",
    "yedu2021.symmetrized-dynamics", "yedu2021.eq12-as-printed", "yedu2021.eq12-corrected",
    "yedu2021.ct-b-identity-as-printed", "yedu2021.ct-b-identity-corrected",
    "yedu2021.gd-imbalance-drift", "mohammadi2024.riccati", "mohammadi2024.cascade",
    "related.normalization-every-scale", "related.gjz-identity",
]


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_claims_give_their_expected_verdict(claim_id: str) -> None:
    c = get_claim(claim_id)
    res = run_claim(c, RunContext())
    assert res.error is None, res.error
    assert res.verdict == c.expected, res.summary
    if res.verdict is Verdict.PROVED:
        free = all(v == "free_algebra" for v in res.evidence["provers"].values())
        if free:  # proved with no size expanded; the report says so
            assert res.evidence["scope"] == "all_sizes" and "free-algebra" in res.summary
        else:
            assert res.evidence["sizes"] and "for these sizes" in res.summary
    if res.verdict is Verdict.REFUTED:
        ids = res.evidence["identities"]
        ce = next(v["counterexample"] for v in ids.values() if v["counterexample"])
        assert ce["lhs"] != ce["rhs"] and ce["point"]


#: The scope each PROVED claim of this feature reaches (issue 13): text identities proved in
#: the free algebra or by the size bound are all_sizes; sides written as Python callables or
#: built entry by entry stay sizes_checked, with the reason.
ALL_SIZES = {"yedu2021.residual-split", "yedu2021.symmetrized-dynamics",
             "yedu2021.eq12-corrected", "yedu2021.ct-b-identity-corrected",
             "yedu2021.gd-imbalance-drift", "related.normalization-every-scale"}


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_each_claims_scope_is_what_the_report_says(claim_id: str) -> None:
    res = run_claim(get_claim(claim_id), RunContext())
    if res.verdict is not Verdict.PROVED:
        return
    ev = res.evidence
    per = {name: v["scope"] for name, v in ev["identities"].items()}
    assert ev["scope"] == ("all_sizes" if set(per.values()) == {"all_sizes"} else
                           "sizes_checked")
    assert res.summary.startswith(f"scope {ev['scope']}:")
    assert (ev["scope"] == "all_sizes") == (claim_id in ALL_SIZES), res.summary
    for v in ev["identities"].values():
        if v["scope"] == "all_sizes":
            assert v["prover"] in ("free_algebra", "size_bound")
            word = "free-algebra" if v["prover"] == "free_algebra" else "size-bound"
            assert word in res.summary
        else:
            assert v["scope_reason"] and v["scope_reason"] in res.summary


@pytest.mark.parametrize("claim_id", ["yedu2021.symmetrized-dynamics", "yedu2021.eq12-corrected"])
def test_dropping_sigma_symmetry_refutes(claim_id: str) -> None:
    res = run_claim(get_claim(claim_id), RunContext(dropped=frozenset({"sigma-symmetric"})))
    assert res.error is None and res.verdict is Verdict.REFUTED


def test_gjz_negative_control() -> None:
    """The GJZ claim compares real derivatives: a wrong constant is refuted."""
    from mfverify.derivation.exact import ExactCase, decide
    from proofs_checks.related_identities import gjz_case

    def wrong(size: dict[str, int]) -> ExactCase:
        case = gjz_case(size)
        case.true = case.true * 2
        return case

    res = decide([{"n": 1, "r": 1}, {"n": 2, "r": 1}], wrong, what="wrong GJZ")
    assert res.verdict == "REFUTED"


def test_regression_numeric_mode_rejects_structure_it_would_ignore(
        capsys: pytest.CaptureFixture[str]) -> None:
    """--general M in the numeric mode was silently ignored (random M stayed symmetric, so
    (X*X.T - M.T)*X was SUPPORTED); now it is a bad-input error. Declarations that match the
    problem's requirement stay accepted."""
    base = ["derivation", SPEC, "--gradient", "(X*X.T - M.T)*X", "--numeric", "--n", "6",
            "--r", "2"]
    assert main(base + ["--general", "M"]) == 2
    assert "exact-mode option" in capsys.readouterr().err
    assert main(base + ["--symmetric", "M"]) == 0
    capsys.readouterr()
    assert main(["derivation", ASPEC, "--gradient", "(U*V.T - Sigma)*V", "--wrt", "U",
                 "--numeric", "--general", "Sigma", "--m", "4", "--n", "3", "--r", "2"]) == 0


def test_cascade_without_p1_invertible_is_refuted_exactly() -> None:
    """Regression: ``--drop p1-invertible`` used to be ignored (PROVED). For r < r₁ the
    cascade variables do not exist: det(X₁X₁ᵀ) ≡ 0 on a symbolic X, re-checked here."""
    import sympy as sp

    res = run_claim(get_claim("mohammadi2024.cascade"),
                    RunContext(dropped=frozenset({"p1-invertible"})))
    assert res.error is None and res.verdict is Verdict.REFUTED, res.summary
    assert res.evidence["det_P1_symbolic"] == "0"
    ce = res.evidence["counterexample"]
    X = sp.Matrix([[sp.Rational(v) for v in row] for row in ce["X"]])
    X1 = X[:2, :]
    assert (X1 * X1.T).det() == 0 and ce["det_P1"] == "0"
