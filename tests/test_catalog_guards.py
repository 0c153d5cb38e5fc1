"""The catalog guards its engines and says so in its exit status (issue 17).

* ``mfverify check`` is strict by default: any departure from a claim's expected verdict (an
  expected REFUTED that comes back PROVED, an expected PROVED or SUPPORTED that comes back
  INCONCLUSIVE) exits 1; ``--allow-inconclusive`` relaxes only the INCONCLUSIVE case.
* Each claim fixed in issue 17 computes its verdict from its evidence: a corrupted input,
  engine or evidence changes the verdict (the tests below plant the corruption).
* The engine-guard claims (landscape, batch, derivation, certify, flow, counterexample search)
  turn their verdict when the engine's core is broken.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from mfverify.claims import (
    Claim,
    ClaimResult,
    Outcome,
    RunContext,
    Verdict,
    get_claim,
    run_claim,
    summarize,
)
from mfverify.cli import main

# ---------------------------------------------------------------------------------------------
# strict exit status
# ---------------------------------------------------------------------------------------------


def _result(expected: Verdict, verdict: Verdict, *, error: str | None = None,
            dropped: tuple[str, ...] = ()) -> ClaimResult:
    c = Claim(id="guardtest.x", paper="guardtest", source="test", statement="s",
              run=lambda ctx: Outcome(verdict, {}), expected=expected)
    return ClaimResult(c, verdict, {}, "", 0.0, dropped, error)


@pytest.mark.parametrize(("expected", "got", "strict", "relaxed"), [
    (Verdict.PROVED, Verdict.PROVED, False, False),
    (Verdict.REFUTED, Verdict.REFUTED, False, False),
    (Verdict.REFUTED, Verdict.PROVED, True, True),       # a misprint that comes back PROVED
    (Verdict.PROVED, Verdict.INCONCLUSIVE, True, False),  # the regression CI used to miss
    (Verdict.SUPPORTED, Verdict.INCONCLUSIVE, True, False),
    (Verdict.PROVED, Verdict.REFUTED, True, True),
    (Verdict.SUPPORTED, Verdict.PROVED, True, True),     # a float claim turned PROVED
    (Verdict.INCONCLUSIVE, Verdict.SUPPORTED, True, True),
    (Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE, False, False),
])
def test_departure_rules(expected: Verdict, got: Verdict, strict: bool, relaxed: bool) -> None:
    r = _result(expected, got)
    assert (r.departure() is not None) is strict
    assert (r.departure(allow_inconclusive=True) is not None) is relaxed
    assert r.failed is strict
    assert summarize([r])["failed"] is strict
    assert summarize([r], allow_inconclusive=True)["failed"] is relaxed


def test_errors_always_fail_and_dropped_runs_have_no_expectation() -> None:
    err = _result(Verdict.PROVED, Verdict.INCONCLUSIVE, error="ValueError: boom")
    assert err.departure(allow_inconclusive=True) is not None
    dropped = _result(Verdict.PROVED, Verdict.REFUTED, dropped=("h",))
    assert dropped.departure() is None
    s = summarize([err, dropped])
    assert s["failed"] and [d["id"] for d in s["departures"]] == ["guardtest.x"]
    assert s["mode"] == "strict"


CLAIMS_FILE = '''
from mfverify.claims import Outcome, RunContext, Verdict, claim


@claim("guardtest.proved-inconclusive", paper="guardtest", source="test", statement="s",
       expected=Verdict.PROVED)
def a(ctx: RunContext) -> Outcome:
    return Outcome(Verdict.INCONCLUSIVE, {}, "budget ran out")


@claim("guardtest.misprint-proved", paper="guardtest", source="test", statement="s",
       expected=Verdict.REFUTED)
def b(ctx: RunContext) -> Outcome:
    return Outcome(Verdict.PROVED, {}, "the misprint came out true")


@claim("guardtest.fine", paper="guardtest", source="test", statement="s")
def c(ctx: RunContext) -> Outcome:
    return Outcome(Verdict.PROVED, {}, "ok")
'''


@pytest.fixture()
def claims_file(tmp_path: Path) -> str:
    p = tmp_path / "guard_claims.py"
    p.write_text(CLAIMS_FILE)
    return str(p)


def test_check_is_strict_by_default(claims_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--jobs", "1", "--claims", claims_file, "guardtest.fine"]) == 0
    capsys.readouterr()
    rc = main(["check", "--jobs", "1", "--claims", claims_file, "guardtest.proved-inconclusive",
               "guardtest.fine"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "DEPARTS (expected PROVED)" in out
    assert "guardtest.proved-inconclusive (expected PROVED, got INCONCLUSIVE)" in out
    assert main(["check", "--jobs", "1", "--claims", claims_file, "guardtest.proved-inconclusive",
                 "--allow-inconclusive"]) == 0
    capsys.readouterr()


def test_expected_refuted_that_comes_back_proved_fails_in_both_modes(
        claims_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    for extra in ([], ["--allow-inconclusive"]):
        rc = main(["check", "--jobs", "1", "--claims", claims_file,
                   "guardtest.misprint-proved", "--json", *extra])
        out = json.loads(capsys.readouterr().out)
        assert rc == 1
        (dep,) = out["summary"]["departures"]
        assert dep == {"id": "guardtest.misprint-proved", "expected": "REFUTED",
                       "verdict": "PROVED", "reason": "expected REFUTED, got PROVED"}


def test_check_help_documents_the_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--allow-inconclusive" in text
    assert "departs" in text and "strict" in text


# ---------------------------------------------------------------------------------------------
# issue 17, item 5: each claim's verdict follows its evidence
# ---------------------------------------------------------------------------------------------


def test_ssp_trap_tests_the_psd_condition(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a broken KKT operator made S(λ*) PSD while the verdict stayed PROVED."""
    res = run_claim(get_claim("eftekhari2021.ssp-trap"))
    assert res.verdict is Verdict.PROVED, res.summary
    kkt = res.evidence["kkt_check"]
    assert kkt["S_psd"] is False and kkt["spurious"] is True
    assert kkt["S_eigenvalues"] == ["-3", "0"]
    from mfverify.problems import ConstrainedMF

    monkeypatch.setattr(ConstrainedMF, "S_in", lambda self, A, lam, d: A.eye(self.n))
    bad = run_claim(get_claim("eftekhari2021.ssp-trap"))
    assert bad.verdict is Verdict.INCONCLUSIVE, bad.summary
    assert bad.evidence["kkt_check"]["engine_S_matches_formula"] is False


