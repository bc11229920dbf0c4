"""The schema compiler, the schema check, output specs and output parsing."""

from __future__ import annotations

import copy
import enum
import json
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, RootModel, create_model

from parallel_integrations._errors import OutputValidationError, SchemaError
from parallel_integrations._models import AutoSchema, JsonSchema, TaskRunResult, TextSchema
from parallel_integrations._parse import parse_output, validate_content
from parallel_integrations._schema import (
    UNSUPPORTED_KEYWORDS,
    check_schema,
    output_spec,
    schema_warnings,
    to_json_schema,
)


class Sector(enum.Enum):
    TECH = "tech"
    HEALTH = "health"


class Person(BaseModel):
    """Someone who runs the company."""

    name: str = Field(description="Full name")
    title: str | None = None


class Company(BaseModel):
    name: str = Field(description="Legal name", max_length=30)
    sector: Sector
    size: Literal["small", "large"] = "small"
    founded: int | None = Field(default=None, ge=1800)
    ceo: Person
    board: list[Person] = Field(default_factory=list, max_length=3)
    tags: list[str] = Field(default_factory=list)


class Node(BaseModel):
    label: str
    children: list[Node]


class Outer(BaseModel):
    inner: Inner | None = None


class Inner(BaseModel):
    back: Outer


Outer.model_rebuild()


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "$ref"] + [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def _keys(value: Any) -> set[str]:
    """Every keyword used in schema positions (property names excluded)."""
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    if not isinstance(value, dict):
        return set()
    found = set(value) - {"properties"}
    for key, sub in value.items():
        if key == "properties":
            found |= {k for s in sub.values() for k in _keys(s)}
        elif key != "enum":
            found |= _keys(sub)
    return found


def _objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [o for v in value for o in _objects(v)]
    if not isinstance(value, dict):
        return []
    found = [value] if value.get("type") == "object" else []
    return found + [o for v in value.values() for o in _objects(v)]


def _result(content: Any, kind: str = "json") -> TaskRunResult:
    run = {"run_id": "trun_" + "0" * 32, "status": "completed", "is_active": False, "processor": "base"}
    return TaskRunResult.model_validate({"run": run, "output": {"type": kind, "content": content, "basis": []}})


# --- compiling ----------------------------------------------------------------------------------------------


def test_nested_models_are_inlined_without_refs_or_noise():
    schema = to_json_schema(Company)
    assert _refs(schema) == []
    assert "$defs" not in schema
    assert not {"title", "default"} & _keys(schema)
    ceo = schema["properties"]["ceo"]
    assert ceo["type"] == "object"
    assert ceo["description"] == "Someone who runs the company."
    assert ceo["properties"]["name"] == {"description": "Full name", "type": "string"}


def test_every_object_is_closed_and_lists_all_properties_as_required():
    schema = to_json_schema(Company)
    objects = _objects(schema)
    assert len(objects) >= 3  # root, ceo, board items
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])


def test_optional_fields_become_nullable_rather_than_omitted():
    props = to_json_schema(Company)["properties"]
    assert props["size"]["anyOf"] == [{"enum": ["small", "large"], "type": "string"}, {"type": "null"}]
    assert props["founded"]["anyOf"][-1] == {"type": "null"}
    assert props["tags"]["anyOf"] == [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}]
    # Required and not nullable stays as it is.
    assert "anyOf" not in props["ceo"]
    assert props["ceo"]["properties"]["title"]["anyOf"] == [{"type": "string"}, {"type": "null"}]


def test_enum_and_literal_are_kept():
    class Pick(BaseModel):
        sector: Sector
        mood: Literal["up", "down"]
        only: Literal["x"]

    props = to_json_schema(Pick)["properties"]
    assert props["sector"] == {"enum": ["tech", "health"], "type": "string"}
    assert props["mood"] == {"enum": ["up", "down"], "type": "string"}
    assert props["only"] == {"const": "x", "type": "string"}


def test_lists_of_models_compile_their_items():
    board = to_json_schema(Company)["properties"]["board"]
    array = board["anyOf"][0]
    assert array["type"] == "array"
    assert array["items"]["properties"]["name"]["type"] == "string"
    assert array["items"]["additionalProperties"] is False


