"""The flat public API (issue 15, item 3): lazy top-level names, one name per concept."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import mfverify

INIT = Path(mfverify.__file__)


def test_import_is_lazy() -> None:
    """``import mfverify`` loads no implementation module, nor NumPy, SymPy or matplotlib."""
    code = ("import sys, mfverify; "
            "mods = [m for m in sys.modules if m.startswith('mfverify.') "
            "or m.split('.')[0] in ('numpy', 'sympy', 'mpmath', 'matplotlib', 'flint')]; "
            "print(sorted(mods))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=INIT.parent.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_first_access_imports_only_what_is_needed() -> None:
    code = ("import sys, mfverify; mfverify.Verdict; "
            "print('mfverify.results' in sys.modules, 'mfverify.symbolic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=INIT.parent.parent)
    assert out.stdout.split() == ["True", "False"], out.stderr


@pytest.mark.parametrize("name", [n for n in mfverify.__all__ if n != "__version__"])
def test_every_public_name_resolves_to_its_module(name: str) -> None:
    obj = getattr(mfverify, name)
    module = importlib.import_module(mfverify._EXPORTS[name])
    assert getattr(module, name) is obj
    assert name in dir(mfverify)


def test_the_names_the_issue_asks_for() -> None:
    wanted = {"SymmetricMF", "AsymmetricMF", "MatrixSensing", "load_spec", "landscape",
              "check_gradient", "check_hessian", "check_hvp", "check_identity", "integrate",
              "gd", "alternating_gd", "scaled_gd", "gradient_flow", "primal_dual", "run_study",
              "load_study", "check_certificate", "run_claims", "Verdict", "FlowStatus",
              "BatchStatus", "plot_flow", "plot_taylor", "plot_landscape", "plot_sweep",
              "plot_rate_fit", "plot_study_heatmap"}
    assert wanted <= set(mfverify.__all__)


def test_type_checking_imports_match_the_exports() -> None:
    """The TYPE_CHECKING block (what mypy sees) lists exactly the lazy exports."""
    tree = ast.parse(INIT.read_text("utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If)
                 and isinstance(n.test, ast.Name) and n.test.id == "TYPE_CHECKING")
    seen = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            assert alias.asname == alias.name
            seen[alias.name] = f"mfverify.{node.module}"
    assert seen == mfverify._EXPORTS


def test_submodules_and_unknown_names() -> None:
    assert mfverify.flow.integrate is mfverify.integrate
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mfverify.nope  # noqa: B018


def test_one_name_per_concept_and_deprecated_aliases() -> None:
    assert "checkgradient" not in mfverify.__all__ and "checkhessian" not in mfverify.__all__
    from mfverify.derivation import checkgradient, checkhessian

    x = np.array([0.3, -0.7])

    def f(y: np.ndarray) -> float:
        return float(y @ y + y[0] ** 3)

    def g(y: np.ndarray) -> np.ndarray:
        return 2 * y + np.array([3 * y[0] ** 2, 0.0])

    def h(y: np.ndarray, d: np.ndarray) -> np.ndarray:
        return 2 * d + np.array([6 * y[0] * d[0], 0.0])

    new = mfverify.taylor_check_gradient(f, g, x, rng=np.random.default_rng(0))
    with pytest.warns(DeprecationWarning, match="taylor_check_gradient"):
        old = checkgradient(f, g, x, rng=np.random.default_rng(0))
    assert old.to_json() == new.to_json()
    with pytest.warns(DeprecationWarning, match="taylor_check_hessian"):
        assert checkhessian(f, g, h, x).passed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mfverify.taylor_check_hessian(f, g, h, x)  # the new names do not warn
