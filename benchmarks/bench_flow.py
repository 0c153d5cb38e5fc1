"""Benchmark: the mfverify Taylor flow integrator against mpmath.odefun (and scipy, heyoka).

Problem (issue 5): the symmetric gradient flow Ẋ = (M − XXᵀ)X (f = ¼‖XXᵀ − M‖²), n = 4, r = 2,
started near 0, integrated to t = 10 at 50 digits. All timings are measured side by side in one
run on the same machine:

* mfverify ``integrate`` at dps 50 (default tolerance 1e-50);
* a reference run of mfverify at dps 100, tolerance 1e-100 (digits are counted against it);
* ``mpmath.odefun`` in a private context at dps 50 (its Taylor method uses numerical
  differentiation; same accuracy target);
* scipy ``solve_ivp`` (DOP853, rtol 1e-12, atol 1e-15) in double precision: the digits agreeing
  with the 50-digit run;
* heyoka (``taylor_adaptive`` in double precision) when it is installed (optional; it is not a
  dependency of mfverify).

Times are CPU seconds of this process (``time.process_time``), so that load from other
processes on a shared machine does not distort the ratio; wall-clock seconds are printed too.

With ``--validated`` (issue 16) the validated integrator (``integrate_validated``: enclosures in
ball arithmetic) runs on the same flow in the same process and the ratio validated /
non-validated CPU time is printed (target <= 10x), with the enclosure width at t; then the
growth of the width and the cost with t (t/4, t/2, t) and with the number of unknowns
(n×r = 4×2, 6×3, 8×4: 8, 18, 32 unknowns, at ``--size-t``) is printed as ratios measured side
by side.

Usage: ``python benchmarks/bench_flow.py [--skip-odefun] [--dps 50] [--t 10] [--validated]
[--repeats 5] [--size-t 2]``.
"""

from __future__ import annotations

import argparse
import time

import mpmath
import numpy as np

from mfverify.flow import integrate, integrate_validated
from mfverify.problems import SymmetricMF

M = [[4, 1, 0, 0], [1, 3, 1, 0], [0, 1, 2, 1], [0, 0, 1, 1]]
X0 = [["1/1000", "2/1000"], ["-1/1000", "1/1000"], ["3/1000", "0"], ["0", "-2/1000"]]


def _digits(err: float) -> float:
    return float("inf") if err == 0 else -float(mpmath.log10(err))


def _maxdiff(a: list, b: list) -> mpmath.mpf:
    return max(abs(mpmath.mpf(x) - mpmath.mpf(y)) for x, y in zip(a, b, strict=True))


def run_odefun(dps: int, t_end: float) -> tuple[list, float, float]:
    ctx = mpmath.MPContext()
    ctx.dps = dps
    Mm = ctx.matrix(M)
    x0 = [ctx.mpf(1) / 1000 * v for v in (1, 2, -1, 1, 3, 0, 0, -2)]

    def F(t: object, y: list) -> list:
        X = ctx.matrix(4, 2)
        for i in range(4):
            for j in range(2):
                X[i, j] = y[2 * i + j]
        D = (Mm - X * X.T) * X
        return [D[i, j] for i in range(4) for j in range(2)]

    c0, w0 = time.process_time(), time.perf_counter()
    sol = ctx.odefun(F, 0, x0)
    y = sol(t_end)
    return list(y), time.process_time() - c0, time.perf_counter() - w0


def run_scipy(t_end: float) -> tuple[np.ndarray, float]:
    from scipy.integrate import solve_ivp

    Mf = np.array(M, dtype=float)

    def F(t: float, y: np.ndarray) -> np.ndarray:
        X = y.reshape(4, 2)
        return ((Mf - X @ X.T) @ X).reshape(-1)

    y0 = np.array([1, 2, -1, 1, 3, 0, 0, -2], dtype=float) / 1000
    t0 = time.perf_counter()
    sol = solve_ivp(F, (0, t_end), y0, method="DOP853", rtol=1e-12, atol=1e-15)
    return sol.y[:, -1], time.perf_counter() - t0


