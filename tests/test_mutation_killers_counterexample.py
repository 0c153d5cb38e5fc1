"""Tests that kill planted mutants (mutation/mutants.py) in the counterexample engine.

Positive and negative controls of the Zhang–Sojoudi–Lavaei search (Zhang, Sojoudi & Lavaei,
JMLR 20(114), 2019): a planted operator with δ* > 1/2 has a positive margin, is discarded by the
search that keeps the hypothesis δ* < 1/2, and the default search really examines its operators.
"""

from __future__ import annotations

import numpy as np
import pytest

from mfverify.counterexample import find_zsl_spurious_min
from mfverify.counterexample import targets as targets_mod
from mfverify.counterexample.search import sensing_spurious_margin, svec_gram, theta_to_mats
from mfverify.problems import zsl_family


def _zsl_theta(c: str) -> np.ndarray:
    """The 9 numbers (a11, a12, a22 per matrix) of the Zhang–Sojoudi–Lavaei operator with
    RIP constant c (a strict spurious local minimum exists for c > 1/2)."""
    A = np.array(zsl_family(c).data["A"].tolist(), dtype=float)
    return np.concatenate([[m[0, 0], m[0, 1], m[1, 1]] for m in A])


def _scaled_delta(theta: np.ndarray) -> float:
    ev = np.linalg.eigvalsh(svec_gram(theta_to_mats(theta)))
    return float((ev[-1] - ev[0]) / (ev[-1] + ev[0]))


def test_planted_spurious_operator_is_seen_by_the_margin() -> None:
    theta = _zsl_theta("11/20")
    assert _scaled_delta(theta) > 0.5
    starts = targets_mod._sensing_starts(0)
    v, info = sensing_spurious_margin(theta, starts=starts)
    assert v > 0 and info["f"] > 0 and info["lambda_min"] > 0


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch):
    """Make the operator sampler draw the planted ZSL operator (δ* > 1/2) every time."""
    theta = _zsl_theta("11/20")
    monkeypatch.setattr(targets_mod, "_sample_operator",
                        lambda rip_below_half: (lambda rng: theta.copy()))
    return theta


def test_search_with_the_hypothesis_kept_discards_a_planted_violator(planted) -> None:
    # the operator violates the hypothesis δ* < 1/2: the search that keeps the hypothesis must
    # not report it (its margin is replaced by −1), while the margin itself is positive
    res = find_zsl_spurious_min(budget=60, seed=0, rip_below_half=True, max_restarts=3)
    assert res.status == "NOT_FOUND"
    assert res.best is not None and res.best["violation"] == -1.0
    assert res.best["delta_scaled"] > 0.5


def test_search_with_the_hypothesis_kept_examines_its_operators() -> None:
    # positive control of the default run: the operators drawn satisfy δ* < 1/2, their local
    # minima are found and are global (margin clipped to 0), so the best margin is exactly 0:
    # not the −1 of operators that were discarded or never examined
    res = find_zsl_spurious_min(budget=60, seed=0, rip_below_half=True, max_restarts=12)
    assert res.status == "NOT_FOUND"
    assert res.best is not None
    assert res.best["violation"] == 0.0
    assert res.best["delta_scaled"] < 0.5
    assert res.evidence["search"]["evaluations"] == 12
