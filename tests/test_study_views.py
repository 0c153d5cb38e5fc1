"""``mfverify study SPEC --plot DIR``: heatmap, T(δ) scaling fits, report.md / report.html
(#14 item 3)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("matplotlib")

SPEC = '''name = "views"
family = "symmetric"
instances = 2
inits = 2
step = 0.2
max_iter = 1500
deltas = [1e-2, 1e-4, 1e-6]
[params]
n = 4
rank = 2
[grid]
r = [2, 3]
alpha = [0.001, 0.01, 0.1]
'''


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from mfverify.cli import main

    root = tmp_path_factory.mktemp("views")
    spec = root / "s.toml"
    spec.write_text(SPEC)
    out = root / "out"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["study", str(spec), "--workers", "1", "--plot", str(out), "--json"]) == 0
    return out, json.loads(buf.getvalue())


def test_plot_dir_writes_figures_and_reports(report: tuple[Path, dict[str, Any]]) -> None:
    out, js = report
    names = sorted(p.name for p in out.iterdir())
    assert names == ["T_vs_alpha.png", "T_vs_delta.png", "heatmap.png", "report.html",
                     "report.md"]
    for p in out.glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text()
    assert SPEC.strip() in md  # the study file itself
    for fig in ("heatmap.png", "T_vs_delta.png", "T_vs_alpha.png"):
        assert f"]({fig})" in md
        assert f'src="{fig}"' in (out / "report.html").read_text()
    assert "T_vs_delta: iterations per decade" in md
    fits = js["plot"]["fits"]
    assert fits["T_vs_delta"]["points"] == 3 and fits["T_vs_delta"]["slope"] > 0
    # r has 2 values only: no scaling figure for it, and no note either (not numeric >= 3)
    assert "T_vs_r" not in fits


def test_the_delta_fit_is_the_least_squares_line_of_the_medians(tmp_path: Path) -> None:
    import concurrent.futures as cf

    from mfverify.batch.rates import fit_line
    from mfverify.study import load_study, run_study
    from mfverify.study.plot import delta_table

    (tmp_path / "s.toml").write_text(SPEC)
    study = load_study(tmp_path / "s.toml")
    with cf.ThreadPoolExecutor(1) as ex:
        table = run_study(study, tmp_path / "st", executor=ex).rows()
    deltas, med, reached = delta_table(table)
    t = np.asarray(table.column("T_1e-06").to_numpy())
    assert reached[0] == int(np.sum(t >= 0)) and med[0] == np.median(t[t >= 0])
    from mfverify.plot.study_report import write_study_report

    rep = write_study_report(study, table, tmp_path / "o")
    fit = fit_line(np.log10(1 / np.asarray(deltas)), med)
    assert rep.fits["T_vs_delta"]["slope"] == pytest.approx(fit.slope, rel=1e-12)


def test_heatmap_title_says_what_is_pooled_and_fixed() -> None:
    import tomllib

    from mfverify.plot.study_report import _heatmap_title
    from mfverify.study import load_study

    st = load_study(tomllib.loads(SPEC))
    assert _heatmap_title(st, ["alpha"], "global_min").splitlines()[1] == (
        "pooled over r; fixed n=4, rank=2")
    assert "no axis pooled" in _heatmap_title(st, ["alpha", "r"], "global_min")


def test_study_heatmap_delegates_to_mfverify_plot() -> None:
    from mfverify.study import plot as study_plot

    src = inspect.getsource(study_plot)
    assert "imshow" not in src and "plot_study_heatmap" in src


def test_plot_into_a_file_path_is_a_typed_error(tmp_path: Path, capsys: Any) -> None:
    from mfverify.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.replace("max_iter = 1500", "max_iter = 50"))
    assert main(["study", str(spec), "--workers", "1"]) == 0
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    capsys.readouterr()
    assert main(["study", str(spec), "--plot", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert "cannot create the report directory" in err and "Traceback" not in err


def test_success_grid_of_recovered_reads_the_recovery_error() -> None:
    import pyarrow as pa

    from mfverify.study.plot import RECOVERED, success_grid

    t = pa.table({"axis_m": [8, 8, 16, 16], "outcome": ["global_min"] * 4,
                  "recovery_error": [0.5, 2 * RECOVERED, RECOVERED, 1e-9]})
    g = success_grid(t, "m", outcome="recovered")
    assert list(g.fraction[0]) == [0.0, 1.0]  # a global minimum need not be M*
    assert list(success_grid(t, "m").fraction[0]) == [1.0, 1.0]
