"""Task-run output synthesis: JSON that follows the schema, text with citations, a basis for every field."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from parallel_integrations._models import TaskRunJsonOutput, TaskRunTextOutput
from parallel_integrations.emulator.corpus import Corpus, Page
from parallel_integrations.emulator.documents import clean_sentence, sentences
from parallel_integrations.emulator.synth import synthesize

QUESTION = "How do decorators work in Python function definitions?"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.default()


def _errors(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema``: the subset of JSON Schema that output schemas use."""
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        return _errors(value, target, root, path)
    if "anyOf" in schema:
        tries = [_errors(value, branch, root, path) for branch in schema["anyOf"]]
        return [] if any(not t for t in tries) else [f"{path}: matches no anyOf branch: {tries}"]
    if "const" in schema:
        return [] if value == schema["const"] else [f"{path}: not the const {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} not in enum"]
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    if kinds and not any(checks[k](value) for k in kinds):
        return [f"{path}: {value!r} is not {kinds}"]
    errors: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: extra {k}" for k in value if k not in props]
        for key, sub in props.items():
            if key in value:
                errors += _errors(value[key], sub, root, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += _errors(item, schema["items"], root, f"{path}[{i}]")
    return errors


def _strict(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        **extra,
    }


NESTED = _strict(
    {
        "summary": {"type": "string", "description": "How decorators are applied to a function"},
        "pep_number": {"type": "integer", "description": "The PEP that relaxed the decorator grammar"},
        "version": {"type": "number", "description": "Python version in which the decorator grammar changed"},
        "evaluated_at_definition": {
            "type": "boolean",
            "description": "Whether decorator expressions are evaluated when the function is defined",
        },
        "construct": {"type": "string", "enum": ["loop", "expression", "module"], "description": "kind of construct"},
        "related": {
            "type": "array",
            "items": _strict(
                {
                    "name": {"type": "string"},
                    "url": {"type": "string"},
                    "detail": {"type": "string", "description": "what the page says about decorators"},
                    "year": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                }
            ),
        },
        "keywords": {"type": "array", "items": {"type": "string"}},
        "maybe": {"type": ["string", "null"], "description": "anything about decorators"},
        "origin": {"$ref": "#/$defs/Origin"},
        "format_version": {"const": "v1"},
    },
    **{"$defs": {"Origin": _strict({"title": {"type": "string"}, "pages": {"type": "integer"}})}},
)


def test_nested_schema_output_validates(corpus: Corpus) -> None:
    synthesis = synthesize(corpus, QUESTION, NESTED)
    content = synthesis.content
    assert isinstance(content, dict)
    assert _errors(content, NESTED, NESTED) == []
    assert list(content) == list(NESTED["properties"])


def test_values_come_from_the_best_passages(corpus: Corpus) -> None:
    content = synthesize(corpus, QUESTION, NESTED).content
    assert isinstance(content, dict)
    assert "decorat" in content["summary"].lower()
    assert content["evaluated_at_definition"] is True
    assert content["construct"] == "expression"
    assert content["format_version"] == "v1"
    assert content["maybe"] is not None
    assert 1 <= len(content["related"]) <= 3
    first = content["related"][0]
    assert first["url"].startswith("https://docs.python.org/3/")
    assert first["name"] in {"Function definitions", "Class definitions"}
    assert len(set(content["keywords"])) == len(content["keywords"]) > 0


def test_basis_covers_each_top_level_field_with_corpus_citations(corpus: Corpus) -> None:
    synthesis = synthesize(corpus, QUESTION, NESTED)
    top = [b for b in synthesis.basis if "." not in b.field]
    assert [b.field for b in top] == list(NESTED["properties"])
    urls = {hit.url for hit in corpus.search(objective="statement expression definition", max_results=40)}
    pages_by_url = {hit.url: hit.title for hit in corpus.search(objective=QUESTION, max_results=40)}
    for basis in top:
        assert basis.reasoning
        assert basis.confidence in {"high", "medium", "low"}
        for citation in basis.citations:
            assert citation.url in urls | set(pages_by_url)
            assert citation.title
            assert citation.excerpts
    summary = next(b for b in top if b.field == "summary")
    assert summary.citations[0].url.endswith("#function")
    assert "Function definitions" in summary.reasoning
    assert re.search(r"BM25 score \d+\.\d", summary.reasoning)
    assert summary.confidence == "high"


def test_array_elements_get_their_own_basis(corpus: Corpus) -> None:
    synthesis = synthesize(corpus, QUESTION, NESTED)
    content = synthesis.content
    assert isinstance(content, dict)
    fields = [b.field for b in synthesis.basis]
    assert [f for f in fields if f.startswith("related.")] == [f"related.{i}" for i in range(len(content["related"]))]
    output = synthesis.output()
    assert isinstance(output, TaskRunJsonOutput)
    assert output.basis_for("related.0").citations
    assert output.basis_for("related.0.name") is output.basis_for("related.0")


def test_numbers_are_read_from_the_passage(corpus: Corpus) -> None:
    content = synthesize(corpus, QUESTION, NESTED).content
    assert isinstance(content, dict)
    assert content["pep_number"] == 614  # "see PEP 614 for details"
    assert content["version"] == 3.9  # "Changed in version 3.9"


def test_nothing_matching_gives_null_and_empty_values(corpus: Corpus) -> None:
    # Field names are part of each field's query, so these ones are as meaningless as the input.
    schema = _strict(
        {
            "qq_zv": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "qq_zw": {"type": "integer"},
            "qq_zx": {"type": "array", "items": {"type": "string"}},
            "qq_zy": {"enum": ["b", "a"]},
            "qq_zz": {"type": "boolean"},
            "qq_zo": {"type": "object", "properties": {"qq_s": {"type": "string"}, "qq_n": {"type": "number"}}},
        }
    )
    synthesis = synthesize(corpus, "zzqxjv wqpfk", schema)
    expected = {"qq_zv": None, "qq_zw": 0, "qq_zx": [], "qq_zy": "b", "qq_zz": False, "qq_zo": {"qq_s": "", "qq_n": 0}}
    assert synthesis.content == expected
    assert all(b.confidence == "low" and not b.citations for b in synthesis.basis)
    assert _errors(synthesis.content, schema, schema) == []


def test_integer_without_a_number_counts_matching_pages() -> None:
    pages = [
        Page(f"https://zoo.example/{n}", f"Zoo {n}", f"Giraffes eat acacia leaves, says keeper {n}.") for n in "abc"
    ]
    pages.append(Page("https://zoo.example/d", "Zoo d", "Penguins swim."))
    schema = _strict({"giraffe_sources": {"type": "integer", "description": "how many sources mention giraffes"}})
    synthesis = synthesize(Corpus.from_pages(pages), "giraffes acacia", schema)
    assert synthesis.content == {"giraffe_sources": 3}
    assert "3 matching pages" in synthesis.basis[0].reasoning


def test_enum_follows_the_passages() -> None:
    corpus = Corpus.from_pages(
        [
            Page("https://birds.example/owl", "Owls", "Owls hunt at night. Owls are nocturnal birds of prey."),
            Page("https://birds.example/lark", "Larks", "Larks sing at dawn in open fields."),
        ]
    )
    schema = _strict({"activity": {"enum": ["diurnal", "nocturnal", "crepuscular"], "description": "when active"}})
    assert synthesize(corpus, "owls hunting", schema).content == {"activity": "nocturnal"}


def test_dict_input_uses_keys_and_values(corpus: Corpus) -> None:
    schema = _strict({"answer": {"type": "string"}})
    synthesis = synthesize(corpus, {"statement": "while", "topic": "loop else clause"}, schema)
    assert synthesis.basis[0].citations[0].url.endswith("#while")
    text = synthesize(corpus, {"topic": "while loop", "aspect": "else clause"}, None)
    assert text.basis[0].citations[0].url.endswith("#while")


def test_text_output_is_a_cited_summary(corpus: Corpus) -> None:
    synthesis = synthesize(corpus, QUESTION, None, text_description="A short answer")
    output = synthesis.output()
    assert isinstance(output, TaskRunTextOutput)
    body, _, sources = output.content.partition("**Sources**")
    cited = sorted(set(re.findall(r"\[(\d+)\]", body)))
    assert cited == ["1", "2", "3"][: len(cited)]
    assert cited
    assert [b.field for b in output.basis] == ["output"]
    basis = output.basis[0]
    assert len(basis.citations) == len(cited)
    for n, citation in zip(cited, basis.citations, strict=True):
        assert f"[{n}] {citation.title} - {citation.url}" in sources
    assert basis.citations[0].url.endswith("#function")
    assert basis.confidence in {"high", "medium"}


def test_text_with_nothing_found_says_so(corpus: Corpus) -> None:
    synthesis = synthesize(corpus, "zzqxjv", None)
    assert isinstance(synthesis.content, str)
    assert "nothing" in synthesis.content
    assert synthesis.basis[0].field == "output"
    assert synthesis.basis[0].confidence == "low"
    assert synthesis.basis[0].citations == []


def test_synthesis_is_deterministic(corpus: Corpus) -> None:
    schema = copy.deepcopy(NESTED)
    first = synthesize(corpus, QUESTION, schema).output().model_dump()
    assert synthesize(corpus, QUESTION, schema).output().model_dump() == first
    assert schema == NESTED, "the schema is not modified"
    text = synthesize(corpus, QUESTION, None).output().model_dump()
    assert synthesize(corpus, QUESTION, None).output().model_dump() == text


def test_recursive_schema_stops() -> None:
    corpus = Corpus.from_pages([Page("https://t.example", "Trees", "Trees have branches and leaves.")])
    schema = {
        "type": "object",
        "properties": {"root": {"$ref": "#/$defs/Node"}},
        "$defs": {
            "Node": {"type": "object", "properties": {"label": {"type": "string"}, "child": {"$ref": "#/$defs/Node"}}}
        },
    }
    content = synthesize(corpus, "tree branches", schema).content
    assert isinstance(content, dict)
    depth, node = 0, content["root"]
    while isinstance(node, dict) and "child" in node:
        depth, node = depth + 1, node["child"]
    assert 3 < depth < 12
    assert _errors(content, schema, schema) == []


# --- answers a user sees: the Statement schema of the cookbook ---

STATEMENT = _strict(
    {
        "keyword": {"type": "string", "description": "the keyword that introduces the statement"},
        "summary": {"type": "string", "description": "what the statement does, in one sentence"},
        "reference_url": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "the documentation page that describes it",
        },
    }
)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("run_input", "keyword", "anchor"),
    [
        ("the Python with statement", "with", "compound_stmts.html#with"),
        ("the for statement", "for", "compound_stmts.html#for"),
        ("the try statement", "try", "compound_stmts.html#try"),
        ("the return statement", "return", "simple_stmts.html#return"),
    ],
)
def test_statement_answers_come_from_the_statements_page(
    corpus: Corpus, run_input: str, keyword: str, anchor: str
) -> None:
    synthesis = synthesize(corpus, run_input, STATEMENT)
    content = synthesis.content
    assert isinstance(content, dict)
    assert _errors(content, STATEMENT, STATEMENT) == []
    url = f"https://docs.python.org/3/reference/{anchor}"
    assert content["reference_url"] == url
    assert content["keyword"] == keyword
    page = next(m.page for m in corpus.match(run_input, limit=1))
    summary = content["summary"]
    assert page.url == url
    assert summary.rstrip(".") in _flat(page.text), "the summary is a sentence of that page"
    assert summary[:1].isupper() or summary.startswith('"'), summary
    assert summary.endswith("."), summary
    assert not re.search(r"[.!?] [A-Z]", summary), f"more than one sentence: {summary}"
    assert "::=" not in summary
    assert not summary.startswith("See also")
    assert keyword in summary
    for basis in synthesis.basis:
        assert [c.url for c in basis.citations] == [url], basis.field
        assert basis.confidence == "high", basis.field
        excerpts = [_flat(e.removesuffix(" ...")) for c in basis.citations for e in c.excerpts or []]
        assert excerpts, basis.field
        assert all(e in _flat(page.text) for e in excerpts), basis.field


