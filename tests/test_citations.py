"""Citations: every claim cites a source of references.bib with a provenance level, and no tracked
file refers to material users do not have (a background file, undefined ids or status tags)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from mfverify.claims import Provenance, all_claims, get_claim, run_claim
from mfverify.claims.citations import bibliography, bibtex, short_cite
from mfverify.claims.coverage import CROSS_CHECKS, PREDICTIONS
from mfverify.claims.report import render_html, render_markdown
from mfverify.cli import main
from mfverify.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: The background file's name, built so that this test file does not contain it.
BACKGROUND = "papers" + ".md"
NOTES = "research" + " notes"
STATUS_TAG = re.compile(r"\[(" + "|".join(["SRC", "SEC", "HYP", "DER", "REC"]) + r")\b")
PREDICTION_ID = re.compile(r"(?<![\w-])([LYEM]-P\d+)(?![\w])")
CROSS_ID = re.compile(r"(?<![\w.§-])(X[1-9])(?![\w])")
LABEL = re.compile(r"\(([GSH][1-9]|E[1-9]|A[1-9])\)")


@pytest.fixture(scope="module")
def catalog() -> list:
    return [c for c in all_claims() if c.run.__module__.startswith("proofs_checks.")]


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:  # pragma: no cover - a source tree without git
        pytest.skip("not a git checkout")
    return [ROOT / f for f in out.stdout.split() if (ROOT / f).is_file()
            and f.endswith((".py", ".md", ".toml", ".txt", ".json", ".yml", ".cfg", ".bib"))]


def test_every_catalog_claim_cites_a_reference_with_a_provenance(catalog: list) -> None:
    keys = set(bibliography())
    assert len(catalog) >= 80
    for c in catalog:
        assert c.cites, f"{c.id} has no structured citation"
        for x in c.cites:
            assert x.key in keys, f"{c.id} cites {x.key!r}, not in references.bib"
            assert x.locator, f"{c.id}: citation of {x.key} has no locator"
        assert isinstance(c.provenance, Provenance), f"{c.id} has no provenance level"
        assert c.provenance.message


def test_provenance_levels_are_the_documented_four() -> None:
    assert [p.value for p in Provenance] == ["stated", "reconstructed", "derived", "numerical"]
    text = (DOCS / "claims.md").read_text("utf-8")
    for p in Provenance:
        assert f"| `{p.value}` |" in text, f"docs/claims.md does not define provenance {p}"


def test_references_bib_shipped_copy_is_identical() -> None:
    shipped = ROOT / "mfverify" / "claims" / "references.bib"
    assert (DOCS / "references.bib").read_bytes() == shipped.read_bytes()


def test_bibliography_entries_are_complete() -> None:
    bib = bibliography()
    assert {"li2019", "yedu2021", "eftekhari2021", "mohammadi2024"} <= set(bib)
    for key, entry in bib.items():
        assert entry.count("{") == entry.count("}"), key
        assert re.search(r"\btitle\s*=", entry) and re.search(r"\byear\s*=", entry), key
        if key != "mfverify":
            assert re.search(r"\bauthor\s*=", entry), key
    assert short_cite("yedu2021") == "Ye & Du 2021"
    assert short_cite("li2019") == "Li et al. 2019"
    assert short_cite("zhangsojoudilavaei2019") == "Zhang, Sojoudi & Lavaei 2019"
    with pytest.raises(InputError):
        bibtex("nosuchkey")


def test_every_cited_reference_is_used_or_documented(catalog: list) -> None:
    """A bibliography entry is cited by a claim or named (author and year) somewhere in docs."""
    cited = {x.key for c in catalog for x in c.cites}
    docs = " ".join(p.read_text("utf-8") for p in DOCS.glob("*.md"))
    code = " ".join(p.read_text("utf-8") for p in (ROOT / "mfverify").rglob("*.py"))
    for key in bibliography():
        if key in cited:
            continue
        surname = short_cite(key).split()[0].rstrip(",")
        assert surname in docs or surname in code, f"{key} is cited nowhere"


def test_no_tracked_file_names_the_background_file_or_status_tags() -> None:
    bad = []
    for f in _tracked():
        text = f.read_text("utf-8", errors="replace")
        for i, line in enumerate(text.splitlines(), 1):
            if BACKGROUND in line or STATUS_TAG.search(line) or NOTES in line:
                bad.append(f"{f.relative_to(ROOT)}:{i}: {line.strip()[:80]}")
    assert not bad, "references to material users do not have:\n" + "\n".join(bad)


def _defined_ids() -> tuple[set[str], set[str]]:
    text = (DOCS / "predictions.md").read_text("utf-8")
    ids = set(re.findall(r"^\| ([A-Z]+-?P?\d+) \|", text, re.M))
    labels: set[str] = set()
    for page in DOCS.glob("paper-*.md"):
        labels |= set(re.findall(r"\*\*\(([A-Z]\d)\)\*\*", page.read_text("utf-8")))
        labels |= set(re.findall(r"^\(([A-Z]\d)\) ", page.read_text("utf-8"), re.M))
        labels |= set(re.findall(r"\(([A-Z]\d)\) [A-Z]", page.read_text("utf-8")))
    return ids, labels


def test_predictions_page_defines_every_prediction_and_cross_check() -> None:
    ids, _ = _defined_ids()
    assert ids == set(PREDICTIONS) | set(CROSS_CHECKS)
    text = (DOCS / "predictions.md").read_text("utf-8")
    for p in PREDICTIONS.values():
        row = f"| {p.id} | {p.where} | {p.what}".replace("|", "\\|").replace("\\|", "|", 3)
        assert row in text, f"{p.id}: page and coverage differ"
    for k, (what, claim_ids) in CROSS_CHECKS.items():
        assert f"| {k} | {what} | " + ", ".join(f"`{c}`" for c in claim_ids) in text, k


def test_every_id_used_in_tracked_files_is_defined_in_the_docs() -> None:
    ids, labels = _defined_ids()
    assert {"S1", "S3", "H1", "H3", "G1", "G4", "E1", "E4", "A2", "A8"} <= labels
    bad = []
    for f in _tracked():
        text = f.read_text("utf-8", errors="replace")
        for i, line in enumerate(text.splitlines(), 1):
            used = set(PREDICTION_ID.findall(line)) | set(CROSS_ID.findall(line))
            undefined = {u for u in used if u not in ids}
            undefined |= {lab for lab in LABEL.findall(line) if lab not in labels}
            if undefined:
                bad.append(f"{f.relative_to(ROOT)}:{i}: {sorted(undefined)}")
    assert not bad, "ids that docs/predictions.md or the paper pages do not define:\n" + \
        "\n".join(bad)


def test_cli_cite_prints_bibtex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cite", "yedu2021.lemma-3.2"]) == 0
    out = capsys.readouterr().out
    assert "@inproceedings{yedu2021," in out and "Lemma 3.2" in out and "stated" in out
    assert main(["cite", "cross.zsl-zhang-equivalence", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    keys = [x["key"] for x in data["claims"][0]["cites"]]
    assert keys == ["zhangsojoudilavaei2019", "zhang2022"]
    assert data["claims"][0]["cites"][0]["bibtex"].startswith("@article{zhangsojoudilavaei2019")


def test_cli_cite_unknown_claim_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cite", "no.such-claim"]) == 2
    err = capsys.readouterr().err
    assert "unknown claim id" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_cli_list_shows_citation_and_provenance(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "yedu2021"]) == 0
    out = capsys.readouterr().out
    assert "Ye & Du 2021, Lemma 3.2" in out and "provenance" in out
    assert main(["list", "yedu2021.lemma-3.3", "--json"]) == 0
    c = json.loads(capsys.readouterr().out)["claims"][0]
    assert c["cites"][0] == {"key": "yedu2021", "locator": "Lemma 3.3",
                             "text": "Ye & Du 2021, Lemma 3.3"}
    assert c["provenance"] == "stated"


def test_reports_end_with_references() -> None:
    res = [run_claim(get_claim("cross.zsl-zhang-equivalence"))]
    md = render_markdown(res)
    refs = md[md.index("## References"):]
    assert "[zhangsojoudilavaei2019]" in refs and "[zhang2022]" in refs
    assert "Sharp Restricted Isometry Bounds" in refs
    assert "- **Cites:** Zhang, Sojoudi & Lavaei 2019, abstract" in md
    html = render_html(res)
    assert html.index("<h2>References</h2>") > html.index("cross.zsl-zhang-equivalence")


def test_claim_decorator_rejects_unknown_keys_and_levels() -> None:
    from mfverify.claims import Outcome, Verdict, cite, claim

    def run(ctx: object) -> Outcome:
        return Outcome(Verdict.PROVED, {})

    with pytest.raises(InputError):
        claim("t.bad-key", paper="t", source="x", statement="x", cites=cite("nokey", "eq. 1"))(run)
    with pytest.raises(InputError):
        claim("t.bad-level", paper="t", source="x", statement="x", provenance="folklore")(run)
