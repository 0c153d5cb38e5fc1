"""``mfverify study SPEC.toml``: run a phase-transition study (a grid of batched runs) into a
resumable results store, or show its progress.

The store (``--store DIR``, default ``SPEC.store`` next to the study file) keeps one Parquet
file per finished cell; re-running the command skips finished cells and recomputes the others
whole. Executors: a local process pool (default, ``--workers N``), ``--dask`` (starts a
``dask.distributed.LocalCluster``), or ``--scheduler tcp://HOST:PORT`` (an existing Dask
scheduler). The rows are identical whatever executor computed them. See ``docs/studies.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import InputError, UnsupportedError
from .common import int_option, print_json, table
from .limits import add_budget_argument

NAME = "study"
HELP = "run a parameter-grid study into a resumable Parquet store (--status: progress)"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC.toml", help="the study file")
    p.add_argument("--store", metavar="DIR", help="results store (default: SPEC.store)")
    p.add_argument("--status", action="store_true", help="show progress per cell; run nothing")
    p.add_argument("--workers", type=int_option(1, 1024), default=None, metavar="N",
                   help="worker processes (local pool or --dask); default: all cores")
    ex = p.add_mutually_exclusive_group()
    ex.add_argument("--dask", action="store_true",
                    help="run on a dask.distributed.LocalCluster started for this study")
    ex.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                    help="run on an existing Dask scheduler")
    p.add_argument("--json", action="store_true", help="print the per-cell summary as JSON")
    p.add_argument("--plot", metavar="DIR",
                   help="write the views of the stored rows into DIR: heatmap.png, T(δ) "
                        "scaling fits, report.md and report.html (needs matplotlib); a name "
                        "ending in .png/.pdf/.svg writes the heatmap alone")
    p.add_argument("--axes", metavar="X[,Y]",
                   help="the heatmap's axes (default: the first two grid axes; the others are "
                        "pooled)")
    add_budget_argument(p, "study")
    p.add_argument("--outcome", default="global_min",
                   help="the outcome whose fraction is drawn (default global_min; "
                        "'recovered': recovery error <= 1e-3)")


def _store_dir(args: argparse.Namespace) -> Path:
    return Path(args.store) if args.store else Path(args.spec).with_suffix(".store")


def _client(args: argparse.Namespace) -> Any:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UnsupportedError("--dask / --scheduler need dask.distributed: pip install "
                               "'mfverify[cluster]'") from None
    if args.scheduler:
        try:
            return Client(args.scheduler, timeout=10)
        except OSError as exc:
            raise InputError(f"cannot connect to the Dask scheduler {args.scheduler!r}: "
                             f"{exc}") from None
    cluster = LocalCluster(n_workers=args.workers or None, threads_per_worker=1,
                           processes=True, dashboard_address=None)
    return Client(cluster)


def _rows(statuses: list[Any]) -> list[dict[str, Any]]:
    out = []
    for s in statuses:
        runs = max(1, s.rows)
        out.append({"cell_id": s.cell.cell_id, "axes": s.cell.axes, "done": s.done,
                    "rows": s.rows, "counts": s.counts,
                    "p_global_min": (s.counts.get("global_min", 0) / runs) if s.done else None})
    return out


def _print(rows: list[dict[str, Any]], head: str) -> None:
    print(head)
    body = [[r["cell_id"], " ".join(f"{k}={v}" for k, v in r["axes"].items()) or "-",
             "done" if r["done"] else "pending", r["rows"],
             "" if r["p_global_min"] is None else f"{r['p_global_min']:.3f}"] for r in rows]
    print(table(body, ["cell", "axes", "state", "rows", "P(global min)"]))


def run(args: argparse.Namespace) -> int:
    from ..study import load_study, run_study, study_status
    from ..study.store import Store, require_pyarrow

    if args.workers is not None and not 1 <= args.workers <= 1024:
        raise InputError(f"--workers must be in [1, 1024], got {args.workers}")
    study = load_study(args.spec)
    require_pyarrow()
    store = Store(_store_dir(args), study, create=not args.status)
    store.validate()
    computed: list[str] = []
    stopped: str | None = None
    if not args.status:
        if args.dask or args.scheduler:
            client = _client(args)
            try:
                res = run_study(study, store, executor=client.get_executor(),
                                budget=args.budget, progress=False if args.json else None)
            finally:
                client.close()
                if args.dask and client.cluster is not None:
                    client.cluster.close()
        else:
            res = run_study(study, store, max_workers=args.workers, budget=args.budget,
                            progress=False if args.json else None)  # --json: no bar
        computed = res.computed
        stopped = res.stopped
    plot = _plot(args, study, store) if args.plot else None
    rows = _rows(study_status(study, store))
    n_done = sum(r["done"] for r in rows)
    if args.json:
        print_json({"study": study.name, "study_hash": study.content_hash,
                    "store": str(store.root), "cells": len(rows), "done": n_done,
                    "computed_now": len(computed), "stopped": stopped, "plot": plot,
                    "per_cell": rows})
    else:
        _print(rows, f"study {study.name!r} ({study.family}, {study.instances} instances × "
                     f"{study.inits} inits per cell): {n_done}/{len(rows)} cells done, "
                     f"{len(computed)} computed now; store {store.root}")
        if isinstance(plot, dict):
            print(f"report: {plot['markdown']}, {plot['html']}; figures: "
                  f"{', '.join(Path(f).name for f in plot['figures'])}")
            for note in plot["notes"]:
                print(f"  {note}")
        elif plot:
            print(f"plot: {plot}")
        if stopped:
            print(f"INCONCLUSIVE: stopped early ({stopped}); {n_done}/{len(rows)} cells stored, "
                  "re-run to resume or raise --budget")
    return 1 if stopped else 0


def _plot(args: argparse.Namespace, study: Any, store: Any) -> Any:
    axes = args.axes.split(",") if args.axes else list(study.grid)[:2]
    if not axes or len(axes) > 2:
        raise InputError("--plot needs a study with a grid axis and at most two --axes")
    table = store.read_all()
    if table.num_rows == 0:
        raise InputError("--plot: the store holds no rows yet")
    if Path(args.plot).suffix.lower() in (".png", ".pdf", ".svg"):
        from ..study.plot import heatmap, success_grid

        grid = success_grid(table, axes[0], axes[1] if len(axes) > 1 else None,
                            outcome=args.outcome)
        return str(heatmap(grid, args.plot, title=f"{study.name}: P({args.outcome})"))
    from ..plot.study_report import write_study_report

    try:
        text = Path(args.spec).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    rep = write_study_report(study, table, args.plot, axes=axes, outcome=args.outcome,
                             study_text=text)
    return rep.to_json()
