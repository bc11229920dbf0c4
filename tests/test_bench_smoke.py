"""The benchmark suite's smoke run, so its scripts cannot rot: ``bench/run_all.py --smoke`` makes a few calls of each
kind through this package and the floors and writes its JSON and page. It judges no timing, and with
``--no-alternatives`` it never makes a virtualenv, so it never needs the package registry.

The page's verdicts are also checked on made-up figures: a target is met, missed, or not measured, never claimed
without a figure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("bench")
    command = [sys.executable, str(BENCH / "run_all.py"), "--smoke", "--no-alternatives"]
    command += ["--json", str(out / "results.json"), "--page", str(out / "benchmarks.md")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "results.json").read_text()), out / "benchmarks.md"


def test_every_call_of_ours_and_the_floors_is_measured(smoke: tuple[dict[str, Any], Path]) -> None:
    results, _ = smoke
    for section, cases in results["calls"].items():
        for case, entry in cases.items():
            assert entry["env"] == "ours", f"{case}: an alternative ran although none was asked for"
            assert "error" not in entry, f"{section} {case}: {entry['error']}"
            assert "us" in entry or entry.get("skip"), f"{section} {case}: no figure and no reason"
    measured = {case for cases in results["calls"].values() for case, entry in cases.items() if "us" in entry}
    assert {"search/ours", "search/httpx", "search/http.client", "task/ours", "events/ours"} <= measured
    assert {"search/ours-lc-tool", "search/ours-li-retriever", "task/ours-lc-runnable"} <= measured


def test_alternatives_are_reported_as_skipped(smoke: tuple[dict[str, Any], Path]) -> None:
    results, page = smoke
    for name in ("sdk", "langchain-parallel", "llama-index-parallel"):
        assert results["environments"][name]["skipped"] == "--no-alternatives"
    text = page.read_text()
    assert "Smoke run" in text
    assert "| sdk | parallel-web==1.3.7 |" in text
    assert "not measured" in text


def test_startup_batch_conversion_and_emulator_parts_ran(smoke: tuple[dict[str, Any], Path]) -> None:
    results, _ = smoke
    for key in ("floor", "ours", "langchain-floor", "langchain-ours", "llama-index-floor", "llama-index-ours"):
        assert "error" not in results["startup"][key], results["startup"][key]
        assert results["startup"][key]["ms"] > 0
    small, large = results["batch"]["sizes"]
    for kind, figures in results["batch"]["wall"].items():
        assert figures["answers"] == large, (kind, figures)
    for kind, peaks in results["batch"]["memory"].items():
        assert peaks[str(small)]["peak_bytes"] > 0, kind
    assert all(entry["documents"] == results["plan"]["convert_results"] for entry in results["convert"].values())
    assert results["emulator"]["start"]["subprocess"]["first_search_s"] > 0
    assert results["emulator"]["searches_per_s"] > 0


def test_charts_are_svg_documents_linked_from_the_page(smoke: tuple[dict[str, Any], Path]) -> None:
    _, page = smoke
    charts = sorted(page.parent.glob("benchmarks-*.svg"))
    assert len(charts) == 5
    for chart in charts:
        assert ElementTree.parse(chart).getroot().tag.endswith("svg")
        assert f"]({chart.name})" in page.read_text()


@pytest.fixture(scope="module")
def call_verdicts() -> Any:
    """``_page.call_verdicts``, imported from the bench folder."""
    sys.path.insert(0, str(BENCH))
    try:
        from _page import call_verdicts
    finally:
        sys.path.remove(str(BENCH))
    return call_verdicts


def _rounds(*values: float) -> dict[str, Any]:
    return {"env": "ours", "rounds": list(values), "us": sorted(values)[len(values) // 2]}


def test_verdicts_are_ratios_of_the_same_rounds(call_verdicts: Any) -> None:
    section = {
        "search/ours": _rounds(100, 200, 300),
        "search/httpx": _rounds(110, 190, 330),  # ours / httpx per round: 0.909, 1.053, 0.909
        "search/sdk": _rounds(150, 500, 600),  # sdk / ours per round: 1.5, 2.5, 2.0
    }
    verdicts = {v.target: v for v in call_verdicts({"calls": {"search-sequential": section}})}
    httpx_verdict = verdicts["search, sequential: our client ≤ 1.0x raw httpx + `json.loads`"]
    assert (httpx_verdict.measured, httpx_verdict.met) == ("0.909x (rounds 0.91 to 1.05)", True)
    sdk_verdict = verdicts["search, sequential: official SDK ≥ 2x our client"]
    assert (sdk_verdict.measured, sdk_verdict.met) == ("2.00x (rounds 1.50 to 2.50)", True)
    rival = verdicts[
        "search, sequential: `langchain-parallel` retriever ≥ 1.5x parallel-integrations LangChain retriever"
    ]
    assert rival.met is None
    assert "not measured" in rival.row()
    section["search/sdk"] = _rounds(150, 300, 590)  # 1.5, 1.5, 1.97: missed
    verdicts = {v.target: v for v in call_verdicts({"calls": {"search-sequential": section}})}
    assert verdicts["search, sequential: official SDK ≥ 2x our client"].met is False


def test_adapters_are_also_judged_with_their_framework_floor_set_aside(call_verdicts: Any) -> None:
    section = {
        "search/ours": _rounds(500, 500, 600),
        "search/ours-li-retriever": _rounds(750, 700, 780),  # 1.5, 1.4, 1.3 of ours
        "search/ours-li-retriever-floor": _rounds(650, 650, 700),  # set aside: 1.2, 1.1, 1.13
    }
    target = (
        "search, sequential: parallel-integrations LlamaIndex retriever ≤ 1.3x our client, LlamaIndex's own"
        " `retrieve()` set aside"
    )
    verdicts = {v.target: v for v in call_verdicts({"calls": {"search-sequential": section}})}
    assert verdicts["search, sequential: parallel-integrations LlamaIndex retriever ≤ 1.3x our client"].met is False
    assert (verdicts[target].measured, verdicts[target].met) == ("1.13x (rounds 1.10 to 1.20)", True)
    floor = next(v for v in verdicts.values() if "floor:" in v.target)
    assert (floor.measured, floor.reported) == ("1.30x our client (rounds 1.17 to 1.30)", True)
    section["search/ours-li-retriever"] = _rounds(900, 900, 900)  # set aside: 1.5, 1.5, 1.33: missed
    verdicts = {v.target: v for v in call_verdicts({"calls": {"search-sequential": section}})}
    assert verdicts[target].met is False
    del section["search/ours-li-retriever-floor"]
    verdicts = {v.target: v for v in call_verdicts({"calls": {"search-sequential": section}})}
    assert verdicts[target].met is None
    tool = (
        "search, sequential: parallel-integrations LangChain tool ≤ 1.3x our client, LangChain's own `BaseTool.invoke`"
    )
    assert verdicts[tool + " set aside"].met is None  # its floor was not measured either
    section["search/ours-lc-tool"] = _rounds(800, 800, 800)
    section["search/ours-lc-tool-floor"] = _rounds(700, 650, 700)  # set aside: 1.2, 1.3, 1.17
    verdicts = {v.target: v for v in call_verdicts({"calls": {"search-sequential": section}})}
    assert (verdicts[tool + " set aside"].measured, verdicts[tool + " set aside"].met) == (
        "1.20x (rounds 1.17 to 1.30)",
        True,
    )
