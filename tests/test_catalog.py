"""The claims catalog as a whole: coverage of docs/predictions.md, well-formed ids, check JSON.

The coverage list lives in :mod:`mfverify.claims.coverage` (``PREDICTIONS``, ``CROSS_CHECKS``);
each checkable prediction must be named in the ``predictions`` of at least one registered claim.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter

import pytest

from mfverify.claims import Verdict, all_claims
from mfverify.claims import registry as registry_mod
from mfverify.claims.coverage import (
    CROSS_CHECKS,
    PREDICTIONS,
    checkable_predictions,
    coverage_table,
)

ID_RE = re.compile(r"^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9.\-]*[a-z0-9]$")
PAPERS = {"li2019", "yedu2021", "eftekhari2021", "mohammadi2024", "related"}
KNOWN_PAPER_KEYS = PAPERS | {"foundations", "cross", "sunquwright2018", "gelema2016",
                                      "kawaguchi2016"}
CROSS_IDS = set(CROSS_CHECKS)


@pytest.fixture(scope="module")
def claims() -> list:
    """The built-in catalog only (user claims registered by other tests or docs are ignored)."""
    return [c for c in all_claims() if c.run.__module__.startswith("proofs_checks.")]


def test_registry_ids_have_no_duplicates_across_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry keeps one claim per id (re-registering replaces), so duplicates would be
    silent: re-execute every catalog module with a recording ``register``."""
    import proofs_checks

    seen: list[str] = []
    monkeypatch.setattr(registry_mod, "register", lambda c: seen.append(c.id) or c)
    for name in proofs_checks.module_names():
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None, name
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    dupes = sorted(k for k, v in Counter(seen).items() if v > 1)
    assert not dupes, f"claim ids registered twice: {dupes}"
    assert len(seen) >= 1


def test_claim_ids_well_formed(claims: list) -> None:
    bad = [c.id for c in claims if not ID_RE.match(c.id)]
    assert not bad, f"ids must be paper.short-name (lowercase, digits, '-', '.'): {bad}"
    wrong_prefix = [c.id for c in claims if not c.id.startswith(c.paper + ".")]
    assert not wrong_prefix, f"id must start with its paper key: {wrong_prefix}"
    unknown = sorted({c.paper for c in claims} - KNOWN_PAPER_KEYS)
    assert not unknown, f"unknown paper keys: {unknown}"


def test_every_claim_has_source_statement_and_hypothesis_names(claims: list) -> None:
    for c in claims:
        assert c.source.strip(), c.id
        assert c.statement.strip(), c.id
        assert isinstance(c.expected, Verdict), c.id
        names = [h.name for h in c.hypotheses]
        assert len(names) == len(set(names)), f"{c.id}: duplicate hypothesis names {names}"
        for h in c.hypotheses:
            assert h.name.strip(), f"{c.id}: empty hypothesis name"
            assert h.statement.strip(), f"{c.id}: hypothesis {h.name} has no statement"


def test_hypothesis_names_are_cli_friendly(claims: list) -> None:
    """``--drop NAME`` takes the name on the command line: no whitespace or commas."""
    bad = [f"{c.id}: {h.name!r}" for c in claims for h in c.hypotheses
           if re.search(r"[\s,]", h.name)]
    assert not bad, f"hypothesis names with whitespace or commas: {bad}"


def test_catalog_size_and_papers(claims: list) -> None:
    assert len(claims) >= 40, f"only {len(claims)} claims registered"
    papers = {c.paper for c in claims}
    assert PAPERS <= papers, f"papers without claims: {sorted(PAPERS - papers)}"


def test_prediction_ids_are_known(claims: list) -> None:
    """A typo in ``predictions`` (``LP-3``) would silently leave a gap."""
    known = set(PREDICTIONS) | CROSS_IDS
    bad = {c.id: [p for p in c.predictions if p not in known] for c in claims}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"unknown prediction ids: {bad}"


def test_coverage_list_matches_predictions_page_ids() -> None:
    expected = ([f"L-P{i}" for i in range(1, 8)] + [f"Y-P{i}" for i in range(1, 8)]
                + [f"E-P{i}" for i in range(1, 5)] + [f"M-P{i}" for i in range(1, 7)]
                + [f"R{i}" for i in range(1, 12)])
    assert list(PREDICTIONS) == expected
    for p in PREDICTIONS.values():
        assert p.where and p.what
        if not p.checkable:
            assert p.reason, f"{p.id} is not checkable but gives no reason"


@pytest.mark.parametrize("pid", checkable_predictions())
def test_prediction_is_covered(claims: list, pid: str) -> None:
    table = coverage_table(claims)
    assert table[pid], f"no registered claim names prediction {pid} ({PREDICTIONS[pid].what})"


@pytest.mark.parametrize("number", sorted(CROSS_CHECKS))
def test_cross_check_is_registered(claims: list, number: str) -> None:
    what, ids = CROSS_CHECKS[number]
    registered = {c.id for c in claims}
    by_prediction = [c.id for c in claims if number in c.predictions]
    assert set(ids) & registered or by_prediction, f"{number} ({what}) has no claim"


def test_errata_registered_as_expected_refutations(claims: list) -> None:
    """Ye & Du eq. (12) as printed is a known misprint: it must be a claim expected REFUTED."""
    refuted = [c for c in claims if c.expected is Verdict.REFUTED]
    assert any(c.paper == "yedu2021" for c in refuted), \
        "no yedu2021 claim is registered as an expected refutation (eq. (12) as printed)"


def test_check_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    from mfverify.cli import main

    rc = main(["check", "--json", "cross.zsl-zhang-equivalence", "li2019.hessian-spectrum-table"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["profile"] == "quick"
    assert {"total", "counts", "errors", "failed"} <= set(out["summary"])
    assert out["summary"]["total"] == 2
    ids = [c["id"] for c in out["claims"]]
    assert ids == ["cross.zsl-zhang-equivalence", "li2019.hessian-spectrum-table"]
    for c in out["claims"]:
        assert {"id", "source", "statement", "verdict", "expected", "evidence", "predictions",
                "hypotheses", "seconds"} <= set(c)
        assert c["verdict"] in {v.value for v in Verdict}
        assert isinstance(c["evidence"], dict)
    spectrum = out["claims"][1]
    assert spectrum["verdict"] == "SUPPORTED"
    assert spectrum["evidence"]["tolerance"] == 1e-10
    assert spectrum["evidence"]["instances"] >= 20


def test_check_drop_changes_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    from mfverify.cli import main

    rc = main(["check", "--json", "cross.zsl-zhang-equivalence", "--drop", "exact-rank"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0  # a REFUTED verdict with a hypothesis dropped does not fail the run
    (c,) = out["claims"]
    assert c["dropped"] == ["exact-rank"]
    assert c["verdict"] == "REFUTED"


def test_check_table_marks_expected_refutations(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: an expected refutation (a misprinted equation) was shown as a bare REFUTED
    with an empty note; the acceptance asks that it be shown as expected."""
    from mfverify.cli import main

    rc = main(["check", "yedu2021.eq12-as-printed", "yedu2021.eq12-corrected"])
    out = capsys.readouterr().out
    assert rc == 0
    row = next(line for line in out.splitlines() if line.startswith("yedu2021.eq12-as-printed"))
    assert "REFUTED" in row and "expected REFUTED" in row
    other = next(line for line in out.splitlines() if line.startswith("yedu2021.eq12-corrected"))
    assert "expected" not in other
    assert "1 REFUTED (1 as expected)" in out