def run_heyoka(t_end: float) -> tuple[np.ndarray, float] | None:
    try:
        import heyoka as hy  # type: ignore[import-not-found]
    except ImportError:
        return None
    xs = hy.make_vars(*[f"x{i}" for i in range(8)])
    X = [[xs[2 * i + j] for j in range(2)] for i in range(4)]
    P = [[sum(X[i][k] * X[j][k] for k in range(2)) for j in range(4)] for i in range(4)]
    R = [[M[i][j] - P[i][j] for j in range(4)] for i in range(4)]
    sys_ = [(X[i][j], sum(R[i][k] * X[k][j] for k in range(4))) for i in range(4)
            for j in range(2)]
    y0 = [v / 1000 for v in (1, 2, -1, 1, 3, 0, 0, -2)]
    t0 = time.perf_counter()
    ta = hy.taylor_adaptive(sys_, y0)
    ta.propagate_until(t_end)
    return np.array(ta.state), time.perf_counter() - t0


def _mf(n: int, r: int) -> tuple[SymmetricMF, list[list[str]]]:
    """A tridiagonal M (4, 3, 2, 1, … on the diagonal, 1 off it) and a small rational X0."""
    Mn = [[max(n - i, 1) if i == j else (1 if abs(i - j) == 1 else 0) for j in range(n)]
          for i in range(n)]
    x0 = [[f"{((3 * i + 5 * j) % 7) - 3}/1000" for j in range(r)] for i in range(n)]
    return SymmetricMF(Mn, r), x0


def run_validated(p: SymmetricMF, x0: list, dps: int, t_end: float, repeats: int = 1) -> None:
    """Both integrators timed ``repeats`` times, interleaved (plain, validated, plain, ...); the
    ratio is of the best times (load on a shared machine only ever adds time)."""
    t_plains, t_vals = [], []
    for _ in range(max(1, repeats)):
        c0 = time.process_time()
        plain = integrate(p, {"X": x0}, [str(t_end)], dps=dps)
        t_plains.append(time.process_time() - c0)
        c0 = time.process_time()
        val = integrate_validated(p, {"X": x0}, [str(t_end)], dps=dps)
        t_vals.append(time.process_time() - c0)
    t_plain, t_val = min(t_plains), min(t_vals)
    width = val.points[-1].width if val.points else float("nan")
    per = ", ".join(f"{v / q:.1f}" for v, q in zip(t_vals, t_plains, strict=True))
    print(f"validated       : {t_val:8.3f} s cpu  steps {len(val.steps):4d}  status "
          f"{val.status.value}  width at t: {width:.2e}")
    print(f"validated / non-validated: {t_val / t_plain:6.1f}x  (target <= 10x; best of "
          f"{len(t_vals)} interleaved; non-validated {t_plain:.3f} s, {plain.steps} steps; "
          f"ratios per repeat {per})")


