"""Execute the notebook pages of the docs (jupytext py:percent files in docs/notebooks/).

Each file is plain Python: its cells run top to bottom in a fresh namespace, in a temporary
working directory; every ``assert`` in it must hold. The docs site executes and renders them as
pages (``mkdocs_hooks.py``).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "docs" / "notebooks").glob("*.py"))


def test_two_notebooks_exist() -> None:
    names = {p.stem for p in NOTEBOOKS}
    assert {"verify_conditions", "find_counterexample"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text("utf-8")
    assert text.count("# %% [markdown]") >= 3 and "format_name: percent" in text
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
