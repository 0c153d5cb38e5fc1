"""JSON round-trips of Landscape, FlowResult and StudyResult (issue 15 follow-up), the safe
reader of exact values (mfverify.readback) and the one-line reprs of result objects."""

from __future__ import annotations

import concurrent.futures as cf
import copy
import json
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify.errors import ResultFormatError, StoreError, UnsupportedError
from mfverify.flow import FlowResult, descent_ascent_field, integrate, objective_below, vector_field
from mfverify.problems import AsymmetricMF, CustomProblem, SymmetricMF
from mfverify.readback import exact_array, parse_exact, parse_mp
from mfverify.symbolic import Landscape, landscape

SYM = SymmetricMF([[3, 0], [0, 1]], rank=1)
T = sp.Symbol("t")

# --- the exact reader ------------------------------------------------------------------------


def test_parse_exact_small_instances() -> None:
    assert parse_exact("1/4", "v") == sp.Rational(1, 4)
    assert parse_exact("-1/2 + sqrt(5)/2", "v") == (sp.sqrt(5) - 1) / 2
    assert parse_exact("2**(1/3)", "v") == sp.Integer(2) ** sp.Rational(1, 3)
    assert parse_exact("0.25", "v") == sp.Rational(1, 4)  # a decimal is read exactly
    root = sp.CRootOf(256 * sp.Symbol("z_")**3 + 1152 * sp.Symbol("z_")**2 - 81, 1)
    assert parse_exact(str(root), "v") == root
    assert parse_exact("-t**3/4 + t", "v") == -T**3 / 4 + T
    assert parse_exact("1 + 2*I", "v") == 1 + 2 * sp.I
    big = sp.Rational(62, 63) ** 3844  # more than Python's 4300-digit str limit
    from mfverify.readback import exact_digits

    with exact_digits():
        text = str(big)
    assert len(text) > 4300 and parse_exact(text, "v") == big


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "x.real", "lambda: 1", "(1, 2)", "[1]", "'s'",
    "a if b else c", "f(1)", "sqrt(1, 2)", "CRootOf(x*y, 0)", "CRootOf(x**2 - 2, t)",
    "2**10**10", "2**x", "1/0", "x == 1", "", "   ", "_x", "1 +", "nan", "oo", "pi",
    "1e999999999", "(99**4096)**4096", "CRootOf(x**300 - 2, 0)", "CRootOf(x**2 - 2, 5)"])
def test_parse_exact_refuses_anything_else(text: str) -> None:
    with pytest.raises(ResultFormatError) as info:
        parse_exact(text, "component 0 value")
    msg = info.value.one_line()
    assert "\n" not in str(info.value) and msg.startswith("ResultFormatError: component 0")


@pytest.mark.parametrize("value", [3, 0.5, None, ["1"], {"a": 1}])
def test_parse_exact_needs_a_string(value: Any) -> None:
    with pytest.raises(ResultFormatError, match="expected a string"):
        parse_exact(value, "v")


def test_exact_array_shapes_and_errors() -> None:
    a = exact_array([["1/2"], ["sqrt(2)"]], "X")
    assert a.shape == (2, 1) and a[1, 0] == sp.sqrt(2) and a.dtype == object
    assert exact_array("3", "u").shape == ()
    with pytest.raises(ResultFormatError, match="ragged"):
        exact_array([["1"], ["1", "2"]], "X")
    with pytest.raises(ResultFormatError, match="nested lists"):
        exact_array(3, "X")


_atoms = st.one_of(
    st.fractions(max_denominator=50).map(lambda f: sp.Rational(f.numerator, f.denominator)),
    st.fractions(min_value=0, max_denominator=20).map(
        lambda f: sp.sqrt(sp.Rational(f.numerator, f.denominator))),
    st.just(T))
