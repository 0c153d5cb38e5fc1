"""Studies: grid expansion, derived seeds, the append-only store, resume, executors."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mfverify.errors import SpecError, StoreError
from mfverify.study import Store, load_study, run_cell, run_study, study_status

pa = pytest.importorskip("pyarrow")

BASE: dict[str, Any] = {
    "name": "test", "family": "symmetric", "instances": 3, "inits": 2, "step": 0.2,
    "max_iter": 300, "deltas": [1e-6],
    "params": {"n": 5, "spectrum": "psd", "rank": 2},
    "grid": {"r": [1, 2, 3], "alpha": [0.01, 0.3]},
}


def _study(**changes: Any) -> Any:
    return load_study({**BASE, **changes})


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The rows of the base study computed serially in this process."""
    root = tmp_path_factory.mktemp("ref") / "store"
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        res = run_study(_study(), root, executor=ex)
    assert len(res.computed) == 6
    return res.rows()


def _assert_identical(a: Any, b: Any) -> None:
    assert a.schema == b.schema
    assert a.num_rows == b.num_rows
    for name in a.column_names:
        x, y = a.column(name).to_numpy(), b.column(name).to_numpy()
        if x.dtype.kind == "f":
            assert x.tobytes() == y.tobytes(), name  # bit for bit
        else:
            assert list(x) == list(y), name


def _assert_complete(table: Any, study: Any) -> None:
    keys = list(zip(table.column("cell_id").to_pylist(), table.column("instance").to_pylist(),
                    table.column("init").to_pylist(), strict=True))
    assert len(keys) == len(set(keys)) == len(study.cells()) * study.n_runs_per_cell
    assert set(table.column("cell_id").to_pylist()) == {c.cell_id for c in study.cells()}


# --- grid and seeds --------------------------------------------------------------------------


def test_grid_expansion_and_seeds_are_deterministic() -> None:
    s1, s2 = _study(), _study()
    assert s1.content_hash == s2.content_hash
    c1, c2 = s1.cells(), s2.cells()
    assert len(c1) == 6
    assert [c.axes for c in c1] == [{"r": r, "alpha": a} for r in (1, 2, 3) for a in (0.01, 0.3)]
    assert [(c.cell_id, c.instance_seed, c.init_seed) for c in c1] == [
        (c.cell_id, c.instance_seed, c.init_seed) for c in c2]
    assert len({c.cell_id for c in c1}) == 6 and len({c.init_seed for c in c1}) == 6
    # common random numbers: cells differing only in α share their instances
    by_r: dict[int, set[int]] = {}
    for c in c1:
        by_r.setdefault(c.gen["r"], set()).add(c.instance_seed)
    assert all(len(v) == 1 for v in by_r.values()) and len(by_r) == 3
    # another study seed: another hash and other seeds; the key order does not matter
    s3 = _study(seed=1)
    assert s3.content_hash != s1.content_hash
    assert {c.init_seed for c in s3.cells()}.isdisjoint({c.init_seed for c in c1})
    shuffled = dict(reversed(list(BASE.items())))
    assert load_study(shuffled).content_hash == s1.content_hash


def test_run_cell_is_a_pure_function() -> None:
    cell = _study().cells()[3].to_json()
    a, b = run_cell(cell, 3, 2), run_cell(json.loads(json.dumps(cell)), 3, 2)
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]) and a[k].shape == (6,)
    assert set(a["outcome"]) <= {"global_min", "stationary_unmatched", "stalled", "diverged"}


def test_outcomes_match_the_mathematics() -> None:
    """Exact width r = rank M = 2 from small random init: GD reaches the global minimum
    (f* = 0) on every run; over width r = 1 < rank 2 the optimum is the Eckart–Young tail."""
    study = load_study({**BASE, "max_iter": 3000, "grid": {"r": [1, 2]}, "params": {
        "n": 5, "spectrum": "psd", "rank": 2, "cond": 2.0}})
    for cell in study.cells():
        rows = run_cell(cell.to_json(), 3, 2)
        assert list(rows["outcome"]) == ["global_min"] * 6, cell.axes
        assert (rows["rank"] == cell.gen["r"]).all()
        if cell.gen["r"] == 2:
            assert (rows["final_f"] < 1e-8).all() and (rows["T_1e-06"] > 0).all()
        else:  # f* = ¼ λ₂² = ¼ (1/2)²
            assert np.allclose(rows["final_f"], 0.0625, atol=1e-8)


