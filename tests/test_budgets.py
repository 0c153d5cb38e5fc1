"""Budgets and limits (docs/budgets.md): every long-running command stops at its ``--budget``
(within 20% plus a fixed slack for the work after the deadline), and every runaway input of
issue 17 ends within its budget or is refused up front, with one clean line and no traceback.

The per-command tests call the CLI in-process (imports already warm, so start-up is excluded);
one subprocess test measures a real process against its own start-up time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from mfverify.budget import Budget, check_limit, memory_limit, parse_memory
from mfverify.cli import main
from mfverify.errors import BudgetExceeded, InputError, LimitError

DOCS = Path(__file__).resolve().parent.parent / "docs"
DIAG31 = str(DOCS / "examples" / "diag31.json")
X0 = '{"X": [["1/2"], ["1/2"]]}'
#: seconds allowed after the deadline (building the INCONCLUSIVE result, printing), on top of
#: the 20% of the budget
SLACK = 2.0


def _custom(variables: dict[str, list[int]], objective: str) -> str:
    return json.dumps({"problem": "custom", "variables": variables, "objective": objective})


def _diag(n: int, rank: int) -> str:
    M = [[i + 1 if i == j else 0 for j in range(n)] for i in range(n)]
    return json.dumps({"problem": "symmetric", "M": M, "rank": rank})


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str, float]:
    t0 = time.monotonic()
    rc = main(argv)
    elapsed = time.monotonic() - t0
    out = capsys.readouterr()
    return rc, out.out, out.err, elapsed


def _clean(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) <= 1, err


# ---------------------------------------------------------------------------------------------
# the Budget class, limits and the cost estimate
# ---------------------------------------------------------------------------------------------


def test_budget_check_names_the_limit_and_how_to_raise_it() -> None:
    B = Budget(0.05, what="show")
    B.check("starting")
    time.sleep(0.06)
    with pytest.raises(BudgetExceeded, match=r"show: time budget of 0.05 s exceeded while x"):
        B.check("x")
    assert "--budget" in B.message()
    assert Budget(None).remaining() is None and not Budget(None).expired()
    for bad in (0, -1, float("nan")):
        with pytest.raises(InputError):
            Budget(bad)


def test_alarm_interrupts_a_pure_python_loop() -> None:
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded), Budget(0.3).alarm("spinning"):
        while True:
            pass
    assert time.monotonic() - t0 < 1.5


def test_nested_alarms_rearm_the_outer_one() -> None:
    outer = Budget(0.6)
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded, match="0.6 s"), outer.alarm():
        with pytest.raises(BudgetExceeded, match="0.1 s"), Budget(0.1).alarm():
            while True:
                pass
        while True:  # the outer alarm is still armed
            pass
    assert 0.5 < time.monotonic() - t0 < 2.0


def test_an_expired_alarm_fires_again_when_swallowed() -> None:
    hits = 0
    with pytest.raises(BudgetExceeded), Budget(0.1).alarm():
        while True:
            try:
                while True:
                    pass
            except BudgetExceeded:
                hits += 1
                if hits >= 2:
                    raise


def test_an_alarm_in_a_gc_callback_is_not_lost() -> None:
    """Regression (CI flake of test_every_command_honours_its_budget[show]): a SIGALRM that
    arrives during a garbage collection is handled in the first Python code that runs next,
    which is often a ``gc.callbacks`` function (hypothesis installs one); an exception raised
    there is printed as "ignored" and lost, so the budget overran by the repeat interval, or by
    several when it happened again. The alarm is now retried just after the callback."""
    import gc

    lost: list[Any] = []
    state = {"deadline": 0.0, "done": False}

    def slow_callback(phase: str, info: dict) -> None:
        if phase == "stop" and not state["done"] and state["deadline"]:
            state["done"] = True
            while time.monotonic() < state["deadline"] + 0.05:  # the alarm fires in here
                pass

    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: lost.append(u.exc_value)
    gc.callbacks.append(slow_callback)
    try:
        t0 = time.monotonic()
        with pytest.raises(BudgetExceeded):
            with Budget(0.1).alarm("the loop"):
                state["deadline"] = t0 + 0.1
                gc.collect()
                while time.monotonic() < t0 + 3:
                    pass
        elapsed = time.monotonic() - t0
    finally:
        gc.callbacks.remove(slow_callback)
        sys.unraisablehook = old_hook
    assert state["done"]
    assert not [e for e in lost if isinstance(e, BudgetExceeded)]
    assert elapsed < 0.4, elapsed  # 0.15 s of callback, then 10 ms; not the 0.5 s repeat


def test_an_alarm_in_a_weakref_callback_is_not_lost() -> None:
    """The same for a context that no frame test recognises: an exception raised in a weakref
    callback is dropped by Python ("Exception ignored"), reaching only ``sys.unraisablehook``,
    which re-arms the alarm while one is active (CI flake: the budget test of `show` overran
    after the alarm landed in such a callback during a collection)."""
    import weakref

    lost: list[Any] = []
    deadline = {"t": 0.0}

    def slow_ref_callback(ref: Any) -> None:
        while time.monotonic() < deadline["t"] + 0.05:  # the alarm fires in here
            pass

    class Thing:
        pass

    old_hook = sys.unraisablehook

    def collect(u: Any) -> None:
        lost.append(u.exc_value)

    sys.unraisablehook = collect
    try:
        t0 = time.monotonic()
        with pytest.raises(BudgetExceeded):
            with Budget(0.1).alarm("the loop"):
                deadline["t"] = t0 + 0.1
                thing = Thing()
                ref = weakref.ref(thing, slow_ref_callback)
                del thing  # the callback runs now, past the deadline
                while time.monotonic() < t0 + 3:
                    pass
        elapsed = time.monotonic() - t0
        hook_after = sys.unraisablehook
    finally:
        sys.unraisablehook = old_hook
    assert ref() is None
    assert not [e for e in lost if isinstance(e, BudgetExceeded)]
    assert elapsed < 0.4, elapsed  # not the 0.5 s repeat
    assert hook_after is collect  # the previous hook is back when the last alarm ends


def test_stationary_reexports_the_shared_budget() -> None:
    import mfverify.budget
    from mfverify.symbolic import Budget as B1
    from mfverify.symbolic.stationary import Budget as B2

    assert B1 is B2 is mfverify.budget.Budget


def test_check_limit_and_memory_parsing() -> None:
    check_limit(10, 10, "x", "y")
    with pytest.raises(LimitError, match=r"points is 11, above the limit 10; use fewer"):
        check_limit(11, 10, "the number of points", "use fewer")
    assert parse_memory("8G") == 8 << 30 and parse_memory("512m") == 512 << 20
    assert parse_memory("none") is None and parse_memory("1e30G") is None
    for bad in ("lots", "-1G", "10K", "1.5X"):
        with pytest.raises(InputError):
            parse_memory(bad)
    with memory_limit(None) as cap:
        assert cap is None or cap > 0


@pytest.mark.parametrize("text, shapes", [
    ("norm(X*X.T - M)**2/4", {"X": (3, 2), "M": (3, 3)}),
    ("(x[0] + x[1] + 1)**5", {"x": (2,)}),
    ("trace((X*X.T)**3)", {"X": (2, 2)}),
    ("inner(X, X)**2 + trace(X)**3", {"X": (2, 2)}),
    ("norm(X*X.T*X)**2", {"X": (2, 2)}),
])
def test_cost_estimate_bounds_the_true_expanded_size(text: str,
                                                     shapes: dict[str, tuple[int, ...]]) -> None:
    import numpy as np

    from mfverify.expr import evaluate, parse_expression
    from mfverify.exprcost import estimate_cost

    node = parse_expression(text, names=shapes)
    variables = {k: v for k, v in shapes.items() if k != "M"}
    env: dict[str, Any] = {}
    for name, shape in variables.items():
        syms = [sp.Symbol(f"{name}{k}", real=True) for k in range(int(np.prod(shape)))]
        env[name] = np.array(syms, dtype=object).reshape(shape)
    if "M" in shapes:
        env["M"] = [[sp.Rational(i + 2 * j + 1, 3) for j in range(3)] for i in range(3)]
    value = sp.expand(evaluate(node, env, "exact", shapes=shapes))
    terms = len(sp.Add.make_args(value))
    cost = estimate_cost(node, shapes, variables)
    assert cost.terms >= terms and cost.work >= 1


# ---------------------------------------------------------------------------------------------
# every command honours --budget (in-process: start-up excluded)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warm() -> None:
    from mfverify.claims import get_claim

    get_claim("li2019.hessian-spectrum-table")  # the catalog loads once (start-up, not budget)


def _cert(tmp_path: Path) -> str:
    n = 10
    doc = {"format": "mfverify-certificate", "version": 1,
           "problem": json.loads(_diag(n, n)),
           "claims": [{"type": "strict_saddle", "point": {"exact": ["0"] * (n * n)},
                       "direction": ["1"] + ["0"] * (n * n - 1),
                       "certified": {"curvature_upper_bound": "-1/2"}}]}
    path = tmp_path / "heavy_cert.json"
    path.write_text(json.dumps(doc), "utf-8")
    return str(path)


# --only-sizes: the symbolic expansion at exactly these sizes (the free-algebra prover would
# decide this identity for every size at once, in milliseconds)
IDENTITY = ["derivation", "--identity", "trace((A*B)**6) == trace((B*A)**6)",
            "--declare", "A: d x d", "--declare", "B: d x d", "--sizes", "1..8",
            "--only-sizes"]

BUDGETED: dict[str, Any] = {
    "show": lambda tmp: ["show", json.dumps({"problem": "symmetric", "rank": 1,
                                             "M": [[0] * 60 for _ in range(60)]})],
    "derivation-exact": lambda tmp: IDENTITY,
    "derivation-numeric": lambda tmp: ["derivation", DIAG31, "--gradient", "(X*X.T - M)*X",
                                       "--numeric", "--n", "30", "--r", "5", "--points",
                                       "10000"],
    "landscape": lambda tmp: ["landscape", _custom({"X": [20, 20]},
                                                   "norm(X*X.T - eye(20))**2 + trace(X)**4")],
    "flow": lambda tmp: ["flow", DIAG31, "--x0", X0, "--times", "1e6"],
    "sweep": lambda tmp: ["sweep", "gen:symmetric?n=20&B=300", "--max-iter", "1000000",
                          "--gtol", "0"],
    "counterexample": lambda tmp: ["counterexample", "eftekhari2021.ssp-full-rank", "--drop",
                                   "rank-deficient-start", "--quiet"],
    "certify": lambda tmp: ["certify", _cert(tmp)],
    "conditions": lambda tmp: ["conditions", "li2019.hessian-spectrum-table", _diag(14, 7)],
}


@pytest.mark.parametrize("name", sorted(BUDGETED))
def test_every_command_honours_its_budget(name: str, tmp_path: Path, warm: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    budget = 2.0
    argv = [*BUDGETED[name](tmp_path), "--budget", str(budget)]
    rc, out, err, elapsed = _run(argv, capsys)
    # a counterexample search ends at its budget either way: with a certificate (exit 0) or
    # INCONCLUSIVE with what it searched (exit 1); the other commands are over budget here
    search = name == "counterexample"
    assert rc == 1 or (rc == 0 and search), (rc, out[-500:], err)
    assert elapsed <= 1.2 * budget + SLACK, elapsed
    assert search or "budget" in (out + err).lower()
    _clean(err)


def test_a_search_that_finds_nothing_stops_at_its_budget() -> None:
    from mfverify.counterexample.targets import run_target

    t0 = time.monotonic()
    res = run_target("zsl-spurious-min", budget=1.5, rip_below_half=True)
    assert res.status == "INCONCLUSIVE"
    assert time.monotonic() - t0 <= 1.2 * 1.5 + SLACK


def test_budget_in_a_real_process_includes_only_start_up(tmp_path: Path) -> None:
    """A subprocess: its wall time is at most 1.2·budget + its own start-up (the same command
    on a quick input) + slack."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    base = [sys.executable, "-m", "mfverify.cli", "flow", DIAG31, "--x0", X0]
    t0 = time.monotonic()
    quick = subprocess.run([*base, "--times", "1"], capture_output=True, text=True, env=env,
                           timeout=120)
    start_up = time.monotonic() - t0
    assert quick.returncode == 0, quick.stderr
    budget = 2.0
    t0 = time.monotonic()
    slow = subprocess.run([*base, "--times", "1e6", "--budget", str(budget)],
                          capture_output=True, text=True, env=env, timeout=120)
    elapsed = time.monotonic() - t0
    assert slow.returncode == 1 and "INCONCLUSIVE" in slow.stdout, slow.stderr
    assert elapsed <= 1.2 * budget + start_up + SLACK, (elapsed, start_up)