_exprs = st.recursive(_atoms, lambda sub: st.one_of(
    st.tuples(sub, sub).map(lambda ab: ab[0] + ab[1]),
    st.tuples(sub, sub).map(lambda ab: ab[0] * ab[1]),
    st.tuples(sub, st.integers(1, 4)).map(lambda ak: ak[0] ** ak[1])), max_leaves=6)


@given(_exprs)
@settings(max_examples=80, deadline=None)
def test_parse_exact_reads_back_what_sympy_prints(e: sp.Expr) -> None:
    again = parse_exact(str(e), "v")
    assert again == e and str(again) == str(e)


@given(st.integers(-9, 9), st.integers(-9, 9), st.integers(0, 2))
@settings(max_examples=30, deadline=None)
def test_parse_exact_reads_back_crootof(a: int, b: int, k: int) -> None:
    z = sp.Symbol("z_")
    e = sp.CRootOf(z**3 + a * z + b, k)
    assert parse_exact(str(e), "v") == e


@given(st.floats(-1e30, 1e30, allow_nan=False), st.integers(5, 60), st.sampled_from([5, 0]))
@settings(max_examples=80, deadline=None)
def test_decimals_of_mp_values_round_trip(x: float, dps: int, digits: int) -> None:
    """nstr -> parse_mp -> nstr is the identity at the run's precision (what FlowResult needs)."""
    ctx = mpmath.MPContext()
    ctx.dps = dps
    v = ctx.mpf(x) / 7
    text = mpmath.nstr(v, digits or dps, strip_zeros=False)
    assert mpmath.nstr(parse_mp(text, ctx, "t"), digits or dps, strip_zeros=False) == text


@pytest.mark.parametrize("text", ["1/2", "0.1x", "", "sqrt(2)", "1e", "0x10"])
def test_parse_mp_refuses_non_decimals(text: str) -> None:
    ctx = mpmath.MPContext()
    with pytest.raises(ResultFormatError, match="not a decimal|decimal string|empty"):
        parse_mp(text, ctx, "point 0 t")


# --- Landscape -------------------------------------------------------------------------------

LANDSCAPES = {
    "symmetric": SYM,  # saddle, global minima ±sqrt(3)e1, local max 0
    "asymmetric-pieces": AsymmetricMF([[1]], rank=1),  # orbit pieces S_κ (``pieces`` set)
    "scalar-variables": CustomProblem({"u": [], "v": []}, "(u*v - 1)**2/2"),
    "descent-curve": CustomProblem({"x": [2]}, "x[0]**3 - 3*x[0]*x[1]**2"),
    "crootof": CustomProblem({"x": []}, "x**4 - 3*x**2 + x"),
    "strata": SymmetricMF([[3, 0, 0], [0, 2, 0], [0, 0, 1]], rank=2),
    "inconclusive": CustomProblem({"x": [2]}, "x[0]**2 + sqrt(2)*x[1]**2"),  # with a reason
}


@pytest.fixture(scope="module")
def lands() -> dict[str, Landscape]:
    return {k: landscape(p) for k, p in LANDSCAPES.items()}


@pytest.mark.parametrize("key", list(LANDSCAPES))
def test_landscape_round_trips_exactly(lands: dict[str, Landscape], key: str) -> None:
    L = lands[key]
    doc = json.loads(L.to_json_text())  # through JSON text, as a file would
    again = Landscape.from_json(doc)
    assert type(again) is Landscape and again.to_json() == doc
    assert again.status is L.status and again.global_min_value == L.global_min_value
    assert again.real_component_count == L.real_component_count
    for a, b in zip(L.components, again.components, strict=True):
        assert (b.value, b.inertia, b.type, b.count) == (a.value, a.inertia, a.type, a.count)
        assert b.hessian_eigenvalues == a.hessian_eigenvalues  # exact SymPy values, not text
        for name, arr in a.representative.items():
            assert (np.asarray(arr, dtype=object) == b.representative[name]).all()
        if a.descent_curve is not None:
            assert b.descent_curve is not None
            assert b.descent_curve.coefficient == a.descent_curve.coefficient
            assert sp.expand(b.descent_curve.expansion - a.descent_curve.expansion) == 0


