"""The emulator's search corpus: default pages, ranking quality, excerpts, domains, files, hostile queries."""

from __future__ import annotations

import json
import keyword
from pathlib import Path

import pytest

from parallel_integrations._errors import ParallelValidationError
from parallel_integrations.emulator.corpus import STOPWORDS, Corpus, Hit, Page, terms


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.reference()


def _top(corpus: Corpus, objective: str) -> Hit:
    hits = corpus.search(objective=objective, max_results=3)
    assert hits, f"nothing found for {objective!r}"
    return hits[0]


# --- the language reference (part of the default corpus) ---


def test_the_reference_has_one_page_per_topic(corpus: Corpus) -> None:
    from pydoc_data.topics import topics

    # 'if' and 'else' share one text; every other topic is a page of its own.
    assert len(topics) - 3 <= len(corpus) <= len(topics)
    assert len(corpus) > 50


def test_the_reference_is_built_once(corpus: Corpus) -> None:
    assert Corpus.reference() is corpus


def test_default_pages_have_docs_urls_and_human_titles(corpus: Corpus) -> None:
    hits = corpus.search(objective="statement expression", max_results=40, max_chars_per_result=100)
    assert len(hits) == 40
    for hit in hits:
        assert hit.url.startswith("https://docs.python.org/3/"), hit.url
        assert hit.title.strip()
        assert "*" not in hit.title
        assert '"' not in hit.title
        assert hit.publish_date is None
    urls = {hit.url for hit in corpus.search(objective="function definitions while statement", max_results=40)}
    assert "https://docs.python.org/3/reference/compound_stmts.html#function" in urls
    assert "https://docs.python.org/3/reference/compound_stmts.html#while" in urls


# --- ranking quality ---


@pytest.mark.parametrize(
    "objective",
    ["how do decorators work in Python function definitions", "how do decorators work", "decorators"],
)
def test_decorators_find_function_definitions(corpus: Corpus, objective: str) -> None:
    top = _top(corpus, objective)
    assert top.url == "https://docs.python.org/3/reference/compound_stmts.html#function"
    assert top.title == "Function definitions"
    assert any("decorator" in excerpt.lower() for excerpt in top.excerpts)


@pytest.mark.parametrize(
    ("objective", "anchor"),
    [
        ("while loop", "compound_stmts.html#while"),
        ("string methods", "stdtypes.html#string-methods"),
        ("list comprehension", "expressions.html#lists"),
        ("try except finally clauses", "compound_stmts.html#try"),
        ("f-string format specification mini-language", "string.html#formatstrings"),
        ("operator precedence", "expressions.html#operator-summary"),
        ("import a module", "simple_stmts.html#import"),
        ("generators and yield", "simple_stmts.html#yield"),
        ("augmented assignment +=", "simple_stmts.html#augassign"),
        ("the for statement", "compound_stmts.html#for"),
        ("if elif else", "compound_stmts.html#if"),
    ],
)
def test_objectives_find_their_topic(corpus: Corpus, objective: str, anchor: str) -> None:
    assert _top(corpus, objective).url.endswith(anchor)


# The phrasing users type, "in Python" and all: the page ABOUT the subject comes first.
@pytest.mark.parametrize(
    ("objective", "title"),
    [
        ("how do decorators work in Python", "Function definitions"),
        ("How do decorators work?", "Function definitions"),
        ("What is a decorator?", "Function definitions"),
        ("the Python with statement", "The with statement"),
        ("the for statement", "The for statement"),
        ("the try statement", "The try statement"),
        ("the return statement", "The return statement"),
        ("the global statement", "The global statement"),
        ("the import statement", "The import statement"),
        ("the if statement", "The if statement"),
        ("What does the yield statement do?", "The yield statement"),
        ("context managers", "With Statement Context Managers"),
        ("class definitions and metaclasses", "Class definitions"),
    ],
)
def test_natural_objectives_find_the_page_about_them(corpus: Corpus, objective: str, title: str) -> None:
    assert _top(corpus, objective).title == title