def test_ssp_trap_not_spurious_when_psd(monkeypatch: pytest.MonkeyPatch) -> None:
    """With S(λ*) consistently PSD (the problem's S and the formula agree), the point is not a
    spurious KKT point: the premise fails and nothing is PROVED."""
    import proofs_checks.eftekhari2021_flow as mod

    real = mod._ssp_kkt_evidence

    def psd(prob, S):  # type: ignore[no-untyped-def]
        ev = real(prob, S)
        return {**ev, "S_psd": True, "spurious": False}

    monkeypatch.setattr(mod, "_ssp_kkt_evidence", psd)
    assert run_claim(get_claim("eftekhari2021.ssp-trap")).verdict is Verdict.INCONCLUSIVE


def test_asymmetric_invariance_checks_o_r_with_balance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: the O(r)-with-balance part was computed only with the hypothesis dropped."""
    res = run_claim(get_claim("foundations.asymmetric-invariance"))
    assert res.verdict is Verdict.PROVED
    rows = res.evidence["per_size"]
    assert res.evidence["instances"] == len(rows) >= 19
    assert all(r["o_invariant_balance_b"] for r in rows)
    assert all(not r["gl_infinitesimal_balance_b"] for r in rows)
    import proofs_checks.foundations as mod

    monkeypatch.setattr(mod, "_asym_sizes", lambda ctx, quick_limit=12: [(1, 1, 1), (2, 1, 2)])
    monkeypatch.setattr(mod, "_o_check", lambda *a: False)  # O(r) invariance lost
    assert run_claim(get_claim("foundations.asymmetric-invariance")).verdict is Verdict.REFUTED


def test_hessian_table_stationarity_hypothesis_really_checks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: the hypothesis check returned True unconditionally."""
    import proofs_checks.li2019_spectrum as mod
    from mfverify.problems import SymmetricMF

    check = get_claim("li2019.hessian-spectrum-table").hypothesis("stationary").check
    assert check is not None
    p = SymmetricMF([[3, 0, 0], [0, 2, 0], [0, 0, -1]], 2)
    holds, margin = check(p)
    assert holds is True and "(S1) points" in margin
    real = mod.stationary_point
    monkeypatch.setattr(mod, "stationary_point", lambda *a: 1.01 * real(*a))
    holds, margin = check(p)
    assert holds is False, margin


