"""Reports of a ``mfverify check`` run, as Markdown or self-contained HTML.

A report is a view of a list of :class:`~mfverify.claims.ClaimResult`: a summary of the verdicts,
then one section per paper with a table (claim id, source, predictions, verdict, expected,
summary) and, for every claim, its statement, hypotheses and evidence.

Plots
-----
When matplotlib is installed (the ``plot`` extra) and a claim's evidence carries plottable
series, each series is drawn. The convention a claim follows to get a plot::

    evidence["series"] = {
        "S(t) against its closed form": {
            "x": [...], "y": [...],            # numbers or decimal / exact strings
            "xlabel": "t", "ylabel": "||S(t)||",
            "xscale": "linear", "yscale": "log",   # optional
            "y2": [...], "label": "...", "label2": "...",   # optional second curve
        },
    }

Any dictionary found in the evidence (up to three levels deep) with equal-length numeric ``x``
and ``y`` lists of at least two points is drawn the same way, and so is a list of at least two
records (dicts) sharing an abscissa key (``t``, ``time``, ``step``, ...): each other key whose
values are all numbers becomes one series against it. Without matplotlib the report
says so and lists the series it could not draw; nothing else changes. In Markdown the plots are
PNG files in ``<report stem>_plots/`` next to the report; in HTML they are embedded (base64), so
the HTML file is self-contained. All text is escaped.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from .citations import reference_line
from .model import ClaimResult

__all__ = ["write_report", "render_markdown", "render_html", "find_series", "PAPER_TITLES"]

#: Display names of the paper keys.
PAPER_TITLES: dict[str, str] = {
    "foundations": "Foundations (closed forms, invariance)",
    "li2019": "Li, Lu, Arora, Haupt, Liu, Wang, Zhao (IEEE TIT 2019): symmetry, saddle points",
    "yedu2021": "Ye & Du (NeurIPS 2021): GD for asymmetric low-rank factorization",
    "eftekhari2021": "Eftekhari (2021): over-parametrized MF with spurious stationary points",
    "mohammadi2024": "Mohammadi, Tinati, Tu, Soltanolkotabi, Jovanović (2024): gradient flow "
                     "stability",
    "sunquwright2018": "Sun, Qu & Wright (Found. Comput. Math. 2018): geometry of phase "
                       "retrieval",
    "gelema2016": "Ge, Lee & Ma (NeurIPS 2016): matrix completion has no spurious local "
                  "minimum",
    "kawaguchi2016": "Kawaguchi (NeurIPS 2016): deep learning without poor local minima",
    "related": "Related results (docs/paper-related.md)",
    "cross": "Cross-paper consistency checks (docs/predictions.md)",
}
_PAPER_ORDER = list(PAPER_TITLES)

#: Evidence strings longer than this are cut in the report (the JSON output keeps them whole).
MAX_EVIDENCE_CHARS = 6000
MAX_PLOTS_PER_CLAIM = 6


# ---------------------------------------------------------------------------------------------
# plottable series
# ---------------------------------------------------------------------------------------------


def _to_float(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            try:
                from ..numbers import parse_number

                f = float(parse_number(v))
            except Exception:  # noqa: BLE001 - not a number: not plottable
                return None
        return f if math.isfinite(f) else None
    return None


def _numeric_list(v: Any) -> list[float] | None:
    if not isinstance(v, (list, tuple)) or len(v) < 2:
        return None
    out = [_to_float(x) for x in v]
    if any(x is None for x in out):
        return None
    return [x for x in out if x is not None]


def _as_series(name: str, d: Mapping[str, Any]) -> dict[str, Any] | None:
    x, y = _numeric_list(d.get("x")), _numeric_list(d.get("y"))
    if x is None or y is None or len(x) != len(y):
        return None
    s: dict[str, Any] = {"name": name, "x": x, "y": y,
                         "xlabel": str(d.get("xlabel", "x")), "ylabel": str(d.get("ylabel", "y")),
                         "xscale": str(d.get("xscale", "linear")),
                         "yscale": str(d.get("yscale", "linear")),
                         "label": str(d.get("label", "")), "label2": str(d.get("label2", ""))}
    y2 = _numeric_list(d.get("y2"))
    if y2 is not None and len(y2) == len(x):
        s["y2"] = y2
    return s


def find_series(evidence: Mapping[str, Any], *, depth: int = 3) -> list[dict[str, Any]]:
    """The plottable series of a claim's evidence (see the module docstring).

    Returns a list of dicts with keys ``name``, ``x``, ``y`` (floats), labels and scales.
    """
    found: list[dict[str, Any]] = []
    series = evidence.get("series")
    if isinstance(series, Mapping):
        for name, d in series.items():
            if isinstance(d, Mapping):
                s = _as_series(str(name), d)
                if s is not None:
                    found.append(s)

    def walk(obj: Any, path: str, level: int) -> None:
        if level > depth or not isinstance(obj, Mapping):
            return
        if path and path != "series":
            s = _as_series(path, obj)
            if s is not None:
                found.append(s)
                return
        for k, v in obj.items():
            if not path and k == "series":
                continue
            if isinstance(v, Mapping):
                walk(v, f"{path}.{k}" if path else str(k), level + 1)

    walk(evidence, "", 0)
    found.extend(_record_series(evidence, depth=depth))
    return found


#: Keys that, in a list of records (dicts), name the abscissa of a trajectory.
_X_KEYS = ("t", "time", "step", "steps", "iteration", "alpha", "eps", "c")


def _record_series(evidence: Mapping[str, Any], *, depth: int) -> list[dict[str, Any]]:
    """Series from lists of records: a list of >= 2 dicts sharing an abscissa key (``t``,
    ``time``, ``step``, ...) gives one series per other key whose values are all numbers (e.g.
    ``"points": [{"t": "1.0", "t_norm_E": "1.30"}, ...]`` -> ``points: t_norm_E`` against t)."""
    out: list[dict[str, Any]] = []

    def visit(obj: Any, path: str, level: int) -> None:
        if level > depth:
            return
        if isinstance(obj, Mapping):
            for k, v in obj.items():
                if not path and k == "series":
                    continue
                visit(v, f"{path}.{k}" if path else str(k), level + 1)
            return
        if not (isinstance(obj, (list, tuple)) and len(obj) >= 2
                and all(isinstance(r, Mapping) for r in obj)):
            return
        xkey = next((k for k in _X_KEYS if all(k in r for r in obj)), None)
        if xkey is None:
            return
        x = _numeric_list([r[xkey] for r in obj])
        if x is None or len(set(x)) < 2:
            return
        keys = [k for k in obj[0] if k != xkey and all(k in r for r in obj)]
        for k in keys:
            y = _numeric_list([r[k] for r in obj])
            if y is None:
                continue
            positive = all(v > 0 for v in y)
            log = positive and max(y) / min(y) > 1e3
            out.append({"name": f"{path}: {k}", "x": x, "y": y, "xlabel": xkey, "ylabel": str(k),
                        "xscale": "linear", "yscale": "log" if log else "linear",
                        "label": "", "label2": ""})

    visit(evidence, "", 0)
    return out


def _matplotlib() -> Any | None:
    """matplotlib's ``Figure`` class, or None without the plot extra. Figures are made detached
    from pyplot, so writing a report never switches the backend of the caller's process."""
    try:
        from matplotlib.figure import Figure
    except Exception:  # noqa: BLE001 - the plot extra is optional
        return None
    return Figure


