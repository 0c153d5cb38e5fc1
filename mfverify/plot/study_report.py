"""The figures and the report of a study (``mfverify study SPEC --plot DIR``).

:func:`write_study_report` writes into a directory

* ``heatmap.png``: the fraction of runs with an outcome over two grid axes
  (:func:`mfverify.plot.plot_study_heatmap`); the title says which axes are pooled
  (marginalized: every run of every cell counts once) and which parameters are fixed;
* ``T_vs_delta.png`` (with >= 3 thresholds δ): median T(δ) against log₁₀(1/δ), all runs
  pooled, with the least-squares line and its 95% band (:func:`mfverify.plot.plot_rate_fit`):
  the slope is the number of iterations per decade of accuracy;
* ``T_vs_<axis>.png`` for each numeric grid axis with >= 3 values: median T(δ) at the smallest
  recorded δ (over the runs that reached it) against the axis, on log-log scales (a power law:
  the fitted exponent ± its standard error and the band), or against log₁₀(1/α) for the
  initialization scale α (:data:`SEMILOG_AXES`);
* ``report.md`` and ``report.html``: the study file, its hash, the per-cell table and the
  figures with their fits (a fit that cannot be made says why instead).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ._figure import new_axes, save_figure

__all__ = ["StudyReport", "write_study_report", "SEMILOG_AXES"]

#: Axes whose T(δ) scaling is fitted as T = a + b·log10(1/x) (Ye & Du 2021, Theorem 1.1:
#: T grows like log(1/ε) in the initialization scale ε = α), the others as power laws.
SEMILOG_AXES = frozenset({"alpha"})


@dataclass
class StudyReport:
    """What :func:`write_study_report` wrote: the files and the fitted lines."""

    directory: Path
    figures: list[Path] = field(default_factory=list)
    fits: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    markdown: Path | None = None
    html: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {"directory": str(self.directory), "figures": [str(p) for p in self.figures],
                "fits": self.fits, "notes": self.notes, "markdown": str(self.markdown),
                "html": str(self.html)}


def _heatmap_title(study: Any, axes: list[str], outcome: str) -> str:
    pooled = [a for a in study.grid if a not in axes]
    fixed = ", ".join(f"{k}={v}" for k, v in study.params.items())
    title = f"{study.name}: P({outcome}) over {' × '.join(axes)}"
    title += f"\npooled over {', '.join(pooled)}" if pooled else "\nno axis pooled"
    return title + (f"; fixed {fixed}" if fixed else "")


def _numeric_axes(study: Any) -> list[str]:
    return [a for a, vals in study.grid.items() if len(vals) >= 3
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
                    for v in vals)]


def _fit_figure(x: np.ndarray, y: np.ndarray, *, loglog: bool, path: Path, title: str,
                xlabel: str, ylabel: str) -> dict[str, Any]:
    from ..batch.rates import fit_line
    from .rates import plot_rate_fit

    ok = np.isfinite(x) & np.isfinite(y) & (y > 0 if loglog else True)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0:
        raise InputError(f"{ok.sum()} usable points (need 3 with distinct x)")
    fx, fy = (np.log10(x[ok]), np.log10(y[ok])) if loglog else (x[ok], y[ok])
    fit = fit_line(fx, fy)
    ax = new_axes(None, (6.0, 4.2))
    plot_rate_fit(x[ok], y[ok], loglog=loglog, ax=ax, label="median T(δ)", xlabel=xlabel,
                  ylabel=ylabel)
    ax.set_title(title, fontsize=9)
    save_figure(ax.figure, path)
    return {"figure": path.name, "slope": fit.slope, "slope_stderr": fit.slope_stderr,
            "intercept": fit.intercept, "r2": fit.r2, "points": fit.n,
            "model": "log10 T = a + b·log10 x" if loglog else "T = a + b·x"}


def _cells(study: Any, table: Any, outcome: str) -> list[dict[str, Any]]:
    ids = table.column("cell_id").to_pylist()
    labels = np.array(table.column("outcome").to_pylist(), dtype=object)
    err = (np.asarray(table.column("recovery_error").to_numpy(), dtype=float)
           if "recovery_error" in table.column_names else np.full(len(ids), np.nan))
    arr = np.array(ids, dtype=object)
    rows = []
    for c in study.cells():
        sel = arr == c.cell_id
        n = int(sel.sum())
        e = err[sel]
        rows.append({"axes": c.axes, "runs": n,
                     "p": float(np.mean(labels[sel] == outcome)) if n else float("nan"),
                     "median_recovery_error": float(np.median(e)) if n and np.isfinite(
                         e).any() else float("nan")})
    return rows


def write_study_report(study: Any, table: Any, directory: str | Path, *,
                       axes: list[str] | None = None, outcome: str = "global_min",
                       study_text: str | None = None) -> StudyReport:
    """Write the figures and ``report.md`` / ``report.html`` of ``study`` from its rows
    ``table`` (a pyarrow Table, :meth:`mfverify.study.Store.read_all`) into ``directory``.

    ``axes``: the heatmap's (x[, y]) axes, default the first two grid axes; ``study_text``: the
    study file as written (default its canonical JSON).
    """
    from ..study.plot import delta_table, scaling_table, success_grid
    from .study import plot_study_heatmap

    if table.num_rows == 0:
        raise InputError("--plot: the store holds no rows yet")
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--plot {str(out)!r}: cannot create the report directory "
                         f"({exc.strerror or type(exc).__name__})") from None
    rep = StudyReport(out)
    axes = list(axes) if axes else list(study.grid)[:2]
    if not axes or len(axes) > 2:
        raise InputError("--plot needs a study with a grid axis and at most two --axes")
    grid = success_grid(table, axes[0], axes[1] if len(axes) > 1 else None, outcome=outcome)
    ax = plot_study_heatmap(grid, title=_heatmap_title(study, axes, outcome))
    ax.title.set_fontsize(9)
    rep.figures.append(save_figure(ax.figure, out / "heatmap.png"))
    deltas, med, _ = delta_table(table)
    if len(deltas) >= 3:
        try:
            rep.fits["T_vs_delta"] = _fit_figure(
                np.log10(1.0 / np.asarray(deltas)), med, loglog=False,
                path=out / "T_vs_delta.png",
                title=f"{study.name}: median T(δ), all runs pooled",
                xlabel="log10(1/δ)", ylabel="iterations T(δ)")
            rep.fits["T_vs_delta"]["model"] = "T = a + b·log10(1/δ)"
        except InputError as exc:
            rep.notes.append(f"T(δ) against δ: no fit ({exc})")
    elif deltas:
        rep.notes.append(f"T(δ) against δ: {len(deltas)} threshold(s) recorded, a fit needs 3")
    for a in _numeric_axes(study) if deltas else []:
        sc = scaling_table(table, a, deltas[0])
        semilog = a in SEMILOG_AXES
        xs = np.asarray(sc.xs, dtype=float)
        try:
            rep.fits[f"T_vs_{a}"] = _fit_figure(
                np.log10(1.0 / xs) if semilog else xs, sc.median, loglog=not semilog,
                path=out / f"T_vs_{a}.png",
                title=f"{study.name}: median T({deltas[0]:g}) over {a}\n(runs that reached "
                      "δ; other axes pooled)",
                xlabel=f"log10(1/{a})" if semilog else a,
                ylabel=f"iterations T({deltas[0]:g})")
            if semilog:
                rep.fits[f"T_vs_{a}"]["model"] = f"T = a + b·log10(1/{a})"
        except InputError as exc:
            rep.notes.append(f"T({deltas[0]:g}) against {a}: no fit ({exc})")
    rep.figures += [out / f["figure"] for f in rep.fits.values()]
    text = study_text if study_text is not None else json.dumps(study.to_json(), indent=2)
    cells = _cells(study, table, outcome)
    rep.markdown = out / "report.md"
    rep.html = out / "report.html"
    try:
        rep.markdown.write_text(_markdown(study, text, cells, rep, outcome), encoding="utf-8")
        rep.html.write_text(_html(study, text, cells, rep, outcome), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--plot {str(out)!r}: cannot write the report "
                         f"({exc.strerror or type(exc).__name__})") from None
    return rep


def _fit_line_text(name: str, f: dict[str, Any]) -> str:
    what = "iterations per decade" if "log10(1/" in f["model"] else "exponent"
    return (f"{name}: {what} {f['slope']:.4g} ± {f['slope_stderr']:.2g} (1 s.e.), "
            f"R² = {f['r2']:.3f}, {f['points']} points ({f['model']})")


def _cell_rows(cells: list[dict[str, Any]]) -> list[list[str]]:
    return [[", ".join(f"{k}={v}" for k, v in c["axes"].items()) or "-", str(c["runs"]),
             f"{c['p']:.3f}", f"{c['median_recovery_error']:.3g}"] for c in cells]


def _markdown(study: Any, text: str, cells: list[dict[str, Any]], rep: StudyReport,
              outcome: str) -> str:
    lines = [f"# Study {study.name}", "",
             f"Family `{study.family}`, {study.instances} instances × {study.inits} "
             f"initializations per cell, {len(cells)} cells; study hash "
             f"`{study.content_hash[:16]}`.", "", "## Study file", "", "```", text.rstrip(),
             "```", "", "## Cells", "",
             f"| cell axes | runs | P({outcome}) | median recovery error |",
             "|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in _cell_rows(cells)]
    lines += ["", "## Figures", ""]
    for p in rep.figures:
        lines += [f"![{p.stem}]({p.name})", ""]
    if rep.fits:
        lines += ["## Fits (least squares on the medians; 95% bands in the figures)", ""]
        lines += [f"- {_fit_line_text(k, f)}" for k, f in rep.fits.items()]
    lines += [f"- {n}" for n in rep.notes]
    return "\n".join(lines) + "\n"


def _html(study: Any, text: str, cells: list[dict[str, Any]], rep: StudyReport,
          outcome: str) -> str:
    e = html.escape
    rows = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>"
                   for r in _cell_rows(cells))
    figs = "".join(f'<figure><img src="{e(p.name)}" alt="{e(p.stem)}"></figure>'
                   for p in rep.figures)
    fits = "".join(f"<li>{e(_fit_line_text(k, f))}</li>" for k, f in rep.fits.items())
    fits += "".join(f"<li>{e(n)}</li>" for n in rep.notes)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Study {e(study.name)}"
            f"</title></head><body><h1>Study {e(study.name)}</h1><p>Family "
            f"<code>{e(study.family)}</code>, {study.instances} instances × {study.inits} "
            f"initializations per cell; hash <code>{e(study.content_hash[:16])}</code>.</p>"
            f"<h2>Study file</h2><pre>{e(text)}</pre><h2>Cells</h2><table border='1'>"
            f"<tr><th>cell axes</th><th>runs</th><th>P({e(outcome)})</th>"
            f"<th>median recovery error</th></tr>{rows}</table><h2>Figures</h2>{figs}"
            f"<h2>Fits</h2><ul>{fits}</ul></body></html>\n")
