"""``mfverify sweep``: generators, JSON, plots, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mfverify.cli import main
from mfverify.cli.cmd_sweep import parse_generator


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_sweep_symmetric_generator_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["sweep", "gen:symmetric?n=6&r=2&spectrum=psd&rank=2&B=5&seed=1",
                         "--inits", "4", "--max-iter", "3000", "--step", "0.2", "--json",
                         "--delta", "1e-6"])
    assert out["runs"] == 20 and out["B"] == 5 and out["K"] == 4
    assert out["counts"] == {"global_min": 20}
    assert out["T"]["1e-06"]["reached"] == 20


def test_sweep_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "gen:asymmetric?m=5&n=4&rank=2&B=3&seed=2", "--inits", "3",
            "--max-iter", "200", "--json", "--method", "alternating_gd"]
    a = _json(capsys, argv)
    b = _json(capsys, argv)
    a.pop("seconds")
    b.pop("seconds")
    assert a == b


def test_sweep_table_flow_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plot = tmp_path / "sweep.png"
    rc = main(["sweep", "gen:symmetric?n=4&spectrum=indefinite&rank=2&B=2", "--method",
               "gradient_flow", "--inits", "2", "--t-final", "5", "--plot", str(plot)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "outcome" in text and "gradient_flow" in text
    assert plot.stat().st_size > 1000


def test_sweep_spec_and_armijo(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["sweep", '{"problem": "symmetric", "M": [[2, 0], [0, 1]], "rank": 1}',
                         "--step", "armijo", "--inits", "6", "--init", "spectral", "--json"])
    assert out["counts"] == {"global_min": 6}


def test_sweep_divergent_step_reported(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["sweep", "gen:symmetric?n=5&r=2&rank=2&top=3&B=2", "--step", "5",
                         "--inits", "3", "--json"])
    assert out["counts"] == {"diverged": 6}


@pytest.mark.parametrize("source", [
    "gen:nope?n=3", "gen:symmetric?n=x", "gen:symmetric?bogus=1", "gen:symmetric?B=0",
    "gen:symmetric?spectrum=weird", "gen:asymmetric?m=3&n=3&rank=5",
])
def test_sweep_bad_generators_exit_2(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", source]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mfverify: error:") and "Traceback" not in err


def test_sweep_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "gen:symmetric?n=3", "--inits", "0"]) == 2
    assert main(["sweep", "gen:symmetric?n=3", "--step", "fast"]) == 2
    assert main(["sweep", "gen:symmetric?n=3", "--alpha", "-1"]) == 2


def test_parse_generator_defaults() -> None:
    prob, data, params = parse_generator("gen:symmetric?n=7&B=3")
    assert data["M"].shape == (3, 7, 7) and prob.r == 7 and params["kind"] == "symmetric"


# -- regressions (acceptance audit) -----------------------------------------------------------


def test_generator_without_B_uses_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: the generator's default B = 10 was not passed on, so every generator
    source without an explicit B failed with a ShapeError (B = 1 vs 10 instances)."""
    out = _json(capsys, ["sweep", "gen:symmetric?n=4", "--inits", "2", "--max-iter", "5",
                         "--json"])
    assert out["B"] == 10 and out["runs"] == 20
    out = _json(capsys, ["sweep", "gen:asymmetric?m=4&n=3&rank=2", "--inits", "1",
                         "--max-iter", "5", "--json"])
    assert out["B"] == 10 and out["generator"]["seed"] == 0


@pytest.mark.parametrize("source", [
    "gen:symmetric?n=3&seed=-1", "gen:symmetric?&&", "gen:symmetric?n",
    "gen:symmetric?n=5&cond=inf", "gen:symmetric?n=5&top=inf", "gen:asymmetric?m=5&cond=inf",
    "gen:asymmetric?m=5&top=nan", "gen:symmetric?n=2000&B=1000000",
])
def test_sweep_more_bad_generators_exit_2(source: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: these were internal errors (exit 3) or printed a RuntimeWarning first."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would become an internal error (exit 3)
        assert main(["sweep", source, "--inits", "1", "--max-iter", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mfverify: error:") and err.count("\n") == 1


@pytest.mark.parametrize("extra", [
    ["--seed", "-3"], ["--method", "gradient_flow", "--t-final", "nan"],
    ["--method", "gradient_flow", "--t-final", "inf"], ["--gtol", "nan"], ["--gtol", "-1"],
    ["--ftol", "nan"], ["--delta", "nan"], ["--alpha", "inf"],
])
def test_sweep_more_bad_options_exit_2(extra: list[str],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: a negative seed was an internal error; NaN/inf times and tolerances ran
    silently (0 iterations, or a test that can never pass)."""
    assert main(["sweep", "gen:symmetric?n=3&B=2", "--inits", "1", "--max-iter", "2",
                 *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mfverify: error:") and err.count("\n") == 1


def test_progress_callback_and_bar() -> None:
    """The progress bar of `sweep` (shown when stderr is a terminal) is fed per block."""
    import numpy as np

    from mfverify.batch import gd
    from mfverify.batch.generators import symmetric_instances
    from mfverify.batch.inits import small_random
    from mfverify.cli.cmd_sweep import _progress
    from mfverify.problems import SymmetricMF

    inst = symmetric_instances(50, 6, seed=1)
    prob = SymmetricMF(np.zeros((6, 6), dtype=int), 2)
    calls: list[tuple[int, int]] = []
    gd(prob, small_random(prob, 50, 2, 0.1), data=inst.data, max_iter=3, chunk=16,
       progress=lambda done, total: calls.append((done, total)))
    assert calls == [(16, 50), (32, 50), (48, 50), (50, 50)]
    cb, bar = _progress(True)
    assert cb is not None and bar is not None
    cb(20, 50)
    assert (bar.n, bar.total) == (20, 50)
    bar.close()
    assert _progress(False) == (None, None)


def test_sweep_constrained_spec_is_not_an_internal_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: global_values read ``problem.scale`` before checking the kind, so a
    ConstrainedMF spec (no ``scale``) ended in an internal AttributeError (exit 3)."""
    out = _json(capsys, ["sweep", '{"problem": "constrained", "operator": {"gaussian": '
                         '{"m": 6, "seed": 1}}, "n": 4, "p": 2, "ground_truth": {"random": '
                         '{"rank": 1, "seed": 2}}}', "--inits", "2", "--max-iter", "50",
                         "--json"])
    assert out["runs"] == 2 and "no closed-form optimal value" in out["note"]
