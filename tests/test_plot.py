"""mfverify.plot: every plot renders to a non-empty PNG, on a detached figure (pyplot is never
imported, so the backend of the caller's process is never switched); bad arguments get typed
errors; ``--plot FILE`` of the CLI commands writes the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from mfverify import plot  # noqa: E402
from mfverify.errors import InputError  # noqa: E402
from mfverify.flow import integrate  # noqa: E402
from mfverify.problems import SymmetricMF  # noqa: E402
from mfverify.spec import load_spec  # noqa: E402
from mfverify.symbolic import landscape  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
HYPERBOLA = '{"problem":"custom","variables":{"w":[2]},"objective":"(w[0]*w[1]-1)**2"}'


def _png(obj: Any, path: Path) -> Path:
    fig = obj if hasattr(obj, "savefig") else obj.figure
    out = plot.save_figure(fig, path)
    data = out.read_bytes()
    assert data.startswith(PNG) and len(data) > 5000
    return out


def _legend(ax: Any) -> set[str]:
    leg = ax.get_legend()
    return {t.get_text() for t in leg.get_texts()} if leg is not None else set()


@pytest.fixture(scope="module")
def sym() -> SymmetricMF:
    return SymmetricMF([[3, 0], [0, 1]], rank=1)


def test_flow_plot(sym: SymmetricMF, tmp_path: Path) -> None:
    res = integrate(sym, {"X": [["1/100"], ["1"]]}, [0, 1, 10], dps=20)
    fig = plot.plot_flow(res, panels=("norms", "f", "error", "invariants"),
                         invariants={"‖X‖²": lambda s: float(np.sum(s["X"] ** 2))})
    axes = fig.axes
    assert len(axes) == 4 and axes[-1].get_xscale() == "symlog"
    f_line = axes[1].get_lines()[0].get_ydata()
    assert f_line[0] > f_line[-1] >= 0.25 - 1e-12        # descends towards f* = 1/4
    _png(fig, tmp_path / "flow.png")
    with pytest.raises(InputError, match="unknown panel"):
        plot.plot_flow(res, panels=("speed",))


def test_landscape_plot_marks_the_exact_types(tmp_path: Path) -> None:
    p = load_spec(HYPERBOLA)
    L = landscape(p)
    ax = plot.plot_landscape(p, L, extent=2.5)
    assert {"global_min", "strict_saddle"} <= _legend(ax)
    # the hyperbola of minima is traced: many dots, all near w0·w1 = 1
    dots = np.vstack([c.get_offsets() for c in ax.collections if hasattr(c, "get_offsets")
                      and len(c.get_offsets()) > 20])
    assert dots.shape[0] > 50
    assert np.max(np.abs(dots[:, 0] * dots[:, 1] - 1)) < 0.2
    _png(ax, tmp_path / "hyperbola.png")


def test_landscape_slice_and_1d(tmp_path: Path) -> None:
    pr = load_spec('{"problem": "phase_retrieval", "model": "population", "signal": [1, 0, 0, 0]}')
    L = landscape(pr)
    ax = plot.plot_landscape(pr, L, extent=1.5)            # default slice: the representatives
    assert {"global_min", "strict_saddle", "local_max"} <= _legend(ax)
    _png(ax, tmp_path / "slice.png")
    one = load_spec('{"problem":"custom","variables":{"x":[1]},"objective":"(x[0]**2-1)**2"}')
    ax1 = plot.plot_landscape(one, landscape(one), extent=1.6)
    assert {"global_min", "local_max"} <= _legend(ax1)
    _png(ax1, tmp_path / "one.png")


@pytest.mark.parametrize("kwargs, match", [
    ({"directions": [[1, 0, 0, 0], [2, 0, 0, 0]]}, "independent"),
    ({"directions": [[1, 0]]}, "directions"),
    ({"center": [0, float("nan"), 0, 0], "directions": [[1, 0, 0, 0], [0, 1, 0, 0]]}, "center"),
    ({"resolution": 5, "directions": [[1, 0, 0, 0], [0, 1, 0, 0]]}, "resolution"),
    ({"ax": "not an axes", "directions": [[1, 0, 0, 0], [0, 1, 0, 0]]}, "Axes"),
    ({}, "two directions"),
])
def test_landscape_plot_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    pr = load_spec('{"problem": "phase_retrieval", "model": "population", "signal": [1, 0, 0, 0]}')
    with pytest.raises(InputError, match=match):
        plot.plot_landscape(pr, None, **kwargs)


def test_rate_fit_band_contains_the_line(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = np.geomspace(1, 100, 12)
    y = 2.0 * x ** -1.0 * np.exp(0.05 * rng.standard_normal(x.size))
    ax = plot.plot_rate_fit(x, y)
    label = next(t for t in _legend(ax) if t.startswith("fit"))
    assert "exponent -1" in label or "exponent -0.9" in label
    fit, lo, hi = plot.confidence_band(np.log10(x), np.log10(y), np.log10(x))
    assert np.all(lo < fit) and np.all(fit < hi)
    # the band is narrowest at the mean of the abscissae
    width = hi - lo
    assert np.argmin(width) in range(x.size // 2 - 2, x.size // 2 + 2)
    _png(ax, tmp_path / "rate.png")
    with pytest.raises(InputError, match="positive"):
        plot.plot_rate_fit([1, 2, 3], [1, -1, 2])


def test_sweep_and_taylor_plots(sym: SymmetricMF, tmp_path: Path) -> None:
    from mfverify.batch import inits, solvers
    from mfverify.batch.outcomes import classify_runs
    from mfverify.derivation import check_gradient

    x0 = inits.small_random(sym, 1, 40, 0.5, seed=0)
    run = solvers.solve(sym, x0, method="gd", step=0.05, max_iter=400, record_every=10)
    out = classify_runs(run, f_global=0.25)
    fig = plot.plot_sweep(run, out, f_global=0.25)
    assert any(t.startswith("global_min") for t in _legend(fig.axes[0]))
    _png(fig, tmp_path / "sweep.png")
    res = check_gradient(sym, "(X*X.T - M)*X", numeric=True, size={"n": 8, "r": 2}, points=2)
    _png(plot.plot_taylor_checks(res.checks), tmp_path / "taylor.png")


def test_study_heatmap(tmp_path: Path) -> None:
    from mfverify.study.plot import SuccessGrid

    grid = SuccessGrid("m", "n", [10, 20, 30], [2, 3], np.array([[0.1, 0.5, 1.0],
                                                                 [0.0, np.nan, 0.9]]),
                       np.array([[10, 10, 10], [10, 0, 10]]), "global_min")
    ax = plot.plot_study_heatmap(grid)
    assert ax.get_xlabel() == "m"
    _png(ax, tmp_path / "heat.png")


def test_plotting_never_imports_pyplot(tmp_path: Path) -> None:
    """Drawing must not switch the backend of a user's process: pyplot stays unimported."""
    code = f"""
import sys
from mfverify import plot
from mfverify.spec import load_spec
from mfverify.symbolic import landscape
p = load_spec({HYPERBOLA!r})
ax = plot.plot_landscape(p, landscape(p), resolution=41)
plot.save_figure(ax.figure, {str(tmp_path / "x.png")!r})
assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize("argv", [
    ["landscape", HYPERBOLA],
    ["flow", '{"problem": "symmetric", "M": [[3, 0], [0, 1]], "rank": 1}', "--x0",
     '{"X": [["1/100"], ["1"]]}', "--times", "1,10"],
    ["derivation", '{"problem": "symmetric", "M": [[3, 0], [0, 1]], "rank": 1}', "--gradient",
     "(X*X.T - M)*X", "--numeric", "--n", "6", "--r", "2", "--points", "1"],
    ["sweep", "gen:symmetric?n=4&r=1&B=2", "--inits", "4", "--max-iter", "200"],
])
def test_cli_plot_option(argv: list[str], tmp_path: Path, capsys: Any) -> None:
    from mfverify.cli import main

    out = tmp_path / "fig.png"
    assert main([*argv, "--plot", str(out)]) in (0, 1)
    assert out.read_bytes().startswith(PNG)
    assert main([*argv, "--plot", str(tmp_path / "fig.txt")]) == 2
    assert "must end in" in capsys.readouterr().err