@pytest.mark.parametrize("change, match", [
    ({"grid": {"colour": [1]}}, "unknown axis"),
    ({"grid": {"step": [0.1, "armijo"]}}, "mixes value types"),
    ({"grid": {"r": [1, 1]}}, "twice"),
    ({"grid": {"n": [3]}}, "both as a fixed value"),
    ({"family": "nope"}, "family"),
    ({"instances": 0}, "instances"),
    ({"method": "newton"}, "method"),
    ({"colour": 1}, "unknown keys"),
    ({"params": {"n": "five"}}, "must be a int"),
])
def test_malformed_studies_are_refused(change: dict[str, Any], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        _study(**change)


# --- store, resume ---------------------------------------------------------------------------


def test_resume_after_an_interruption_recomputes_partial_cells_only(tmp_path: Path,
                                                                    reference: Any) -> None:
    study = _study()
    cells = study.cells()
    root = tmp_path / "store"
    store = Store(root, study)
    for c in cells[:2]:  # two cells finished before the interruption
        store.write_cell(c.cell_id, run_cell(c.to_json(), study.instances, study.inits))
    # a third cell was being written when the process died: only its temporary file exists
    partial = store.path(cells[2].cell_id)
    tmp = partial.with_name(f".{partial.name}.deadbeef.tmp")
    tmp.write_bytes(b"PAR1 truncated")
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        res = run_study(study, root, executor=ex)
    assert sorted(res.skipped) == sorted(c.cell_id for c in cells[:2])
    assert sorted(res.computed) == sorted(c.cell_id for c in cells[2:])
    assert not tmp.exists()
    rows = res.rows()
    _assert_complete(rows, study)
    _assert_identical(rows, reference)
    again = run_study(study, root, executor=None)  # nothing left: no pool started, no rows
    assert again.computed == [] and len(again.skipped) == 6
    _assert_identical(again.rows(), reference)


class _FailingAfter(cf.ThreadPoolExecutor):
    """A pool whose third task fails (a crashed worker)."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.n = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        self.n += 1
        if self.n == 3:
            def boom(*_: Any) -> Any:
                raise RuntimeError("worker lost")
            return super().submit(boom)
        return super().submit(fn, *args, **kwargs)


def test_a_crashed_run_resumes_without_loss_or_duplicates(tmp_path: Path,
                                                          reference: Any) -> None:
    study, root = _study(), tmp_path / "store"
    with _FailingAfter() as ex, pytest.raises(RuntimeError, match="worker lost"):
        run_study(study, root, executor=ex)
    stored = Store(root, study).finished()
    assert 0 < len(stored) < 6
    res = run_study(study, root, max_workers=2)
    assert set(res.skipped) == stored and len(res.computed) == 6 - len(stored)
    _assert_complete(res.rows(), study)
    _assert_identical(res.rows(), reference)
    status = study_status(study, root)
    assert all(s.done and s.rows == 6 and sum(s.counts.values()) == 6 for s in status)


def test_foreign_and_corrupt_stores_are_refused(tmp_path: Path, capsys: Any) -> None:
    from mfverify.cli import main

    study, root = _study(grid={"r": [1, 2]}), tmp_path / "store"
    run_study(study, root, executor=cf.ThreadPoolExecutor(1))
    with pytest.raises(StoreError, match="another study"):
        Store(root, _study(grid={"r": [1, 2]}, seed=7))
    spec = tmp_path / "other.toml"
    spec.write_text('family = "symmetric"\ninstances = 2\n[params]\nn = 4\n')
    assert main(["study", str(spec), "--store", str(root)]) == 2
    err = capsys.readouterr().err.strip()
    assert "StoreError" in err and "another study" in err and len(err.splitlines()) == 1
    # a corrupt cell file
    victim = sorted(root.glob("cells/*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    with pytest.raises(StoreError, match="corrupt"):
        run_study(study, root, executor=cf.ThreadPoolExecutor(1))
    # a file of another cell under this cell's name
    files = sorted(root.glob("cells/*.parquet"))
    good = files[1].read_bytes()
    victim.write_bytes(good)
    with pytest.raises(StoreError, match="does not belong"):
        Store(root, study).validate()
    # a non-empty directory that is not a store; a corrupt manifest
    other = tmp_path / "notastore"
    other.mkdir()
    (other / "data.txt").write_text("x")
    with pytest.raises(StoreError, match="without manifest"):
        Store(other, study)
    (root / "manifest.json").write_text("{")
    with pytest.raises(StoreError, match="manifest"):
        Store(root, study)


def test_cli_runs_resumes_and_reports_status(tmp_path: Path, capsys: Any) -> None:
    from mfverify.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text('family = "symmetric"\ninstances = 2\ninits = 2\nmax_iter = 200\n'
                    '[params]\nn = 4\n[grid]\nr = [1, 2]\n')
    assert main(["study", str(spec), "--status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["done"] == 0 and [c["done"] for c in out["per_cell"]] == [False, False]
    assert not (tmp_path / "s.store").exists()  # --status creates nothing
    assert main(["study", str(spec), "--workers", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["done"] == 2 and out["computed_now"] == 2
    assert (tmp_path / "s.store" / "manifest.json").is_file()
    assert main(["study", str(spec), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["computed_now"] == 0 and all(c["rows"] == 4 for c in out["per_cell"])
    assert main(["study", str(tmp_path / "missing.toml")]) == 2


def test_sigint_then_rerun_resumes_without_loss_or_duplicates(tmp_path: Path,
                                                               reference: Any) -> None:
    """Interrupt the CLI with SIGINT after its first stored cell, re-run: the store is
    complete, each row once, equal to the uninterrupted run."""
    import subprocess
    import sys

    study = _study()
    spec = tmp_path / "s.toml"
    lines = [f"{k} = {json.dumps(v)}" for k, v in BASE.items() if not isinstance(v, dict)]
    for table_name in ("params", "grid"):
        lines.append(f"[{table_name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in BASE[table_name].items()]
    spec.write_text("\n".join(lines) + "\n")
    assert load_study(spec).content_hash == study.content_hash
    root = tmp_path / "store"
    cmd = [sys.executable, "-m", "mfverify", "study", str(spec), "--store", str(root),
           "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list((root / "cells").glob("*.parquet")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    stored = Store(root, study).finished()
    if proc.returncode == 130:
        assert "interrupted" in err and 0 < len(stored) < 6
    else:  # pragma: no cover - the study finished before the signal arrived
        assert proc.returncode == 0 and len(stored) == 6
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = Store(root, study).read_all()
    _assert_complete(rows, study)
    _assert_identical(rows, reference)


# --- Dask ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client() -> Any:
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_rows_equal_local_rows_bit_for_bit(tmp_path: Path, reference: Any,
                                                dask_client: Any) -> None:
    study = _study()
    res = run_study(study, tmp_path / "dask", executor=dask_client.get_executor())
    assert len(res.computed) == 6
    _assert_complete(res.rows(), study)
    _assert_identical(res.rows(), reference)
    local = run_study(study, tmp_path / "local", max_workers=2)
    _assert_identical(local.rows(), reference)


def test_cli_on_a_dask_scheduler(tmp_path: Path, reference: Any, dask_client: Any,
                                 capsys: Any) -> None:
    from mfverify.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text('family = "symmetric"\ninstances = 2\ninits = 2\nmax_iter = 200\n'
                    '[params]\nn = 4\n[grid]\nr = [1, 2]\n')
    address = dask_client.scheduler.address
    assert main(["study", str(spec), "--scheduler", address, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["computed_now"] == 2 and out["done"] == 2
    ref = tmp_path / "ref"
    assert main(["study", str(spec), "--store", str(ref), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    study = load_study(spec)
    _assert_identical(Store(tmp_path / "s.store", study).read_all(), Store(ref, study).read_all())


def test_killing_a_dask_worker_mid_study_loses_nothing(tmp_path: Path,
                                                       dask_client: Any) -> None:
    """One of the 2 worker processes is killed (SIGKILL) while a cell runs on it; Dask
    reschedules the cell, the study finishes, every row is stored once and equals the
    one-process run."""
    study = load_study({**BASE, "instances": 6, "inits": 3, "max_iter": 1500,
                        "grid": {"r": [1, 2, 3, 4], "alpha": [0.01, 0.3]}})
    root = tmp_path / "killed"
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not killed:
            busy = [w for w, tasks in dask_client.processing().items() if tasks]
            if len(list((root / "cells").glob("*.parquet"))) >= 1 and busy:
                pid = dask_client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.02)

    thread = threading.Thread(target=killer)
    thread.start()
    res = run_study(study, root, executor=dask_client.get_executor())
    thread.join()
    assert killed, "the study finished before a worker could be killed"
    assert len(res.computed) == 8
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        ref = run_study(study, tmp_path / "serial", executor=ex).rows()
    _assert_complete(res.rows(), study)
    _assert_identical(res.rows(), ref)


# --- the heatmap -----------------------------------------------------------------------------


def test_success_grid_pools_the_other_axes(reference: Any) -> None:
    from mfverify.study.plot import success_grid

    g = success_grid(reference, "alpha", "r", outcome="global_min")
    assert g.xs == [0.01, 0.3] and g.ys == [1, 2, 3]
    assert (g.runs == 6).all()
    labels = reference.column("outcome").to_pylist()
    r = reference.column("axis_r").to_pylist()
    a = reference.column("axis_alpha").to_pylist()
    for i, rv in enumerate(g.ys):
        for j, av in enumerate(g.xs):
            sel = [lab for lab, x, y in zip(labels, a, r, strict=True) if x == av and y == rv]
            assert g.fraction[i, j] == sel.count("global_min") / len(sel)
    pooled = success_grid(reference, "r")  # α pooled: 12 runs per r
    assert (pooled.runs == 12).all() and pooled.fraction.shape == (1, 3)
    assert np.allclose(pooled.fraction[0], g.fraction.mean(axis=1))
    with pytest.raises(Exception, match="not a grid axis"):
        success_grid(reference, "colour")


def test_cli_plot(tmp_path: Path, capsys: Any) -> None:
    pytest.importorskip("matplotlib")
    from mfverify.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text('family = "symmetric"\ninstances = 2\ninits = 2\nmax_iter = 200\n'
                    '[params]\nn = 4\n[grid]\nr = [1, 2]\nalpha = [0.01, 0.1]\n')
    png = tmp_path / "h.png"
    assert main(["study", str(spec), "--status", "--plot", str(png)]) == 2  # no rows yet
    capsys.readouterr()
    assert main(["study", str(spec), "--workers", "1", "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["study", str(spec), "--plot", str(png), "--axes", "r,alpha,n"]) == 2


# --- BatchRun.concatenate / to_json ----------------------------------------------------------


def test_batchrun_concatenate_and_to_json() -> None:
    from mfverify.batch import BatchRun, gd
    from mfverify.batch.generators import symmetric_instances
    from mfverify.batch.inits import small_random
    from mfverify.errors import ShapeError
    from mfverify.problems import SymmetricMF

    inst = symmetric_instances(5, 4, rank=2, seed=3)
    p = SymmetricMF(np.zeros((4, 4), dtype=int), 2)
    x0 = small_random(p, 5, 3, 0.1, seed=4)
    kw: dict[str, Any] = {"step": 0.2, "max_iter": 100, "record_every": 10,
                          "thresholds": (1e-3,)}
    whole = gd(p, x0, data=inst.data, **kw)
    parts = [gd(p, {"X": x0["X"][s]}, data={"M": inst.M[s]}, **kw)
             for s in (slice(0, 1), slice(1, 5))]
    merged = BatchRun.concatenate(parts)
    for name in ("f", "grad_norm", "status", "iterations", "step"):
        assert np.array_equal(getattr(merged, name), getattr(whole, name)), name
    assert np.array_equal(merged.history["f"], whole.history["f"])
    assert np.array_equal(merged.hits[1e-3], whole.hits[1e-3])
    other = gd(p, {"X": x0["X"][:1, :2]}, data={"M": inst.M[:1]}, **kw)  # K = 2
    with pytest.raises(ShapeError):
        BatchRun.concatenate([whole, other])
    merged.f[0, 0], merged.f[0, 1] = np.nan, -np.inf
    d = json.loads(json.dumps(merged.to_json(), allow_nan=False))
    assert d["shape"] == [5, 3] and d["f"][0][:2] == ["nan", "-inf"]
    assert np.array_equal(np.array(d["x"]["X"]), merged.x["X"])  # floats round-trip exactly
    assert d["hits"]["0.001"] == merged.hits[1e-3].tolist()


class _Slow(cf.ThreadPoolExecutor):
    """One worker whose every cell takes at least ``delay`` seconds longer."""

    def __init__(self, delay: float) -> None:
        super().__init__(max_workers=1)
        self.delay = delay

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        def slow(*a: Any, **k: Any) -> Any:
            time.sleep(self.delay)
            return fn(*a, **k)
        return super().submit(slow, *args, **kwargs)


def test_budget_stops_between_cells_and_loses_nothing(tmp_path: Path, reference: Any) -> None:
    """``budget=``: no cell starts after it; the running cell is stored; a re-run resumes."""
    study, root = _study(), tmp_path / "store"
    start = time.monotonic()
    with _Slow(0.6) as ex:
        res = run_study(study, root, executor=ex, budget=1.0)
        elapsed = time.monotonic() - start
    assert res.stopped is not None and "budget of 1 s" in res.stopped
    assert 0 < len(res.computed) < 6
    assert elapsed < 1.0 + 3 * 0.6 + 5.0  # at most the running cell past the budget (+ slack)
    assert Store(root, study).finished() == set(res.computed)  # what was computed is stored
    again = run_study(study, root, max_workers=1)
    assert again.stopped is None and len(again.computed) == 6 - len(res.computed)
    _assert_complete(again.rows(), study)
    _assert_identical(again.rows(), reference)


def test_cli_budget_exit_1_and_resume(tmp_path: Path, capsys: Any) -> None:
    from mfverify.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text('family = "symmetric"\ninstances = 2\ninits = 2\nmax_iter = 200\n'
                    '[params]\nn = 4\n[grid]\nr = [1, 2, 3]\n')
    rc = main(["study", str(spec), "--workers", "1", "--budget", "0.001"])
    out = capsys.readouterr().out
    assert rc == 1 and "INCONCLUSIVE: stopped early (time budget of 0.001 s reached)" in out
    assert main(["study", str(spec), "--workers", "1"]) == 0
    assert "3/3 cells done" in capsys.readouterr().out
