"""Search relevance of the emulator's default corpus: the share of natural questions whose answering page is in the
top 3 (and at rank 1), over the set the tests use (``tests/emulator/relevance_set.json``).

Run: ``.venv/bin/python bench/bench_relevance.py [--top K] [--verbose]``

Each question goes to ``Corpus.search`` as the objective, as ``POST /v1/search`` would send it. A question counts
as answered when one of its listed pages is among the first K results. The corpus is the default one (language
reference and standard-library pages, from the cache; the first run builds it). The test suite requires 80%.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from parallel_integrations.emulator.corpus import Corpus

SET = Path(__file__).resolve().parent.parent / "tests" / "emulator" / "relevance_set.json"
DOCS = "https://docs.python.org/3/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=3, help="results that count (default 3)")
    parser.add_argument("--verbose", action="store_true", help="print every question and its results")
    args = parser.parse_args()
    questions = json.loads(SET.read_text())
    corpus = Corpus.default()
    in_top, first, ranks, seconds = 0, 0, [], []
    for question in questions:
        started = time.perf_counter()
        hits = corpus.search(objective=question["question"], max_results=args.top)
        seconds.append(time.perf_counter() - started)
        urls = [hit.url.removeprefix(DOCS) for hit in hits]
        rank = next((i + 1 for i, url in enumerate(urls) if url in question["answers"]), None)
        in_top += rank is not None
        first += rank == 1
        ranks.append(rank)
        if args.verbose or rank is None:
            print(f"{'miss' if rank is None else f'#{rank}  '} {question['question']!r}: {urls}")
    figures = {
        "questions": len(questions),
        "corpus_pages": len(corpus),
        f"answered_in_top_{args.top}": round(in_top / len(questions), 3),
        "answered_at_rank_1": round(first / len(questions), 3),
        "median_search_ms": round(statistics.median(seconds) * 1000, 2),
    }
    print(
        f"{in_top}/{len(questions)} questions answered in the top {args.top} ({in_top / len(questions):.0%}), "
        f"{first} at rank 1 ({first / len(questions):.0%}); median search {figures['median_search_ms']} ms"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
