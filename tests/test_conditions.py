"""``mfverify conditions``: a theorem's hypotheses on the user's instance, then its conclusion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, get_claim
from mfverify.claims.conditions import call_check, evaluate_conditions
from mfverify.claims.model import Claim
from mfverify.cli import main
from mfverify.cli.cmd_conditions import parse_param
from mfverify.errors import InputError, NonFiniteError, UnsupportedError
from mfverify.problems import AsymmetricMF, SymmetricMF


@pytest.fixture(scope="module")
def zsl_specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from mfverify.problems.sensing import zsl_family

    d = tmp_path_factory.mktemp("zsl")
    out = {}
    for name, c in (("below", "9/20"), ("above", "11/20")):
        p = d / f"zsl_{name}.json"
        p.write_text(json.dumps(zsl_family(c).to_spec()))
        out[name] = p
    return out


# -- acceptance: rank-1 sensing with δ < 1/2 and δ > 1/2 ----------------------------------------


def test_rip_below_half_hypotheses_hold_and_no_spurious(zsl_specs: dict[str, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["conditions", "related.zsl-rip-half", str(zsl_specs["below"]), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    hyps = {h["name"]: h for h in out["hypotheses"]}
    assert hyps["rip-half"]["status"] == "holds"
    assert "9/20" in hyps["rip-half"]["margin"] and "1/20" in hyps["rip-half"]["margin"]
    assert hyps["rank-one"]["status"] == "holds"
    assert out["all_hold"] is True
    assert out["conclusion"]["verdict"] == "PROVED"
    assert out["came_true"] is True and out["applies"] is True
    types = {c["type"] for c in out["conclusion"]["evidence"]["components"]}
    assert "spurious_local_min" not in types and "global_min" in types


def test_rip_above_half_hypothesis_fails(zsl_specs: dict[str, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["conditions", "related.zsl-rip-half", str(zsl_specs["above"])])
    text = capsys.readouterr().out
    assert rc == 1
    assert "rip-half" in text and "fails" in text and "11/20" in text
    assert "not run" in text


def test_force_runs_conclusion_and_marks_it(zsl_specs: dict[str, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["conditions", "related.zsl-rip-half", str(zsl_specs["above"]), "--force",
               "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert out["forced"] is True
    assert out["conclusion"]["verdict"] == "REFUTED"  # δ = 11/20 has a spurious local minimum
    assert out["came_true"] is False


def test_wrong_problem_kind_fails_rank_one_and_rip_undetermined() -> None:
    c = get_claim("related.zsl-rip-half")
    res = evaluate_conditions(c, SymmetricMF([[1, 0], [0, 0]], 1))
    st = {h.name: h for h in res.hypotheses}
    assert st["rank-one"].holds is False
    assert st["rip-half"].holds is None and st["rip-half"].error
    assert res.all_hold is False and res.conclusion is None


def test_rip_half_sign_is_exact_not_snapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: an exact irrational δ₂ just below 1/2 was passed through ``nsimplify``,
    which snapped 1/2 − √2·10⁻²⁰ to 1/2 and reported "δ₂ = 1/2 (exact) ... fails"."""
    import sympy as sp

    import mfverify.problems.sensing as sensing
    from mfverify.problems.sensing import zsl_family
    from proofs_checks.related_rip import check_rip_half, exact_sign

    tiny = sp.sqrt(2) / 10**20
    assert exact_sign(sp.Rational(1, 2) - (sp.Rational(1, 2) - tiny)) == 1
    assert exact_sign(sp.Rational(1, 2) - (sp.Rational(1, 2) + tiny)) == -1
    assert exact_sign(sp.sqrt(8) - 2 * sp.sqrt(2)) == 0

    class _RI:
        kind, order, lower, upper = "exact", 2, None, None

        def __init__(self, value: sp.Expr) -> None:
            self.value = value

    for value, want in ((sp.Rational(1, 2) - tiny, True), (sp.Rational(1, 2) + tiny, False)):
        monkeypatch.setattr(sensing, "restricted_isometry",
                            lambda problem, order=2, _v=value: _RI(_v))
        holds, margin = check_rip_half(zsl_family("9/20"))
        assert holds is want, margin
        assert ("< 1/2" if want else "> 1/2") in margin


