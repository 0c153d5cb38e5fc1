"""Every module docstring example of the package runs and gives the value it shows.

Collected here (rather than with ``--doctest-modules``) so that the package's ``__main__``
modules, which run the command line on import, are skipped, and so that the option flags are
the same for every module: ELLIPSIS for long digit strings, NORMALIZE_WHITESPACE for arrays.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys

import pytest

import mfverify

_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(mfverify.__path__, "mfverify.")
                  if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", _modules())
def test_module_doctests(name: str) -> None:
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=_FLAGS, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctests of {name} failed"


def test_doctests_exist() -> None:
    """Guards the collector itself: the package has docstring examples and they are found."""
    finder = doctest.DocTestFinder()
    examples = sum(len(t.examples) for n in _modules()
                   for t in finder.find(importlib.import_module(n)))
    assert examples >= 20


def test_python_dash_m() -> None:
    """Regression: ``python -m mfverify`` failed (no ``mfverify/__main__.py``)."""
    out = subprocess.run([sys.executable, "-m", "mfverify", "--version"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("mfverify ")
