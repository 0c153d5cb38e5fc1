"""Malformed input everywhere: each case raises its documented error class with a useful message.

Covers SymmetricMF, AsymmetricMF, CustomProblem, the spec loader and the CLI (exit code 2,
one line on stderr starting with ``mfverify: error:``, never a traceback), plus the sensing and
constrained problems when they are present. Hostile strings are checked to run nothing: a
monkeypatched ``os.system`` records calls and a sentinel file must not appear.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mfverify.cli import main
from mfverify.errors import (
    ExpressionError,
    InputError,
    MfverifyError,
    NonFiniteError,
    NumberError,
    OperatorError,
    RankError,
    ShapeError,
    SpecError,
    SymmetryError,
)
from mfverify.problems import AsymmetricMF, CustomProblem, SymmetricMF
from mfverify.spec import load_spec, problem_from_spec, read_spec_text

NAN = float("nan")
INF = float("inf")
DEEP = "(" * 250 + "1" + ")" * 250
HOSTILE = "__import__('os').system('id')"

# (id, thunk, error class, message fragment)
Case = tuple[str, Callable[[], Any], type[MfverifyError], str]

CASES: list[Case] = [
    # -- SymmetricMF -------------------------------------------------------------------------
    ("sym-vector-M", lambda: SymmetricMF([1, 2], 1), ShapeError, "must be a matrix"),
    ("sym-3d-M", lambda: SymmetricMF([[[1]]], 1), ShapeError, "must be a matrix"),
    ("sym-non-square", lambda: SymmetricMF([[1, 2, 3], [4, 5, 6]], 1), ShapeError, "square"),
    ("sym-asymmetric", lambda: SymmetricMF([[1, 2], [3, 4]], 1), SymmetryError,
     r"M\[0,1\] = 2 differs from M\[1,0\] = 3"),
    ("sym-asymmetric-exact", lambda: SymmetricMF([["1/3", "0.3333"], ["1/3", 1]], 1),
     SymmetryError, "symmetric"),
    ("sym-nan-float", lambda: SymmetricMF([[NAN, 0], [0, 1]], 1), NonFiniteError, "finite"),
    ("sym-inf-float", lambda: SymmetricMF([[INF, 0], [0, 1]], 1), NonFiniteError, "finite"),
    ("sym-nan-string", lambda: SymmetricMF([["nan", 0], [0, 1]], 1), NonFiniteError,
     "non-finite"),
    ("sym-inf-string", lambda: SymmetricMF([["-Infinity", 0], [0, 1]], 1), NonFiniteError,
     "non-finite"),
    ("sym-nan-numpy", lambda: SymmetricMF(np.array([[NAN, 0.0], [0.0, 1.0]]), 1),
     NonFiniteError, "NaN or infinity"),
    ("sym-rank-0", lambda: SymmetricMF([[1, 0], [0, 1]], 0), RankError, "1 <= rank <= 2"),
    ("sym-rank-above-n", lambda: SymmetricMF([[1, 0], [0, 1]], 3), RankError,
     "1 <= rank <= 2"),
    ("sym-rank-float", lambda: SymmetricMF([[1, 0], [0, 1]], 1.5), RankError,
     "must be an integer"),
    ("sym-rank-bool", lambda: SymmetricMF([[1, 0], [0, 1]], True), RankError,
     "must be an integer"),
    ("sym-rank-string", lambda: SymmetricMF([[1, 0], [0, 1]], "1"), RankError,
     "must be an integer"),
    ("sym-ragged", lambda: SymmetricMF([[1, 2], [3]], 1), ShapeError, "ragged"),
    ("sym-empty", lambda: SymmetricMF([], 1), ShapeError, "matrix"),
    ("sym-empty-rows", lambda: SymmetricMF([[], []], 1), ShapeError, "non-empty"),
    ("sym-div-zero", lambda: SymmetricMF([["1/0", 0], [0, 1]], 1), NumberError,
     "division by zero"),
    ("sym-abc", lambda: SymmetricMF([["abc", 0], [0, 1]], 1), NumberError,
     "not an exact number"),
    ("sym-sqrt-neg", lambda: SymmetricMF([["sqrt(-1)", 0], [0, 1]], 1), NumberError,
     "not a real number"),
    ("sym-hostile-number", lambda: SymmetricMF([[HOSTILE, 0], [0, 1]], 1), NumberError,
     "only function allowed"),
    ("sym-huge-exponent", lambda: SymmetricMF([["10**10**10", 0], [0, 1]], 1), NumberError,
     "exponent"),
    ("sym-deep-number", lambda: SymmetricMF([[DEEP, 0], [0, 1]], 1), NumberError,
     "cannot parse"),
    ("sym-none-entry", lambda: SymmetricMF([[None, 0], [0, 1]], 1), NumberError,
     "not a number"),
    ("sym-bool-entry", lambda: SymmetricMF([[True, 0], [0, 1]], 1), NumberError, "boolean"),
    ("sym-negative-scale", lambda: SymmetricMF([[1, 0], [0, 1]], 1, scale=-1), InputError,
     "positive"),
    ("sym-zero-scale", lambda: SymmetricMF([[1, 0], [0, 1]], 1, scale="0"), InputError,
     "positive"),
    # -- AsymmetricMF ------------------------------------------------------------------------
    ("asym-negative-balance", lambda: AsymmetricMF([[1, 0], [0, 1]], 1, balance=-1),
     InputError, "balance must be >= 0"),
    ("asym-3d-Sigma", lambda: AsymmetricMF([[[1, 2]]], 1), ShapeError, "must be a matrix"),
    ("asym-rank-above", lambda: AsymmetricMF([[1, 2, 3]], 4), RankError, "1 <= rank <= 3"),
    ("asym-nan", lambda: AsymmetricMF([[1, NAN]], 1), NonFiniteError, "finite"),
    ("asym-bad-scale", lambda: AsymmetricMF([[1, 2]], 1, scale="abc"), NumberError,
     "not an exact number"),
    # -- CustomProblem -----------------------------------------------------------------------
    ("custom-hostile", lambda: CustomProblem({"x": [2]}, HOSTILE), ExpressionError,
     "only the listed functions"),
    ("custom-dunder", lambda: CustomProblem({"x": [2]}, "x.__class__"), ExpressionError,
     "attribute access"),
    ("custom-huge-exponent", lambda: CustomProblem({"x": [2]}, "x[0]**10**10"),
     ExpressionError, "exponent"),
    ("custom-deep", lambda: CustomProblem({"x": [2]}, "(" * 250 + "x[0]" + ")" * 250),
     ExpressionError, "nested"),
    ("custom-unknown-name", lambda: CustomProblem({"x": [2]}, "x[0] + y"), ExpressionError,
     r"unknown name 'y'; allowed names are \['x'"),
    ("custom-non-scalar", lambda: CustomProblem({"X": [2, 2]}, "X.T@X"), ShapeError,
     "must be a scalar"),
    ("custom-bad-shape", lambda: CustomProblem({"x": [-1]}, "1"), ShapeError,
     "positive integers"),
    ("custom-negative-scale", lambda: CustomProblem({"x": [1]}, "x[0]", scale="-1/2"),
     InputError, "positive"),
    # -- spec loader -------------------------------------------------------------------------
    ("spec-non-object", lambda: read_spec_text("[1, 2]"), SpecError, "JSON object"),
    ("spec-invalid-json", lambda: load_spec('{"problem": "symmetric", "M": [[1]'), SpecError,
     "not valid JSON"),
    # JSON NaN / Infinity: mfverify.spec means NonFiniteError (see _reject_constant) but its
    # `except ValueError` wraps it into SpecError; see test_json_nan_is_non_finite_error below.
    ("spec-json-nan", lambda: load_spec('{"problem": "symmetric", "M": [[NaN]], "rank": 1}'),
     InputError, "NaN; expected finite numbers"),
    ("spec-json-infinity",
     lambda: load_spec('{"problem": "symmetric", "M": [[-Infinity]], "rank": 1}'),
     InputError, "-Infinity; expected finite numbers"),
    ("spec-json-huge-decimal",
     lambda: load_spec('{"problem": "symmetric", "M": [[1e999999]], "rank": 1}'),
     NumberError, "too large"),
    ("spec-unknown-key", lambda: load_spec({"problem": "symmetric", "M": [[1]], "rank": 1,
                                            "rnak": 1}), SpecError, "unknown key"),
    ("spec-missing-key", lambda: load_spec({"problem": "symmetric", "M": [[1]]}), SpecError,
     r"needs key\(s\) \['rank'\]"),
    ("spec-unknown-kind", lambda: load_spec({"problem": "hexagonal", "M": [[1]]}), SpecError,
     "unknown problem kind 'hexagonal'"),
    ("spec-no-kind", lambda: load_spec({"M": [[1]], "rank": 1}), SpecError,
     "no 'problem' key"),
    ("spec-kind-not-string", lambda: load_spec({"problem": 3}), SpecError,
     "unknown problem kind 3"),
    ("spec-not-mapping", lambda: problem_from_spec([1, 2]), SpecError, "must be a mapping"),
    ("spec-missing-file", lambda: load_spec("/nonexistent/spec.json"), SpecError,
     "does not exist"),
    ("spec-bad-toml", lambda: read_spec_text("problem = ", fmt="toml"), SpecError,
     "not valid TOML"),
    ("spec-rank-string", lambda: load_spec({"problem": "symmetric", "M": [[1]], "rank": "1"}),
     RankError, "must be an integer"),
    ("spec-custom-objective-number",
     lambda: load_spec({"problem": "custom", "variables": {"x": [1]}, "objective": 2}),
     SpecError, "'objective' must be a string"),
    ("spec-custom-variables-list",
     lambda: load_spec({"problem": "custom", "variables": [[1]], "objective": "1"}),
     SpecError, "'variables' must be"),
]


def test_json_nan_is_non_finite_error() -> None:
    """Regression: read_spec_text used to wrap the NonFiniteError for JSON NaN into SpecError."""
    with pytest.raises(NonFiniteError):
        load_spec('{"problem": "symmetric", "M": [[NaN]], "rank": 1}')


def test_at_least_thirty_distinct_cases() -> None:
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 30


@pytest.mark.parametrize("case_id, thunk, error, fragment", CASES, ids=[c[0] for c in CASES])
def test_malformed_input(case_id: str, thunk: Callable[[], Any], error: type[MfverifyError],
                         fragment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    with pytest.raises(error, match=fragment) as info:
        thunk()
    assert isinstance(info.value, InputError)
    assert calls == [], "a hostile string reached os.system"


def test_hostile_objective_leaves_no_sentinel(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    payloads = [
        f"__import__('os').system('touch {sentinel}')",
        f"open('{sentinel}', 'w')",
        f"[__import__('pathlib').Path('{sentinel}').touch() for _ in (1,)]",
        f"(lambda: __import__('os').system('touch {sentinel}'))()",
    ]
    for text in payloads:
        with pytest.raises(ExpressionError):
            CustomProblem({"x": [2]}, text)
        with pytest.raises(ExpressionError):
            load_spec({"problem": "custom", "variables": {"x": [2]}, "objective": text})
        with pytest.raises(NumberError):
            SymmetricMF([[text]], 1)
    assert not sentinel.exists()


# ---------------------------------------------------------------------------------------------
# the CLI: exit code 2, one line on stderr, no traceback
# ---------------------------------------------------------------------------------------------

SYM = {"problem": "symmetric", "M": [[3, 0], [0, 1]], "rank": 1}

CLI_CASES: list[tuple[str, str, str]] = [
    ("invalid-json", '{"problem": "symmetric", "M": [[1]', "SpecError"),
    ("json-nan", '{"problem": "symmetric", "M": [[NaN]], "rank": 1}', "contains NaN"),
    ("unknown-kind", json.dumps({"problem": "nope"}), "unknown problem kind"),
    ("unknown-key", json.dumps({**SYM, "extra": 1}), "unknown key"),
    ("missing-key", json.dumps({"problem": "symmetric", "M": [[1]]}), "needs key"),
    ("asymmetric-M", json.dumps({**SYM, "M": [[1, 2], [3, 4]]}), "SymmetryError"),
    ("non-square", json.dumps({**SYM, "M": [[1, 2, 3], [4, 5, 6]]}), "square"),
    ("ragged", json.dumps({**SYM, "M": [[1, 2], [3]]}), "ragged"),
    ("rank-0", json.dumps({**SYM, "rank": 0}), "RankError"),
    ("rank-bool", json.dumps({**SYM, "rank": True}), "RankError"),
    ("bad-number", json.dumps({**SYM, "M": [["1/0", 0], [0, 1]]}), "division by zero"),
    ("nan-string", json.dumps({**SYM, "M": [["nan", 0], [0, 1]]}), "NonFiniteError"),
    ("negative-scale", json.dumps({**SYM, "scale": "-1/4"}), "positive"),
    ("negative-balance", json.dumps({"problem": "asymmetric", "Sigma": [[1]], "rank": 1,
                                     "balance": -1}), "balance"),
    ("hostile-objective", json.dumps({"problem": "custom", "variables": {"x": [2]},
                                      "objective": HOSTILE}), "ExpressionError"),
    ("huge-exponent", json.dumps({"problem": "custom", "variables": {"x": [2]},
                                  "objective": "x[0]**10**10"}), "exponent"),
    ("missing-file", "/nonexistent/spec.json", "does not exist"),
]


@pytest.mark.parametrize("case_id, spec, fragment", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_show_malformed(case_id: str, spec: str, fragment: str,
                            capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    rc = main(["show", spec])
    out = capsys.readouterr()
    assert rc == 2
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert lines[0].startswith("mfverify: error:")
    assert fragment in lines[0]
    assert "Traceback" not in out.err + out.out
    assert calls == []


def test_cli_show_spec_file_non_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "spec.json"
    path.write_text("[1, 2, 3]", encoding="utf-8")
    assert main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mfverify: error: SpecError:") and "JSON object" in err
    assert len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------------------------------------
# sensing and constrained problems (written by another helper; skipped when absent)
# ---------------------------------------------------------------------------------------------

E11 = [[1, 0], [0, 0]]
E22 = [[0, 0], [0, 1]]


def _sensing() -> Any:
    return pytest.importorskip("mfverify.problems.sensing")


def test_sensing_operator_matrices_of_different_sizes() -> None:
    s = _sensing()
    with pytest.raises(OperatorError, match="same shape"):
        s.MatrixSensing([E11, [[1, 0, 0], [0, 0, 0], [0, 0, 0]]], 1, b=[1, 0])


def test_sensing_b_of_wrong_length() -> None:
    s = _sensing()
    with pytest.raises(ShapeError, match="length 2"):
        s.MatrixSensing([E11, E22], 1, b=[1, 0, 0])


def test_sensing_ground_truth_of_wrong_size() -> None:
    s = _sensing()
    with pytest.raises(ShapeError, match="shape"):
        s.MatrixSensing([E11, E22], 1, ground_truth=[[1, 0, 0], [0, 0, 0], [0, 0, 0]])


def test_sensing_empty_operator_and_missing_b() -> None:
    s = _sensing()
    with pytest.raises(OperatorError):
        s.MatrixSensing([], 1, b=[])
    with pytest.raises(InputError, match="measurements b or a ground truth"):
        s.MatrixSensing([E11, E22], 1)


def test_constrained_malformed() -> None:
    c = pytest.importorskip("mfverify.problems.constrained")
    with pytest.raises(RankError, match="p"):
        c.ConstrainedMF([E11, E22], 3, b=[1, 0])
    with pytest.raises(InputError, match="rho must be >= 0"):
        c.ConstrainedMF([E11, E22], 1, b=[1, 0], rho=-1)
    with pytest.raises(ShapeError, match="length 2"):
        c.ConstrainedMF([E11, E22], 1, b=[1])


def test_cli_sensing_b_wrong_length(capsys: pytest.CaptureFixture[str]) -> None:
    _sensing()
    spec = json.dumps({"problem": "sensing", "operator": [E11, E22], "rank": 1, "b": [1]})
    assert main(["show", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mfverify: error: ShapeError:") and len(err.strip().splitlines()) == 1


def test_inline_json_list_spec_is_reported_as_not_an_object() -> None:
    """Regression: inline JSON that is a list was reported as a missing spec file."""
    with pytest.raises(SpecError, match="must be a JSON object"):
        load_spec("[1, 2]")
    with pytest.raises(SpecError, match="must be a JSON object"):
        load_spec('  [{"problem": "symmetric"}]')
