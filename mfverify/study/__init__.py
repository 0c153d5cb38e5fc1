"""Phase-transition studies: a parameter grid of batched runs, resumable, on any executor.

Implementation package: import its public names from :mod:`mfverify` (docs/api.md, "Public
and implementation modules"); its module paths may change without deprecation.

Modules: :mod:`.spec` (the study file, grid expansion, content hash and per-cell seeds),
:mod:`.cell` (one cell = one batched run, its rows), :mod:`.store` (the append-only Parquet
store), :mod:`.runner` (:func:`run_study` on a process pool, Dask or any
:class:`concurrent.futures.Executor`). See ``docs/studies.md``.
"""

from __future__ import annotations

from .cell import run_cell as run_cell
from .runner import CellStatus as CellStatus
from .runner import StudyResult as StudyResult
from .runner import run_study as run_study
from .runner import study_status as study_status
from .spec import Cell as Cell
from .spec import Study as Study
from .spec import load_study as load_study
from .store import Store as Store

__all__ = ["Cell", "CellStatus", "Store", "Study", "StudyResult", "load_study", "run_cell",
           "run_study", "study_status"]
