"""Progress (issue 15, item 6): a ``progress=`` callback from Python; a tqdm bar on a terminal
only, never with --json; nothing printed otherwise."""

from __future__ import annotations

import concurrent.futures as cf
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from mfverify.cli import main
from mfverify.problems import SymmetricMF
from mfverify.progress import (
    ProgressEvent,
    TqdmProgress,
    for_claims,
    for_messages,
    terminal_progress,
    tracker,
)
from mfverify.symbolic import landscape
from mfverify.symbolic.landscape import LANDSCAPE_STAGES


class FakeTTY(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture()
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "sym.json"
    path.write_text(json.dumps({"problem": "symmetric", "M": [[1, 0], [0, 0]], "rank": 1}))
    return path


def test_tracker_events() -> None:
    seen: list[ProgressEvent] = []
    t = tracker(seen.append, "demo", total=3)
    t.step("a")
    t.note("still a")
    t.step("b and c", n=2)
    assert [(e.done, e.total, e.desc, e.message) for e in seen] == [
        (1, 3, "demo", "a"), (1, 3, "demo", "still a"), (3, 3, "demo", "b and c")]
    tracker(None, "nothing").step("goes nowhere")  # no callback: no error, no output


def test_landscape_reports_its_stages() -> None:
    seen: list[ProgressEvent] = []
    res = landscape(SymmetricMF([[1, 0], [0, 0]], rank=1), progress=seen.append)
    assert res.complete
    assert [e.message for e in seen[:-1]] == list(LANDSCAPE_STAGES)
    assert [e.done for e in seen] == list(range(len(LANDSCAPE_STAGES) + 1))
    assert all(e.total == len(LANDSCAPE_STAGES) for e in seen)


def test_adapters() -> None:
    seen: list[ProgressEvent] = []
    on_claim = for_claims(seen.append, 2)
    assert on_claim is not None

    class C:
        id = "x.y"

    class Res:
        verdict = "PROVED"

    on_claim(C(), None)  # started: not a unit
    on_claim(C(), Res())
    assert [(e.done, e.total, e.message) for e in seen] == [(1, 2, "x.y: PROVED")]
    say = for_messages(seen.append, "target")
    assert say is not None
    say("hello")
    assert seen[-1] == ProgressEvent(1, None, "target", "hello")
    assert for_claims(None, 3) is None and for_messages(None, "t") is None


def test_terminal_progress_only_on_a_terminal() -> None:
    assert terminal_progress(stream=io.StringIO()) is None
    assert terminal_progress(stream=FakeTTY(), json=True) is None
    assert terminal_progress(stream=FakeTTY(), quiet=True) is None
    tty = FakeTTY()
    bar = terminal_progress(stream=tty)
    assert isinstance(bar, TqdmProgress)
    with bar:
        for k in range(1, 4):
            bar(ProgressEvent(k, 3, "demo", f"unit {k}"))
    text = tty.getvalue()
    assert "demo" in text and "3/3" in text and "unit 3" in text


def _small_study() -> Any:
    pytest.importorskip("pyarrow")
    from mfverify.study import load_study

    return load_study({"name": "p", "family": "symmetric", "instances": 2, "inits": 1,
                       "step": 0.2, "max_iter": 20, "deltas": [1e-6],
                       "params": {"n": 3, "spectrum": "psd", "rank": 1},
                       "grid": {"r": [1, 2]}})


@pytest.mark.parametrize("tty, progress, drawn", [(True, None, True), (False, None, False),
                                                  (True, False, False)])
def test_run_study_bar_only_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          tty: bool, progress: Any, drawn: bool) -> None:
    from mfverify.study import run_study

    err: Any = FakeTTY() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        run_study(_small_study(), tmp_path / "store", executor=ex, progress=progress)
    assert ("cell" in err.getvalue()) is drawn


def test_run_study_callback(tmp_path: Path) -> None:
    from mfverify.study import run_study

    study = _small_study()
    seen: list[ProgressEvent] = []
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        res = run_study(study, tmp_path / "store", executor=ex, progress=seen.append)
    assert [(e.done, e.total, e.desc) for e in seen] == [(1, 2, "study"), (2, 2, "study")]
    assert res.status == "done"


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *, tty: bool) -> tuple[int, str, str]:
    err: Any = FakeTTY() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    rc = main(argv)
    return rc, capsys.readouterr().out, err.getvalue()


def test_cli_landscape_bar_on_a_terminal_only(spec: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(["landscape", str(spec)], monkeypatch, capsys, tty=True)
    assert rc == 0 and "landscape" in err and "stage" in err
    rc, out, err = _run(["landscape", str(spec), "--json"], monkeypatch, capsys, tty=True)
    assert rc == 0 and err == "" and json.loads(out)["complete"]
    rc, _, err = _run(["landscape", str(spec)], monkeypatch, capsys, tty=False)
    assert rc == 0 and err == ""


def test_cli_check_bar_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "foundations.symmetric-closed-forms", "--jobs", "1"]
    rc, _, err = _run(argv, monkeypatch, capsys, tty=True)
    assert rc == 0 and "claims" in err and "1/1" in err
    rc, _, err = _run(argv + ["--json"], monkeypatch, capsys, tty=True)
    assert rc == 0 and err == ""
    rc, _, err = _run(argv, monkeypatch, capsys, tty=False)
    assert rc == 0 and err == ""


def test_cli_counterexample_bar_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["counterexample", "related.zsl-rip-threshold", "--drop", "rip-below-half",
            "--budget", "0.001"]
    rc, _, err = _run(argv, monkeypatch, capsys, tty=True)
    assert rc == 1 and "zsl-spurious-min" in err and "searching operators" in err
    for extra in (["--json"], ["--quiet"]):
        rc, _, err = _run(argv + extra, monkeypatch, capsys, tty=True)
        assert rc == 1 and err == "", extra
    rc, _, err = _run(argv, monkeypatch, capsys, tty=False)
    assert rc == 1 and err == ""
