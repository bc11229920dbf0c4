"""A gallery of the pydantic models users write, run end to end: compiled by the schema compiler, answered by the
emulator, parsed back into the class by ``task_runs.execute(..., output=Model)``."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from ipaddress import IPv4Address
from typing import Annotated, Any, Literal

import httpx
import pytest
from pydantic import AnyUrl, BaseModel, EmailStr, Field, HttpUrl, IPvAnyAddress

from parallel_integrations import ParallelClient
from parallel_integrations.emulator.server import RunningEmulator


class Level(enum.StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class Statement(BaseModel):
    keyword: str = Field(description="the Python keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")
    since_version: str | None = Field(default=None, description="the Python version that added it")


class Release(BaseModel):
    name: str
    released: dt.date | None = None


class Changelog(BaseModel):
    title: str
    updated_at: dt.datetime


class Pair(BaseModel):
    point: tuple[int, str]


class Link(BaseModel):
    url: HttpUrl
    level: Level


class Bounded(BaseModel):
    year: int = Field(ge=1990, le=2100)
    score: float = Field(ge=0, le=1)


class Tagged(BaseModel):
    tags: list[str] = Field(min_length=1, max_length=5)


class Identified(BaseModel):
    id: uuid.UUID
    request_id: Annotated[uuid.UUID, Field(json_schema_extra={"format": "uuid4"})]


class Versioned(BaseModel):
    version: str = Field(pattern=r"^\d+\.\d+(\.\d+)?$")


class Contact(BaseModel):
    maintainer: str | None = None
    email: EmailStr | None = None


class Item(BaseModel):
    name: str
    count: int = Field(ge=0)


class Inventory(BaseModel):
    items: list[Item] = Field(max_length=3)


class Kind(BaseModel):
    kind: Literal["statement", "expression", "function"]


class Schedule(BaseModel):
    at: dt.time
    short: str = Field(max_length=20)
    code: str = Field(min_length=3, max_length=3, pattern="^[A-Z]{3}$")


class Rated(BaseModel):
    rating: int = Field(ge=1, le=5, description="how useful the page is, 1 to 5")
    confidence_score: float = Field(gt=0, lt=1)


class Author(BaseModel):
    name: str
    homepage: AnyUrl | None = None


class Article(BaseModel):
    title: str
    authors: list[Author] = Field(min_length=1, max_length=2)
    published: dt.date | None = None


class Milestone(BaseModel):
    year: int | None = Field(default=None, ge=1991, le=2030)
    event: str


class Timeline(BaseModel):
    milestones: list[Milestone] = Field(max_length=4)


class Settings(BaseModel):
    timeout_seconds: float = Field(gt=0, le=600)
    retries: int = Field(ge=0, le=10, multiple_of=1)
    verbose: bool


class Module(BaseModel):
    module: str = Field(description="the standard library module")
    docs_url: HttpUrl
    related: list[str] = Field(default_factory=list, max_length=3)


class Price(BaseModel):
    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)


class Host(BaseModel):
    hostname: str
    address: IPv4Address


class Span(BaseModel):
    duration: dt.timedelta
    starts: dt.datetime | None = None


class Unique(BaseModel):
    labels: set[str] = Field(max_length=3)


class Coordinates(BaseModel):
    latlon: tuple[float, float]
    label: str


class Severity(BaseModel):
    severity: Literal["low", "medium", "high"]
    issue: str = Field(max_length=80)
    count: int = Field(ge=0, le=100)


class Nested(BaseModel):
    statement: Statement
    alternatives: list[Kind] = Field(min_length=2, max_length=2)


class Slugged(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=40)
    percent: int = Field(ge=0, le=100, description="share of readers who finish the page")


class Review(BaseModel):
    reviewed_on: dt.date
    reviewer_email: EmailStr
    stars: Annotated[int, Field(ge=1, le=5)]
    summary: str = Field(min_length=10, max_length=200)


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = Field(ge=1, le=9)


class Dog(BaseModel):
    kind: Literal["dog"]
    name: str


class Pet(BaseModel):
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]
    tags: set[Literal["small", "large", "old"]] = Field(min_length=2)
    address: IPvAnyAddress | None = None


GALLERY: list[tuple[type[BaseModel], str]] = [
    (Statement, "the match statement"),
    (Release, "the match statement"),
    (Changelog, "the with statement"),
    (Pair, "decorators"),
    (Link, "the for statement"),
    (Bounded, "the global statement"),
    (Tagged, "exception handling with try"),
    (Identified, "lambda expressions"),
    (Versioned, "the match statement"),
    (Contact, "the import statement"),
    (Inventory, "comparisons"),
    (Kind, "the match statement"),
    (Schedule, "the while statement"),
    (Rated, "context managers"),
    (Article, "the return statement"),
    (Timeline, "the assert statement"),
    (Settings, "the pdb debugger"),
    (Module, "string formatting"),
    (Price, "numeric types"),
    (Host, "identifiers and keywords"),
    (Span, "the yield statement"),
    (Unique, "the del statement"),
    (Coordinates, "floating point literals"),
    (Severity, "the raise statement"),
    (Nested, "the match statement"),
    (Slugged, "class definitions"),
    (Review, "function definitions"),
    (Pet, "the class statement"),
    (Statement, "how to bake sourdough bread"),  # off-topic for the corpus
    (Review, "quantum chromodynamics lattice"),
]


@pytest.mark.parametrize(("model", "question"), GALLERY, ids=lambda v: getattr(v, "__name__", str(v)[:24]))
def test_the_answer_parses_back_into_the_class(
    parallel_client: ParallelClient, model: type[BaseModel], question: str
) -> None:
    result = parallel_client.task_runs.execute(question, "base", output=model, timeout=30)
    assert isinstance(result.parsed, model)
    fields = {basis.field.split(".")[0] for basis in result.output.basis}
    assert fields == set(model.model_fields)


def _execute(client: ParallelClient, question: str, model: type[BaseModel]) -> Any:
    return client.task_runs.execute(question, "base", output=model, timeout=30)


def test_values_are_of_the_kind_the_field_asks(parallel_client: ParallelClient) -> None:
    result = _execute(parallel_client, "the match statement", Statement)
    assert result.parsed.keyword == "match"
    assert result.parsed.since_version == "3.10"
    assert "match" in result.parsed.summary
    assert result.output.basis_for("keyword").confidence == "high"
    assert result.output.basis_for("since_version").reasoning.startswith("Taken from")


def test_a_nullable_value_the_evidence_lacks_is_null(parallel_client: ParallelClient) -> None:
    result = _execute(parallel_client, "the match statement", Release)
    assert result.parsed.released is None
    assert result.output.basis_for("released").confidence == "medium"  # an absence, not a reading
    assert result.parsed.name == "Compound statements"


def test_guessed_values_are_low_confidence(parallel_client: ParallelClient) -> None:
    result = _execute(parallel_client, "the with statement", Changelog)
    assert result.parsed.updated_at.year == 2000  # the placeholder: the page states no date
    basis = result.output.basis_for("updated_at")
    assert basis.confidence == "low"
    assert basis.reasoning.startswith("Guessed")
    assert "updated_at" in result.output.low_confidence_fields()
    assert "title" not in result.output.low_confidence_fields()


@pytest.mark.parametrize(
    "question",
    ["how to bake sourdough bread", "quantum chromodynamics lattice"],  # nothing matches; one word matches
)
def test_off_topic_input_is_never_high_confidence(parallel_client: ParallelClient, question: str) -> None:
    result = _execute(parallel_client, question, Review)
    assert {b.confidence for b in result.output.basis} <= {"low", "medium"}
    assert result.output.low_confidence_fields()


def test_constraints_in_descriptions_are_met(parallel_client: ParallelClient) -> None:
    result = _execute(parallel_client, "the global statement", Bounded)
    assert 1990 <= result.parsed.year <= 2100
    assert result.output.basis_for("year").confidence == "low"  # the page states no year
    score = result.output.basis_for("score")
    assert score.reasoning.startswith("Derived")
    assert score.confidence == "medium"


def test_a_fixed_length_array_has_its_length(parallel_client: ParallelClient) -> None:
    result = _execute(parallel_client, "floating point literals", Coordinates)
    assert len(result.parsed.latlon) == 2
    assert [b.field for b in result.output.basis if b.field.startswith("latlon.")] == ["latlon.0", "latlon.1"]


@pytest.mark.parametrize("keyword", ["pattern", "format", "maximum", "minItems"])
def test_a_schema_with_a_keyword_the_api_rejects_gets_422(parallel_emulator: RunningEmulator, keyword: str) -> None:
    value: Any = {"pattern": "^a$", "format": "date", "maximum": 3, "minItems": 1}[keyword]
    kind = "array" if keyword == "minItems" else "integer" if keyword == "maximum" else "string"
    field: dict[str, Any] = {"type": kind, keyword: value}
    if kind == "array":
        field["items"] = {"type": "string"}
    schema = {"type": "object", "properties": {"x": field}, "required": ["x"], "additionalProperties": False}
    body = {"input": "q", "processor": "base", "task_spec": {"output_schema": {"type": "json", "json_schema": schema}}}
    response = httpx.post(
        f"{parallel_emulator.base_url}/v1/tasks/runs", json=body, headers={"x-api-key": "k"}, timeout=10
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert keyword in error["message"]


class Described(BaseModel):
    added: str | None = Field(default=None, description="the Python version that added it")
    introduced_by: str = Field(description="the Python keyword that introduces the statement")
    what_it_does: str = Field(description="what the statement does")


def test_a_description_that_names_a_kind_is_read(parallel_client: ParallelClient) -> None:
    result = _execute(parallel_client, "the match statement", Described)
    assert result.parsed.added == "3.10"
    assert result.parsed.introduced_by == "match"
    assert len(result.parsed.what_it_does.split()) > 3  # a question asks for prose


class Api(BaseModel):
    module: str
    summary: str


def test_a_module_field_names_the_module_documented(parallel_client: ParallelClient) -> None:
    result = _execute(parallel_client, "asyncio event loop", Api)
    assert result.parsed.module == "asyncio"
    assert "event loop" in result.parsed.summary
