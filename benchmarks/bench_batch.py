"""Benchmarks of the batch engine, with every ratio measured side by side in one run.

1. Throughput (instance·iterations per second) of :func:`mfverify.batch.gd` on B = 10,000
   instances of n = 20, r = 5 (SymmetricMF), against per-instance Python loops of NumPy calls:
   (a) the same work per iteration as the batched solver (the problem's closed-form gradient,
   the update, the gradient norm and the finiteness check, per instance), and (b) a bare
   hand-written loop ``X -= η(XXᵀ − M)X`` with no checks. Target: >= 10× over (a).
2. FLOP rate at n = 500, r = 20, B = 100 against a large matrix product (2000×2000 @
   2000×2000) timed in the same run. FLOPs counted per instance·iteration for what the solver
   does: per gradient 4c(X(XᵀX) − MX): MX (2n²r), XᵀX and X·(XᵀX) (4nr²), difference and
   scaling (2nr), norm (2nr); per update 2nr; one final objective (2n²r + 2n²).
   Target: >= 50%. Also timed: the per-instance product alone (the dominant term, taken as
   XᵀM, see ``NumpyArith.sym_mul``), which bounds what the solver can reach with this BLAS;
   and, for comparison, the same sizes with B = 10 instances × K = 10 initializations, where
   the K runs of an instance share one read of M.
3. Peak memory (tracemalloc, which sees NumPy's allocations) of the n = 500 run against the
   arrays the method needs: the data M, the initial point, the final point and one gradient.
   Target: <= 2×.

Usage: ``python benchmarks/bench_batch.py [--quick]``. The loops are timed on a subset of the
instances and reported per instance (stated in the output). BLAS runs single-threaded for every
measurement unless ``OPENBLAS_NUM_THREADS`` is set.
"""

from __future__ import annotations

import os

# Single-threaded BLAS on both sides of every ratio (override by setting the variable): on a
# machine whose cores are shared, threaded BLAS on small matrices mostly measures contention.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from mfverify.arith import NumpyArith  # noqa: E402
from mfverify.batch import gd  # noqa: E402
from mfverify.batch.generators import symmetric_instances  # noqa: E402
from mfverify.batch.inits import small_random  # noqa: E402
from mfverify.problems import SymmetricMF  # noqa: E402


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def throughput(B: int, n: int, r: int, iters: int, loop_subset: int, repeat: int) -> dict:
    inst = symmetric_instances(B, n, spectrum_kind="psd", rank=r, seed=1)
    prob = SymmetricMF(np.zeros((n, n), dtype=int), r)
    x0 = small_random(prob, B, 1, 0.1, seed=2)
    eta = 0.05

    def batched() -> None:
        gd(prob, x0, data=inst.data, step=eta, max_iter=iters, gtol=0.0)

    t_batch = _best(batched, repeat)
    A = NumpyArith()
    sub = min(loop_subset, B)
    datas = [prob.data_in(A, {"M": inst.M[b]}) for b in range(sub)]

    def loop_same_work() -> None:
        for b in range(sub):
            X = x0["X"][b, 0].copy()
            d = datas[b]
            for _ in range(iters + 1):
                g = prob.gradient(A, {"X": X}, d)["X"]
                gn = float(np.sqrt(A.sumsq(g)))
                if not np.isfinite(gn):
                    break
                X = X - eta * g

    def loop_bare() -> None:
        for b in range(sub):
            X = x0["X"][b, 0].copy()
            M = inst.M[b]
            for _ in range(iters):
                X = X - eta * ((X @ X.T - M) @ X)

    t_same = _best(loop_same_work, repeat) * B / sub
    t_bare = _best(loop_bare, repeat) * B / sub
    work = B * iters
    return {"B": B, "n": n, "r": r, "iterations": iters, "loop_subset": sub,
            "batched_inst_it_per_s": work / t_batch,
            "loop_same_work_inst_it_per_s": work / t_same,
            "loop_bare_inst_it_per_s": work / t_bare,
            "ratio_vs_same_work_loop": t_same / t_batch,
            "ratio_vs_bare_loop": t_bare / t_batch}


