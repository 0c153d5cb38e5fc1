"""The store's durability policies (#14 item 7): a crash between a cell's rename and the next
sync is resumed without loss or duplication; ``"cell"`` syncs every cell."""

from __future__ import annotations

import concurrent.futures as cf
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mfverify.errors import InputError, StoreError
from mfverify.study import Store, load_study, run_cell, run_study
from mfverify.study.store import MARKER

pytest.importorskip("pyarrow")

SPEC: dict[str, Any] = {"name": "durable", "family": "symmetric", "instances": 2, "inits": 1,
                        "max_iter": 40, "params": {"n": 4}, "grid": {"r": [1, 2, 3, 4]}}


def _rows_bytes(table: Any) -> list[bytes]:
    return [table.column(k).to_numpy().tobytes() if table.column(k).type != "string"
            else repr(table.column(k).to_pylist()).encode() for k in table.column_names]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("ref") / "store"
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        return run_study(load_study(SPEC), Store(root, load_study(SPEC), durability="cell"),
                         executor=ex).rows()


def _write_unsynced(root: Path, n: int) -> tuple[Store, list[str]]:
    study = load_study(SPEC)
    db = Store(root, study, sync_every=1000, sync_seconds=1e9)
    ids = []
    for c in study.cells()[:n]:
        db.write_cell(c.cell_id, run_cell(c.to_json(), study.instances, study.inits))
        ids.append(c.cell_id)
    return db, ids


def test_os_crash_between_rename_and_sync_is_recomputed(tmp_path: Path, reference: Any) -> None:
    root = tmp_path / "s"
    db, ids = _write_unsynced(root, 3)
    assert db.marker.exists()  # nothing synced since the marker
    # the OS crashed before the sync: one renamed file lost its data (torn), the rename of
    # another never reached the disk, the third survived
    torn = db.path(ids[0])
    torn.write_bytes(torn.read_bytes()[:40])
    db.path(ids[1]).unlink()
    del db
    study = load_study(SPEC)
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        res = run_study(study, root, executor=ex)
    assert res.skipped == [ids[2]]
    assert sorted(res.computed) == sorted(c.cell_id for c in study.cells() if c.cell_id != ids[2])
    assert not (root / "cells" / MARKER).exists()
    rows = res.rows()
    assert rows.num_rows == 4 * 2  # every row exactly once
    assert _rows_bytes(rows) == _rows_bytes(reference)  # bit for bit


def test_process_kill_before_the_sync_loses_nothing(tmp_path: Path, reference: Any) -> None:
    root = tmp_path / "s"
    code = (
        "import os, sys\n"
        "from mfverify.study import Store, load_study, run_cell\n"
        f"spec = {SPEC!r}\n"
        "st = load_study(spec)\n"
        f"db = Store({str(root)!r}, st, sync_every=1000, sync_seconds=1e9)\n"
        "for c in st.cells()[:2]:\n"
        "    db.write_cell(c.cell_id, run_cell(c.to_json(), st.instances, st.inits))\n"
        "os._exit(9)  # killed: no sync, no cleanup\n")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=120).returncode == 9
    assert (root / "cells" / MARKER).exists()
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        res = run_study(load_study(SPEC), root, executor=ex)
    assert len(res.skipped) == 2 and len(res.computed) == 2  # the killed run's cells kept
    assert _rows_bytes(res.rows()) == _rows_bytes(reference)


def test_without_the_marker_a_torn_file_is_still_refused(tmp_path: Path) -> None:
    root = tmp_path / "s"
    db, ids = _write_unsynced(root, 2)
    db.sync()
    assert not db.marker.exists()
    torn = db.path(ids[0])
    torn.write_bytes(torn.read_bytes()[:40])
    assert Store(root, load_study(SPEC)).recover() == []
    with pytest.raises(StoreError, match="corrupt"):
        run_study(load_study(SPEC), root, executor=cf.ThreadPoolExecutor(1))


@pytest.mark.parametrize("durability, every, syncfs, expect", [
    ("cell", 1000, True, (8, 0)), ("batch", 2, True, (2, 4)), ("batch", 1000, True, (1, 2)),
    ("batch", 2, False, (12, 0)), ("batch", 1000, False, (8, 0))])
def test_sync_calls_per_policy(tmp_path: Path, monkeypatch: Any, durability: str, every: int,
                               syncfs: bool, expect: tuple[int, int]) -> None:
    import mfverify.study.store as store_mod

    study = load_study(SPEC)
    db = Store(tmp_path / "s", study, durability=durability, sync_every=every,
               sync_seconds=1e9)
    fsyncs: list[int] = []
    syncfss: list[int] = []
    real_fsync, real_syncfs = os.fsync, store_mod._SYNCFS
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])
    if syncfs and real_syncfs is None:
        pytest.skip("no syncfs(2) on this platform")
    monkeypatch.setattr(store_mod, "_SYNCFS", (lambda fd: (syncfss.append(fd),
                                                           real_syncfs(fd))[1])
                        if syncfs else None)
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        run_study(study, db, executor=ex)
    # 4 cells. cell: file + directory fsync per cell. batch, per window of ``every`` cells:
    # the marker made durable, the window made durable, the directory after the unlink;
    # "made durable" is one syncfs on Linux, else an fsync of each file and the directory
    assert (len(fsyncs), len(syncfss)) == expect
    assert not db.marker.exists() and len(db.finished()) == 4


def test_bad_policies_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="durability"):
        Store(tmp_path / "a", load_study(SPEC), durability="never")
    with pytest.raises(InputError, match="sync_every"):
        Store(tmp_path / "b", load_study(SPEC), sync_every=0)


def test_cli_durability_option(tmp_path: Path, capsys: Any) -> None:
    from mfverify.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text('family = "symmetric"\ninstances = 2\nmax_iter = 20\n[params]\nn = 4\n'
                    '[grid]\nr = [1, 2]\n')
    assert main(["study", str(spec), "--store", str(tmp_path / "st"), "--workers", "1",
                 "--durability", "cell"]) == 0
    assert len(list((tmp_path / "st" / "cells").glob("*.parquet"))) == 2
    assert not (tmp_path / "st" / "cells" / MARKER).exists()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["study", str(spec), "--durability", "never"])
    assert exc.value.code == 2


def test_writing_after_a_crash_without_run_study_recovers_first(tmp_path: Path) -> None:
    root = tmp_path / "s"
    db, ids = _write_unsynced(root, 2)
    torn = db.path(ids[0])
    torn.write_bytes(torn.read_bytes()[:40])  # the OS crash tore it
    del db
    study = load_study(SPEC)
    again = Store(root, study, sync_every=1000, sync_seconds=1e9)
    c = study.cells()[2]
    again.write_cell(c.cell_id, run_cell(c.to_json(), study.instances, study.inits))
    assert not torn.exists()  # the earlier window was checked before a new one began
    again.sync()
    assert again.finished() == {ids[1], c.cell_id}
    again.validate()
