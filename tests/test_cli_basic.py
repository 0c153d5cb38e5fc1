"""The CLI skeleton: --help, --version, show, check, list; exit codes; no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mfverify import __version__
from mfverify.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("check", "list", "show"):
        assert cmd in out


def test_show_exact(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["show", "--json", '{"problem": "symmetric", "M": [[3, 0], [0, 1]], "rank": 1}'])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["symmetry"]["group"] == "O(1)"
    assert "X_0_0" in data["objective"]


def test_show_bad_spec_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["show", '{"problem": "symmetric", "M": [[1, 2], [3, 4]], "rank": 1}'])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("mfverify: error: SymmetryError")


def test_check_foundations_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["check", "foundations.symmetric-closed-forms", "foundations.symmetric-invariance",
               "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    ids = {c["id"]: c for c in data["claims"]}
    assert ids["foundations.symmetric-closed-forms"]["verdict"] == "PROVED"
    assert ids["foundations.symmetric-invariance"]["evidence"]["sizes_checked"]
    for c in data["claims"]:
        assert {"id", "source", "verdict", "evidence"} <= set(c)


def test_check_drop_changes_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["check", "foundations.asymmetric-invariance", "--drop", "unbalanced", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert data["claims"][0]["verdict"] == "REFUTED"


def test_unknown_claim_is_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "no.such-claim"]) == 2
    assert "no claim matches" in capsys.readouterr().err


def test_console_script_no_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "mfverify.cli", "show", "/nonexistent.json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "SpecError" in proc.stderr


def test_argparse_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: argparse used to print the whole usage text before its error line."""
    with pytest.raises(SystemExit) as exc:
        main(["check", "--profile", "slow"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mfverify: error:")