def flops_and_memory(B: int, n: int, r: int, iters: int, repeat: int, K: int = 1) -> dict:
    big = 2000
    rng = np.random.default_rng(0)
    mats = [rng.standard_normal((big, big)), rng.standard_normal((big, big))]
    t_mm = _best(lambda: mats[0] @ mats[1], repeat)
    rate_mm = 2 * big ** 3 / t_mm
    mats.clear()
    inst = symmetric_instances(B, n, spectrum_kind="psd", rank=r, seed=3)
    M = inst.M
    del inst
    prob = SymmetricMF(np.zeros((n, n), dtype=int), r)
    x0 = small_random(prob, B, K, 0.01, seed=4)
    data = {"M": M}

    def run() -> None:
        gd(prob, x0, data=data, step=0.05, max_iter=iters, gtol=0.0)

    t_run = _best(run, repeat)
    # the dominant product alone, as the solver meets it (one instance at a time, M reused by
    # every iteration): an upper bound for the solver's rate on this machine's BLAS
    X0t = [np.ascontiguousarray(np.swapaxes(x0["X"][b], -1, -2)).reshape(K * r, n)
           for b in range(B)]

    def products() -> None:
        for b in range(B):
            for _ in range(iters + 1):
                X0t[b] @ M[b]  # the K·r × n by n × n product the solver makes (see sym_mul)

    rate_mx = B * K * (iters + 1) * 2 * n * n * r / _best(products, repeat)
    # iters + 1 gradient evaluations (2n²r + 4nr² + 4nr with the norm), iters updates (2nr),
    # one final objective (2n²r + 2n²)
    work = (iters + 1) * (2 * n * n * r + 4 * n * r * r + 4 * n * r) + iters * 2 * n * r + (
        2 * n * n * r + 2 * n * n)
    rate = B * K * work / t_run
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    res = gd(prob, x0, data=data, step=0.05, max_iter=iters, gtol=0.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    inputs = M.nbytes + x0["X"].nbytes
    needed = inputs + res.x["X"].nbytes + x0["X"].nbytes  # + final point + one gradient
    peak_total = inputs + (peak - base)
    return {"B": B, "K": K, "n": n, "r": r, "iterations": iters,
            "matmul_gflops": rate_mm / 1e9, "gd_gflops": rate / 1e9,
            "flop_ratio": rate / rate_mm, "mx_gflops": rate_mx / 1e9,
            "mx_ratio": rate_mx / rate_mm,
            "needed_MiB": needed / 2 ** 20, "peak_MiB": peak_total / 2 ** 20,
            "memory_ratio": peak_total / needed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations and repeats")
    args = ap.parse_args()
    it1, it2, rep = (10, 3, 2) if args.quick else (30, 10, 3)
    t = throughput(10_000, 20, 5, it1, loop_subset=1000, repeat=rep)
    print(f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}; best of {rep} repeats")
    print("1. GD throughput, B = 10,000, n = 20, r = 5 "
          f"({t['iterations']} iterations; loops timed on {t['loop_subset']} instances)")
    print(f"   batched:                   {t['batched_inst_it_per_s']:12.0f} inst·it/s")
    print(f"   loop, same work:           {t['loop_same_work_inst_it_per_s']:12.0f} inst·it/s")
    print(f"   loop, bare X -= η(XXᵀ−M)X: {t['loop_bare_inst_it_per_s']:12.0f} inst·it/s")
    print(f"   ratio vs same-work loop:   {t['ratio_vs_same_work_loop']:.1f}×  (target >= 10×)")
    print(f"   ratio vs bare loop:        {t['ratio_vs_bare_loop']:.1f}×")
    f = flops_and_memory(100, 500, 20, it2, repeat=rep)
    print(f"2. FLOP rate, B = 100, n = 500, r = 20 ({f['iterations']} iterations)")
    print(f"   2000² matmul: {f['matmul_gflops']:.1f} GFLOP/s; batched GD: "
          f"{f['gd_gflops']:.1f} GFLOP/s; ratio {f['flop_ratio']:.2f}  (target >= 0.5)")
    print(f"   per-instance XᵀM alone ({f['r']}×{f['n']} @ {f['n']}×{f['n']}, the dominant "
          f"product): {f['mx_gflops']:.1f} GFLOP/s; ratio {f['mx_ratio']:.2f} (the ceiling)")
    g = flops_and_memory(10, 500, 20, it2, repeat=rep, K=10)
    print(f"   for comparison, B = 10 instances × K = 10 initializations (M shared by the K runs "
          f"of an instance): ratio {g['flop_ratio']:.2f}; the K·r-row product alone "
          f"{g['mx_ratio']:.2f}")
    print(f"3. Peak memory: {f['peak_MiB']:.1f} MiB vs needed {f['needed_MiB']:.1f} MiB; "
          f"ratio {f['memory_ratio']:.2f}  (target <= 2)")


if __name__ == "__main__":
    main()
