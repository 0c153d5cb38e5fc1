"""Benchmark of the exact landscape engine (issue 3), with the plain-SymPy baseline measured in
the same run on the same system.

For each instance it prints the time of ``mfverify.symbolic.landscape`` (complete enumeration
and exact classification) and of two plain SymPy baselines on the *full* gradient system (no
gauge): ``groebner(..., order="lex")`` (which only triangularizes; it does not isolate or
classify anything) and ``solve(..., dict=True)``. Each baseline is cut at ``--baseline-cap``
seconds ("> cap" then means the baseline did not finish). Targets from the issue: symmetric MF
n·r <= 6 under 10 s, n·r = 8 under 60 s, asymmetric (m+n)·r <= 8 under 30 s, rank-1 sensing
n <= 3 under 5 s; the custom acceptance landscapes of issue 12 (stratified pieces) under
30 s.

Run:  python benchmarks/bench_landscape.py [--quick] [--baseline-cap 60]

Side by side with another checkout (the "no instance more than 10% slower" check, one run):
      python benchmarks/bench_landscape.py --baseline-tree /work/main [--only 'sym n=6'] \
          [--repeats 2]
prints, per instance, the time on this tree and on the baseline tree (each in a fresh
interpreter with PYTHONPATH set to its tree, alternating, the minimum of the repeats) and their
ratio; SLOWER marks a ratio above 1.10.
"""

from __future__ import annotations

import argparse
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sympy as sp

from mfverify.problems import AsymmetricMF, CustomProblem, SymmetricMF
from mfverify.problems.sensing import MatrixSensing, zsl_family
from mfverify.symbolic import landscape, objective_polynomial


class _Timeout(Exception):
    pass