def _plot_png(figure_class: Any, s: Mapping[str, Any]) -> bytes:
    fig = figure_class(figsize=(5.0, 3.2), dpi=100)
    ax = fig.subplots()
    ax.plot(s["x"], s["y"], marker="." if len(s["x"]) < 60 else None,
            label=s.get("label") or None)
    if "y2" in s:
        ax.plot(s["x"], s["y2"], linestyle="--", label=s.get("label2") or None)
    for axis, scale in (("x", s.get("xscale", "linear")), ("y", s.get("yscale", "linear"))):
        values = s["x"] if axis == "x" else s["y"] + s.get("y2", [])
        if scale == "log" and min(values) <= 0:
            scale = "symlog"
        if scale in ("linear", "log", "symlog"):
            getattr(ax, f"set_{axis}scale")(scale)
    ax.set_xlabel(s.get("xlabel", "x"))
    ax.set_ylabel(s.get("ylabel", "y"))
    ax.set_title(str(s["name"])[:80], fontsize=9)
    if s.get("label") or s.get("label2"):
        ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# shared pieces
# ---------------------------------------------------------------------------------------------


def _group(results: Sequence[ClaimResult]) -> list[tuple[str, list[ClaimResult]]]:
    groups: dict[str, list[ClaimResult]] = {}
    for r in results:
        groups.setdefault(r.claim.paper, []).append(r)

    def key(p: str) -> tuple[int, str]:
        return (_PAPER_ORDER.index(p) if p in _PAPER_ORDER else len(_PAPER_ORDER), p)

    return [(p, groups[p]) for p in sorted(groups, key=key)]