def test_field_words_choose_within_the_inputs_pages_only(corpus: Corpus) -> None:
    # Descriptions that name other topics do not pull their pages in: the input decides the page.
    schema = _strict(
        {
            "debugger_note": {"type": "string", "description": "what the Python debugger pdb says about it"},
            "decorator_note": {"type": "string", "description": "decorators and class definitions"},
        }
    )
    synthesis = synthesize(corpus, "the for statement", schema)
    assert {c.url for b in synthesis.basis for c in b.citations} == {
        "https://docs.python.org/3/reference/compound_stmts.html#for"
    }


def test_the_summary_sentence_follows_the_field(corpus: Corpus) -> None:
    schema = _strict({"what_else_clause_does": {"type": "string", "description": "when the else clause runs"}})
    content = synthesize(corpus, "the for statement", schema).content
    assert isinstance(content, dict)
    assert '"else"' in content["what_else_clause_does"]


def test_text_output_comes_from_the_top_pages(corpus: Corpus) -> None:
    synthesis = synthesize(corpus, "the Python with statement", None)
    assert isinstance(synthesis.content, str)
    first = synthesis.content.split(" [1]")[0]
    assert first.startswith('The "with" statement is used to wrap the execution of a block')
    urls = [c.url for c in synthesis.basis[0].citations]
    assert urls == [m.page.url for m in corpus.match("the Python with statement", limit=3)][:1]
    assert urls[0].endswith("#with")
    assert "[2]" not in synthesis.content  # the runners-up share only "statement" with the question


