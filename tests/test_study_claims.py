"""The claims that use studies (#14 item 4): their verdicts in the quick profile, with a
hypothesis dropped, and the logistic fit behind the sensing transition."""

from __future__ import annotations

import numpy as np
import pytest

from mfverify.claims import get_claim
from mfverify.claims.model import RunContext, Verdict
from mfverify.claims.runner import run_claim

pytest.importorskip("pyarrow")

CASES = [
    ("related.sensing-recovery-transition", (), Verdict.SUPPORTED),
    ("yedu2021.study-iteration-scaling", (), Verdict.SUPPORTED),
    ("yedu2021.study-iteration-scaling", ("small-step",), Verdict.INCONCLUSIVE),
    ("eftekhari2021.study-success-over-p", (), Verdict.SUPPORTED),
    ("eftekhari2021.study-success-over-p", ("small-step",), Verdict.INCONCLUSIVE),
]


@pytest.mark.parametrize(("cid", "dropped", "verdict"), CASES,
                         ids=[f"{c}-{'-'.join(d) or 'all'}" for c, d, _ in CASES])
def test_study_claim_verdicts(cid: str, dropped: tuple[str, ...], verdict: Verdict) -> None:
    res = run_claim(get_claim(cid), RunContext(dropped=frozenset(dropped)))
    assert res.error is None, res.error
    assert res.verdict is verdict, res.summary
    if verdict is Verdict.SUPPORTED:
        assert "tolerance" in res.evidence and res.evidence["instances"] > 0


def test_sensing_claim_states_the_fitted_constant() -> None:
    res = run_claim(get_claim("related.sensing-recovery-transition"), RunContext())
    fit = res.evidence["fit"]
    assert 0.9 <= fit["c"] <= 3.0 and fit["c_stderr"] > 0
    assert f"c = {fit['c']:.2f}" in res.summary


def test_logistic_fit_recovers_a_planted_transition_and_refuses_separable_data() -> None:
    from proofs_checks._study_common import logistic_fit

    rng = np.random.default_rng(0)
    x = np.repeat(np.linspace(0.5, 3.0, 11), 200)
    y = (rng.random(x.size) < 1 / (1 + np.exp(-(x - 1.4) / 0.2))).astype(float)
    fit = logistic_fit(x, y)
    assert abs(fit["c"] - 1.4) < 3 * fit["c_stderr"] and fit["c_stderr"] < 0.05
    slipped = logistic_fit(x + 0.3, y)  # a planted shift of the ratios moves c with it
    assert abs(slipped["c"] - 1.7) < 3 * slipped["c_stderr"]
    with pytest.raises(ValueError, match="separable"):
        logistic_fit(x, (x > 1.4).astype(float))


def test_the_study_claim_uses_the_bands_of_the_batch_claim() -> None:
    from proofs_checks import yedu2021_gd, yedu2021_study

    assert yedu2021_study.R2_MIN == yedu2021_gd.R2_MIN
    assert yedu2021_study.DELTA_SLOPE_BAND == yedu2021_gd.DELTA_SLOPE_BAND
    assert yedu2021_study.EPS_SLOPE_BAND == yedu2021_gd.EPS_SLOPE_BAND
