"""The append-only results store of a study: one Parquet file per finished cell.

Layout of a store directory::

    manifest.json            {"format", "study_hash", "study"} written once, atomically
    cells/<cell_id>.parquet  the B·K rows of one finished cell

Why Parquet through pyarrow: a cell's rows are a small table of fixed columns (ids, labels,
floats, ints) written once and read back whole, column by column, for summaries and plots.
Parquet is a single self-describing file per cell with a typed schema and a footer checksum of
its structure, so a truncated or foreign file is detected on read; pyarrow writes one in a
single call and needs no server or directory tree per array (Zarr would store each column as a
chunked array directory, which buys parallel partial writes this store does not need: a cell is
written only when it is complete).

Nothing is lost and nothing is duplicated:

* a cell file is written to a temporary name in ``cells/`` and moved into place with
  :func:`os.replace` (atomic on POSIX), so a cell is either absent or complete; an interrupted
  write leaves only a ``.tmp`` file, which is deleted on the next open and the cell recomputed
  whole;
* the file name is the cell id, so a cell cannot be stored twice;
* every file carries the study hash and cell id in its Parquet metadata and is checked on
  read; a store whose manifest names another study, or a file that does not read back, is
  refused with :class:`~mfverify.errors.StoreError`.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StoreError, UnsupportedError
from .spec import Study

__all__ = ["Store", "require_pyarrow"]

FORMAT = "mfverify-study-store/1"


def require_pyarrow() -> Any:
    """Import pyarrow (the ``[cluster]`` extra) or raise :class:`UnsupportedError`."""
    try:
        import pyarrow as pa
        import pyarrow.parquet  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the install
        raise UnsupportedError("the study store needs pyarrow: pip install 'mfverify[cluster]'"
                               ) from None
    return pa


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Store:
    """A study's results store at ``root`` (created on first use).

    Raises :class:`StoreError` when ``root`` holds another study's store (a different content
    hash) or an unreadable manifest. With ``create=False`` a missing store is not created (it
    reads as empty).
    """

    def __init__(self, root: str | Path, study: Study, *, create: bool = True) -> None:
        self.root = Path(root)
        self.study = study
        self.study_hash = study.content_hash
        self.cells_dir = self.root / "cells"
        manifest = self.root / "manifest.json"
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"store {str(self.root)!r} is not a directory")
        if manifest.exists():
            self._check_manifest(manifest)
        elif not create and not self.root.exists():
            return
        else:
            if self.root.exists() and any(self.root.iterdir()):
                raise StoreError(f"store {str(self.root)!r} is a non-empty directory without "
                                 "manifest.json: not a study store")
            self.cells_dir.mkdir(parents=True, exist_ok=True)
            body = {"format": FORMAT, "study_hash": self.study_hash, "study": study.to_json()}
            _atomic_write_bytes(manifest, json.dumps(body, indent=1).encode("utf-8"))
        self.cells_dir.mkdir(exist_ok=True)
        for tmp in self.cells_dir.glob(".*.tmp"):  # interrupted writes: recomputed whole
            tmp.unlink(missing_ok=True)

    def _check_manifest(self, manifest: Path) -> None:
        try:
            body = json.loads(manifest.read_text("utf-8"))
            fmt, h = body["format"], body["study_hash"]
        except (OSError, ValueError, KeyError, TypeError):
            raise StoreError(f"store {str(self.root)!r}: manifest.json is unreadable or "
                             "corrupt") from None
        if fmt != FORMAT:
            raise StoreError(f"store {str(self.root)!r}: unknown format {fmt!r}, expected "
                             f"{FORMAT!r}")
        if h != self.study_hash:
            raise StoreError(f"store {str(self.root)!r} belongs to another study (hash "
                             f"{str(h)[:12]}…, this study {self.study_hash[:12]}…); use another "
                             "--store")

    def path(self, cell_id: str) -> Path:
        return self.cells_dir / f"{cell_id}.parquet"

    def finished(self) -> set[str]:
        """Ids of the cells with a file in the store (each is validated on :meth:`read`)."""
        if not self.cells_dir.is_dir():
            return set()
        return {p.stem for p in self.cells_dir.glob("*.parquet")}

    def write_cell(self, cell_id: str, columns: dict[str, np.ndarray]) -> None:
        """Write one finished cell atomically (a second write of the same cell is refused)."""
        pa = require_pyarrow()
        import pyarrow.parquet as pq

        target = self.path(cell_id)
        if target.exists():
            raise StoreError(f"store {str(self.root)!r}: cell {cell_id} is already stored")
        table = pa.table({k: pa.array(v) for k, v in columns.items()})
        meta = {b"mfverify.study_hash": self.study_hash.encode(),
                b"mfverify.cell_id": cell_id.encode(),
                b"mfverify.rows": str(table.num_rows).encode()}
        table = table.replace_schema_metadata(meta)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        pq.write_table(table, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    def read_cell(self, cell_id: str) -> Any:
        """The pyarrow Table of one stored cell; :class:`StoreError` when it does not check."""
        require_pyarrow()
        import pyarrow.parquet as pq

        path = self.path(cell_id)
        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid / OSError variants
            raise StoreError(f"store {str(self.root)!r}: cell file {path.name} is corrupt "
                             f"({type(exc).__name__})") from None
        meta = table.schema.metadata or {}
        ok = (meta.get(b"mfverify.study_hash") == self.study_hash.encode()
              and meta.get(b"mfverify.cell_id") == cell_id.encode()
              and meta.get(b"mfverify.rows") == str(table.num_rows).encode()
              and table.num_rows == self.study.n_runs_per_cell)
        if not ok:
            raise StoreError(f"store {str(self.root)!r}: cell file {path.name} does not belong "
                             "to this study or is incomplete")
        return table

    def validate(self) -> None:
        """Read back every stored cell (raises :class:`StoreError` on the first bad one)."""
        for cid in sorted(self.finished()):
            self.read_cell(cid)

    def read_all(self) -> Any:
        """All stored rows as one pyarrow Table, sorted by (cell_id, instance, init)."""
        pa = require_pyarrow()
        tables = [self.read_cell(cid).replace_schema_metadata(None)
                  for cid in sorted(self.finished())]
        if not tables:
            return pa.table({})
        table = pa.concat_tables(tables, promote_options="default")
        return table.sort_by([("cell_id", "ascending"), ("instance", "ascending"),
                              ("init", "ascending")])