def test_the_match_statement(corpus: Corpus) -> None:
    from pydoc_data.topics import topics

    top = _top(corpus, "the match statement")
    if "match" in topics:
        assert top.title == "The match statement"
    else:  # this CPython documents it only inside the compound statements chapter
        assert top.title == "Compound statements"
        assert any("match" in excerpt for excerpt in top.excerpts)


def test_python_keywords_are_query_words() -> None:
    assert not STOPWORDS & {w.lower() for w in keyword.kwlist + keyword.softkwlist}
    assert terms("the Python with statement") == ["python", "with", "statement"]
    assert terms("how do decorators work in Python") == ["decorators", "in", "python"]
    assert terms("what is the for statement if we try") == ["is", "for", "statement", "if", "try"]
    assert terms("the of a") == ["the", "of", "a"], "a query of only common words still searches"


def test_subject_words_are_ignored_unless_alone(corpus: Corpus) -> None:
    def urls(objective: str) -> list[str]:
        return [hit.url for hit in corpus.search(objective=objective, max_results=5)]

    assert urls("how do decorators work in Python") == urls("how do decorators work")
    assert _top(corpus, "python").title == "pdb — The Python Debugger"
    assert "python" not in corpus.weights("decorators in python")
    pages = [Page("https://s.example/a", "Snakes", "A python is a snake."), Page("https://s.example/b", "B", "Boas.")]
    assert Corpus.from_pages(pages).search(objective="python")[0].title == "Snakes"
    ignored = Corpus.from_pages(pages, subject=["python"])
    assert ignored.search(objective="python snake")[0].title == "Snakes"


def test_words_held_by_fewer_pages_weigh_more(corpus: Corpus) -> None:
    weights = corpus.weights("decorators statement zzqxjv")
    assert 0 < weights["statement"] < weights["decorators"] <= 1
    assert weights["zzqxjv"] == 0


def test_a_page_treating_the_subject_at_length_beats_one_mention() -> None:
    otters = "\n\n".join(
        f"## Part {n}\n\nOtters {fact}, and much more could be said here about their lives along the rivers "
        "and coasts where they hunt, play and raise their young through the seasons of the year." * 2
        for n, fact in enumerate(["swim", "hold hands", "use stones", "eat fish"])
    )
    pages = [
        Page("https://a.example/otters", "Riverside mammals", otters),
        Page("https://b.example/mention", "Misc", "Otters."),
    ]
    hits = Corpus.from_pages(pages).search(objective="otters", max_results=2)
    assert [hit.url for hit in hits] == ["https://a.example/otters", "https://b.example/mention"]


def test_a_section_repeated_on_an_overview_belongs_to_its_own_page() -> None:
    section = "Herons stand still in shallow water to fish, then strike with their long bills."
    overview = f"# Birds\n\n## Herons\n\n{section}\n\n## Larks\n\nLarks sing at dawn.\n\n## Owls\n\nOwls hunt."
    pages = [Page("https://b.example/birds", "Birds", overview), Page("https://b.example/herons", "Herons", section)]
    hits = Corpus.from_pages(pages).search(objective="fish bills", max_results=2)
    assert [hit.url for hit in hits] == ["https://b.example/herons"]


def test_a_see_also_list_counts_less_than_prose() -> None:
    pages = [
        Page("https://w.example/a", "A", "See also: the widget guide."),
        Page("https://w.example/b", "B", "Gadgets are described in the widget guide."),
        *(Page(f"https://w.example/{n}", "Other", "Gadgets only.") for n in range(3)),
    ]
    assert [hit.url for hit in Corpus.from_pages(pages).search(objective="widgets")] == [
        "https://w.example/b",
        "https://w.example/a",
    ]


