"""Nodes and documents built without validation equal the ones LlamaIndex's validating constructors build from the
same parts: same type, fields, set fields, id, hash and dump; and each owns its dicts and lists."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from llama_index.core.bridge.pydantic import PrivateAttr, ValidationError
from llama_index.core.schema import (
    BaseNode,
    Document,
    MediaResource,
    MetadataMode,
    NodeRelationship,
    NodeWithScore,
    TextNode,
)
from pydantic import BaseModel, ConfigDict, field_validator

from parallel_integrations import SearchResponse, TaskRunResult
from parallel_integrations.documents import DocumentParts, citation_documents, search_documents
from parallel_integrations.llama_index import _convert
from parallel_integrations.llama_index._assemble import Blueprint

QUERY = "how do context managers work"


def search_response() -> SearchResponse:
    return SearchResponse.model_validate(
        {
            "search_id": "search_1",
            "results": [
                {
                    "url": f"https://example.org/{n}",
                    "title": f"Page {n}" if n != 2 else None,
                    "publish_date": "2024-05-01" if n == 1 else None,
                    "excerpts": [f"first excerpt of {n}", "ünïcode — and more"] if n != 3 else [],
                }
                for n in range(1, 5)
            ],
        }
    )


def task_result() -> TaskRunResult:
    citation = {"url": "https://a.example/with", "title": "With", "excerpts": ["The with statement"]}
    return TaskRunResult.model_validate(
        {
            "run": {"run_id": "trun_1", "status": "completed", "is_active": False, "processor": "base"},
            "output": {
                "type": "json",
                "content": {"keyword": "with"},
                "basis": [
                    {"field": "keyword", "reasoning": "Named.", "confidence": "high", "citations": [citation]},
                    {
                        "field": "other",
                        "reasoning": "",
                        "confidence": None,
                        "citations": [{"url": "https://b.example"}],
                    },
                ],
            },
        }
    )


def validated(kind: type[BaseNode], parts: DocumentParts, embed: tuple[str, ...], llm: tuple[str, ...]) -> Any:
    """What the conversion must equal: the parts through the class's own validating constructor."""
    return kind(
        id_=parts.id,
        text=parts.text,
        metadata=dict(parts.metadata),
        excluded_embed_metadata_keys=list(embed),
        excluded_llm_metadata_keys=list(llm),
    )


def assert_same(built: BaseModel, reference: BaseModel) -> None:
    assert type(built) is type(reference)
    assert built == reference
    assert list(built.__dict__) == list(reference.__dict__)
    assert built.model_fields_set == reference.model_fields_set
    assert built.model_dump() == reference.model_dump()
    assert built.model_dump(exclude_unset=True) == reference.model_dump(exclude_unset=True)
    assert built.__pydantic_extra__ == reference.__pydantic_extra__
    assert built.__pydantic_private__ == reference.__pydantic_private__
    if isinstance(built, BaseNode) and isinstance(reference, BaseNode):
        assert (built.node_id, built.hash) == (reference.node_id, reference.hash)
        assert built.get_content(MetadataMode.ALL) == reference.get_content(MetadataMode.ALL)
    if isinstance(built, Document) and isinstance(reference, Document):
        assert (built.text, built.doc_id) == (reference.text, reference.doc_id)
        if reference.text_resource is not None:
            assert built.text_resource is not None
            assert_same(built.text_resource, reference.text_resource)


def test_search_nodes_equal_validated_nodes() -> None:
    response = search_response()
    nodes = _convert.search_result_nodes(response, QUERY)
    parts = search_documents(response, QUERY)
    assert len(nodes) == len(parts) == 4
    for rank, (node, part) in enumerate(zip(nodes, parts, strict=True), 1):
        reference = NodeWithScore(
            node=validated(TextNode, part, _convert.SEARCH_EMBED_EXCLUDED, _convert.SEARCH_LLM_EXCLUDED),
            score=1.0 / rank,
        )
        assert_same(node, reference)
        assert_same(node.node, reference.node)


def test_search_documents_equal_validated_documents_an_empty_text_included() -> None:
    response = search_response()
    documents = _convert.search_result_documents(response, QUERY)
    parts = search_documents(response, QUERY)
    assert documents[2].text == ""  # the result without excerpts
    assert documents[2].text_resource is None
    for document, part in zip(documents, parts, strict=True):
        reference = validated(Document, part, _convert.SEARCH_EMBED_EXCLUDED, _convert.SEARCH_LLM_EXCLUDED)
        assert_same(document, reference)