# -- O(·) constants are reported as unspecified ------------------------------------------------


def test_yedu_ratios_reported_constants_unspecified() -> None:
    c = get_claim("yedu2021.theorem-1.1-conditions")
    p = AsymmetricMF([[2, 0, 0], [0, 1, 0]], 2)
    res = evaluate_conditions(c, p, params={"eps": "1/100", "eta": "1/100000"},
                              run_conclusion=False)
    st = {h.name: h for h in res.hypotheses}
    assert st["objective"].holds is True
    assert st["exact-parametrization"].holds is True
    for name in ("init-scale", "step-size"):
        assert st[name].holds is None
        assert "does not specify" in st[name].margin
    # ε·√(dσ1)(m+n)/σd = 0.01·√(2·2)·5/1 = 0.1 ; η·dσ1³/(σd ε²) = 1e-5·2·8/1e-4 = 1.6
    assert "= 0.1 " in st["init-scale"].margin
    assert "= 1.6 " in st["step-size"].margin
    assert res.all_hold is None


def test_yedu_missing_parameter_is_named() -> None:
    c = get_claim("yedu2021.theorem-1.1-conditions")
    res = evaluate_conditions(c, AsymmetricMF([[2, 0], [0, 1]], 2), run_conclusion=False)
    st = {h.name: h for h in res.hypotheses}
    assert "--set eps=" in st["init-scale"].margin


def test_yedu_rank_mismatch_fails() -> None:
    c = get_claim("yedu2021.theorem-1.1-conditions")
    res = evaluate_conditions(c, AsymmetricMF([[2, 0], [0, 0]], 2),
                              params={"eps": "1/100", "eta": "1/1000"}, run_conclusion=False)
    assert {h.name: h.holds for h in res.hypotheses}["exact-parametrization"] is False
    assert res.all_hold is False


def test_eftekhari_rank_and_residual(capsys: pytest.CaptureFixture[str]) -> None:
    spec = json.dumps({"problem": "constrained", "p": 2, "merit": "augmented_lagrangian",
                       "operator": [[[1, 0], [0, 0]], [[0, 0], [0, 1]]], "b": [1, 0]})
    rc = main(["conditions", "eftekhari2021.theorem-conditions", spec,
               "--set", "U0=[[1, 0], [0, 0]]", "--json"])
    out = json.loads(capsys.readouterr().out)
    st = {h["name"]: h for h in out["hypotheses"]}
    assert st["rank-deficient"]["status"] == "holds"
    assert st["near-feasible"]["status"] == "holds"  # exactly feasible
    assert out["conclusion"]["verdict"] == "SUPPORTED"
    assert out["conclusion"]["evidence"]["final_relative_residual"] <= 1e-6
    # regression: a float64 eigenvalue test was worded "certified global ... (λ_min S = -5.6e-17
    # >= 0)"; it is numerical evidence and the rank may drop in the limit (rank <= k, E1)
    summary = out["conclusion"]["summary"]
    assert "certified" not in summary and "float64" in summary and "not a certificate" in summary
    assert "rank stayed <= 1" in summary
    assert rc == 0
    # regression (issue 17): the penalty merit's limit, infeasible by O(1/ρ) (0.5% at ρ = 100,
    # 1.4% on the old demo instance), passed as "converges to a global minimizer"
    for rho in (100, 1):
        weak = json.dumps({"problem": "constrained", "p": 2, "rho": rho,
                           "operator": [[[1, 0], [0, 0]], [[0, 0], [0, 1]]], "b": [1, 0]})
        rc = main(["conditions", "eftekhari2021.theorem-conditions", weak,
                   "--set", "U0=[[1, 0], [0, 0]]", "--json"])
        out = json.loads(capsys.readouterr().out)
        assert rc == 1 and out["conclusion"]["verdict"] == "INCONCLUSIVE", rho
        assert out["conclusion"]["evidence"]["final_relative_residual"] > 1e-3
    rc = main(["conditions", "eftekhari2021.theorem-conditions", spec,
               "--set", "U0=[[1, 0], [0, 1]]", "--no-run"])
    assert rc == 1
    assert "full column rank" in capsys.readouterr().out