def _evidence_text(evidence: Mapping[str, Any]) -> str:
    from ..cli.common import to_jsonable

    text = json.dumps(to_jsonable(dict(evidence)), indent=2, ensure_ascii=False)
    if len(text) > MAX_EVIDENCE_CHARS:
        text = text[:MAX_EVIDENCE_CHARS] + f"\n... ({len(text) - MAX_EVIDENCE_CHARS} more " \
            "characters; see `mfverify check --json`)"
    return text


def _status(r: ClaimResult) -> str:
    if r.error:
        return "ERROR"
    if r.dropped:
        return "hypothesis dropped: " + ", ".join(r.dropped)
    return "as expected" if r.as_expected else f"UNEXPECTED (expected {r.claim.expected})"


def _counts(results: Sequence[ClaimResult]) -> dict[str, Any]:
    from .runner import summarize

    return summarize(results)


def _anchor(claim_id: str) -> str:
    return "claim-" + re.sub(r"[^A-Za-z0-9_-]", "-", claim_id)


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------


def _md_cell(text: Any) -> str:
    s = " ".join(str(text).split())
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(results: Sequence[ClaimResult], *, plot_dir: Path | None = None,
                    plot_prefix: str = "", title: str = "mfverify check report") -> str:
    """The report as Markdown. Plots (if any, and matplotlib is installed) are written to
    ``plot_dir`` and linked as ``plot_prefix/<file>``."""
    results = list(results)
    summary = _counts(results)
    c = summary["counts"]
    profile = results[0].evidence.get("profile", "") if results else ""
    figure_class = _matplotlib() if plot_dir is not None else None
    lines = [f"# {_md_cell(title)}", "",
             f"Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
             + (f", profile `{profile}`" if profile else "") + ".", "",
             f"**{summary['total']} claims**: {c['PROVED']} PROVED, {c['SUPPORTED']} SUPPORTED, "
             f"{c['REFUTED']} REFUTED, {c['INCONCLUSIVE']} INCONCLUSIVE; "
             f"{summary['errors']} errored; "
             + ("**some verdicts failed**" if summary["failed"] else "no unexpected failure")
             + ".", "",
             "Verdicts: PROVED = exact algebra or interval-certified; SUPPORTED = numerical "
             "(tolerance and instance count in the evidence); REFUTED = re-checkable "
             "counterexample; INCONCLUSIVE = budget, ill-conditioning, unsupported or error.", ""]
    if plot_dir is not None and figure_class is None:
        lines += ["_Plots: matplotlib is not installed (install the `plot` extra); series are "
                  "listed in the evidence only._", ""]
    for paper, group in _group(results):
        lines += [f"## {_md_cell(PAPER_TITLES.get(paper, paper))}", "",
                  "| claim | source | predictions | verdict | expected | status | summary |",
                  "|---|---|---|---|---|---|---|"]
        for r in group:
            lines.append("| " + " | ".join([
                f"[{_md_cell(r.claim.id)}](#{_anchor(r.claim.id)})", _md_cell(r.claim.source),
                _md_cell(", ".join(r.claim.predictions)), f"**{r.verdict}**",
                _md_cell(r.claim.expected), _md_cell(_status(r)), _md_cell(r.summary)]) + " |")
        lines.append("")
        for r in group:
            cl = r.claim
            lines += [f'<a id="{_anchor(cl.id)}"></a>', "", f"### {_md_cell(cl.id)}", "",
                      f"- **Source:** {_md_cell(cl.source)}",
                      *_md_citation(cl),
                      f"- **Statement:** {_md_cell(cl.statement)}"]
            if cl.latex:
                lines.append(f"- **LaTeX:** `{cl.latex.replace('`', chr(39))}`")
            if cl.conclusion:
                lines.append(f"- **Conclusion:** {_md_cell(cl.conclusion)}")
            for h in cl.hypotheses:
                mark = " (dropped in this run)" if h.name in r.dropped else ""
                lines.append(f"- **Hypothesis `{h.name}`{mark}:** {_md_cell(h.statement)}")
            lines += [f"- **Verdict:** {r.verdict} ({_md_cell(_status(r))}), "
                      f"{r.seconds:.2f} s", f"- **Summary:** {_md_cell(r.summary)}"]
            if r.error:
                lines.append(f"- **Error:** {_md_cell(r.error)}")
            ev = _evidence_text(r.evidence)
            fence = _fence(ev)
            lines += ["", "Evidence:", "", f"{fence}json", ev, fence, ""]
            series = find_series(r.evidence)[:MAX_PLOTS_PER_CLAIM]
            if series and figure_class is not None and plot_dir is not None:
                plot_dir.mkdir(parents=True, exist_ok=True)
                for k, s in enumerate(series):
                    fname = f"{_anchor(cl.id)}-{k}.png"
                    (plot_dir / fname).write_bytes(_plot_png(figure_class, s))
                    lines += [f"![{_md_cell(s['name'])}]({plot_prefix}/{fname})", ""]
    refs = cited_keys(results)
    if refs:
        lines += ["## References", "",
                  "Provenance levels: stated (in the source, under the locator given), "
                  "reconstructed (the full statement was not available; a reconstruction is "
                  "checked), derived (here, from the source's set-up), numerical (an "
                  "observation). BibTeX: `mfverify cite CLAIM_ID`.", ""]
        lines += [f"- **[{k}]** {_md_cell(reference_line(k))}" for k in refs]
    return "\n".join(lines).rstrip() + "\n"