def test_an_inconclusive_landscape_round_trips_with_its_reason(lands: dict[str, Landscape]
                                                              ) -> None:
    L = lands["inconclusive"]
    again = Landscape.from_json(L.to_json())
    assert again.status == "INCONCLUSIVE" and again.reason == L.reason != ""
    assert again.real_component_count is None


def test_landscape_round_trip_keeps_crootof_and_descent_curves(lands: dict[str, Landscape]
                                                              ) -> None:
    again = Landscape.from_json(lands["crootof"].to_json())
    assert any(isinstance(c.value, sp.CRootOf) or c.value.has(sp.CRootOf)
               for c in again.components)
    curve = Landscape.from_json(lands["descent-curve"].to_json()).components[0].descent_curve
    assert curve is not None and curve.order == 3 and curve.coefficient < 0
    x = curve.point["x"]  # the curve re-checks exactly after the round trip
    f = x[0] ** 3 - 3 * x[0] * x[1] ** 2
    assert sp.Poly(sp.expand(f), T).terms()[-1] == ((3,), curve.coefficient)


@pytest.mark.slow
def test_landscape_round_trip_with_numbers_beyond_the_str_digit_limit() -> None:
    """Eigenvalues of more than 4300 digits (Python's default int <-> str limit) read back
    exactly, and the limit is restored afterwards."""
    import sys

    L = landscape(CustomProblem({"x": [2]}, "x[0]**64 + x[1]**63 + x[0]*x[1]**62"))
    old = sys.get_int_max_str_digits()
    doc = json.loads(L.to_json_text())
    assert max(len(e) for c in doc["components"] for e in c["hessian_eigenvalues"] or []) > 4300
    again = Landscape.from_json(doc)
    assert again.to_json() == doc and sys.get_int_max_str_digits() == old
    assert [c.hessian_eigenvalues for c in again.components] == \
        [c.hessian_eigenvalues for c in L.components]


_numbers = _exprs.filter(lambda e: not e.free_symbols)


@st.composite
def _components(draw: st.DrawFn) -> Any:
    from mfverify.symbolic.result import TYPES, Component, DescentCurve

    n = draw(st.integers(1, 3))
    rep = {"X": np.array([[draw(_numbers)] for _ in range(n)], dtype=object),
           "s": np.asarray(draw(_numbers), dtype=object)}
    curve = draw(st.none() | st.builds(
        lambda e, c: DescentCurve({"X": np.array([[e * T]] * n, dtype=object)}, 2, -abs(c) - 1,
                                  (-abs(c) - 1) * T**2 + e * T**3), _exprs, _numbers))
    pos, zero = draw(st.integers(0, n)), draw(st.integers(0, n))
    return Component(draw(st.integers(0, 2)), rep, draw(_numbers), (pos, zero, n - pos),
                     draw(st.none() | st.lists(_numbers, max_size=3)), draw(st.integers(0, 2)),
                     draw(st.integers(0, 2)), draw(st.sampled_from(TYPES)),
                     draw(st.none() | st.integers(0, 4)), draw(st.text(max_size=20)),
                     draw(st.none() | st.booleans()), curve,
                     draw(st.none() | st.just({"X": [["-1/8", "1/8"]]})),
                     draw(st.dictionaries(st.sampled_from(["uniform", "why"]),
                                          st.text(max_size=9))))


@given(st.lists(_components(), max_size=4), st.booleans(), st.none() | _numbers)
@settings(max_examples=40, deadline=None)
def test_landscape_round_trip_property(comps: list[Any], complete: bool, gmin: Any) -> None:
    L = Landscape("a problem", complete, comps, gmin, reason="" if complete else "budget",
                  method="m", seconds=0.125, evidence={"completeness": "planted"})
    doc = json.loads(L.to_json_text())
    again = Landscape.from_json(doc)
    assert json.loads(again.to_json_text()) == doc
    assert again.global_min_value == gmin
    for a, b in zip(comps, again.components, strict=True):
        assert (b.value, b.inertia, b.hessian_eigenvalues) == (a.value, a.inertia,
                                                               a.hessian_eigenvalues)
        assert (b.representative["X"] == a.representative["X"]).all()
        assert b.representative["s"].shape == () and b.representative["s"] == a.representative["s"]
        if a.descent_curve is not None:
            assert b.descent_curve.coefficient == a.descent_curve.coefficient
            assert sp.expand(b.descent_curve.expansion - a.descent_curve.expansion) == 0