# -- the machinery -------------------------------------------------------------------------------


def _toy_claim(checks: list, instance_run=None) -> Claim:  # type: ignore[no-untyped-def]
    hyps = tuple(Hypothesis(f"h{k}", f"hypothesis {k}", check=ch) for k, ch in enumerate(checks))
    return Claim(id="user.toy", paper="user", source="test", statement="toy",
                 run=lambda ctx: Outcome(Verdict.PROVED, {}), hypotheses=hyps,
                 instance_run=instance_run)


def test_all_hold_runs_instance_run_with_params() -> None:
    seen = {}

    def run(problem, ctx: RunContext) -> Outcome:  # type: ignore[no-untyped-def]
        seen.update(ctx.options)
        return Outcome(Verdict.PROVED, {"ok": True}, "fine")

    c = _toy_claim([lambda p: (True, "ok"), lambda p, params: (params["x"] == 1, "x")], run)
    res = evaluate_conditions(c, object(), params={"x": 1})
    assert res.all_hold is True and res.came_true is True and res.applies
    assert seen == {"x": 1}


def test_undetermined_does_not_run_without_force() -> None:
    c = _toy_claim([lambda p: (None, "constant unspecified")],
                   lambda p, ctx: Outcome(Verdict.PROVED, {}))
    res = evaluate_conditions(c, object())
    assert res.all_hold is None and res.conclusion is None and not res.applies
    assert "--force" in res.conclusion_note
    res = evaluate_conditions(c, object(), force=True)
    assert res.forced and res.came_true is True and not res.applies


def test_check_errors_become_undetermined_with_message() -> None:
    def needs(p, params):  # type: ignore[no-untyped-def]
        raise InputError("give --set eta=")

    def unsupported(p):  # type: ignore[no-untyped-def]
        raise UnsupportedError("not for this kind")

    c = _toy_claim([needs, unsupported])
    res = evaluate_conditions(c, object())
    assert [h.holds for h in res.hypotheses] == [None, None]
    assert "eta" in res.hypotheses[0].margin and res.hypotheses[1].error


def test_bad_check_return_is_a_bug() -> None:
    with pytest.raises(TypeError):
        call_check(Hypothesis("h", "s", check=lambda p: True), object(), {})


def test_claim_without_checks_is_unsupported(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["conditions", "cross.zsl-zhang-equivalence",
               '{"problem": "symmetric", "M": [[1]], "rank": 1}'])
    assert rc == 2
    assert "no hypothesis that can be checked" in capsys.readouterr().err


