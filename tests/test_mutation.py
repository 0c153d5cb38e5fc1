"""The mutation harness (mutation/run.py): its list of planted mutants and, behind ``slow``, a
full run that must kill every mutant that is not declared equivalent.

Run the full check with ``python -m pytest -m slow tests/test_mutation.py`` (about 25 minutes
with two jobs on a shared two-core machine) or directly with ``python mutation/run.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "mutation"))

from mutants import MUTANTS, Mutant  # noqa: E402
from run import check_snippet, select  # noqa: E402


def test_the_mutant_list_is_well_formed() -> None:
    assert len(MUTANTS) >= 40
    names = [m.name for m in MUTANTS]
    assert len(names) == len(set(names))
    for m in MUTANTS:
        assert (ROOT / m.file).is_file(), m.name
        assert m.tests and all((ROOT / t.split("::")[0]).exists() for t in m.tests), m.name
        assert m.original != m.replacement and m.description, m.name
        assert m.equivalent is None or len(m.equivalent) > 40, m.name
    # every engine (and the problem library) has planted mutants
    areas = {m.file.split("/")[1] for m in MUTANTS}
    assert {"problems", "symbolic", "derivation", "flow", "batch", "certify",
            "counterexample"} <= areas
    assert sum(1 for m in MUTANTS if m.equivalent) < len(MUTANTS) // 5


def test_stale_snippets_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\ny = 1\n", "utf-8")
    mk = lambda orig: Mutant("t", "a.py", orig, "z", "d", ("tests",))  # noqa: E731
    assert check_snippet(tmp_path, mk("x = 1")) == ""
    assert "occurs 2 times" in check_snippet(tmp_path, mk("= 1"))
    assert "occurs 0 times" in check_snippet(tmp_path, mk("w = 2"))
    assert "does not exist" in check_snippet(tmp_path, Mutant("t", "b.py", "x", "y", "d", ()))
    assert [m.name for m in select(["exact.skip*"])] == ["exact.skip-last-entry"]


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_every_non_equivalent_mutant_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "mutation.json"
    proc = subprocess.run([sys.executable, str(ROOT / "mutation" / "run.py"), "--jobs", "2",
                           "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=3500)
    res = json.loads(out.read_text("utf-8"))
    assert res["counts"]["STALE"] == 0, proc.stdout[-3000:]
    assert res["counts"]["ERROR"] == 0, proc.stdout[-3000:]
    assert res["killed"] == res["scored"] and res["kill_rate"] == 1.0, proc.stdout[-3000:]
    assert proc.returncode == 0
