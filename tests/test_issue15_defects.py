"""Regression tests of the small defects of issue 15, item 7.

(``python -m mfverify`` and the collected module doctests, including the one of
``flow/integrate.py``, are tested in ``tests/test_doctests.py``.)
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mfverify.errors import InputError
from mfverify.problems import AsymmetricMF, MatrixSensing, SymmetricMF

ROOT = Path(__file__).resolve().parent.parent


class Tensor:
    """A torch/JAX-like array: not a list nor an ndarray, readable only through ``__array__``."""

    def __init__(self, data: Any) -> None:
        self._data = np.asarray(data, dtype=float)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)


class BrokenTensor:
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise RuntimeError("device tensor: call .cpu() first")


def test_array_protocol_objects_are_accepted_as_problem_data() -> None:
    """Regression: objects with ``__array__`` were accepted as points but not as data."""
    M = [[2.0, 1.0], [1.0, 2.0]]
    p = SymmetricMF(Tensor(M), rank=1)
    q = SymmetricMF(M, rank=1)
    assert (p.data["M"] == q.data["M"]).all()
    N = [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]]
    a, b = AsymmetricMF(Tensor(N), rank=1), AsymmetricMF(N, rank=1)
    assert a.variables == b.variables
    y = {"U": np.array([[0.5], [1.0]]), "V": np.array([[1.0], [0.0], [2.0]])}
    assert a.value(y) == b.value(y)
    x = {"X": Tensor([[1.0], [0.5]])}
    assert p.value(x) == q.value(x)


def test_array_protocol_objects_in_operator_data() -> None:
    A = [[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]]]
    gt = [[1.0, 0.0], [0.0, 0.0]]
    ref = MatrixSensing(A, 1, ground_truth=gt)
    p = MatrixSensing(Tensor(A), 1, ground_truth=Tensor(gt))
    x = {"X": np.array([[0.3], [0.7]])}
    assert p.value(x) == ref.value(x)


def test_array_protocol_errors_are_typed() -> None:
    with pytest.raises(InputError, match="__array__"):
        SymmetricMF(BrokenTensor(), rank=1)
    with pytest.raises(InputError, match="NaN"):
        SymmetricMF(Tensor([[np.nan, 0.0], [0.0, 1.0]]), rank=1)


def test_python_flint_pin_admits_only_working_versions() -> None:
    """Regression: ``python-flint>=0.6`` admitted a version on which the README's
    ``check_gradient`` example crashes; 0.7 works."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    flint = [d for d in deps if d.startswith("python-flint")]
    assert flint, deps
    m = re.fullmatch(r"python-flint>=(\d+)\.(\d+).*", flint[0])
    assert m and (int(m.group(1)), int(m.group(2))) >= (0, 7), flint
    installed = tuple(int(x) for x in metadata.version("python-flint").split(".")[:2])
    assert installed >= (0, 7)


def test_installation_page_says_which_commands_show_progress() -> None:
    """Regression: docs/installation.md said ``mfverify check`` used tqdm when it did not; the
    page must name only commands that do (all of them through :mod:`mfverify.progress`)."""
    text = (ROOT / "docs" / "installation.md").read_text("utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| tqdm"))
    from mfverify.progress import TERMINAL_COMMANDS

    for name in re.findall(r"`mfverify (\w+)", row):
        assert name in TERMINAL_COMMANDS, name
