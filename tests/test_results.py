"""The result protocol (issue 15, item 2): one Verdict, status enums with messages, display,
JSON round-trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify import results as R
from mfverify.batch import BatchRun, gd
from mfverify.batch.inits import small_random
from mfverify.batch.outcomes import classify_runs
from mfverify.certify import CheckResult, check_certificate
from mfverify.claims import ClaimResult, get_claim, run_claim
from mfverify.claims.conditions import evaluate_conditions
from mfverify.counterexample import CounterexampleResult, SearchResult, maximize_violation
from mfverify.derivation import ExactResult, NumericResult, check_gradient
from mfverify.derivation.taylor import TaylorStatus
from mfverify.flow import FlowResult, integrate, iterate_map, trap
from mfverify.problems import SymmetricMF
from mfverify.symbolic import Landscape, landscape

SYM = SymmetricMF([[1, 0], [0, 0]], rank=1)
ENUMS = [R.Verdict, R.FlowStatus, R.BatchStatus, R.SearchStatus, R.LandscapeStatus,
         R.StudyStatus, TaylorStatus]


def _certificate(tmp_path: Path, bound: str) -> Path:
    doc = {"format": "mfverify-certificate", "version": 1,
           "problem": {"problem": "symmetric", "M": [[1]], "rank": 1},
           "claims": [{"type": "strict_saddle", "point": {"exact": ["0"]}, "direction": ["1"],
                       "certified": {"curvature_upper_bound": bound}}]}
    path = tmp_path / f"cert{bound.replace('/', '_')}.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("results")
    x0 = small_random(SYM, 2, 2, 0.1, seed=1)
    out: dict[str, Any] = {
        "landscape": landscape(SYM),
        "exact": check_gradient(SYM, "(X*X.T - M)*X"),
        "exact_refuted": check_gradient(SYM, "(X*X.T - M)*X*2"),
        "numeric": check_gradient(SYM, "(X*X.T - M)*X", numeric=True),
        "flow": integrate(SYM, {"X": [["1/2"], ["1/3"]]}, [1, 2], dps=20),
        "batch": gd(SYM, x0, step=0.2, max_iter=20, thresholds=[1e-3], record_every=5),
        "claim": run_claim(get_claim("foundations.symmetric-closed-forms")),
        "check_proved": check_certificate(_certificate(tmp, "-1/2")),
        "check_refuted": check_certificate(_certificate(tmp, "-2")),
        "search": maximize_violation(lambda p: (float(p[0]), {}),
                                     lambda rng: rng.uniform(-1, 1, 1), budget=5,
                                     max_restarts=3, seed=0),
        "counterexample": CounterexampleResult("demo", "INCONCLUSIVE", reason="budget",
                                               evidence={"restarts": 3}),
    }
    out["taylor"] = out["numeric"].checks[0]
    out["map"] = iterate_map(SYM, {"X": [["1/2"], ["1/3"]]}, [1, 5], step="1/10", dps=20)
    out["outcomes"] = classify_runs(out["batch"])
    out["conditions"] = evaluate_conditions(get_claim("related.zsl-rip-half"), SYM)
    out["trap"] = trap(SYM, {"X": [["1"], ["0"]]}, t_max=1, dps=20)
    return out


def test_one_verdict_everywhere(results: dict[str, Any]) -> None:
    from mfverify import claims
    from mfverify.claims import model

    assert claims.Verdict is model.Verdict is R.Verdict
    for key in ("exact", "exact_refuted", "numeric", "claim", "check_proved", "check_refuted"):
        assert isinstance(results[key].verdict, R.Verdict), key
    assert results["exact"].verdict is R.Verdict.PROVED
    assert results["exact_refuted"].verdict is R.Verdict.REFUTED
    assert results["numeric"].verdict is R.Verdict.SUPPORTED
    # a certificate that does not re-check is REFUTED (the old word REJECTED is an alias)
    assert results["check_refuted"].verdict is R.Verdict.REFUTED
    assert results["check_refuted"].to_json()["verdict"] == "REFUTED"
    assert R.Verdict("REJECTED") is R.Verdict.REJECTED is R.Verdict.REFUTED
    assert results["check_proved"].verdict is R.Verdict.PROVED


def test_statuses_are_enums_equal_to_their_old_strings(results: dict[str, Any]) -> None:
    assert results["flow"].status is R.FlowStatus.DONE and results["flow"].status == "done"
    assert results["map"].status is R.FlowStatus.DONE
    assert results["landscape"].status is R.LandscapeStatus.COMPLETE
    assert results["landscape"].status == "complete"
    assert results["search"].status in (R.SearchStatus.FOUND, R.SearchStatus.INCONCLUSIVE)
    assert results["counterexample"].status is R.SearchStatus.INCONCLUSIVE
    assert isinstance(results["taylor"].status, TaylorStatus)
    codes = np.unique(results["batch"].status)
    assert all(R.BatchStatus(int(c)).label for c in codes)
    json.dumps({"s": R.FlowStatus.BLOW_UP, "c": R.BatchStatus.DIVERGED})  # plain JSON values


@pytest.mark.parametrize("enum_cls", ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_a_message(enum_cls: Any) -> None:
    rows = R.status_table(enum_cls)
    assert rows and len(rows) == len(list(enum_cls))
    for name, _value, message in rows:
        assert message and not message[0].isupper() and not message.endswith("."), (name, message)


def test_batch_codes_are_the_old_status_table() -> None:
    from mfverify.batch import STATUS

    assert STATUS == {0: "running", 1: "converged", 2: "max_iter", 3: "diverged", 4: "stalled"}
    assert all(R.BatchStatus(k).label == v for k, v in STATUS.items())
    assert R.BatchStatus.from_label("stalled") is R.BatchStatus.STALLED
    with pytest.raises(ValueError):
        R.BatchStatus.from_label("nope")


KEYS = ["landscape", "exact", "exact_refuted", "numeric", "taylor", "flow", "batch", "claim",
        "check_proved", "check_refuted", "search", "counterexample", "map", "outcomes",
        "conditions", "trap"]


@pytest.mark.parametrize("key", KEYS)
def test_one_screen_summary_and_notebook_reprs(results: dict[str, Any], key: str) -> None:
    res = results[key]
    assert isinstance(res, R.ResultMixin)
    text = str(res)
    lines = text.splitlines()
    assert 1 <= len(lines) <= R.MAX_ROWS + 1
    assert max(len(line) for line in lines) <= R.MAX_WIDTH
    assert len(text) < 2000 and "dataclass" not in text and "array(" not in text
    state = res._state()
    assert state and state in lines[0]
    md = res._repr_markdown_()
    assert md.startswith("**") and lines[0].split(":")[0] in md
    html = res._repr_html_()
    assert html.startswith("<div") and html.endswith("</div>") and "<script" not in html
    json.loads(res.to_json_text())  # JSON-serializable


@pytest.mark.parametrize("key", KEYS)
def test_repr_is_one_line_with_the_state(results: dict[str, Any], key: str) -> None:
    """``repr`` is ``<Class state: key=value, ...>``, not the dataclass's field dump; the
    one-screen ``str`` and the notebook views are the summary as before."""
    res = results[key]
    text = repr(res)
    name = res._repr_name or type(res).__name__
    assert "\n" not in text and len(text) <= R.MAX_WIDTH, text
    assert text.startswith(f"<{name} {res._state()}") and text.endswith(">"), text
    assert "=" not in text or ": " in text  # key numbers follow the state
    assert not text.startswith(f"{type(res).__name__}(") and "array(" not in text
    assert str(res) != text and str(res).splitlines()[0] in res._repr_markdown_()


def test_html_escapes_values() -> None:
    res = CounterexampleResult("x<script>", "FOUND", reason="a < b & c")
    assert "<script>" not in res._repr_html_() and "&lt;script&gt;" in res._repr_html_()
    assert "a &lt; b &amp; c" in res._repr_html_()


def test_long_results_are_cut_to_one_screen() -> None:
    res = CounterexampleResult("demo", "FOUND", reason="x" * 500,
                               evidence={f"k{i}": i for i in range(40)})
    lines = str(res).splitlines()
    assert len(lines) == R.MAX_ROWS + 1 and "more" in lines[-1]
    assert all(len(line) <= R.MAX_WIDTH for line in lines)


@pytest.mark.parametrize("key, cls", [
    ("exact", ExactResult), ("exact_refuted", ExactResult), ("batch", BatchRun),
    ("claim", ClaimResult), ("check_proved", CheckResult), ("check_refuted", CheckResult),
    ("counterexample", CounterexampleResult), ("landscape", Landscape), ("flow", FlowResult)])
def test_json_round_trips(results: dict[str, Any], key: str, cls: Any) -> None:
    res = results[key]
    doc = json.loads(res.to_json_text())  # through JSON text, as a file would
    again = cls.from_json(doc)
    assert type(again) is cls
    assert json.loads(again.to_json_text()) == doc
    if hasattr(res, "verdict"):
        assert again.verdict is res.verdict


def test_batch_round_trip_keeps_arrays_and_nonfinite_values(results: dict[str, Any]) -> None:
    run = results["batch"]
    run.f[0, 0] = np.nan
    run.f[0, 1] = np.inf
    again = BatchRun.from_json(json.loads(run.to_json_text()))
    np.testing.assert_array_equal(again.f, run.f)
    np.testing.assert_array_equal(again.x["X"], run.x["X"])
    assert again.status.dtype == np.int8 and (again.status == run.status).all()
    assert set(again.hits) == set(run.hits) and again.history.keys() == run.history.keys()


def test_mutation_a_planted_slip_in_a_round_trip_is_caught(results: dict[str, Any]) -> None:
    """The round-trip check can fail: a changed verdict or array shows up."""
    doc = results["exact"].to_json()
    doc["verdict"] = "REFUTED"
    assert ExactResult.from_json(doc).to_json() != results["exact"].to_json()
    doc = results["batch"].to_json()
    doc["status"][0][0] = 4
    assert BatchRun.from_json(doc).to_json() != results["batch"].to_json()


def test_types_of_the_fixture(results: dict[str, Any]) -> None:
    assert isinstance(results["landscape"], Landscape)
    assert isinstance(results["numeric"], NumericResult)
    assert isinstance(results["flow"], FlowResult)
    assert isinstance(results["search"], SearchResult)


def test_unknown_status_strings_are_kept() -> None:
    """An engine status without an enum member yet stays a plain string (no crash)."""
    res = SearchResult("SOMETHING_NEW", None, 0, 0, 0.0, 0)
    assert res.status == "SOMETHING_NEW" and not isinstance(res.status, R.SearchStatus)
    assert "SOMETHING_NEW" in str(res)


@pytest.mark.parametrize("enum_cls", ENUMS, ids=lambda e: e.__name__)
def test_docs_tables_match_the_enums(enum_cls: Any) -> None:
    """docs/results.md shows each enum's members with their messages, as in the code."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "results.md").read_text("utf-8")
    section = page.split(f"### `{enum_cls.__name__}`", 1)
    assert len(section) == 2, enum_cls.__name__
    table = section[1].split("###", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    expected = [f"| `{n}` | `{v}` | {m} |" for n, v, m in R.status_table(enum_cls)]
    assert rows == expected


@given(st.integers(1, 3), st.integers(1, 3),
       st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=9,
                max_size=9),
       st.lists(st.sampled_from([1, 2, 3, 4]), min_size=9, max_size=9))
@settings(max_examples=40, deadline=None)
def test_batch_round_trip_property(b: int, k: int, values: list[float], codes: list[int]
                                   ) -> None:
    n = b * k
    f = np.array(values[:n]).reshape(b, k)
    status = np.array(codes[:n], dtype=np.int8).reshape(b, k)
    run = BatchRun("gd", {"X": f.reshape(b, k, 1, 1).copy()}, f, np.abs(f), status,
                   np.full((b, k), 7, dtype=np.int64), np.full((b, k), 0.5), np.arange(3.0),
                   {"f": np.repeat(f[..., None], 3, axis=2)},
                   {1e-3: np.full((b, k), -1, dtype=np.int64)}, {"step": 0.5}, 0.25, {})
    again = BatchRun.from_json(json.loads(run.to_json_text()))
    np.testing.assert_array_equal(again.f, run.f)  # NaN == NaN here, ±inf kept
    np.testing.assert_array_equal(again.history["f"], run.history["f"])
    assert (again.status == run.status).all() and list(again.hits) == [1e-3]
    assert json.loads(again.to_json_text()) == json.loads(run.to_json_text())
    assert all(R.BatchStatus(int(c)).label in str(run) for c in np.unique(status))