def _capped(fn: Callable[[], Any], cap: float) -> float | None:
    def handler(signum: int, frame: Any) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, cap)
    t0 = time.perf_counter()
    try:
        fn()
        return time.perf_counter() - t0
    except _Timeout:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _instances(quick: bool) -> list[tuple[str, str, Any, float]]:
    d = sp.diag
    out = [
        ("sym", "n=2 r=1 diag(3,1)", SymmetricMF(d(3, 1), 1), 10),
        ("sym", "n=3 r=1 diag(3,2,1)", SymmetricMF(d(3, 2, 1), 1), 10),
        ("sym", "n=2 r=2 diag(2,-1)", SymmetricMF(d(2, -1), 2), 10),
        ("sym", "n=3 r=2 diag(3,2,1)", SymmetricMF(d(3, 2, 1), 2), 10),
        ("sym", "n=3 r=2 diag(1,0,0) (over-param.)", SymmetricMF(d(1, 0, 0), 2), 10),
        ("sym", "n=6 r=1 diag(6,...,1)", SymmetricMF(d(6, 5, 4, 3, 2, 1), 1), 10),
        ("sym", "n=3 r=2 M non-diagonal", SymmetricMF([[2, 1, 0], [1, 2, 0], [0, 0, -1]], 2),
         10),
        ("sym", "n=3 r=1 diag(2,1,1) (repeated λ)", SymmetricMF(d(2, 1, 1), 1), 10),
        ("sym", "n=3 r=2 I₃ (repeated λ)", SymmetricMF(d(1, 1, 1), 2), 10),
        ("sym", "n=3 r=2 diag(3,2,2) (repeated λ)", SymmetricMF(d(3, 2, 2), 2), 10),
        ("sym", "n=4 r=2 I₄ (repeated λ)", SymmetricMF(d(1, 1, 1, 1), 2), 60),
        ("sym", "n=4 r=2 diag(4,3,2,1)", SymmetricMF(d(4, 3, 2, 1), 2), 60),
        ("sym", "n=4 r=2 diag(4,3,-2,1)", SymmetricMF(d(4, 3, -2, 1), 2), 60),
        ("sym", "n=8 r=1 diag(8,...,1)", SymmetricMF(d(8, 7, 6, 5, 4, 3, 2, 1), 1), 60),
        # issue 12 item 7: INCONCLUSIVE at 120 s on the Gröbner path; the orbit construction
        ("sym", "n=6 r=3 diag(5,4,3,2,1,-1)", SymmetricMF(d(5, 4, 3, 2, 1, -1), 3), 10),
        ("sym", "n=4 r=2 λ = 2±√2, (3±√5)/2", SymmetricMF(
            [[2, 1, 0, 0], [1, 1, 0, 0], [0, 0, 3, 1], [0, 0, 1, 1]], 2), 30),
        ("asym", "1x1 r=1 (uv-1)^2/2", AsymmetricMF([[1]], 1), 30),
        ("asym", "2x2 r=1 diag(2,1)", AsymmetricMF([[2, 0], [0, 1]], 1), 30),
        ("asym", "2x3 r=1", AsymmetricMF([[2, 1, 0], [0, 1, 1]], 1), 30),
        ("asym", "3x3 r=1 diag(3,2,1)", AsymmetricMF(d(3, 2, 1), 1), 30),
        ("asym", "4x4 r=1 diag(4,3,2,1)", AsymmetricMF(d(4, 3, 2, 1), 1), 30),
        ("asym", "2x2 r=2 balanced diag(2,1)", AsymmetricMF([[2, 0], [0, 1]], 2, balance=1), 30),
        ("asym", "2x2 r=2 balanced Σ = I (repeated σ)", AsymmetricMF([[1, 0], [0, 1]], 2,
                                                                    balance=1), 30),
        ("asym", "2x2 r=2 unbalanced (GL(2))", AsymmetricMF([[2, 0], [0, 1]], 2), 30),
        ("asym", "2x2 r=2 unbalanced [[2,1],[0,1]]", AsymmetricMF([[2, 1], [0, 1]], 2), 30),
        ("asym", "2x2 r=2 unbalanced Σ = I (repeated σ)", AsymmetricMF([[1, 0], [0, 1]], 2),
         30),
        ("asym", "2x2 r=2 unbalanced Σ = diag(1,0)", AsymmetricMF([[1, 0], [0, 0]], 2), 30),
        ("asym", "1x3 r=2 unbalanced Σ = [[2,1,0]]", AsymmetricMF([[2, 1, 0]], 2), 30),
        ("asym", "2x2 r=2 unbalanced [[3,4],[-4,3]]", AsymmetricMF([[3, 4], [-4, 3]], 2), 30),
        ("asym", "4x4 r=1 Σ = I", AsymmetricMF(d(1, 1, 1, 1), 1), 30),
        ("asym", "3x3 r=1 [[2,1,0],[0,1,0],[0,0,0]]",
         AsymmetricMF([[2, 1, 0], [0, 1, 0], [0, 0, 0]], 1), 30),
        ("asym", "2x6 r=1 diag(1,1) padded", AsymmetricMF(
            [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]], 1), 30),
        ("sens", "ZSL n=2 c=11/20", zsl_family("11/20"), 5),
        ("sens", "ZSL n=2 c=9/20", zsl_family("9/20"), 5),
        ("sens", "n=3 rank-1, 4 integer sensing matrices",
         MatrixSensing([[[1, 0, 0], [0, 0, 0], [0, 0, 1]], [[0, 1, 0], [1, 1, 0], [0, 0, 0]],
                        [[0, 0, 1], [0, 0, 0], [1, 0, 0]], [[1, 0, 0], [0, 2, 1], [0, 1, 1]]],
                       1, ground_truth=[[1, 0, 0], [0, 0, 0], [0, 0, 0]]), 5),
    ]
    # issue 12 acceptance landscapes (custom objectives; target 30 s on 2 cores)
    nz = "(z[0]**2 + z[1]**2 + z[2]**2 + z[3]**2)"
    nzc = "(x[0]**2 + x[1]**2 + y[0]**2 + y[1]**2)"
    out += [
        ("cust", "real phase retrieval pop. n=4", CustomProblem(
            {"z": [4]}, f"(3*{nz}**2 + 3 - 2*{nz} - 4*z[0]**2)/4"), 30),
        ("cust", "scalar network (w0w1w2w3 - 1)^2", CustomProblem(
            {"w": [4]}, "(w[0]*w[1]*w[2]*w[3] - 1)**2"), 30),
        ("cust", "complex phase retrieval pop. n=2", CustomProblem(
            {"x": [2], "y": [2]}, f"({nzc}**2 + 1 - {nzc} - (x[0]**2 + y[0]**2))/2"), 30),
    ]
    if quick:
        out = [o for o in out if o[3] <= 10 or "n=8" in o[1]][:8]
    return out


def _worker(index: int, quick: bool) -> None:
    """Time instance ``index`` with whatever mfverify is importable (the tree on PYTHONPATH)
    and print one JSON line."""
    import json

    _kind, _name, prob, target = _instances(quick)[index]
    t0 = time.perf_counter()
    L = landscape(prob, budget=max(2 * target, 120))
    t = time.perf_counter() - t0
    print(json.dumps({"seconds": t, "status": L.status, "components": len(L.components),
                      "real_components": L.real_component_count}))


