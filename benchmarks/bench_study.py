"""Benchmarks of studies, every ratio measured side by side in one run (#14 item 6).

1. Executors: rows per second of one study (symmetric n = 20, 100 instances per cell) on the
   local default (a 2-process pool) and on a 2-worker Dask ``LocalCluster`` (processes, one
   thread each), both started before timing; the ratio and the overhead per task,
   (wall_dask − wall_local) / cells.
2. Store write overhead on 100 cells × 100 instances of n = 20 (r = 5, 300 GD iterations),
   for both durability policies of :class:`mfverify.study.Store` (``"cell"``: fsync of each
   file and the directory; ``"batch"``, the default: one sync per 32 cells and at the end):
   (a) the cost, Σ write time / Σ compute time with each cell computed and then written in one
   thread (``run_cell`` + ``Store.write_cell``: Arrow table, Parquet file, rename, syncs);
   (b) the wall-clock overhead of ``run_study`` (compute in one worker thread, the cell files
   written by its background writer thread) against the same study with a store that writes
   nothing, the three runs interleaved. Target: (b) < 5%. (c) The Parquet encoding of one
   cell in memory for the codecs snappy (pyarrow's default, used), none, lz4, zstd.
3. The batch kernel: batched GD at n = 500, r = 20, B = 100 (``mfverify.batch.gd``, the solver's
   own blocking) against the per-instance (r×n)·(n×n) product XᵀM timed in the same run, float64
   and float32; FLOPs counted as in ``benchmarks/bench_batch.py`` (per gradient 2n²r + 4nr² +
   4nr, per update 2nr, one final objective 2n²r + 2n²). The target (>= 0.85) is on the
   steady-state rate, a run of 100 iterations (a study runs hundreds); a run of 10 iterations
   is also reported: there the fixed costs of a call (the exact symmetry check of every M, the
   one final objective with its n×n residual, the block set-up) weigh about 1/11 of the work.
   Also: one batched ``np.matmul`` of the contiguous (B, r, n) by (B, n, n) stack (M read from
   memory), and the split of the solver's time (the product, the final objective, the rest).

Measured (docs/studies.md, "Speed"): 2(a) write cost 10.8% ('cell') vs 1.4% ('batch', the
default) of compute; 2(b) within the noise for both; 3. on the idle 2-core machine, 100
iterations: 0.87–0.88 (float64) and 0.86–0.87 (float32); 10 iterations: 0.76 and 0.83.

Usage: ``python benchmarks/bench_study.py [--quick]``. BLAS single-threaded unless
``OPENBLAS_NUM_THREADS`` is set. Best of the repeats, the two sides of a ratio interleaved.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import concurrent.futures as cf  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from mfverify.study import Store, load_study, run_cell, run_study  # noqa: E402


def _spec(cells: int, instances: int, iters: int) -> dict[str, Any]:
    alphas = [round(0.005 * (k + 1), 4) for k in range(cells)]
    return {"name": f"bench-{cells}x{instances}", "family": "symmetric",
            "instances": instances, "inits": 1, "step": 0.2, "max_iter": iters,
            "gtol": 0.0, "deltas": [1e-6], "params": {"n": 20, "r": 5, "rank": 3},
            "grid": {"alpha": alphas}}


class _NullStore(Store):
    """A store that writes nothing (the compute-only side of the overhead ratio)."""

    def write_cell(self, cell_id: str, columns: Any) -> None:
        return None


def executors(cells: int, instances: int, iters: int, repeat: int) -> dict[str, Any]:
    from dask.distributed import Client, LocalCluster

    study = load_study(_spec(cells, instances, iters))
    rows = cells * instances
    tmp = Path(tempfile.mkdtemp())
    best = {"local": np.inf, "dask": np.inf}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client, \
            cf.ProcessPoolExecutor(max_workers=2) as pool:
        dex = client.get_executor()
        run_study(load_study({**_spec(2, 2, 5), "name": "warm"}), tmp / "w1", executor=pool)
        run_study(load_study({**_spec(2, 2, 5), "name": "warm"}), tmp / "w2", executor=dex)
        for k in range(repeat):
            for name, ex in (("local", pool), ("dask", dex)):
                t0 = time.perf_counter()
                run_study(study, _NullStore(tmp / f"{name}{k}", study), executor=ex)
                best[name] = min(best[name], time.perf_counter() - t0)
    shutil.rmtree(tmp, ignore_errors=True)
    return {"cells": cells, "rows": rows, "local_rows_per_s": rows / best["local"],
            "dask_rows_per_s": rows / best["dask"], "ratio_dask_over_local":
            best["local"] / best["dask"],
            "overhead_per_task_ms": 1e3 * (best["dask"] - best["local"]) / cells}


def store_overhead(cells: int, instances: int, iters: int, repeat: int) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    study = load_study(_spec(cells, instances, iters))
    tmp = Path(tempfile.mkdtemp())
    cost = {"cell": Store(tmp / "cost-cell", study, durability="cell"),
            "batch": Store(tmp / "cost-batch", study)}
    t_comp = 0.0
    t_write = {"cell": 0.0, "batch": 0.0}
    codecs = {"snappy": 0.0, "none": 0.0, "lz4": 0.0, "zstd": 0.0}
    for c in study.cells():
        t0 = time.perf_counter()
        cols = run_cell(c.to_json(), study.instances, study.inits)
        t_comp += time.perf_counter() - t0
        for name, db in cost.items():
            t1 = time.perf_counter()
            db.write_cell(c.cell_id, cols)
            t_write[name] += time.perf_counter() - t1
        table = pa.table({key: pa.array(v) for key, v in cols.items()})
        for codec in codecs:  # the Parquet encoding alone, in memory (no file system)
            t1 = time.perf_counter()
            pq.write_table(table, pa.BufferOutputStream(), compression=codec)
            codecs[codec] += time.perf_counter() - t1
    t1 = time.perf_counter()
    cost["batch"].sync()
    t_write["batch"] += time.perf_counter() - t1
    best = {"null": np.inf, "cell": np.inf, "batch": np.inf}
    for k in range(repeat):
        for name in ("null", "cell", "batch"):
            root = tmp / f"{name}{k}"
            db = (_NullStore(root, study) if name == "null" else
                  Store(root, study, durability=name))
            with cf.ThreadPoolExecutor(max_workers=1) as ex:
                t0 = time.perf_counter()
                run_study(study, db, executor=ex)
                best[name] = min(best[name], time.perf_counter() - t0)
    shutil.rmtree(tmp, ignore_errors=True)
    return {"cells": cells, "instances": instances, "compute_s": t_comp,
            "write_cost": {k: v / t_comp for k, v in t_write.items()},
            "encode_ms": {k: 1e3 * v / cells for k, v in codecs.items()},
            "wall_s": best,
            "wall_overhead": {k: best[k] / best["null"] - 1 for k in ("cell", "batch")}}


def kernel(B: int, n: int, r: int, iters: int, repeat: int, dtype: Any) -> dict[str, Any]:
    from mfverify.arith import NumpyArith
    from mfverify.batch import gd
    from mfverify.batch.generators import symmetric_instances
    from mfverify.batch.inits import small_random
    from mfverify.problems import SymmetricMF

    M = symmetric_instances(B, n, spectrum_kind="psd", rank=r, seed=3).M.astype(dtype)
    prob = SymmetricMF(np.zeros((n, n), dtype=int), r)
    x0 = small_random(prob, B, 1, 0.01, seed=4)
    Xt = [np.ascontiguousarray(x0["X"][b, 0].T).astype(dtype) for b in range(B)]
    Xs = np.ascontiguousarray(np.stack(Xt))

    def products() -> None:
        for b in range(B):
            for _ in range(iters + 1):
                Xt[b] @ M[b]

    def stacked() -> None:
        for _ in range(iters + 1):
            np.matmul(Xs, M)

    spent = {"product": 0.0, "objective": 0.0}
    sym_mul, objective = NumpyArith.sym_mul, SymmetricMF.objective

    def timed_sym_mul(self: Any, S: Any, X: Any) -> Any:
        t0 = time.perf_counter()
        out = sym_mul(self, S, X)
        spent["product"] += time.perf_counter() - t0
        return out

    def timed_objective(self: Any, *a: Any) -> Any:
        t0 = time.perf_counter()
        out = objective(self, *a)
        spent["objective"] += time.perf_counter() - t0
        return out

    def solver() -> None:
        gd(prob, x0, data={"M": M}, step=0.05, max_iter=iters, gtol=0.0, dtype=dtype)

    best = {"products": np.inf, "stacked": np.inf, "solver": np.inf}
    split: dict[str, float] = {}
    for _ in range(repeat):
        for name, fn in (("products", products), ("solver", solver), ("stacked", stacked)):
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            best[name] = min(best[name], dt)
    # the split, in a separate timed run (the timers cost a little)
    NumpyArith.sym_mul, SymmetricMF.objective = timed_sym_mul, timed_objective  # type: ignore
    try:
        t0 = time.perf_counter()
        solver()
        total = time.perf_counter() - t0
        split = {k: v / total for k, v in spent.items()}
    finally:
        NumpyArith.sym_mul, SymmetricMF.objective = sym_mul, objective  # type: ignore
    prod_flops = B * (iters + 1) * 2 * n * n * r
    work = B * ((iters + 1) * (2 * n * n * r + 4 * n * r * r + 4 * n * r) + iters * 2 * n * r
                + 2 * n * n * r + 2 * n * n)
    rate_prod = prod_flops / best["products"]
    return {"dtype": np.dtype(dtype).name, "product_gflops": rate_prod / 1e9,
            "solver_gflops": work / best["solver"] / 1e9,
            "ratio": (work / best["solver"]) / rate_prod,
            "stacked_matmul_ratio": (prod_flops / best["stacked"]) / rate_prod,
            "split_product": split.get("product", np.nan),
            "split_final_objective": split.get("objective", np.nan)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller grids, fewer repeats")
    args = ap.parse_args()
    rep = 2 if args.quick else 3
    cells, inst = (20, 100) if args.quick else (100, 100)
    print(f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}; best of {rep} repeats; "
          f"{os.cpu_count()} CPUs")
    try:
        e = executors(20 if args.quick else 40, 100, 300, rep)
        print(f"1. executors, {e['cells']} cells × 100 instances (n = 20, 300 iterations): "
              f"local {e['local_rows_per_s']:.0f} rows/s, Dask LocalCluster "
              f"{e['dask_rows_per_s']:.0f} rows/s; ratio dask/local "
              f"{e['ratio_dask_over_local']:.2f}; overhead per task "
              f"{e['overhead_per_task_ms']:.1f} ms")
    except ImportError:
        print("1. executors: dask.distributed is not installed (pip install 'mfverify[cluster]')")
    s = store_overhead(cells, inst, 300, rep)
    wc, wo, enc = s["write_cost"], s["wall_overhead"], s["encode_ms"]
    print(f"2. store, {s['cells']} cells × {s['instances']} instances of n = 20: compute "
          f"{s['compute_s']:.2f} s; write cost durability='cell' {100 * wc['cell']:.1f}%, "
          f"'batch' {100 * wc['batch']:.1f}% of compute; run_study wall overhead against a "
          f"store that writes nothing ({s['wall_s']['null']:.2f} s): 'cell' "
          f"{100 * wo['cell']:.1f}%, 'batch' {100 * wo['batch']:.1f}%  (target < 5%); "
          "Parquet encoding per cell: "
          + ", ".join(f"{k} {v:.2f} ms" for k, v in enc.items()))
    for iters, what in ((20 if args.quick else 100, "steady state, target >= 0.85"),
                        (10, "short run: fixed costs 1/11 of the work")):
        for dtype in (np.float64, np.float32):
            k = kernel(100, 500, 20, iters, rep, dtype)
            print(f"3. batched GD n = 500, r = 20, B = 100, {iters} iterations, {k['dtype']}: "
                  f"per-instance XᵀM {k['product_gflops']:.1f} GFLOP/s, solver "
                  f"{k['solver_gflops']:.1f} GFLOP/s: ratio {k['ratio']:.2f}  ({what}); one "
                  f"stacked matmul {k['stacked_matmul_ratio']:.2f}; solver time in the product "
                  f"{100 * k['split_product']:.0f}%, final objective "
                  f"{100 * k['split_final_objective']:.0f}%")


if __name__ == "__main__":
    main()