def test_unsupported_keywords_are_stripped_and_restated_in_the_description():
    schema = to_json_schema(Company)
    assert not UNSUPPORTED_KEYWORDS & _keys(schema)
    props = schema["properties"]
    assert props["name"]["description"] == "Legal name (at most 30 characters)"
    assert props["board"]["description"] == "At most 3 items"
    assert props["founded"]["anyOf"][0] == {"type": "integer", "description": "At least 1800"}


def test_discriminated_union_becomes_any_of():
    class Cat(BaseModel):
        kind: Literal["cat"]

    class Dog(BaseModel):
        kind: Literal["dog"]

    class Home(BaseModel):
        pet: Annotated[Cat | Dog, Field(discriminator="kind")]

    pet = to_json_schema(Home)["properties"]["pet"]
    assert set(pet) == {"anyOf"}
    assert [b["properties"]["kind"]["const"] for b in pet["anyOf"]] == ["cat", "dog"]
    assert _refs(pet) == []


def test_plain_schema_refs_are_inlined_and_the_input_is_not_modified():
    raw = {
        "type": "object",
        "definitions": {"Money": {"type": "object", "properties": {"amount": {"type": "number"}}}},
        "properties": {"revenue": {"$ref": "#/definitions/Money", "description": "Last year"}},
        "required": ["revenue"],
    }
    before = copy.deepcopy(raw)
    schema = to_json_schema(raw)
    assert raw == before
    revenue = schema["properties"]["revenue"]
    assert revenue["description"] == "Last year"
    assert revenue["properties"]["amount"]["anyOf"] == [{"type": "number"}, {"type": "null"}]
    assert _refs(schema) == []


def test_property_names_that_look_like_keywords_survive():
    raw = {"type": "object", "properties": {"title": {"type": "string"}, "format": {"type": "string"}}}
    assert list(to_json_schema(raw)["properties"]) == ["title", "format"]


def test_direct_recursion_is_refused_naming_the_path():
    with pytest.raises(SchemaError) as info:
        to_json_schema(Node)
    assert info.value.field == "output_schema.children.items"
    assert "recursive" in str(info.value)


def test_indirect_recursion_is_refused_naming_the_path():
    with pytest.raises(SchemaError) as info:
        to_json_schema(Outer, field="input_schema")
    assert info.value.field == "input_schema.inner.back"


def _nested(depth: int) -> type[BaseModel]:
    model: type[BaseModel] = create_model("Leaf", value=(str, ...))
    for level in range(depth - 1, 0, -1):
        model = create_model(f"Level{level}", child=(model, ...))
    return model


def test_depth_five_is_accepted_and_six_refused_naming_the_path():
    deepest = to_json_schema(_nested(5))
    assert "child" in deepest["properties"]
    with pytest.raises(SchemaError) as info:
        to_json_schema(_nested(6))
    assert info.value.field == "output_schema.child.child.child.child.child.value"
    assert info.value.limit == 5


def test_arrays_add_no_depth_level():
    class Leaf(BaseModel):
        v: list[list[str]]

    model: type[BaseModel] = Leaf
    for level in range(4):
        model = create_model(f"Wrap{level}", items=(list[model], ...))  # type: ignore[valid-type]
    to_json_schema(model)  # five property levels, arrays in between: accepted


def test_more_than_100_properties_are_refused():
    fields: dict[str, Any] = {f"f{i}": (int, ...) for i in range(101)}
    with pytest.raises(SchemaError) as info:
        to_json_schema(create_model("Wide", **fields))
    assert info.value.field == "output_schema"
    assert info.value.limit == 100
    fields.pop("f100")
    assert len(to_json_schema(create_model("Wide", **fields))["properties"]) == 100


