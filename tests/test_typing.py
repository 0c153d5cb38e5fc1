"""The type checker on the public API (issue 15, item 3): mypy with the project's
configuration (``[tool.mypy]`` in pyproject.toml) is clean, and it sees the flat API's types."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import mfverify

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("mypy")


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)


def test_mypy_is_clean_on_the_package() -> None:
    out = _mypy()
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "Success" in out.stdout


def test_mypy_sees_the_flat_api_types(tmp_path: Path) -> None:
    """Mutation-style: a wrong call through the lazy top-level names is a type error (so the
    TYPE_CHECKING imports are seen and the signatures are typed, not Any)."""
    bad = tmp_path / "use_api.py"
    bad.write_text("import mfverify\n"
                   "p = mfverify.SymmetricMF([[1, 0], [0, 0]], rank='one')\n"
                   "v: int = mfverify.Verdict.PROVED\n"
                   "mfverify.landscpe(p)\n")
    good = tmp_path / "use_api_ok.py"
    good.write_text("import mfverify\n"
                    "p = mfverify.SymmetricMF([[1, 0], [0, 0]], rank=1)\n"
                    "v: mfverify.Verdict = mfverify.Verdict.PROVED\n"
                    "L: mfverify.Landscape = mfverify.landscape(p)\n")
    cache = ["--cache-dir", str(ROOT / ".mypy_cache")]
    out = _mypy(*cache, "--ignore-missing-imports", str(bad))
    assert out.returncode == 1, out.stdout
    assert 'Argument "rank"' in out.stdout and "Incompatible types in assignment" in out.stdout
    assert 'has no attribute "landscpe"' in out.stdout  # a misspelt name is caught
    out = _mypy(*cache, "--ignore-missing-imports", str(good))
    assert out.returncode == 0, out.stdout


PROBLEMS = ["SymmetricMF", "AsymmetricMF", "MatrixSensing", "ConstrainedMF", "PhaseRetrieval",
            "DeepLinearNetwork", "MatrixCompletion", "CustomProblem"]


@pytest.mark.parametrize("name", PROBLEMS)
def test_problem_data_is_typed_arraylike_not_any(name: str) -> None:
    sig = inspect.signature(getattr(mfverify, name).__init__)
    for pname, param in sig.parameters.items():
        assert param.annotation not in ("Any", inspect.Parameter.empty) or pname == "self", \
            (name, pname)


#: flat-API parameters still annotated ``Any``, each for a reason: matplotlib objects (an optional
#: dependency), NumPy dtypes and the results drawn by the plot functions (several types each)
ALLOWED_ANY = {
    **{n: {"dtype"} for n in ("gd", "alternating_gd", "scaled_gd", "gradient_flow",
                             "primal_dual")},
    "FlowResult": {"tol"},
    "plot_flow": {"result"}, "plot_taylor": {"check", "ax"}, "plot_taylor_checks": {"checks"},
    "plot_rate_fit": {"ax"}, "plot_sweep": {"run", "outcomes", "f_global", "axes"},
    "plot_study_heatmap": {"grid", "ax"}, "plot_landscape": {"problem", "landscape", "ax"},
    "save_figure": {"fig"},
}


@pytest.mark.parametrize("name", [n for n in mfverify.__all__ if not n.startswith("_")])
def test_flat_api_signatures_avoid_bare_any(name: str) -> None:
    obj = getattr(mfverify, name)
    func = obj.__init__ if inspect.isclass(obj) else obj
    if not callable(func):
        return
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return
    bare = {p for p, v in sig.parameters.items()
            if v.annotation == "Any" and v.kind not in (v.VAR_POSITIONAL, v.VAR_KEYWORD)}
    assert bare <= ALLOWED_ANY.get(name, set()), (name, bare)


def test_integrate_signature_uses_the_aliases() -> None:
    sig = inspect.signature(mfverify.integrate)
    assert "PointLike" in str(sig.parameters["x0"].annotation)
    assert "NumberLike" in str(sig.parameters["times"].annotation)


def test_mypy_is_in_the_ci_extras() -> None:
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    for extra in ("dev", "test"):
        assert any(d.startswith("mypy") for d in extras[extra]), extra
