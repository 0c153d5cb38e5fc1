"""Certified statements on validated enclosures, and ``mfverify flow --validated/--prove``."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from mfverify.arith.ball import to_arb
from mfverify.errors import InputError
from mfverify.flow import vector_field
from mfverify.flow.certified import (
    certify_bound,
    certify_convergence,
    certify_escape,
    certify_reach,
)
from mfverify.flow.validated import integrate_validated
from mfverify.problems import SymmetricMF

ROOT = Path(__file__).resolve().parents[1]
P = SymmetricMF([[1, 0], [0, 0]], rank=1)
X0 = {"X": [["1/2"], ["1/3"]]}


@pytest.fixture(scope="module")
def flow10():  # type: ignore[no-untyped-def]
    return integrate_validated(P, X0, [1, 10], dps=40)


def test_reach(flow10) -> None:  # type: ignore[no-untyped-def]
    c = certify_reach(flow10, "1e-6")
    assert c.verdict == "PROVED" and c.evidence["t_float"] <= 10
    assert certify_reach(flow10, "-1").verdict == "REFUTED"  # f >= 0 > -1: never reached


def test_escape(flow10) -> None:  # type: ignore[no-untyped-def]
    c = certify_escape(flow10, "9/10")
    assert c.verdict == "PROVED"
    assert certify_escape(flow10, "5").verdict == "REFUTED"
    # around the limit (1, 0): the start is outside radius 1/2, so it "escapes" at once
    assert certify_escape(flow10, "1/2", {"X": [["1"], ["0"]]}).verdict == "PROVED"


def test_convergence_proved_to_global_min(flow10) -> None:  # type: ignore[no-untyped-def]
    c = certify_convergence(flow10, {"X": [["1"], ["0"]]})
    assert c.verdict == "PROVED", c.reason
    assert c.evidence["global_minimizer"] is True
    assert float(c.evidence["lambda_lower"]) > 0


def test_convergence_not_yet_in_tube() -> None:
    short = integrate_validated(P, X0, ["1/2"], dps=30)
    assert certify_convergence(short, {"X": [["1"], ["0"]]}).verdict == "INCONCLUSIVE"


def test_convergence_rejects_non_stationary_target(flow10) -> None:  # type: ignore
    with pytest.raises(InputError):
        certify_convergence(flow10, {"X": [["1"], ["1/10"]]})


def test_saddle_target_is_not_certified(flow10) -> None:  # type: ignore[no-untyped-def]
    # the origin is stationary but a saddle: no PL constant on its normal space
    assert certify_convergence(flow10, {"X": [["0"], ["0"]]}).verdict == "INCONCLUSIVE"


def test_bound_on_every_box() -> None:
    vf = vector_field(lambda A, x: {"x": -x["x"]}, {"x": (1,)})
    res = integrate_validated(vf, {"x": [1]}, [3], dps=30)

    def below_one(A, box, lo, hi):  # type: ignore[no-untyped-def]
        return box["x"][0] - to_arb(Fraction(101, 100))

    assert certify_bound(res, below_one, "x ≤ 1.01").verdict == "PROVED"

    def e_bound(A, box, lo, hi):  # type: ignore[no-untyped-def]
        return box["x"][0] - to_arb(1 / (1 + lo))  # e^{-t} ≤ 1/(1 + t): tight at t = 0

    assert certify_bound(res, e_bound, "x ≤ 1/(1+t)", t_min=1).verdict == "PROVED"

    def below_half(A, box, lo, hi):  # type: ignore[no-untyped-def]
        return box["x"][0] - to_arb(Fraction(1, 2))

    assert certify_bound(res, below_half, "x ≤ 1/2").verdict == "REFUTED"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mfverify", "flow", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


SPEC = '{"problem": "symmetric", "M": [[1, 0], [0, 0]], "rank": 1}'


def test_cli_validated_and_prove() -> None:
    r = _cli(SPEC, "--x0", '{"X": [["1/2"], ["1/3"]]}', "--times", "1,10", "--dps", "30",
             "--prove", "converge", "--target", '{"X": [["1"], ["0"]]}', "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["certificate"]["verdict"] == "PROVED"
    assert [p["t"] for p in out["points"]] == ["1", "10"]
    assert float(out["points"][1]["width"]) < 1e-25
    r = _cli(SPEC, "--x0", '{"X": [["1/2"], ["1/3"]]}', "--times", "1", "--validated")
    assert r.returncode == 0 and "enclosure width" in r.stdout
    # regression: the balls print with a plain ± (they were JSON-escaped as \u00b1)
    assert " ± " in r.stdout and "\\u00b1" not in r.stdout


def test_cli_bad_prove_exits_2() -> None:
    r = _cli(SPEC, "--x0", '{"X": [["1/2"], ["1/3"]]}', "--prove", "reach")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_cli_reach_and_escape_verdicts() -> None:
    r = _cli(SPEC, "--x0", '{"X": [["1/2"], ["1/3"]]}', "--times", "10", "--dps", "30",
             "--prove", "reach:1e-6", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["certificate"]["verdict"] == "PROVED"
    r = _cli(SPEC, "--x0", '{"X": [["1/2"], ["1/3"]]}', "--times", "2", "--dps", "30",
             "--prove", "escape:5")
    assert r.returncode == 0, r.stderr
    assert "REFUTED: escape:5" in r.stdout
    r = _cli(SPEC, "--x0", '{"X": [["1/2"], ["1/3"]]}', "--times", "sqrt(2)", "--validated")
    assert r.returncode == 2 and "rational" in r.stderr
