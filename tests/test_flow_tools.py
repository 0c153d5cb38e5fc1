"""Discrete maps, events, invariant monitors and the ``mfverify flow`` command."""

from __future__ import annotations

import json
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp

from mfverify.arith import ExactArith
from mfverify.cli import main
from mfverify.flow import integrate
from mfverify.flow.events import objective_below, residual_below
from mfverify.flow.invariants import (
    eigensplit,
    monitor,
    numerical_rank,
    schur_closed_form,
    schur_complement,
    singular_values,
)
from mfverify.flow.maps import alternating_gd, gradient_descent, iterate_map, primal_dual
from mfverify.problems import AsymmetricMF, ConstrainedMF, SymmetricMF


def _exact_iterates(problem: Any, x0: dict[str, Any], n: int, eta: sp.Rational,
                    method: str) -> dict[str, np.ndarray]:
    A = ExactArith()
    d = problem.data_in(A)
    x = {k: A.asarray(v) for k, v in x0.items()}
    for _ in range(n):
        if method == "gd":
            g = problem.gradient(A, x, d)
            x = {k: A.finish_array(x[k] - eta * g[k]) for k in x}
        else:
            for k in problem.variables:
                g = problem.gradient(A, x, d)
                x = dict(x)
                x[k] = A.finish_array(x[k] - eta * g[k])
    return x


def _maxdiff(a: dict[str, np.ndarray], b: dict[str, np.ndarray], ctx: Any) -> Any:
    return max(abs(ctx.mpf(u) - ctx.mpf(sp.Rational(v).p) / int(sp.Rational(v).q))
               for k in a for u, v in zip(a[k].reshape(-1), b[k].reshape(-1), strict=True))


def test_gd_matches_exact_rational_iteration() -> None:
    p = SymmetricMF([[3, 1], [1, 1]], 1)
    x0 = {"X": [["1/2"], ["1/3"]]}
    res = gradient_descent(p, x0, [1, 4], step="1/10", dps=30)
    ex = _exact_iterates(p, x0, 4, sp.Rational(1, 10), "gd")
    ctx = res.arith.ctx
    d = _maxdiff(res.final.state, ex, ctx)
    assert d < ctx.mpf(10) ** -28
    assert d <= res.final.error_estimate


def test_altgd_matches_exact_rational_iteration() -> None:
    q = AsymmetricMF([[2, 1], [0, 1]], 1)
    x0 = {"U": [["1/2"], ["1/3"]], "V": [["1/5"], ["1/4"]]}
    res = alternating_gd(q, x0, [3], step="1/8", dps=30)
    ex = _exact_iterates(q, x0, 3, sp.Rational(1, 8), "altgd")
    ctx = res.arith.ctx
    assert _maxdiff(res.final.state, ex, ctx) < ctx.mpf(10) ** -28


def test_primal_dual_matches_constrained_gda_step() -> None:
    q = ConstrainedMF([[[1, 0], [0, 4]], [[0, 1], [1, 0]]], 2, b=[4, 1],
                      merit="augmented_lagrangian", rho=1)
    x0 = {"U": [["1/2", "1/3"], ["1/5", 0]], "lam": ["1/7", 0]}
    res = primal_dual(q, x0, [2], step="1/10", dual_step="1/20", dps=30)
    A = ExactArith()
    d = q.data_in(A)
    x = {"U": A.asarray(x0["U"]), "lam": A.asarray(x0["lam"])}
    for _ in range(2):
        x = q.gda_step_in(A, x, d, sp.Rational(1, 10), sp.Rational(1, 20))
        x = {k: A.finish_array(np.asarray(v)) for k, v in x.items()}
    ctx = res.arith.ctx
    assert _maxdiff(res.final.state, x, ctx) < ctx.mpf(10) ** -27


