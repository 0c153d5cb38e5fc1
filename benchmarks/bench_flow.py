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

Usage: ``python benchmarks/bench_flow.py [--skip-odefun] [--dps 50] [--t 10]``.
"""

from __future__ import annotations

import argparse
import time

import mpmath
import numpy as np

from mfverify.flow import integrate
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dps", type=int, default=50)
    ap.add_argument("--t", type=float, default=10.0)
    ap.add_argument("--skip-odefun", action="store_true", help="odefun takes tens of seconds")
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


if __name__ == "__main__":
    main()