def test_a_word_found_on_every_page_weighs_little() -> None:
    # "gizmo" is in few passages (so BM25 rates it) but on every page; "sprocket" is on one page only.
    filler = "Nothing much happens in this paragraph about the weather, the river and the hills today."

    def page(n: int, special: str) -> Page:
        parts = [f"## Part {i}\n\n{filler} Note {n} {i}." for i in range(6)]
        return Page(f"https://g.example/{n}", f"Page {n}", "\n\n".join([*parts, f"## Extra\n\n{special}"]))

    pages = [page(n, f"A gizmo sits here, number {n}.") for n in range(8)]
    pages.append(page(8, "Gizmo gizmo gizmo: the gizmo room is full of gizmo boxes."))
    pages.append(page(9, f"{filler} {filler} Somewhere in the back a sprocket was found, among other things."))
    assert Corpus.from_pages(pages).search(objective="gizmo sprocket")[0].url == "https://g.example/9"


def test_match_gives_pages_with_their_passages_and_coverage(corpus: Corpus) -> None:
    top, *rest = corpus.match("the for statement", limit=3)
    assert top.page.title == "The for statement"
    assert top.title_match == 1.0
    assert top.coverage == 1.0
    assert top.passages
    assert all(text in top.sections for text, _ in top.passages)
    assert top.sections[0].startswith('The "for" statement is used to iterate')
    assert all(m.score <= top.score and m.title_match < 1.0 for m in rest)
    assert corpus.match("zzqxjv") == []


def test_queries_alone_search_too(corpus: Corpus) -> None:
    hits = corpus.search(queries=["lambda expression", "anonymous function"])
    assert hits[0].url.endswith("#lambda")