def test_map_error_estimate_is_honest() -> None:
    p = SymmetricMF([[3, 0], [0, 1]], 1)
    x0 = {"X": [["1e-20"], [1]]}  # near the saddle: rounding is amplified
    lo = iterate_map(p, x0, [50, 200], step="1/10", dps=25)
    hi = iterate_map(p, x0, [50, 200], step="1/10", dps=50, error_estimate=False)
    ctx = hi.arith.ctx
    for a, b in zip(lo.points, hi.points, strict=True):
        d = max(abs(ctx.mpf(u) - v) for u, v in zip(a.state["X"].reshape(-1),
                                                     b.state["X"].reshape(-1), strict=True))
        assert d <= ctx.mpf(a.error_estimate)


def test_gd_divergence_is_reported() -> None:
    p = SymmetricMF([[3, 0], [0, 1]], 1)
    res = gradient_descent(p, {"X": [[2], [2]]}, [200], step=2, dps=20, error_estimate=False)
    assert res.status == "diverged"


def test_objective_event_matches_exact_hitting_time() -> None:
    """Scalar flow ȧ = (σ − a²)a as AsymmetricMF 1×1 (U = V = a): σ − a² <= δ from
    t* = (1/(2σ)) ln((σ/a₀² − 1)(σ/δ − 1))."""
    p = AsymmetricMF([[1]], 1)
    x0 = {"U": [["1/10"]], "V": [["1/10"]]}
    delta = sp.Rational(1, 10**6)
    res = integrate(p, x0, [30], dps=30, events=[objective_below(p, delta**2 / 2)])
    ctx = res.arith.ctx
    tstar = ctx.ln((1 / ctx.mpf("0.01") - 1) * (10**6 - 1)) / 2
    assert res.status == "event"
    assert abs(res.events[0].t - tstar) < ctx.mpf(10) ** -25
    assert abs(res.events[0].t - tstar) <= res.events[0].time_error_estimate


def test_residual_event_and_nonterminal_events() -> None:
    p = SymmetricMF([[1, 0], [0, 0]], 1)

    def resid(A: Any, x: Any) -> Any:
        X = x["X"]
        return X @ A.T(X) - A.asarray(p.data["M"])

    ev = residual_below(resid, "1/100", terminal=False)
    res = integrate(p, {"X": [["1/10"], [0]]}, [20], dps=25, events=[ev])
    assert res.status == "done" and len(res.events) == 1
    X = res.events[0].state["X"]
    ctx = res.arith.ctx
    assert abs(abs(X[0, 0] ** 2 - 1) - ctx.mpf(1) / 100) < ctx.mpf(10) ** -20


def test_imbalance_conserved_and_rank_monitored() -> None:
    q = AsymmetricMF([[3, 1], [0, 1]], 2)
    x0 = {"U": [["1/10", 0], [0, "1/5"]], "V": [["1/7", "1/9"], [0, "1/3"]]}
    res = integrate(q, x0, [2], dps=40)
    mon = monitor(res, ["imbalance", "rank", "value"])
    assert mon.drift["imbalance"] < mpmath.mpf(10) ** -35
    assert all(v["rank"]["U"] == 2 for v in mon.values)
    json.dumps(mon.to_json())


def test_schur_complement_follows_closed_form() -> None:
    p = SymmetricMF([[1, 0, 0], [0, 0, 0], [0, 0, 0]], 2)
    X0 = sp.Matrix([[sp.Rational(1, 2), sp.Rational(1, 3)], [sp.Rational(1, 5), 0],
                    [0, sp.Rational(1, 4)]])
    res = integrate(p, {"X": [[str(v) for v in X0.row(i)] for i in range(3)]}, [1, 5], dps=35)
    A = res.arith
    split = eigensplit(p.data["M"], A)
    assert split.exact and split.r1 == 1
    S0 = schur_complement(A.asarray(X0.tolist()), p.data["M"], A, split)["S"]
    for pt in res.points:
        S = schur_complement(pt.state["X"], p.data["M"], A, split)["S"]
        C = schur_closed_form(S0, pt.t, split.lam2, A)
        assert max(abs(a - b) for a, b in zip(S.reshape(-1), C.reshape(-1), strict=True)) \
            < A.ctx.mpf(10) ** -30