# ---------------------------------------------------------------------------------------------
# the runaway inputs of issue 17: each ends within its budget or is refused up front
# ---------------------------------------------------------------------------------------------

AL = json.dumps({"problem": "constrained", "n": 4, "p": 3,
                 "operator": {"gaussian": {"m": 5, "seed": 9}},
                 "ground_truth": {"random": {"rank": 2, "seed": 1}},
                 "merit": "augmented_lagrangian", "rho": 10})

RUNAWAYS: list[tuple[str, list[str], int, str]] = [
    ("show-eye-power", ["show", _custom({"x": [1]}, "trace(eye(1000)**64)*x[0]")], 2,
     "MFVERIFY_MAX_WORK"),
    ("show-power-of-power", ["show", _custom({"x": [2]}, "((x[0]+x[1]+1)**64)**4")], 2,
     "MFVERIFY_MAX_WORK"),
    ("show-gram-power", ["show", _custom({"X": [5, 5]}, "trace((X*X.T)**32)")], 2,
     "MFVERIFY_MAX_TERMS"),
    ("show-long-product", ["show", _custom({"X": [6, 6]},
                                           "norm(X*X.T*X*X.T*X*X.T*X*X.T)**2")], 2,
     "MFVERIFY_MAX_TERMS"),
    ("show-zero-60", ["show", json.dumps({"problem": "symmetric", "rank": 1,
                                          "M": [[0] * 60 for _ in range(60)]}),
                      "--budget", "1"], 1, "--budget"),
    ("derivation-huge-n", ["derivation", DIAG31, "--gradient", "(X*X.T - M)*X", "--numeric",
                           "--n", "100000", "--r", "1000"], 2, "--n"),
    ("derivation-huge-points", ["derivation", DIAG31, "--gradient", "(X*X.T - M)*X",
                                "--numeric", "--points", "1000000000"], 2, "--points"),
    ("derivation-identity-sizes", [*IDENTITY, "--budget", "1"], 1, "--budget"),
    ("sweep-huge-B", ["sweep", "gen:symmetric?n=23&r=1&B=1000000"], 2, "GiB"),
    ("sweep-scaled-gd-al", ["sweep", AL, "--method", "scaled_gd"], 2, "lam"),
    *[(f"sweep-scaled-gd-al-{k}", ["sweep", AL, "--method", "scaled_gd", "--max-iter", str(k)],
       2, "lam") for k in (1, 5, 10)],
    ("landscape-heavy-20x20", ["landscape", _custom({"X": [20, 20]},
                                                    "norm(X*X.T*X*X.T - eye(20))**2"),
                               "--budget", "10"], 2, "MFVERIFY_MAX_TERMS"),
    ("flow-huge-time", ["flow", DIAG31, "--x0", X0, "--times", "1e6", "--budget", "1"], 1,
     "--budget"),
    ("flow-dps-5000", ["flow", DIAG31, "--x0", X0, "--times", "5", "--dps", "5000",
                       "--budget", "1"], 1, "--budget"),
    ("flow-negative-step", ["flow", DIAG31, "--x0", X0, "--method", "gd", "--step=-1/10",
                            "--iterations", "10"], 2, "positive"),
    ("flow-max-steps", ["flow", DIAG31, "--x0", X0, "--times", "1e6", "--max-steps", "20"], 1,
     "--max-steps"),
]