def test_task_documents_and_citation_nodes_equal_validated_ones() -> None:
    result = task_result()
    parts = citation_documents(result)
    for node, part in zip(_convert.citation_nodes(result), parts, strict=True):
        reference = validated(TextNode, part, _convert.CITATION_EMBED_EXCLUDED, _convert.CITATION_LLM_EXCLUDED)
        assert_same(node.node, reference)
        assert node.score == _convert.confidence_score(part.metadata["confidence"])
    answer, *citations = _convert.task_documents(result, QUERY, answer_as="document")
    for document, part in zip(citations, parts, strict=True):
        reference = validated(Document, part, _convert.CITATION_EMBED_EXCLUDED, _convert.CITATION_LLM_EXCLUDED)
        assert_same(document, reference)
    answer_parts = DocumentParts(id=answer.id_, text=answer.text, metadata=dict(answer.metadata))
    assert_same(answer, validated(Document, answer_parts, _convert.ANSWER_EMBED_EXCLUDED, _convert.ANSWER_LLM_EXCLUDED))


def test_each_node_owns_its_dicts_and_lists() -> None:
    first, second = (n.node for n in _convert.search_result_nodes(search_response(), QUERY)[:2])
    for name in ("metadata", "excluded_embed_metadata_keys", "excluded_llm_metadata_keys", "relationships"):
        assert getattr(first, name) is not getattr(second, name), name
    first.relationships[NodeRelationship.SOURCE] = second.as_related_node_info()
    first.excluded_llm_metadata_keys.append("url")
    first.metadata["extra"] = 1
    assert second.relationships == {}
    assert "url" not in second.excluded_llm_metadata_keys
    assert "extra" not in second.metadata
    # The search's own parts are built again per call: a second conversion is untouched by the edits above.
    again = _convert.search_result_nodes(search_response(), QUERY)[0].node
    assert "extra" not in again.metadata


def test_built_nodes_are_whole_pydantic_models() -> None:
    node = _convert.search_result_nodes(search_response(), QUERY)[0].node
    with pytest.raises(ValidationError):
        node.text = 5  # type: ignore[assignment]  # assignment is still validated
    assert pickle.loads(pickle.dumps(node)) == node
    assert TextNode.model_validate(node.model_dump()) == node
    document = _convert.search_result_documents(search_response(), QUERY)[0]
    assert Document.model_validate(document.model_dump()) == document
    assert TextNode.model_validate_json(node.model_dump_json()) == node


class WithPrivate(BaseModel):
    name: str
    _seen: int = PrivateAttr(default=0)


class WithValidator(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()


class WithValidatedDefault(BaseModel):
    model_config = ConfigDict(validate_default=True)
    name: str = "x"


def test_a_model_beyond_the_blueprint_is_built_by_its_validating_constructor() -> None:
    blueprint = Blueprint(WithPrivate)
    assert blueprint.validates
    assert blueprint.build({"name": "x"}) == WithPrivate(name="x")
    with pytest.raises(ValidationError):
        blueprint.build({"name": 5})
    assert Blueprint(WithValidator).build({"name": " x "}).name == "x"
    assert Blueprint(WithValidatedDefault).validates
    assert Blueprint(MediaResource).validates  # its mimetype and data validators
    assert not Blueprint(TextNode).validates
    assert not Blueprint(Document).validates


class WithListDefault(BaseModel):
    names: list[str] = []  # pydantic copies it per instance


def test_a_blueprint_refuses_an_unknown_field_and_a_missing_required_one() -> None:
    with pytest.raises(ValueError, match="TextNode: 'txt' is no field"):
        Blueprint(TextNode).build({"id_": "x", "txt": "a typo"})
    scored = Blueprint(NodeWithScore)
    assert not scored.validates
    with pytest.raises(ValueError, match="NodeWithScore: 'node' is no field, or a required one missing"):
        scored.build({"score": 0.5})
    node = TextNode(text="a")
    assert_same(scored.build({"node": node, "score": 0.5}), NodeWithScore(node=node, score=0.5))


def test_a_mutable_plain_default_sends_a_model_through_its_constructor() -> None:
    blueprint = Blueprint(WithListDefault)
    assert blueprint.validates
    first, second = blueprint.build({}), blueprint.build({})
    first.names.append("x")
    assert second.names == []