def test_singular_values_and_rank_at_working_precision() -> None:
    from mfverify.arith import MpArith

    A = MpArith(50)
    X = A.asarray([["1/3", "2/3"], ["1/6", "1/3"], [1, 2]])  # rank 1 exactly
    sv = singular_values(X, A)
    assert sv[1] < A.ctx.mpf(10) ** -45
    assert numerical_rank(sv, A) == 1
    Y = A.asarray([["1/3", "2/3"], ["1/6", "1/3"], [1, "2.0000000000000000000000000001"]])
    assert numerical_rank(singular_values(Y, A), A) == 2


# -- CLI ----------------------------------------------------------------------------------------

SPEC = '{"problem": "symmetric", "M": [[3, 0], [0, 1]], "rank": 1}'


def test_cli_flow_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["flow", SPEC, "--x0", '{"X": [["1e-20"], [1]]}', "--times", "1,10",
               "--dps", "30", "--invariants", "rank,residual", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dps"] == 30
    assert [p["t"] for p in out["points"]] == ["1", "10"]
    pt = out["points"][1]
    assert set(pt) >= {"t", "state", "value", "error_estimate", "invariants"}
    assert len(pt["state"]["X"][1][0].replace("-", "").replace(".", "").lstrip("0")) >= 29
    assert pt["invariants"]["rank"]["X"] == 1
    assert sp.Float(pt["value"], 30) > 2


def test_cli_flow_gd_and_text(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    f = tmp_path / "x0.json"
    f.write_text('{"X": [["1/2"], ["1/2"]]}')
    assert main(["flow", SPEC, "--x0", str(f), "--method", "gd", "--step", "1/10",
                 "--iterations", "1,10", "--dps", "20"]) == 0
    text = capsys.readouterr().out
    assert "iteration" in text and "error estimate" in text


@pytest.mark.parametrize("argv", [
    ["flow", SPEC, "--x0", '{"X": [[1, 2], [1]]}'],
    ["flow", SPEC, "--x0", '{"Y": [[1], [1]]}'],
    ["flow", SPEC, "--x0", "no-such-file.json"],
    ["flow", SPEC, "--x0", '{"X": [[1], [1]]}', "--method", "gd"],
    ["flow", SPEC, "--x0", '{"X": [[1], [1]]}', "--times", "-1"],
    ["flow", SPEC, "--x0", '{"X": [["__import__"], [1]]}'],
])
def test_cli_flow_bad_input_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err


def test_progress_callback_reaches_the_end() -> None:
    seen: list[Any] = []
    p = SymmetricMF([[3, 0], [0, 1]], 1)
    integrate(p, {"X": [["1/2"], ["1/2"]]}, [3], dps=20,
              progress=lambda t, end: seen.append((t, end)))
    assert seen and seen[-1][0] == seen[-1][1] == 3
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))


def test_cli_flow_map_reports_time_k_eta_and_invariants_key(capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    """Regression: the maps' JSON put the iteration count in "t" (t = 10 for 10 steps of 1/10);
    "t" is now the flow time k·η, exact, and "invariants" is always present."""
    rc = main(["flow", SPEC, "--x0", '{"X": [["1/10"], ["1/10"]]}', "--method", "gd",
               "--step", "0.1", "--iterations", "10,25", "--dps", "20", "--json"])
    assert rc == 0
    pts = json.loads(capsys.readouterr().out)["points"]
    assert [(p["iteration"], p["t"]) for p in pts] == [(10, "1"), (25, "5/2")]
    assert all(p["invariants"] == {} for p in pts)
    rc = main(["flow", SPEC, "--x0", '{"X": [["1/10"], ["1/10"]]}', "--times", "1", "--json"])
    assert rc == 0
    assert json.loads(capsys.readouterr().out)["points"][0]["invariants"] == {}


def test_cli_flow_huge_initial_state_is_a_typed_error(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """Regression: an initial state beyond the float64 range crashed the step-size control with
    OverflowError (exit 3); it is now an UnsupportedError with a one-line message (exit 2)."""
    rc = main(["flow", SPEC, "--x0", '{"X": [["1e400"], [1]]}', "--times", "1"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "UnsupportedError" in err and "float64 range" in err and "Traceback" not in err