@pytest.mark.parametrize("argv, code, hint", [pytest.param(a, c, h, id=i)
                                               for i, a, c, h in RUNAWAYS])
def test_runaway_inputs_end_cleanly(argv: list[str], code: int, hint: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err, elapsed = _run(argv, capsys)
    assert rc == code, (rc, out[-500:], err)
    assert elapsed < 20, elapsed
    _clean(err)
    assert hint in out + err, (out[-500:], err)


def test_memory_cap_turns_a_runaway_allocation_into_one_line(tmp_path: Path) -> None:
    """The process-wide cap (--max-memory) ends an allocation that passed the pre-checks with a
    typed one-line error (exit 1), never a kill."""
    proc = subprocess.run([sys.executable, "-m", "mfverify.cli", "sweep",
                           "gen:symmetric?n=100&B=5000", "--max-memory", "512M"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    _clean(proc.stderr)
    assert "--max-memory" in proc.stderr and "0.5 GiB" in proc.stderr


def test_api_entry_points_take_a_budget() -> None:
    from mfverify.derivation import check_gradient, check_identity
    from mfverify.flow import integrate
    from mfverify.problems import SymmetricMF

    p = SymmetricMF([[3, 0], [0, 1]], rank=1)
    res = check_gradient(p, "(X*X.T - M)*X", numeric=True, size={"n": 30, "r": 5},
                         points=10000, budget=1.0)
    assert res.verdict == "INCONCLUSIVE" and "budget" in " ".join(res.notes)
    res = check_identity("trace((A*B)**6) == trace((B*A)**6)",
                         declare={"A": "d x d", "B": "d x d"}, sizes="1..8", budget=1.0,
                         only_sizes=True)
    assert res.verdict == "INCONCLUSIVE" and res.sizes_checked
    flow = integrate(p, {"X": [["1/2"], ["1/2"]]}, ["1e6"], budget=1.0)
    assert flow.status == "budget" and not flow.points


def test_landscape_huge_balance_is_stopped_near_its_budget() -> None:
    """Regression: a balanced asymmetric spec with balance 1e300 ran 17 s under --budget 10.

    The engine does not stop itself there; the CLI's safety net (1.15·budget + 1.5 s) does,
    which keeps the command within 20% of its budget plus start-up."""
    import time

    from mfverify.cli import main

    spec = '{"problem": "asymmetric", "Sigma": [[2, 0], [0, 1]], "rank": 1, "balance": 1e300}'
    start = time.monotonic()
    rc = main(["landscape", spec, "--budget", "3"])
    assert rc in (0, 1)
    assert time.monotonic() - start < 1.2 * 3 + 3.0  # + what a fresh process takes to start