def test_text_output_quotes_every_page_close_to_the_best(corpus: Corpus) -> None:
    question = "What is a decorator?"
    pages = corpus.match(question, limit=3)
    close = [m.page.url for m in pages if m.score >= 0.75 * pages[0].score]
    assert len(close) >= 2  # the question is answered by more than one page
    synthesis = synthesize(corpus, question, None)
    assert [c.url for c in synthesis.basis[0].citations] == close
    assert isinstance(synthesis.content, str)
    assert all(f"[{n}]" in synthesis.content for n in range(1, len(close) + 1))


def test_citation_excerpts_leave_grammar_productions_out(corpus: Corpus) -> None:
    schema = _strict({"keyword": {"type": "string"}})
    synthesis = synthesize(corpus, "the for statement", schema)
    excerpts = [e for b in synthesis.basis for c in b.citations or [] for e in c.excerpts or []]
    assert excerpts
    assert all("::=" not in e for e in excerpts)


def test_a_code_name_is_preferred_to_a_word_of_the_page_title(corpus: Corpus) -> None:
    content = synthesize(corpus, "the built-in map", _strict({"function": {"type": "string"}})).content
    assert content == {"function": "map"}


def test_arrays_take_one_item_per_page_without_repeats(corpus: Corpus) -> None:
    schema = _strict({"statements": {"type": "array", "items": _strict({"keyword": {"type": "string"}})}})
    content = synthesize(corpus, "loops: the for statement and the while statement", schema).content
    assert isinstance(content, dict)
    keywords = [item["keyword"] for item in content["statements"]]
    assert keywords[:2] in (["for", "while"], ["while", "for"])
    assert len(set(keywords)) == len(keywords)