def test_results_are_ranked_by_decreasing_positive_score(corpus: Corpus) -> None:
    hits = corpus.search(objective="class definitions and metaclasses", max_results=10)
    scores = [hit.score for hit in hits]
    assert all(score > 0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    assert len({hit.url for hit in hits}) == len(hits)


def test_nothing_matching_gives_no_results(corpus: Corpus) -> None:
    assert corpus.search(objective="zzqxjv wqpfk") == []


# --- excerpts and limits ---


@pytest.mark.parametrize("budget", [1, 5, 50, 120, 600, 1500, 5000])
def test_excerpts_together_fit_max_chars_per_result(corpus: Corpus, budget: int) -> None:
    hits = corpus.search(objective="function call arguments keyword", max_chars_per_result=budget)
    assert hits
    for hit in hits:
        assert hit.excerpts, "every result carries at least one excerpt"
        assert sum(len(e) for e in hit.excerpts) <= budget


def test_cut_excerpt_ends_on_a_word_with_an_ellipsis(corpus: Corpus) -> None:
    hit = corpus.search(objective="decorators", max_chars_per_result=200)[0]
    last = hit.excerpts[-1]
    assert last.endswith(" ...")
    assert not last[:-4].endswith(" ")
    full = corpus.search(objective="decorators", max_chars_per_result=100_000)[0]
    assert full.excerpts[0].startswith(hit.excerpts[0][:-4])


def test_excerpts_are_best_passages_first(corpus: Corpus) -> None:
    hit = corpus.search(objective="decorator expressions evaluated", max_chars_per_result=5000)[0]
    assert len(hit.excerpts) > 1
    assert "decorator" in hit.excerpts[0].lower()


@pytest.mark.parametrize("max_results", [1, 2, 7])
def test_max_results_is_honoured(corpus: Corpus, max_results: int) -> None:
    assert len(corpus.search(objective="statement", max_results=max_results)) == max_results


@pytest.mark.parametrize(
    "kwargs",
    [
        {"objective": None},
        {"objective": "   ", "queries": ["", " "]},
        {"objective": "loops", "max_results": 0},
        {"objective": "loops", "max_chars_per_result": 0},
    ],
)
def test_bad_arguments_raise_a_named_error(corpus: Corpus, kwargs: dict[str, object]) -> None:
    with pytest.raises(ParallelValidationError) as caught:
        corpus.search(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field in ("objective", "max_results", "max_chars_per_result")


@pytest.mark.parametrize(
    "objective",
    [
        'say "hello',
        "(unbalanced",
        "a AND OR NOT b",
        "NEAR(x y)",
        "prefix*",
        "-negated",
        "title:colon",
        "^caret {braces} [brackets]",
        '\'single\' "double" ""',
        "***",
        "__init__ __getattr__",
        "日本語 naïve café",
    ],
)
def test_query_syntax_from_users_never_breaks_the_match(corpus: Corpus, objective: str) -> None:
    hits = corpus.search(objective=objective, queries=[objective])
    assert isinstance(hits, list)
    corpus.passages(objective)


def test_words_with_operators_still_match(corpus: Corpus) -> None:
    hits = corpus.search(objective='"while" AND (loop) -- NOT: else*')
    assert hits[0].url.endswith("#while")


def test_search_is_deterministic(corpus: Corpus) -> None:
    args = {"objective": "how are objects compared for equality", "max_results": 15}
    first = corpus.search(**args)  # type: ignore[arg-type]
    fresh = Corpus.from_pages([])  # another connection must not change anything
    assert len(fresh) == 0
    assert corpus.search(**args) == first  # type: ignore[arg-type]


def test_ties_are_broken_by_url() -> None:
    text = "Identical text about widgets."
    pages = [Page(f"https://example.com/{name}", "Same", text) for name in ("c", "a", "b")]
    hits = Corpus.from_pages(pages).search(objective="widgets")
    # A passage repeated on several pages is credited once, to the first page in URL order.
    assert [hit.url for hit in hits] == ["https://example.com/a"]
    distinct = [Page(f"https://example.com/{n}", "Same", f"Widgets, copy {n}.") for n in ("c", "a", "b")]
    urls = [hit.url for hit in Corpus.from_pages(distinct).search(objective="widgets")]
    assert urls == sorted(urls)


# --- domains ---


@pytest.fixture(scope="module")
def web() -> Corpus:
    def page(url: str) -> Page:
        return Page(url, f"Rivers at {url}", f"Rivers carry water to the sea, says {url}. Salmon swim up rivers.")

    return Corpus.from_pages(
        page(url)
        for url in (
            "https://www.python.org/rivers",
            "https://docs.python.org/3/library/rivers.html",
            "https://docs.python.org/3/reference/rivers.html",
            "https://usgs.gov/rivers",
            "https://water.usgs.gov/rivers",
            "https://example.com/rivers",
            "https://notpython.org/rivers",
            "file:///tmp/rivers.md",
        )
    )


def _urls(corpus: Corpus, **kwargs: list[str]) -> set[str]:
    return {hit.url for hit in corpus.search(objective="rivers salmon", max_results=40, **kwargs)}


def test_include_apex_domain_matches_subdomains(web: Corpus) -> None:
    assert _urls(web, include_domains=["python.org"]) == {
        "https://www.python.org/rivers",
        "https://docs.python.org/3/library/rivers.html",
        "https://docs.python.org/3/reference/rivers.html",
    }


def test_include_suffix_and_path_prefix(web: Corpus) -> None:
    assert _urls(web, include_domains=[".gov"]) == {"https://usgs.gov/rivers", "https://water.usgs.gov/rivers"}
    assert _urls(web, include_domains=["docs.python.org/3/library"]) == {
        "https://docs.python.org/3/library/rivers.html"
    }
    assert _urls(web, include_domains=["docs.python.org/3/lib"]) == set()
    assert _urls(web, include_domains=["https://www.example.com/"]) == {"https://example.com/rivers"}


def test_exclude_domains(web: Corpus) -> None:
    left = _urls(web, exclude_domains=["python.org", "usgs.gov"])
    assert left == {"https://example.com/rivers", "https://notpython.org/rivers", "file:///tmp/rivers.md"}


def test_exclude_is_ignored_when_include_is_given(web: Corpus) -> None:
    assert _urls(web, include_domains=["example.com"], exclude_domains=["example.com"]) == {
        "https://example.com/rivers"
    }


def test_file_urls_match_no_include_domain(web: Corpus) -> None:
    assert _urls(web, include_domains=["tmp", "rivers.md", "localhost"]) == set()


# --- corpora from files ---


def test_folder_corpus_reads_markdown_text_and_html(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "guide.md").write_text("# Otter Guide\n\nOtters hold hands while sleeping.\n")
    (tmp_path / "sub" / "notes.txt").write_text(
        "---\nurl: https://example.org/notes\ntitle: Field Notes\npublish_date: 2024-05-01\n---\nBeavers build dams.\n"
    )
    (tmp_path / "sub" / "page.html").write_text(
        "<html><head><title>Heron Facts</title><style>.heron{}</style><script>var heron = 1;</script>"
        "</head><body><h1>Herons</h1><p>Herons <b>stand</b> still\n to fish.</p></body></html>"
    )
    (tmp_path / "plain_file.txt").write_text("Kingfishers dive.\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    corpus = Corpus.from_path(tmp_path)
    assert len(corpus) == 4

    otter = corpus.search(objective="otters sleeping")[0]
    assert otter.title == "Otter Guide"
    assert otter.url == (tmp_path / "guide.md").resolve().as_uri()

    beaver = corpus.search(objective="beavers")[0]
    assert (beaver.url, beaver.title, beaver.publish_date) == ("https://example.org/notes", "Field Notes", "2024-05-01")
    assert beaver.excerpts == ["Beavers build dams."]

    heron = corpus.search(objective="herons fish")[0]
    assert heron.title == "Heron Facts"
    assert heron.excerpts == ["Herons\n\nHerons stand still to fish."]  # under its section heading
    assert corpus.search(objective="var heron style")
    assert not corpus.search(queries=["var"]), "script text is not indexed"

    assert corpus.search(objective="kingfishers")[0].title == "plain file"


def test_jsonl_corpus(tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl"
    records = [
        {"url": "https://a.example/1", "title": "Alpha", "text": "Alpacas graze.", "publish_date": "2023-01-02"},
        {"url": "https://b.example/2", "text": "Bison roam."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n")
    corpus = Corpus.from_path(str(path))
    assert len(corpus) == 2
    alpaca = corpus.search(objective="alpacas")[0]
    assert (alpaca.title, alpaca.publish_date) == ("Alpha", "2023-01-02")
    assert corpus.search(objective="bison")[0].title == "https://b.example/2"


@pytest.mark.parametrize("line", ["{not json", "[1, 2]", '{"url": "https://x"}', '{"url": 1, "text": "t"}'])
def test_bad_jsonl_line_is_named(tmp_path: Path, line: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"url": "https://ok", "text": "fine"}\n' + line + "\n")
    with pytest.raises(ParallelValidationError, match=r"bad.jsonl line 2"):
        Corpus.from_path(path)


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Corpus.from_path(tmp_path / "nope")
    (tmp_path / "x.png").write_bytes(b"")
    with pytest.raises(ParallelValidationError):
        Corpus.from_path(tmp_path)


def test_markdown_sections_become_heading_context() -> None:
    text = "# Birds\n\nIntro.\n\n## Owls\n\nOwls hunt at night.\n\n```\n# not a heading\nowl = 1\n```\n"
    corpus = Corpus.from_pages([Page("https://birds.example", "Birds", text)])
    hit = corpus.search(objective="owls")[0]
    assert "Owls hunt at night." in hit.excerpts[0] or "Owls hunt at night." in hit.excerpts
    code = corpus.search(queries=["owl"], max_chars_per_result=5000)[0]
    assert any("# not a heading\nowl = 1" in excerpt for excerpt in code.excerpts)


# --- passages for synthesis ---


def test_passages_are_best_first_and_bounded(corpus: Corpus) -> None:
    found = corpus.passages("decorator function definition", limit=4, max_chars=150)
    assert 1 <= len(found) <= 4
    page, text, _ = found[0]
    assert page.title == "Function definitions"
    assert len(text) <= 150
    scores = [s for _, _, s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    assert len({t for _, t, _ in found}) == len(found)
    assert corpus.passages("") == []