def test_cli_bad_input_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conditions", "no.such-claim", "{}"]) == 2
    assert main(["conditions", "related.zsl-rip-half"]) == 2
    assert main(["conditions", "related.zsl-rip-half", "/no/such/file.json"]) == 2
    assert main(["conditions", "related.zsl-rip-half", "{}", "--set", "novalue"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_parse_param() -> None:
    import sympy as sp

    assert parse_param("eta=1/1000") == ("eta", sp.Rational(1, 1000))
    assert parse_param("U0=[[1, 0.5]]") == ("U0", [[1, "0.5"]])
    for bad in ("=1", "1x=2", "eta=", "eta=__import__('os')", "U0=[NaN]"):
        with pytest.raises(InputError):
            parse_param(bad)
    with pytest.raises(NonFiniteError):
        parse_param("U0=[Infinity]")


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conditions", "--list", "--json"]) == 0
    ids = {c["id"] for c in json.loads(capsys.readouterr().out)["claims"]}
    assert {"related.zsl-rip-half", "yedu2021.theorem-1.1-conditions",
            "eftekhari2021.theorem-conditions"} <= ids


def test_spectrum_table_on_an_instance(capsys: pytest.CaptureFixture[str]) -> None:
    spec = '{"problem": "symmetric", "M": [[3, 1, 0], [1, 2, 0], [0, 0, -1]], "rank": 2, ' \
        '"scale": "1/2"}'
    assert main(["conditions", "li2019.hessian-spectrum-table", spec, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["conclusion"]["verdict"] == "SUPPORTED"
    assert out["conclusion"]["evidence"]["points"] == 4  # S in {}, {1}, {2}, {1,2}
    rep = '{"problem": "symmetric", "M": [[1, 0], [0, 1]], "rank": 1}'
    assert main(["conditions", "li2019.hessian-spectrum-table", rep, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert {h["name"]: h["status"] for h in out["hypotheses"]}["distinct-eigenvalues"] == "fails"


def test_nullspace_count_on_an_instance(capsys: pytest.CaptureFixture[str]) -> None:
    spec = ('{"problem": "symmetric", "M": [[2, 1, 0, 0], [1, 2, 0, 0], [0, 0, 0, 0], '
            '[0, 0, 0, 0]], "rank": 3}')
    assert main(["conditions", "cross.li-nullspace-mohammadi-lambda2", spec, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ev = out["conclusion"]["evidence"]
    assert ev["hessian_nullity"] == ev["predicted"] == 5  # 1 + 2 + 2
    ind = '{"problem": "symmetric", "M": [[2, 1], [1, -2]], "rank": 2}'
    assert main(["conditions", "cross.li-nullspace-mohammadi-lambda2", ind, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert {h["name"]: h["status"] for h in out["hypotheses"]} == {
        "psd": "fails", "over-parametrized": "fails"}


def test_scalar_tightness_proved_on_the_users_instance(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """Issue 16: `mfverify conditions` PROVES the flow conclusion on the user's (σ, a₀) with
    the validated integrator; a₀ = 0 fails the hypothesis exactly; a₀² > σ is INCONCLUSIVE."""
    spec = '{"problem": "asymmetric", "Sigma": [[3]], "rank": 1}'
    cid = "yedu2021.flow-scalar-tightness"
    assert main(["conditions", cid, spec, "--set", "a0=1/10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["conclusion"]["verdict"] == "PROVED"
    val = out["conclusion"]["evidence"]["validated"]
    assert all(r["contains_closed_form"] for r in val["closed_form"])
    assert all(r["t_star_in_interval"] for r in val["hitting_times"])
    assert main(["conditions", cid, spec, "--set", "a0=0", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert {h["name"]: h["status"] for h in out["hypotheses"]} == {"nonzero-start": "fails"}
    assert main(["conditions", cid, spec, "--set", "a0=2", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["conclusion"]["verdict"] == "INCONCLUSIVE"
    wide = '{"problem": "asymmetric", "Sigma": [[3, 0]], "rank": 1}'
    main(["conditions", cid, wide, "--set", "a0=1/10", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["hypotheses"][0]["status"] != "holds"


def test_scalar_tightness_instance_planted_wrong_closed_form(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Mutation: a closed form off by a factor (1 + 1e-20) is not inside the enclosures, so the
    conclusion is not PROVED."""
    import proofs_checks.yedu2021_flow as mod

    real = mod._arb_s
    monkeypatch.setattr(mod, "_arb_s", lambda s, a, t: real(s, a, t) * (1 + mod.to_arb(
        mod.Fraction(1, 10**20))))
    spec = '{"problem": "asymmetric", "Sigma": [[3]], "rank": 1}'
    main(["conditions", "yedu2021.flow-scalar-tightness", spec, "--set", "a0=1/10", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["conclusion"]["verdict"] == "INCONCLUSIVE"