@pytest.mark.parametrize(
    "raw",
    [
        {"type": "array", "items": {"type": "string"}},
        {"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "null"}]},
        {"type": "string"},
        {"type": "object", "properties": {}},
        {"type": ["object", "null"], "properties": {"a": {"type": "string"}}},
    ],
)
def test_root_must_be_an_object_with_properties(raw):
    with pytest.raises(SchemaError) as info:
        to_json_schema(raw)
    assert info.value.field == "output_schema"
    with pytest.raises(SchemaError):
        check_schema(raw)


def test_root_list_model_is_refused():
    with pytest.raises(SchemaError, match="root must have type 'object'"):
        to_json_schema(RootModel[list[int]])


def test_free_form_maps_are_refused_with_a_hint():
    class Prices(BaseModel):
        by_region: dict[str, float]

    with pytest.raises(SchemaError, match="key/value") as info:
        to_json_schema(Prices)
    assert info.value.field == "output_schema.by_region"


def test_not_a_class_or_dict_is_refused():
    with pytest.raises(SchemaError):
        to_json_schema(42)  # type: ignore[arg-type]


def test_compiled_schema_passes_the_check_and_compiling_is_stable():
    schema = to_json_schema(Company)
    check_schema(schema)
    assert to_json_schema(schema) == schema
    assert schema_warnings(schema) == []


# --- check_schema -------------------------------------------------------------------------------------------


def _ok(**props: Any) -> dict[str, Any]:
    props = props or {"a": {"type": "string"}}
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


@pytest.mark.parametrize("keyword", sorted(UNSUPPORTED_KEYWORDS))
def test_check_flags_each_unsupported_keyword_with_its_path(keyword):
    schema = _ok(inner=_ok(a={"type": "string", keyword: 1}))
    before = copy.deepcopy(schema)
    with pytest.raises(SchemaError) as info:
        check_schema(schema)
    assert info.value.field == f"output_schema.inner.a.{keyword}"
    assert schema == before


def test_check_follows_refs_and_names_the_usage_path():
    schema = {**_ok(x={"$ref": "#/$defs/X"}), "$defs": {"X": _ok(s={"type": "string", "pattern": "^a"})}}
    with pytest.raises(SchemaError) as info:
        check_schema(schema, field="task_spec.output_schema.json_schema")
    assert info.value.field == "task_spec.output_schema.json_schema.x.s.pattern"


def test_check_accepts_what_the_api_accepts():
    check_schema(_ok(a={"type": "string", "exclusiveMinimum": 1}))  # not in the documented list
    check_schema({"type": "json", "json_schema": _ok()})
    check_schema({**_ok(x={"$ref": "#/$defs/X"}), "$defs": {"X": _ok()}})


def test_check_depth():
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(5):
        schema = _ok(n=schema)
    check_schema(schema)
    with pytest.raises(SchemaError) as info:
        check_schema(_ok(n=schema))
    assert info.value.field == "output_schema.n.n.n.n.n.n"


def test_check_property_count_counts_nested_objects():
    half = {f"p{i}": {"type": "string"} for i in range(50)}
    check_schema(_ok(a=_ok(**dict(list(half.items())[:49])), **half))  # 1 + 49 + 50
    with pytest.raises(SchemaError, match="at most 100 properties"):
        check_schema(_ok(a=_ok(**half), **half))  # 1 + 50 + 50


def test_check_enum_limits():
    check_schema(_ok(a={"enum": [str(i) for i in range(250)]}, b={"enum": [str(i) for i in range(250)]}))
    with pytest.raises(SchemaError, match="at most 500 enum values") as info:
        check_schema(_ok(a={"enum": list(range(300))}, b={"enum": list(range(201))}))
    assert info.value.limit == 500
    long = [f"{i:030d}" for i in range(251)]  # 7,530 characters in one large enum
    with pytest.raises(SchemaError, match="7500") as info:
        check_schema(_ok(a={"enum": long}))
    assert info.value.field == "output_schema.a"
    check_schema(_ok(a={"enum": long[:250]}))  # 250 values: not a "large" enum


def test_check_total_size():
    check_schema(_ok(a={"type": "string", "description": "x" * 24_000}))
    with pytest.raises(SchemaError, match="at most 25000 characters") as info:
        check_schema(_ok(a={"type": "string", "description": "x" * 25_000}))
    assert info.value.limit == 25_000


def test_check_refuses_recursion():
    schema = {**_ok(x={"$ref": "#/$defs/X"}), "$defs": {"X": _ok(again={"$ref": "#/$defs/X"})}}
    with pytest.raises(SchemaError, match="recursive") as info:
        check_schema(schema)
    assert info.value.field == "output_schema.x.again"


def test_check_refuses_dangling_and_remote_refs():
    with pytest.raises(SchemaError, match="does not point"):
        check_schema(_ok(x={"$ref": "#/$defs/Missing"}))
    with pytest.raises(SchemaError, match="local references"):
        check_schema(_ok(x={"$ref": "https://example.com/s.json"}))


def test_schema_warnings_report_what_the_api_only_warns_about():
    loose = {"type": "object", "properties": {"reasoning": {"type": "string"}, "b": {"type": "string"}}}
    found = schema_warnings(loose)
    assert any("'reasoning' is reserved" in w for w in found)
    assert any("missing: reasoning, b" in w for w in found)
    assert any("additionalProperties" in w for w in found)


# --- output_spec --------------------------------------------------------------------------------------------


def test_output_spec_from_every_accepted_form():
    compiled = to_json_schema(Company)
    assert output_spec(None) is None
    assert output_spec("A short answer") == TextSchema(description="A short answer")
    assert output_spec(Company) == JsonSchema(json_schema=compiled)
    assert output_spec(Company.model_json_schema()) == JsonSchema(json_schema=compiled)
    api_form = {"type": "json", "json_schema": Company.model_json_schema()}
    assert output_spec(api_form) == JsonSchema(json_schema=compiled)
    assert output_spec(JsonSchema(json_schema=Company.model_json_schema())) == JsonSchema(json_schema=compiled)
    assert output_spec({"type": "text", "description": "d"}) == TextSchema(description="d")
    assert output_spec({"type": "auto"}) == AutoSchema()
    text, auto = TextSchema(description="t"), AutoSchema()
    assert output_spec(text) is text
    assert output_spec(auto) is auto


def test_output_spec_refuses_what_it_cannot_send():
    with pytest.raises(SchemaError, match="json_schema"):
        output_spec({"type": "json"})
    with pytest.raises(SchemaError):
        output_spec({"type": "string"})
    with pytest.raises(SchemaError):
        output_spec(3.5)  # type: ignore[arg-type]
    with pytest.raises(SchemaError) as info:
        output_spec(Node)
    assert info.value.field == "output_schema.children.items"


# --- parsing ------------------------------------------------------------------------------------------------

GOOD = {
    "name": "Acme",
    "sector": "tech",
    "size": None,
    "founded": None,
    "ceo": {"name": "Ada", "title": None},
    "board": None,
    "tags": ["b2b"],
}


def test_parse_output_builds_the_instance_and_nulls_mean_defaults():
    parsed = parse_output(_result(GOOD), Company)
    company = parsed.parsed
    assert isinstance(company, Company)
    assert company.size == "small"  # null for a field that refuses null: the default applies
    assert company.board == []
    assert company.founded is None  # null is a valid value here
    assert company.ceo.title is None
    assert parsed.run.run_id == "trun_" + "0" * 32
    assert parsed.output.content == GOOD


def test_parse_output_reads_json_string_content():
    result = _result(json.dumps(GOOD))  # some documented payloads carry the object as a JSON string
    assert parse_output(result, Company).parsed == Company.model_validate({**GOOD, "size": "small", "board": []})
    text = _result(json.dumps(GOOD), kind="text")
    assert isinstance(parse_output(text, Company).parsed, Company)


def test_constraints_stripped_from_the_wire_are_still_enforced():
    too_long = {**GOOD, "name": "x" * 31, "board": [{"name": str(i)} for i in range(4)]}
    with pytest.raises(OutputValidationError) as info:
        parse_output(_result(too_long), Company)
    error = info.value
    assert error.content == too_long
    assert {tuple(e["loc"]) for e in error.errors} == {("name",), ("board",)}
    assert {e["type"] for e in error.errors} == {"string_too_long", "too_long"}
    assert error.result is not None
    assert error.result.run.status == "completed"
    json.dumps(error.errors)  # JSON-safe


def test_missing_required_field_fails_with_raw_content_kept():
    bad = {k: v for k, v in GOOD.items() if k != "ceo"}
    with pytest.raises(OutputValidationError, match="ceo") as info:
        parse_output(_result(bad), Company)
    assert info.value.content == bad
    assert info.value.errors[0]["type"] == "missing"


def test_text_output_when_a_class_was_asked_for_is_an_error():
    with pytest.raises(OutputValidationError, match="returned text") as info:
        parse_output(_result("# A report\nNo JSON here.", kind="text"), Company)
    assert info.value.content == "# A report\nNo JSON here."
    assert info.value.errors[0]["type"] == "json_invalid"


def test_validate_content_directly():
    assert validate_content({"name": "Ada", "title": None}, Person) == Person(name="Ada")
    with pytest.raises(OutputValidationError):
        validate_content("[1, 2]", Person)