def _bad(doc: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node: Any = out
    for k in path[:-1]:
        node = node[k]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


@pytest.mark.parametrize("path, value, match", [
    (["components"], KeyError, "missing key 'components'"),
    (["complete"], "yes", "'complete' must be bool"),
    (["status"], "INCONCLUSIVE", "'status' is 'INCONCLUSIVE' but the components say"),
    (["real_component_count"], 7, "'real_component_count' is 7"),
    (["components", 0, "value"], "__import__('os')", "component 0 value"),
    (["components", 0, "type"], "saddle", "unknown type 'saddle'"),
    (["components", 0, "inertia", "zero"], "1", "'zero' must be int"),
    (["components", 0, "dimension"], True, "'dimension' must be int"),
    (["components", 0, "representative", "X"], [["1"], ["1", "2"]], "ragged"),
    (["global_min_value"], "1/4 +", "does not parse"),
])
def test_corrupt_landscape_json_is_refused(lands: dict[str, Landscape], path: list[Any],
                                           value: Any, match: str) -> None:
    doc = _bad(lands["symmetric"].to_json(), path, value)
    with pytest.raises(ResultFormatError, match=match) as info:
        Landscape.from_json(doc)
    assert "\n" not in str(info.value)


def test_foreign_json_is_refused(lands: dict[str, Landscape]) -> None:
    flow = integrate(SYM, {"X": [["1/2"], ["1/3"]]}, [1], dps=20)
    with pytest.raises(ResultFormatError, match="Landscape JSON: missing key"):
        Landscape.from_json(flow.to_json())
    with pytest.raises(ResultFormatError, match="FlowResult JSON: missing key"):
        FlowResult.from_json(lands["symmetric"].to_json())
    with pytest.raises(ResultFormatError, match="expected a JSON object"):
        Landscape.from_json([1, 2])  # type: ignore[arg-type]


def test_mutation_a_planted_value_slip_is_caught(lands: dict[str, Landscape]) -> None:
    """The round trip compares exact values: a changed digit shows up as a different value."""
    doc = lands["symmetric"].to_json()
    (i,) = [k for k, c in enumerate(doc["components"]) if c["type"] == "global_min"]
    doc["components"][i]["value"] = "1/5"
    again = Landscape.from_json(doc)
    assert again.components[i].value != lands["symmetric"].components[i].value


# --- FlowResult ------------------------------------------------------------------------------

X0 = {"X": [["1/2"], ["1/3"]]}


@pytest.fixture(scope="module")
def flow() -> FlowResult:
    return integrate(SYM, X0, [1, 2], dps=20)


def test_flow_round_trip_rebuilds_the_field_from_the_spec(flow: FlowResult) -> None:
    doc = json.loads(flow.to_json_text())
    assert doc["vector_field"]["problem"] == SYM.to_spec()
    again = FlowResult.from_json(doc)
    assert again.to_json() == doc and again.status is flow.status
    assert again.trajectory == [] and again.arith.dps == 20
    for a, b in zip(flow.points, again.points, strict=True):
        assert a.t == b.t
        err = max(abs(u - v) for u, v in zip(a.state["X"].ravel(), b.state["X"].ravel(),
                                             strict=True))
        assert err <= mpmath.mpf(10) ** -19  # equal to the printed 20 digits
    # the rebuilt field is the problem's gradient field: it evaluates like the original
    A = again.arith
    x = again.final.state
    fa, fb = flow.field(A, x)["X"], again.field(A, x)["X"]
    assert all(u == v for u, v in zip(np.ravel(fa), np.ravel(fb), strict=True))
    assert again.state_at(2)["X"][0, 0] == again.final.state["X"][0, 0]


def test_flow_round_trip_keeps_ascent_variables_and_events() -> None:
    vf = descent_ascent_field(SYM, ascent=("X",))
    res = integrate(vf, {"X": [["1/10"], ["0"]]}, ["1/2"], dps=20)
    again = FlowResult.from_json(json.loads(res.to_json_text()))
    assert again.field.ascent == ("X",) and again.field.name == vf.name
    assert again.to_json() == res.to_json()
    hit = integrate(SYM, X0, [5], dps=20, events=[objective_below(SYM, "1")])
    assert hit.events
    doc = json.loads(hit.to_json_text())
    back = FlowResult.from_json(doc)
    assert back.to_json() == doc and back.events[0].name == hit.events[0].name
    assert abs(back.events[0].t - hit.events[0].t) <= mpmath.mpf(10) ** -19


def test_user_fields_come_back_as_placeholders_or_as_given() -> None:
    vf = vector_field(lambda A, x: {"x": -x["x"] * x["x"]}, {"x": []})
    res = integrate(vf, {"x": "1"}, ["1/2"], dps=30)
    doc = json.loads(res.to_json_text())
    back = FlowResult.from_json(doc)
    assert back.to_json() == doc and back.field.variables == {"x": ()}
    with pytest.raises(UnsupportedError, match="not restored from JSON"):
        back.field(back.arith, back.final.state)
    given_back = FlowResult.from_json(doc, field=vf)
    assert given_back.field is vf
    other = vector_field(lambda A, x: {"x": -x["x"]}, {"x": []}, name="other")
    with pytest.raises(ResultFormatError, match="the field is 'user'"):
        FlowResult.from_json(doc, field=other)


def test_flow_json_without_the_field_block_still_reads(flow: FlowResult) -> None:
    """JSON written before the vector_field and fixed_bits keys: a placeholder field."""
    doc = flow.to_json()
    del doc["vector_field"], doc["fixed_bits"]
    back = FlowResult.from_json(doc)
    assert back.field.variables == {"X": (2, 1)} and back.field.problem is None
    assert back.fixed_bits == back.arith.prec + 48


@pytest.mark.parametrize("path, value, match", [
    (["points", 0, "t"], "1/2", "not a decimal number"),
    (["points", 0, "state", "X", 0, 0], "0.1x", "not a decimal number"),
    (["points"], KeyError, "missing key 'points'"),
    (["status"], "finished", "unknown status 'finished'"),
    (["dps"], True, "'dps' must be int"),
    (["dps"], 3, "dps must be in"),
    (["notes"], [1], "notes must be strings"),
    (["vector_field", "problem"], {"problem": "nope"}, "cannot rebuild the vector field"),
])
def test_corrupt_flow_json_is_refused(flow: FlowResult, path: list[Any], value: Any,
                                      match: str) -> None:
    with pytest.raises(ResultFormatError, match=match) as info:
        FlowResult.from_json(_bad(flow.to_json(), path, value))
    assert "\n" not in str(info.value)


# --- StudyResult -----------------------------------------------------------------------------

STUDY = {"name": "json", "family": "symmetric", "instances": 2, "inits": 1, "step": 0.2,
         "max_iter": 50, "deltas": [1e-6], "params": {"n": 3, "spectrum": "psd", "rank": 1},
         "grid": {"alpha": [0.01, 0.3]}}


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("pyarrow")
    from mfverify.study import run_study

    root = tmp_path_factory.mktemp("study") / "store"
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        return run_study(STUDY, root, executor=ex, progress=False)


def test_study_round_trip_reopens_the_store(study: Any) -> None:
    from mfverify.study import StudyResult, load_study

    doc = json.loads(study.to_json_text())
    again = StudyResult.from_json(doc)  # the study is read from the store's manifest
    assert type(again) is StudyResult and again.to_json() == doc
    assert again.status is study.status and again.store.study == study.store.study
    assert again.rows().equals(study.rows())
    assert StudyResult.from_json(doc, study=STUDY).to_json() == doc
    stopped = {**doc, "status": "stopped", "stopped": "budget ran out", "computed": []}
    assert StudyResult.from_json(stopped).to_json() == stopped
    with pytest.raises(StoreError, match="another study"):
        StudyResult.from_json(doc, study=load_study({**STUDY, "seed": 5}))


def test_study_with_a_missing_or_corrupt_store(study: Any, tmp_path: Path) -> None:
    from mfverify.study import StudyResult

    doc = {**study.to_json(), "store": str(tmp_path / "gone")}
    with pytest.raises(StoreError, match="does not exist"):
        StudyResult.from_json(doc)
    assert not (tmp_path / "gone").exists()  # nothing is created
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text("{not json")
    with pytest.raises(StoreError, match="unreadable or corrupt"):
        StudyResult.from_json({**doc, "store": str(bad)})


@pytest.mark.parametrize("change, match", [
    ({"status": "stopped"}, "does not match"),
    ({"total": -1}, "fewer than the cells"),
    ({"computed": [1]}, "cell ids must be strings"),
    ({"store": 3}, "'store' must be str"),
])
def test_corrupt_study_json_is_refused(study: Any, change: dict[str, Any], match: str) -> None:
    from mfverify.study import StudyResult

    with pytest.raises(ResultFormatError, match=match) as info:
        StudyResult.from_json({**study.to_json(), **change})
    assert "\n" not in str(info.value)


# --- one-line reprs --------------------------------------------------------------------------


def test_short_reprs_of_exact_small_instances(lands: dict[str, Landscape], flow: FlowResult,
                                              study: Any) -> None:
    # diag(3, 1), rank 1: local max 0, saddles ±e2 (f = 9/4), global minima ±sqrt(3)e1 (1/4)
    assert repr(lands["symmetric"]) == ("<Landscape complete: components=3, real_connected=5, "
                                        "global_min=1/4>")
    assert repr(flow) == (f"<FlowResult done: t=2.0, steps={flow.steps}, error="
                          f"{mpmath.nstr(flow.error_estimate, 6)}, dps=20>")
    assert repr(study) == "<StudyResult done: total=2, computed=2, skipped=0>"


def test_a_subclass_keeps_its_own_repr() -> None:
    from dataclasses import dataclass

    from mfverify.results import ResultMixin

    @dataclass
    class Plain(ResultMixin):
        status: str
        n: int

        def to_json(self) -> dict[str, Any]:
            return {"status": self.status, "n": self.n}

    @dataclass
    class Own(Plain):
        def __repr__(self) -> str:
            return "mine"

    assert repr(Plain("done", 3)) == "<Plain done: n=3>"  # not Plain(status='done', n=3)
    assert repr(Own("done", 3)) == "mine"


@pytest.mark.parametrize("path, name", [
    ("mfverify.derivation.exact", "ExactResult"),
    ("mfverify.batch.run", "BatchRun"),
    ("mfverify.claims.model", "ClaimResult"),
    ("mfverify.certify.files", "CheckResult"),
    ("mfverify.counterexample.targets", "CounterexampleResult"),
])
@pytest.mark.parametrize("bad", [{}, {"verdict": 3, "seconds": "x"}, [], "text", None])
def test_older_readers_refuse_foreign_json_with_a_typed_error(path: str, name: str,
                                                              bad: object) -> None:
    # regression: these raised a bare KeyError / TypeError on JSON they did not write
    import importlib

    from mfverify.errors import ResultFormatError

    cls = getattr(importlib.import_module(path), name)
    with pytest.raises(ResultFormatError) as err:
        cls.from_json(bad)
    assert name in str(err.value) and "\n" not in str(err.value)
