"""Reports of ``mfverify check``: Markdown and HTML, escaping, plots, graceful degradation."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from mfverify.claims import ClaimResult, Hypothesis, Outcome, Verdict
from mfverify.claims.model import Claim
from mfverify.claims.report import find_series, render_html, render_markdown, write_report
from mfverify.errors import InputError


def _result(cid: str = "user.evil", *, paper: str = "user", verdict: Verdict = Verdict.SUPPORTED,
            evidence: dict | None = None, summary: str = "ok",
            expected: Verdict = Verdict.SUPPORTED) -> ClaimResult:
    c = Claim(id=cid, paper=paper, source="<script>alert(1)</script> | pipe",
              statement="a < b & c > d", run=lambda ctx: Outcome(Verdict.PROVED, {}),
              hypotheses=(Hypothesis("h-1", "x | y <b>"),), expected=expected,
              predictions=("L-P3",))
    ev = {"tolerance": 1e-10, "instances": 3} if evidence is None else evidence
    return ClaimResult(c, verdict, ev, summary, 0.25)


SERIES = {"series": {"decay": {"x": [1, 2, 3, 4], "y": ["1e-1", "1/100", 0.001, 1e-4],
                               "xlabel": "t", "ylabel": "f", "yscale": "log"}},
          "tolerance": 0.1, "instances": 1}


def test_find_series_convention_and_heuristic() -> None:
    s = find_series(SERIES)
    assert len(s) == 1 and s[0]["y"][1] == pytest.approx(0.01)
    nested = {"run": {"trace": {"x": [0, 1, 2], "y": [3, 2, 1]}}, "x": [1]}
    assert [t["name"] for t in find_series(nested)] == ["run.trace"]
    assert find_series({"a": {"x": [1, 2], "y": [1]}}) == []  # length mismatch
    assert find_series({"a": {"x": [1, 2], "y": ["p", "q"]}}) == []  # not numbers


def test_find_series_from_records() -> None:
    """Regression: trajectories recorded as lists of records (the flow claims' ``points``,
    ``rows``, ``trajectory``) were not plotted, so only one catalog claim had a plot."""
    ev = {"points": [{"t": "1.0", "t_norm_E": "1.30", "note": "a"},
                     {"t": "10.0", "t_norm_E": "0.43", "note": "b"},
                     {"t": "100.0", "t_norm_E": "0.49", "note": "c"}],
          "single": [{"t": 1, "y": 2}], "no_x": [{"a": 1}, {"a": 2}],
          "tolerance": 1e-10, "instances": 1}
    s = find_series(ev)
    assert [t["name"] for t in s] == ["points: t_norm_E"]
    assert s[0]["x"] == [1.0, 10.0, 100.0] and s[0]["y"][1] == pytest.approx(0.43)
    assert s[0]["xlabel"] == "t"
    decay = find_series({"rows": [{"step": k, "err": 10.0 ** -k} for k in range(5)]})
    assert decay[0]["yscale"] == "log"


def test_markdown_escapes_and_groups(tmp_path: Path) -> None:
    rs = [_result(), _result("li2019.x", paper="li2019", verdict=Verdict.REFUTED,
                             expected=Verdict.PROVED, evidence={"note": "```break```"})]
    text = render_markdown(rs, plot_dir=None)
    assert text.index("## Li, Lu") < text.index("## user")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\|" in text  # pipes escaped inside table cells
    assert "UNEXPECTED (expected PROVED)" in text
    assert "````json" in text  # the fence is longer than any backtick run in the evidence
    assert "**some verdicts failed**" in text


def test_html_is_escaped_and_self_contained(tmp_path: Path) -> None:
    r = _result(evidence=SERIES)
    page = render_html([r])
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &lt; b &amp; c &gt; d" in page
    assert 'src="data:image/png;base64,' in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_write_report_md_with_plots(tmp_path: Path) -> None:
    p = write_report([_result(evidence=SERIES)], tmp_path / "rep.md")
    text = p.read_text()
    pngs = list((tmp_path / "rep_plots").glob("*.png"))
    assert len(pngs) == 1 and pngs[0].read_bytes()[:4] == b"\x89PNG"
    assert f"](rep_plots/{pngs[0].name})" in text


def test_without_matplotlib_degrades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    p = write_report([_result(evidence=SERIES)], tmp_path / "r.html")
    page = p.read_text()
    assert "matplotlib is not installed" in page and "data:image/png" not in page
    p = write_report([_result(evidence=SERIES)], tmp_path / "r.md")
    assert "matplotlib is not installed" in p.read_text()
    assert not (tmp_path / "r_plots").exists()


def test_bad_suffix_and_unwritable(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        write_report([_result()], tmp_path / "r.txt")
    with pytest.raises(InputError):
        write_report([_result()], tmp_path / "no" / "such" / "dir" / "r.md")


def test_check_report_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mfverify.cli import main

    out = tmp_path / "report.html"
    assert main(["check", "cross.zsl-zhang-equivalence", "--report", str(out)]) == 0
    page = out.read_text()
    assert "cross.zsl-zhang-equivalence" in page and "PROVED" in page
    assert main(["check", "cross.zsl-zhang-equivalence", "--report",
                 str(tmp_path / "r.pdf")]) == 2