def _corrupt_symmetric_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sign slip of the issue: ∇f = (XXᵀ + M)X instead of (XXᵀ − M)X (a field of the form
    G(X)X, so rank preservation alone cannot see it)."""
    from mfverify.problems import SymmetricMF

    def grad(self, A, x, d):  # type: ignore[no-untyped-def]
        X = x["X"]
        return {"X": (X @ A.T(X) + d["M"]) @ X}

    monkeypatch.setattr(SymmetricMF, "gradient", grad)


def test_rank_deficient_trap_depends_on_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    import proofs_checks.mohammadi2024_flow as mod

    res = run_claim(get_claim("cross.rank-deficient-trap"))
    assert res.verdict is Verdict.SUPPORTED, res.summary
    assert res.evidence["field_check"]["field_is_minus_gradient"]
    _corrupt_symmetric_gradient(monkeypatch)
    mod._trajectory.cache_clear()
    try:
        bad = run_claim(get_claim("cross.rank-deficient-trap"))
    finally:
        mod._trajectory.cache_clear()
    assert bad.verdict is Verdict.INCONCLUSIVE, bad.summary
    assert bad.evidence["field_check"]["field_is_minus_gradient"] is False


def test_flow_rank_preservation_depends_on_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    res = run_claim(get_claim("eftekhari2021.flow-rank-preservation"))
    assert res.verdict is Verdict.SUPPORTED, res.summary
    assert res.evidence["instances"] >= 2
    _corrupt_symmetric_gradient(monkeypatch)
    bad = run_claim(get_claim("eftekhari2021.flow-rank-preservation"))
    assert bad.verdict is Verdict.INCONCLUSIVE, bad.summary
    assert "not the gradient flow" in bad.summary


def test_rank_one_limit_tests_the_limit() -> None:
    """Regression: the rank-one limit λ₁u₁u₁ᵀ was recorded but not tested; with the wrong
    limit (λ₁ = 2 instead of 3 in the target) the tests on the same run fail."""
    import proofs_checks.eftekhari2021_flow as mod

    res = run_claim(get_claim("eftekhari2021.flow-rank-one-limit"))
    assert res.verdict is Verdict.PROVED, res.summary  # validated enclosures (issue 16)
    assert res.evidence["instances"] == len(res.evidence["cases"]) == 2
    assert all(all(c["tests"].values()) for c in res.evidence["cases"])
    (lams, qs, us) = mod.RANK_ONE_INSTANCES[0]
    p, run = mod._rank_one_run(1, 12, lams, qs, us)
    wrong = mod._rank_one_rows(p, run, (2, 1), qs)
    assert not wrong["tests"]["dist_to_best_rank1_at_T_small"] and not wrong["ok"]


def _gd_wrapper(monkeypatch: pytest.MonkeyPatch, module: str, *, report_requested: bool
                ) -> None:
    """Make the batch engine run at 2η, reporting either the step it ran at or (a worse slip)
    the step requested."""
    import importlib

    mod = importlib.import_module(module)
    real = mod.gd

    def gd2(problem, x0, *, step=0.1, **kw):  # type: ignore[no-untyped-def]
        res = real(problem, x0, step=2 * step, **kw)
        if report_requested:
            res.step = res.step / 2
        return res

    monkeypatch.setattr(mod, "gd", gd2)


@pytest.mark.parametrize("report_requested", [False, True])
def test_iteration_scaling_sees_the_step_actually_run(monkeypatch: pytest.MonkeyPatch,
                                                      report_requested: bool) -> None:
    ok = run_claim(get_claim("yedu2021.iteration-scaling"))
    assert ok.verdict is Verdict.SUPPORTED, ok.summary
    assert ok.evidence["step_check"]["matches"] and ok.evidence["eta"] == 0.01
    _gd_wrapper(monkeypatch, "proofs_checks.yedu2021_gd", report_requested=report_requested)
    bad = run_claim(get_claim("yedu2021.iteration-scaling"))
    assert bad.verdict is Verdict.INCONCLUSIVE, bad.summary
    if not report_requested:
        assert bad.evidence["eta"] == 0.02  # the evidence records what ran
    else:  # the engine lies about η: the slopes (normalized by η) leave their bands
        assert not bad.evidence["checks"]["eps_slopes_in_band"]


def test_step_used_reads_the_result() -> None:
    from types import SimpleNamespace

    from proofs_checks._batch_common import step_used

    res = SimpleNamespace(step=np.full((2, 3), 0.02))
    s = step_used(res, 0.01)
    assert s["eta_used"] == 0.02 and s["matches"] is False
    s = step_used(SimpleNamespace(step=np.array([[0.1, 0.1], [0.2, 0.2]])), np.array([0.1, 0.2]))
    assert s["matches"] is True


def test_theorem_conditions_rejects_an_infeasible_limit() -> None:
    """Regression: a limit 1.4% infeasible (penalty merit, ρ = 50) passed as a global minimizer."""
    from mfverify.problems import ConstrainedMF
    from proofs_checks.eftekhari2021_conditions import flow_conclusion

    ops = [[[1, 0, 0], [0, 0, 0], [0, 0, 1]], [[0, "1/2", 0], ["1/2", 0, 0], [0, 0, 0]]]
    U0 = [["1/2", "0", "1/2"], ["1/2", "1", "3/2"], ["1/2", "0", "1/2"]]
    pen = ConstrainedMF(ops, 3, ground_truth=[[1, 1, 0], [1, 1, 0], [0, 0, 0]], rho=50)
    out = flow_conclusion(pen, RunContext(options={"U0": U0}))
    assert out.verdict is Verdict.INCONCLUSIVE, out.summary
    assert 0.01 < out.evidence["final_relative_residual"] < 0.02
    res = run_claim(get_claim("eftekhari2021.theorem-conditions"))
    assert res.verdict is Verdict.SUPPORTED, res.summary
    assert res.evidence["instances"] == 4
    assert all(c["final_relative_residual"] <= 1e-6 for c in res.evidence["cases"])


def test_yedu_theorem_undetermined_hypotheses_give_inconclusive(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import proofs_checks.yedu2021_conditions as mod

    c = get_claim("yedu2021.theorem-1.1-conditions")
    assert c.expected is Verdict.INCONCLUSIVE

    def fast(problem, ctx):  # type: ignore[no-untyped-def]
        return Outcome(Verdict.SUPPORTED, {"tolerance": 1, "instances": 1, "hit": [1],
                                           "diverged": [False]}, "reached")

    monkeypatch.setattr(mod, "theorem_conclusion", fast)
    res = run_claim(c)
    assert res.verdict is Verdict.INCONCLUSIVE and res.as_expected
    assert set(res.evidence["undetermined_hypotheses"]) == {"init-scale", "step-size"}
    # were the hypotheses decided (here: planted as holding), the conclusion would count
    decided = dataclasses.replace(c, hypotheses=tuple(
        dataclasses.replace(h, check=lambda *a: (True, "planted"))
        if h.name in ("init-scale", "step-size") else h for h in c.hypotheses))
    monkeypatch.setattr(mod, "theorem_1_1_conditions_claim", lambda: decided)
    assert run_claim(c).verdict is Verdict.SUPPORTED
    # a decided hypothesis that fails: the theorem does not apply
    failing = dataclasses.replace(decided, hypotheses=tuple(
        dataclasses.replace(h, check=lambda *a: (False, "planted"))
        if h.name == "exact-parametrization" else h for h in decided.hypotheses))
    monkeypatch.setattr(mod, "theorem_1_1_conditions_claim", lambda: failing)
    out = run_claim(c)
    assert out.verdict is Verdict.INCONCLUSIVE and "do not apply" not in out.summary
    assert out.evidence["failing_hypotheses"] == ["exact-parametrization"]


# ---------------------------------------------------------------------------------------------
# item 4: engine guards turn their verdict when the engine is broken
# ---------------------------------------------------------------------------------------------


def test_search_positive_control_catches_a_blind_search(monkeypatch: pytest.MonkeyPatch) -> None:
    import mfverify.counterexample.targets as targets

    ok = run_claim(get_claim("related.zsl-rip-threshold"))
    assert ok.verdict is Verdict.SUPPORTED, ok.summary
    assert ok.evidence["positive_controls"]["ok"]
    monkeypatch.setattr(targets, "sensing_spurious_margin", lambda theta, starts: (-1.0, {}))
    bad = run_claim(get_claim("related.zsl-rip-threshold"))
    assert bad.verdict is Verdict.INCONCLUSIVE, bad.summary
    assert "planted_c_11/20_detected" in bad.evidence["positive_controls"]["failed"]


def _drop_global_minima(monkeypatch: pytest.MonkeyPatch) -> None:
    """The slip of the issue: the top orbits dropped, so the engine reports the next value
    (5/4 for M = diag(2, 2, 1), r = 2) as the global minimum, status still complete."""
    import proofs_checks.foundations_landscape_guard as mod

    real = mod.landscape

    def broken(problem, **kw):  # type: ignore[no-untyped-def]
        L = real(problem, **kw)
        if problem.kind == "symmetric" and problem.n == 3 and problem.r == 2:
            L.components = [c for c in L.components if c.type != "global_min"]
            L.components[0].type = "global_min"
            L.global_min_value = min((c.value for c in L.components),
                                     key=lambda v: float(v))
        return L

    monkeypatch.setattr(mod, "landscape", broken)
    mod._landscape.cache_clear()


def test_landscape_guards_catch_dropped_orbits(monkeypatch: pytest.MonkeyPatch) -> None:
    import proofs_checks.foundations_landscape_guard as mod

    try:
        ok = run_claim(get_claim("foundations.landscape-strata-exact"))
        assert ok.verdict is Verdict.PROVED, ok.summary
        assert run_claim(get_claim("foundations.landscape-vs-batch-gd")).verdict is \
            Verdict.SUPPORTED
        _drop_global_minima(monkeypatch)
        bad = run_claim(get_claim("foundations.landscape-strata-exact"))
        assert bad.verdict is Verdict.REFUTED, bad.summary
        assert "Eckart–Young gives 1/4" in bad.summary
        gd_bad = run_claim(get_claim("foundations.landscape-vs-batch-gd"))
        assert gd_bad.verdict is Verdict.INCONCLUSIVE, gd_bad.summary
    finally:
        mod._landscape.cache_clear()


def test_landscape_guard_catches_a_wrong_representative(monkeypatch: pytest.MonkeyPatch) -> None:
    import proofs_checks.foundations_landscape_guard as mod

    real = mod.landscape

    def shifted(problem, **kw):  # type: ignore[no-untyped-def]
        L = real(problem, **kw)
        c = L.components[0]
        name = next(iter(c.representative))
        rep = np.array(c.representative[name], dtype=object, copy=True)
        rep.flat[0] = rep.flat[0] + 1
        c.representative = {**c.representative, name: rep}
        return L

    monkeypatch.setattr(mod, "landscape", shifted)
    mod._landscape.cache_clear()
    try:
        bad = run_claim(get_claim("foundations.landscape-strata-exact"))
    finally:
        mod._landscape.cache_clear()
    assert bad.verdict is Verdict.REFUTED, bad.summary
    assert "not stationary" in bad.summary


def test_derivation_guard_catches_a_skipped_last_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The slip of the issue: the exact comparison skips the last entry, so A == A + E₂₂ (2×2)
    is PROVED."""
    import mfverify.derivation.exact as exact

    ok = run_claim(get_claim("foundations.derivation-planted"))
    assert ok.verdict is Verdict.PROVED, ok.summary
    real = exact.first_mismatch

    def skip_last(claimed, true, **kw):  # type: ignore[no-untyped-def]
        c = np.array(exact.as_object_array(claimed), dtype=object, copy=True)
        t = exact.as_object_array(true)
        if c.size:
            c.flat[-1] = t.flat[-1]
        return real(c, t, **kw)

    monkeypatch.setattr(exact, "first_mismatch", skip_last)
    bad = run_claim(get_claim("foundations.derivation-planted"))
    assert bad.verdict is Verdict.REFUTED, bad.summary
    # the evaluation scan still finds the planted entry; the slipped symbolic check says equal:
    # the disagreement is reported (INCONCLUSIVE), never a PROVED or an unexplained REFUTED
    assert any(r["verdict"] == "INCONCLUSIVE" for r in bad.evidence["planted"])