def _run_worker(tree: Path, index: int, quick: bool, timeout: float) -> dict[str, Any] | None:
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(tree))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(index)]
    if quick:
        cmd.append("--quick")
    try:
        res = subprocess.run(cmd, env=env, cwd=str(tree), capture_output=True, text=True,
                             timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if res.returncode == 0 and lines else None


def _seconds(out: dict[str, Any]) -> float:
    return float(out["seconds"])


def _side_by_side(baseline: Path, quick: bool, only: list[str], repeats: int) -> None:
    """Every instance timed on this checkout and on ``baseline`` in fresh interpreters,
    alternating (this, baseline, this, …), the minimum of ``repeats`` runs each."""
    here = Path(__file__).resolve().parents[1]
    print(f"this tree: {here}\nbaseline:  {baseline.resolve()}")
    print(f"{'instance':42s} {'this s':>8s} {'status':>12s} {'base s':>8s} {'status':>12s} "
          f"{'this/base':>9s}")
    worst = 0.0
    for index, (kind, name, _prob, target) in enumerate(_instances(quick)):
        label = kind + " " + name
        if only and not any(o in label for o in only):
            continue
        cap = 1.5 * max(2 * target, 120) + 60
        runs: dict[str, list[dict[str, Any]]] = {"this": [], "base": []}
        for _ in range(repeats):
            for key, tree in (("this", here), ("base", baseline)):
                out = _run_worker(tree, index, quick, cap)
                if out is not None:
                    runs[key].append(out)
        a, b = (min(runs[k], key=_seconds) if runs[k] else None for k in ("this", "base"))
        ta = "error" if a is None else f"{a['seconds']:.2f}"
        tb = "error" if b is None else f"{b['seconds']:.2f}"
        sa = "-" if a is None else a["status"]
        sb = "-" if b is None else b["status"]
        ratio, flag = "n/a", ""
        if a is not None and b is not None and a["status"] == b["status"] == "complete":
            r = a["seconds"] / b["seconds"]
            ratio = f"{r:.2f}"
            worst = max(worst, r)
            flag = "  SLOWER" if r > 1.10 else ""
        print(f"{label:42s} {ta:>8s} {sa:>12s} {tb:>8s} {sb:>12s} {ratio:>9s}{flag}",
              flush=True)
    print(f"this/base = time on this tree / time on the baseline (min of {repeats}); SLOWER: "
          f"more than 10% slower; worst ratio over instances complete on both: {worst:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--baseline-cap", type=float, default=60.0)
    ap.add_argument("--baseline-tree", type=Path, default=None,
                    help="another checkout (e.g. /work/main): time every instance there and "
                         "here side by side (fresh interpreters, alternating)")
    ap.add_argument("--only", action="append", default=[],
                    help="with --baseline-tree: only instances whose label contains this "
                         "(repeatable)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="with --baseline-tree: runs per tree and instance (the minimum is "
                         "reported)")
    ap.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker is not None:
        _worker(args.worker, args.quick)
        return
    if args.baseline_tree is not None:
        _side_by_side(args.baseline_tree, args.quick, args.only, max(1, args.repeats))
        return
    print(f"{'instance':42s} {'vars':>4s} {'mfverify s':>10s} {'target':>6s} {'status':>12s} "
          f"{'comp':>4s} {'sympy lex s':>11s} {'ratio':>7s} {'sympy solve s':>13s} {'ratio':>7s}")
    for kind, name, prob, target in _instances(args.quick):
        f, gens = objective_polynomial(prob)
        grad = [sp.expand(sp.diff(f, g)) for g in gens]
        t0 = time.perf_counter()
        L = landscape(prob, budget=max(2 * target, 120))
        t = time.perf_counter() - t0
        tl = _capped(lambda grad=grad, gens=gens: sp.groebner(grad, *gens, order="lex"),
                     args.baseline_cap)
        ts = _capped(lambda grad=grad, gens=gens: sp.solve(grad, gens, dict=True),
                     args.baseline_cap)

        def fmt(x: float | None) -> str:
            return f"> {args.baseline_cap:.0f}" if x is None else f"{x:.2f}"

        def ratio(x: float | None, t: float = t, done: bool = L.complete) -> str:
            if not done:  # no ratio against a run that did not finish the job
                return "n/a"
            return f">{args.baseline_cap / t:.1f}" if x is None else f"{x / t:.2f}"

        # a target is met only by a complete result within the time
        ok = "" if (L.complete and t <= target) else (" SLOW" if L.complete else " MISS")
        print(f"{kind + ' ' + name:42s} {len(gens):4d} {t:10.2f} {target:6.0f} "
              f"{L.status + ok:>12s} {len(L.components):4d} {fmt(tl):>11s} {ratio(tl):>7s} "
              f"{fmt(ts):>13s} {ratio(ts):>7s}", flush=True)
    print("MISS: the target is not met (INCONCLUSIVE result; no ratio). "
          "ratio = baseline time / mfverify time (> 1: mfverify faster). The baselines only "
          "compute a lex Gröbner basis / SymPy's solve; they neither prove completeness over the "
          "reals nor classify.")


if __name__ == "__main__":
    main()