def test_a_nullable_number_not_stated_is_null(corpus: Corpus) -> None:
    schema = _strict({"year_released": {"anyOf": [{"type": "integer"}, {"type": "null"}]}})
    synthesis = synthesize(corpus, "the for statement", schema)
    assert synthesis.content == {"year_released": None}
    assert "no number" in synthesis.basis[0].reasoning


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("See also: **PEP 614** relaxed *decorator* grammar.", "PEP 614 relaxed decorator grammar."),
        ("* A [link](https://example.com) in a   list item", "A link in a list item"),
        ('The "for" statement is used to iterate:', 'The "for" statement is used to iterate.'),
        ("Parameters *args and **kwargs stay as they are.", "Parameters *args and **kwargs stay as they are."),
    ],
)
def test_sentences_are_cleaned(raw: str, clean: str) -> None:
    assert clean_sentence(raw) == clean


def test_sentences_split_and_flag_prose() -> None:
    passage = (
        "Decorators wrap functions, e.g. caching ones. They run once.\n\n"
        '   funcdef ::= [decorators] "def" funcname\n\n'
        "Changed in version 3.9: Any expression is allowed."
    )
    assert sentences(passage) == (
        (True, "Decorators wrap functions, e.g. caching ones."),
        (False, "They run once."),
        (False, 'funcdef ::= [decorators] "def" funcname'),
        (False, "Changed in version 3.9: Any expression is allowed."),
    )