def test_certify_guard_catches_an_ignored_gershgorin_radius(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from flint import arb

    import mfverify.certify.inertia as inertia

    ok = run_claim(get_claim("foundations.certify-planted"))
    assert ok.verdict is Verdict.PROVED, ok.summary
    real = inertia._gershgorin
    monkeypatch.setattr(inertia, "_gershgorin",
                        lambda B: [(d, arb(0)) for d, _R in real(B)])
    bad = run_claim(get_claim("foundations.certify-planted"))
    assert bad.verdict is Verdict.REFUTED, bad.summary
    assert "ball_[[1,±2],[±2,1]]_not_certified_pd" in bad.summary


def test_certify_guard_catches_a_skipped_krawczyk_containment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import mfverify.certify.files as files

    real = files.krawczyk

    def no_containment(*a, **kw):  # type: ignore[no-untyped-def]
        res = real(*a, **kw)
        res.proved = True
        res.reason = ""
        return res

    monkeypatch.setattr(files, "krawczyk", no_containment)
    bad = run_claim(get_claim("foundations.certify-planted"))
    assert bad.verdict is Verdict.REFUTED, bad.summary
    assert "false_box_(0,9/10)_not_stationary_rejected" in bad.summary


def test_flow_guard_catches_an_underestimated_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The slip of the issue: the truncation error dropped from the estimate (reported global
    error far below the actual one), emulated by shrinking every reported estimate."""
    import mfverify.flow as flow

    ok = run_claim(get_claim("foundations.flow-error-estimate"))
    assert ok.verdict is Verdict.SUPPORTED, ok.summary
    assert ok.evidence["instances"] == 14
    real = flow.integrate

    def optimistic(*a, **kw):  # type: ignore[no-untyped-def]
        res = real(*a, **kw)
        for pt in res.points:
            pt.error_estimate = pt.error_estimate * res.arith.const("1e-18")
        return res

    monkeypatch.setattr(flow, "integrate", optimistic)
    bad = run_claim(get_claim("foundations.flow-error-estimate"))
    assert bad.verdict is Verdict.INCONCLUSIVE, bad.summary
    assert "below the actual error" in bad.summary


def test_guard_claims_are_registered_with_expected_verdicts() -> None:
    expected = {"foundations.landscape-strata-exact": Verdict.PROVED,
                "foundations.landscape-vs-batch-gd": Verdict.SUPPORTED,
                "foundations.derivation-planted": Verdict.PROVED,
                "foundations.certify-planted": Verdict.PROVED,
                "foundations.flow-error-estimate": Verdict.SUPPORTED,
                "yedu2021.theorem-1.1-conditions": Verdict.INCONCLUSIVE}
    for cid, v in expected.items():
        assert get_claim(cid).expected is v, cid
