"""Run a study's pending cells on any :class:`concurrent.futures.Executor`.

Every cell is one task, :func:`mfverify.study.cell.run_cell` (a pure function of the cell's
JSON and the sizes B, K); the main process writes each finished cell to the store as soon as it
arrives. Because a cell's rows depend only on the study and the cell (seeds derived from their
hashes, see :mod:`mfverify.study.spec`), the store's content is the same bit for bit whatever
executor, worker count or completion order computed it:

* ``executor=None``: a local :class:`~concurrent.futures.ProcessPoolExecutor` with
  ``max_workers`` processes (default: the machine's cores);
* any executor you pass, e.g. ``dask.distributed.Client(...).get_executor()`` or a
  ``ThreadPoolExecutor``; it is not shut down.

A worker that dies (a Dask worker killed, a pool process lost) costs only its in-flight cells:
Dask reschedules them on the remaining workers; a broken local pool raises, and re-running the
study resumes with the cells already stored.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ResultFormatError, SpecError, StoreError
from ..inputs import read_user_file
from ..progress import ProgressCallback, tracker
from ..readback import require
from ..results import ResultMixin, StudyStatus
from ..spec import MAX_SPEC_BYTES
from .cell import run_cell
from .spec import Cell, Study, load_study
from .store import Store

__all__ = ["run_study", "study_status", "StudyResult", "CellStatus"]


@dataclass
class StudyResult(ResultMixin):
    """What a call to :func:`run_study` did: cells computed now, skipped (already stored).

    ``status`` is a :class:`~mfverify.results.StudyStatus`: ``done`` or ``stopped`` (budget).
    """

    store: Store
    computed: list[str]
    skipped: list[str]
    total: int
    #: ``None`` when every pending cell was computed; otherwise why the run stopped early
    #: (the time budget), the stored cells kept: re-running resumes
    stopped: str | None = None

    def rows(self) -> Any:
        """All rows of the store (a pyarrow Table sorted by cell, instance, init)."""
        return self.store.read_all()

    @property
    def status(self) -> StudyStatus:
        return StudyStatus.DONE if self.stopped is None else StudyStatus.STOPPED

    def _repr_items(self) -> list[tuple[str, Any]]:
        return [("total", self.total), ("computed", len(self.computed)),
                ("skipped", len(self.skipped))]

    def to_json(self) -> dict[str, Any]:
        return {"status": str(self.status), "store": str(self.store.root),
                "total": self.total, "computed": list(self.computed),
                "skipped": list(self.skipped), "stopped": self.stopped}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], study: Study | str | Path | dict[str, Any]
                  | None = None) -> StudyResult:
        """The result that :meth:`to_json` wrote, with ``from_json(d).to_json() == d``.

        The JSON names the store by its path; the :class:`Store` is opened again there (not
        created when missing) for the study ``study`` or, by default, the study recorded in
        the store's ``manifest.json`` (its content hash re-checked). ``rows()`` therefore reads
        the store as it is *now*. Corrupt or foreign JSON raises
        :class:`~mfverify.errors.ResultFormatError`; a store that is missing (with no
        ``study`` given), corrupt or another study's raises
        :class:`~mfverify.errors.StoreError`.
        """
        what = "StudyResult JSON"
        root = require(data, "store", str, what)
        ids = {key: require(data, key, list, what) for key in ("computed", "skipped")}
        if not all(isinstance(c, str) for v in ids.values() for c in v):
            raise ResultFormatError(f"{what}: cell ids must be strings")
        total = require(data, "total", int, what)
        stopped = require(data, "stopped", str, what, optional=True)
        if total < 0 or len(ids["computed"]) + len(ids["skipped"]) > total:
            raise ResultFormatError(f"{what}: total {total} is fewer than the cells listed")
        status = StudyStatus.DONE if stopped is None else StudyStatus.STOPPED
        if data.get("status") != str(status):
            raise ResultFormatError(f"{what}: status {data.get('status')!r} does not match "
                                    f"stopped {stopped!r}")
        st = (_manifest_study(Path(root)) if study is None else
              study if isinstance(study, Study) else load_study(study))
        return cls(Store(root, st, create=False), list(ids["computed"]), list(ids["skipped"]),
                   total, stopped)

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("status", self.status.message),
                                       ("store", str(self.store.root)),
                                       ("cells", f"{self.total} in the grid, "
                                                 f"{len(self.computed)} computed now, "
                                                 f"{len(self.skipped)} already stored")]
        return rows + ([("stopped", self.stopped)] if self.stopped else [])


def _manifest_study(root: Path) -> Study:
    """The study recorded in the manifest of the store at ``root`` (hash re-checked)."""
    text = read_user_file(root / "manifest.json", f"store {str(root)!r}: manifest",
                          MAX_SPEC_BYTES, error=StoreError)
    try:
        body = json.loads(text)
        written = dict(body["study"])  # Study.to_json(): the run keys nested under "run"
        spec = {k: v for k, v in written.items() if k not in ("format", "run")}
        axes = dict(written.get("grid", {}))  # an axis's run default is not given twice
        spec.update({k: v for k, v in dict(written.get("run", {})).items() if k not in axes})
        h = body["study_hash"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise StoreError(f"store {str(root)!r}: manifest.json is unreadable or corrupt") from None
    try:
        st = load_study(spec)
    except SpecError as exc:
        raise StoreError(f"store {str(root)!r}: the study in manifest.json is invalid: "
                         f"{exc}") from None
    if st.content_hash != h:
        raise StoreError(f"store {str(root)!r}: manifest.json's study does not match its "
                         "study_hash (corrupt)")
    return st


@dataclass
class CellStatus:
    """Progress of one cell: done or pending, with its outcome counts when done."""

    cell: Cell
    done: bool
    rows: int
    counts: dict[str, int]


def _default_progress(total: int) -> tuple[Callable[[], None], Callable[[], None]]:
    if not sys.stderr.isatty():
        return (lambda: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=total, file=sys.stderr, unit="cell", leave=False)
    return (lambda: bar.update(1)), bar.close


def run_study(study: Study | str | Path | dict[str, Any], store: str | Path | Store, *,
              executor: cf.Executor | None = None, max_workers: int | None = None,
              progress: bool | ProgressCallback | None = None,
              budget: float | None = None) -> StudyResult:
    """Compute the cells of ``study`` that ``store`` does not hold yet.

    Parameters
    ----------
    study
        A :class:`Study`, a TOML path or a dict (see :func:`load_study`).
    store
        Store directory (created when missing) or an open :class:`Store`. A store of another
        study, or with a corrupt cell file, raises :class:`~mfverify.errors.StoreError` before
        anything runs.
    executor
        Any :class:`concurrent.futures.Executor`; default a local process pool.
    max_workers
        Processes of the default pool (ignored when ``executor`` is given).
    progress
        Show a tqdm bar on stderr (True), nothing (False), or call a
        :data:`mfverify.progress.ProgressCallback` once per stored cell; default (None): a bar
        only when stderr is a terminal.
    budget
        Seconds (default: no limit). When they run out no further cell is started, the cells
        not yet running are cancelled, the cells already running are waited for and stored
        (nothing computed is lost), and :attr:`StudyResult.stopped` says so; re-running the
        study resumes. The overrun is therefore at most the duration of one cell.
    """
    st = study if isinstance(study, Study) else load_study(study)
    db = store if isinstance(store, Store) else Store(store, st)
    db.recover()  # after a crash before a sync: torn cells of that window are recomputed
    db.validate()
    cells = st.cells()
    done = db.finished()
    pending = [c for c in cells if c.cell_id not in done]
    skipped = [c.cell_id for c in cells if c.cell_id in done]
    computed: list[str] = []
    if progress is False or not pending:
        tick, close = (lambda: None), (lambda: None)
    elif callable(progress):
        tick, close = tracker(progress, "study", len(pending)).step, (lambda: None)
    else:
        tick, close = _default_progress(len(pending))
    own = executor is None and bool(pending)
    ex = (cf.ProcessPoolExecutor(max_workers=max_workers or os.cpu_count() or 1) if own
          else executor)
    futures: dict[cf.Future[Any], Cell] = {}
    stopped: str | None = None
    deadline = None if budget is None else time.monotonic() + float(budget)

    seen: set[cf.Future[Any]] = set()
    # the cell files are written by one background thread, so that the write (and its fsync,
    # which releases the GIL) overlaps the computation of the next cells; every submitted
    # write is waited for before run_study returns or raises (nothing computed is lost)
    writer = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="mfverify-store")
    writes: list[cf.Future[None]] = []

    def write(cell_id: str, rows: Any) -> None:
        db.write_cell(cell_id, rows)
        computed.append(cell_id)
        tick()

    def store(fut: cf.Future[Any]) -> None:
        if fut in seen:
            return
        seen.add(fut)
        cell = futures[fut]
        rows = fut.result()
        for w in [w for w in writes if w.done()]:  # a failed write stops the study now
            writes.remove(w)
            w.result()
        writes.append(writer.submit(write, cell.cell_id, rows))

    try:
        if pending and ex is not None:
            futures = {ex.submit(run_cell, c.to_json(), st.instances, st.inits): c
                       for c in pending}
        try:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            for fut in cf.as_completed(futures, timeout=left):
                store(fut)
        except cf.TimeoutError:
            stopped = _stop_at_budget(futures, store, budget)
    finally:
        for fut in futures:  # after an error or an interrupt: do not leave work behind
            fut.cancel()
        writer.shutdown(wait=True)  # every cell computed so far is written
        db.sync()  # ... and durable (durability="batch" syncs in batches and here)
        close()
        if own and ex is not None:
            ex.shutdown(wait=True, cancel_futures=True)
    for w in writes:
        w.result()
    return StudyResult(db, computed, skipped, len(cells), stopped)


def _stop_at_budget(futures: dict[cf.Future[Any], Cell],
                    store: Callable[[cf.Future[Any]], None], budget: float | None) -> str:
    """Cancel the cells not started; wait for and store the others (nothing computed is lost).

    ``store`` ignores a future it has stored already."""
    kept = [f for f in futures if not f.cancel()]  # running or finished: cannot be cancelled
    for fut in cf.as_completed(kept):
        store(fut)
    return f"time budget of {budget:g} s reached"


def study_status(study: Study | str | Path | dict[str, Any], store: str | Path | Store
                 ) -> list[CellStatus]:
    """Progress per cell: done (with outcome counts) or pending."""
    st = study if isinstance(study, Study) else load_study(study)
    db = store if isinstance(store, Store) else Store(store, st)
    done = db.finished()
    out = []
    for c in st.cells():
        if c.cell_id in done:
            t = db.read_cell(c.cell_id)
            labels = t.column("outcome").to_pylist()
            counts = {k: labels.count(k) for k in sorted(set(labels))}
            out.append(CellStatus(c, True, t.num_rows, counts))
        else:
            out.append(CellStatus(c, False, 0, {}))
    return out