def cited_keys(results: Iterable[ClaimResult]) -> list[str]:
    """The bibliography keys cited by the claims of ``results``, in order of first citation."""
    keys: list[str] = []
    for r in results:
        keys.extend(c.key for c in r.claim.cites if c.key not in keys)
    return keys


def _citation(cl: Any) -> list[str]:
    """``["Ye & Du 2021, eq. (12) [yedu2021] (provenance: stated)"]`` or ``[]``."""
    if not cl.cites and cl.provenance is None:
        return []
    cites = "; ".join(f"{c} [{c.key}]" for c in cl.cites) or "none"
    prov = f" (provenance: {cl.provenance})" if cl.provenance is not None else ""
    return [cites + prov]


def _md_citation(cl: Any) -> list[str]:
    return [f"- **Cites:** {_md_cell(x)}" for x in _citation(cl)]


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;
color:#222}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
pre{background:#f7f7f7;padding:.6rem;overflow-x:auto;font-size:.8rem;max-height:30rem}
.PROVED{color:#0a6b1f;font-weight:bold}.SUPPORTED{color:#1f4f9a;font-weight:bold}
.REFUTED{color:#a11;font-weight:bold}.INCONCLUSIVE{color:#8a6100;font-weight:bold}
.bad{background:#fde8e8}
details{margin:.6rem 0 1.2rem 0}
"""


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


def render_html(results: Sequence[ClaimResult], *, title: str = "mfverify check report") -> str:
    """The report as one self-contained HTML page (plots embedded as base64 PNG)."""
    results = list(results)
    summary = _counts(results)
    c = summary["counts"]
    figure_class = _matplotlib()
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{_h(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{_h(title)}</h1>",
           f"<p>Generated {_h(datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC'))}.</p>",
           f"<p><strong>{summary['total']} claims</strong>: "
           + ", ".join(f'<span class="{v}">{c[v]} {v}</span>' for v in c)
           + f"; {summary['errors']} errored; "
           + ("<strong>some verdicts failed</strong>" if summary["failed"]
              else "no unexpected failure") + ".</p>",
           "<p>PROVED = exact algebra or interval-certified; SUPPORTED = numerical (tolerance "
           "and instance count in the evidence); REFUTED = re-checkable counterexample; "
           "INCONCLUSIVE = budget, ill-conditioning, unsupported or error.</p>"]
    if figure_class is None:
        out.append("<p><em>Plots: matplotlib is not installed (install the <code>plot</code> "
                   "extra); series appear in the evidence only.</em></p>")
    for paper, group in _group(results):
        out += [f"<h2>{_h(PAPER_TITLES.get(paper, paper))}</h2>", "<table><thead><tr>"
                + "".join(f"<th>{h}</th>" for h in ("claim", "source", "predictions", "verdict",
                                                     "expected", "status", "summary"))
                + "</tr></thead><tbody>"]
        for r in group:
            bad = ' class="bad"' if r.failed else ""
            out.append(
                f"<tr{bad}><td><a href=\"#{_h(_anchor(r.claim.id))}\">{_h(r.claim.id)}</a></td>"
                f"<td>{_h(r.claim.source)}</td><td>{_h(', '.join(r.claim.predictions))}</td>"
                f'<td class="{_h(r.verdict)}">{_h(r.verdict)}</td><td>{_h(r.claim.expected)}'
                f"</td><td>{_h(_status(r))}</td><td>{_h(r.summary)}</td></tr>")
        out.append("</tbody></table>")
        for r in group:
            cl = r.claim
            out += [f'<h3 id="{_h(_anchor(cl.id))}">{_h(cl.id)} '
                    f'<span class="{_h(r.verdict)}">{_h(r.verdict)}</span></h3>', "<ul>",
                    f"<li><b>Source:</b> {_h(cl.source)}</li>",
                    *(f"<li><b>Cites:</b> {_h(x)}</li>" for x in _citation(cl)),
                    f"<li><b>Statement:</b> {_h(cl.statement)}</li>"]
            if cl.latex:
                out.append(f"<li><b>LaTeX:</b> <code>{_h(cl.latex)}</code></li>")
            if cl.conclusion:
                out.append(f"<li><b>Conclusion:</b> {_h(cl.conclusion)}</li>")
            for hyp in cl.hypotheses:
                mark = " (dropped in this run)" if hyp.name in r.dropped else ""
                out.append(f"<li><b>Hypothesis <code>{_h(hyp.name)}</code>{_h(mark)}:</b> "
                           f"{_h(hyp.statement)}</li>")
            out += [f"<li><b>Verdict:</b> {_h(r.verdict)} ({_h(_status(r))}), "
                    f"{r.seconds:.2f} s</li>", f"<li><b>Summary:</b> {_h(r.summary)}</li>"]
            if r.error:
                out.append(f"<li><b>Error:</b> {_h(r.error)}</li>")
            out += ["</ul>", "<details><summary>Evidence</summary>",
                    f"<pre>{_h(_evidence_text(r.evidence))}</pre></details>"]
            if figure_class is not None:
                for s in find_series(r.evidence)[:MAX_PLOTS_PER_CLAIM]:
                    data = base64.b64encode(_plot_png(figure_class, s)).decode("ascii")
                    out.append(f'<figure><img alt="{_h(s["name"])}" '
                               f'src="data:image/png;base64,{data}"><figcaption>{_h(s["name"])}'
                               "</figcaption></figure>")
    refs = cited_keys(results)
    if refs:
        out += ["<h2>References</h2>", "<p>Provenance levels: stated, reconstructed, derived, "
                "numerical (see docs/claims.md). BibTeX: <code>mfverify cite CLAIM_ID</code>."
                "</p>", "<ul>"]
        out += [f"<li><b>[{_h(k)}]</b> {_h(reference_line(k))}</li>" for k in refs]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------


def write_report(results: Iterable[ClaimResult], path: str | Path) -> Path:
    """Write a report of ``results`` to ``path`` (``.md`` / ``.markdown`` or ``.html`` /
    ``.htm``) and return the path.

    Raises
    ------
    InputError
        Unknown suffix, or the file cannot be written.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    results = list(results)
    try:
        if suffix in (".md", ".markdown"):
            plot_dir = p.with_name(p.stem + "_plots")
            text = render_markdown(results, plot_dir=plot_dir, plot_prefix=plot_dir.name)
        elif suffix in (".html", ".htm"):
            text = render_html(results)
        else:
            raise InputError(f"report file {str(path)!r} must end in .md or .html")
        p.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write report {str(path)!r}: {exc}") from exc
    return p