def run_growth(dps: int, t_end: float, size_t: float) -> None:
    p, x0 = _mf(4, 2)
    print(f"growth with t (8 unknowns, dps {dps}):")
    base = None
    for frac in (0.25, 0.5, 1.0):
        T = t_end * frac
        c0 = time.process_time()
        val = integrate_validated(p, {"X": x0}, [str(T)], dps=dps)
        cost = time.process_time() - c0
        base = base or cost
        print(f"  t = {T:6.2f}: width {val.points[-1].width:.2e}  steps {len(val.steps):4d}  "
              f"cost {cost:7.2f} s  ({cost / base:4.1f}x the t = {t_end * 0.25:.2f} run)")
    print(f"growth with the number of unknowns (t = {size_t}, dps {dps}):")
    base = None
    for n, r in ((4, 2), (6, 3), (8, 4)):
        p, x0 = _mf(n, r)
        c0 = time.process_time()
        integrate(p, {"X": x0}, [str(size_t)], dps=dps)
        t_plain = time.process_time() - c0
        c0 = time.process_time()
        val = integrate_validated(p, {"X": x0}, [str(size_t)], dps=dps)
        cost = time.process_time() - c0
        base = base or cost
        print(f"  {n * r:3d} unknowns: width {val.points[-1].width:.2e}  steps "
              f"{len(val.steps):4d}  cost {cost:7.2f} s  ({cost / base:5.1f}x the 8-unknown "
              f"run; validated/non-validated {cost / t_plain:5.1f}x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dps", type=int, default=50)
    ap.add_argument("--t", type=float, default=10.0)
    ap.add_argument("--skip-odefun", action="store_true", help="odefun takes tens of seconds")
    ap.add_argument("--validated", action="store_true",
                    help="also time integrate_validated and its growth with t and unknowns")
    ap.add_argument("--repeats", type=int, default=1,
                    help="interleaved repeats of the --validated ratio (best of each side)")
    ap.add_argument("--size-t", type=float, default=2.0,
                    help="horizon of the growth-with-unknowns runs of --validated")
    args = ap.parse_args()
    p = SymmetricMF(M, 2)
    t_end = args.t
    mpmath.mp.dps = 2 * args.dps + 10  # only for the comparisons below

    c0, w0 = time.process_time(), time.perf_counter()
    ours = integrate(p, {"X": X0}, [str(t_end)], dps=args.dps)
    t_ours, w_ours = time.process_time() - c0, time.perf_counter() - w0
    ref = integrate(p, {"X": X0}, [str(t_end)], dps=2 * args.dps,
                    tol=f"1e-{2 * args.dps}")
    y_ours = list(ours.final.state["X"].reshape(-1))
    y_ref = list(ref.final.state["X"].reshape(-1))
    err_ours = _maxdiff(y_ours, y_ref)
    print(f"problem: Xdot = (M - XX^T)X, n=4, r=2, X0 ~ 1e-3, t = {t_end}, dps = {args.dps}")
    print(f"mfverify Taylor : {t_ours:8.3f} s cpu ({w_ours:.3f} s wall)  steps {ours.steps:4d}  "
          f"order {ours.order}  "
          f"digits {_digits(err_ours):6.1f}  (error estimate "
          f"{mpmath.nstr(ours.final.error_estimate, 3)})")
    if args.validated:
        run_validated(p, X0, args.dps, t_end, args.repeats)
    if not args.skip_odefun:
        y_ode, t_ode, w_ode = run_odefun(args.dps, t_end)
        err_ode = _maxdiff(y_ode, y_ref)
        print(f"mpmath.odefun   : {t_ode:8.3f} s cpu ({w_ode:.3f} s wall)  digits "
              f"{_digits(err_ode):6.1f}")
        print(f"speed-up vs odefun: {t_ode / t_ours:6.1f}x  (target >= 20x; mfverify digits "
              f"{_digits(err_ours):.1f} vs odefun {_digits(err_ode):.1f})")
    y_sp, t_sp = run_scipy(t_end)
    err_sp = _maxdiff(list(y_sp), y_ours)
    print(f"scipy DOP853    : {t_sp:8.3f} s  (double precision) digits agreeing with the "
          f"{args.dps}-digit run: {_digits(err_sp):.1f}")
    hy = run_heyoka(t_end)
    if hy is None:
        print("heyoka          : not installed (optional comparison skipped)")
    else:
        y_hy, t_hy = hy
        print(f"heyoka (double) : {t_hy:8.3f} s  digits agreeing: "
              f"{_digits(_maxdiff(list(y_hy), y_ours)):.1f}")
    if args.validated:
        run_growth(args.dps, t_end, args.size_t)


if __name__ == "__main__":
    main()
