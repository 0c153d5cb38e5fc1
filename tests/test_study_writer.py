"""The background writer of run_study: every computed cell is written before it returns, and
a failed write is raised, never swallowed (#14 item 6)."""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path
from typing import Any

import pytest

from mfverify.errors import StoreError
from mfverify.study import Store, load_study, run_study

pytest.importorskip("pyarrow")

SPEC: dict[str, Any] = {"name": "writer", "family": "symmetric", "instances": 2, "inits": 1,
                        "max_iter": 50, "params": {"n": 4}, "grid": {"r": [1, 2, 3, 4]}}


class _FailingStore(Store):
    def write_cell(self, cell_id: str, columns: Any) -> None:
        if len(self.finished()) >= 2:
            raise StoreError("disk full (planted)")
        super().write_cell(cell_id, columns)


def test_every_cell_is_written_before_run_study_returns(tmp_path: Path) -> None:
    study = load_study(SPEC)
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        res = run_study(study, tmp_path / "s", executor=ex)
    assert sorted(res.computed) == sorted(c.cell_id for c in study.cells())
    assert res.store.finished() == set(res.computed)
    assert res.rows().num_rows == 4 * 2


def test_a_failed_write_is_raised_and_the_written_cells_stay(tmp_path: Path) -> None:
    study = load_study(SPEC)
    db = _FailingStore(tmp_path / "s", study)
    with cf.ThreadPoolExecutor(max_workers=1) as ex, pytest.raises(StoreError, match="planted"):
        run_study(study, db, executor=ex)
    assert len(db.finished()) == 2
    again = run_study(study, Store(tmp_path / "s", study), max_workers=1)  # resumes
    assert len(again.skipped) == 2 and len(again.computed) == 2
