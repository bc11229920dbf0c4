"""Property-based: any value in any argument of a public request is either sent correctly (the emulator answers
2xx) or refused before sending with a ``ParallelValidationError`` naming that argument. Never a ``KeyError`` or
``TypeError`` from inside, never a request the emulator has to reject with 422.

Values are drawn from every JSON-ish type plus the edges of each argument's rules (empty, one past the limit,
lone surrogates, NaN, ``bool`` where an ``int`` goes), so the examples are few (see ``conftest.py``) but mean."""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import BaseModel

from parallel_integrations import APIStatusError, NotFoundError, ParallelClient, ParallelValidationError
from parallel_integrations.emulator.server import RunningEmulator
from tests.validation_cases import CASES

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "\ud800", "x" * 201, "x" * 5001, "base", "lite", "core", "pro", "ultra", "bogus"]),
    st.binary(max_size=8),
)
_anything = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=7), st.dictionaries(st.text(max_size=12), inner, max_size=5), st.tuples(inner)
    ),
    max_leaves=8,
)
_texts = st.one_of(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=60).filter(str.strip),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=60).filter(str.strip),
    st.sampled_from(["", "\ud800", "x" * 201, "y" * 5001]),
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """An argument's plausible values most of the time, anything at all otherwise: with several arguments per
    call, both outcomes (sent, refused) keep coming up."""
    return st.one_of(strategy, strategy, strategy, strategy, _anything)


SEARCH_ARGS = st.fixed_dictionaries(
    {},
    optional={
        "objective": _maybe(_texts),
        "search_queries": _maybe(st.lists(_texts, max_size=7)),
        "processor": _maybe(st.sampled_from(["base", "pro"])),
        "max_results": _maybe(st.integers(min_value=-2, max_value=45)),
        "max_chars_per_result": _maybe(st.integers(min_value=-5, max_value=40_000)),
        "source_policy": _maybe(
            st.fixed_dictionaries(
                {}, optional={"include_domains": st.lists(_texts, max_size=3), "exclude_domains": st.lists(_texts)}
            )
        ),
    },
)

CREATE_ARGS = st.fixed_dictionaries(
    {
        "input": _maybe(st.one_of(_texts, st.dictionaries(st.text(min_size=1, max_size=8), _texts, max_size=3))),
        "processor": _maybe(st.sampled_from(["lite", "base", "core"])),
    },
    optional={
        "metadata": _maybe(st.dictionaries(st.text(max_size=20), st.one_of(_texts, st.integers(), st.booleans()))),
        "enable_events": _maybe(st.booleans()),
        "betas": _maybe(st.lists(st.sampled_from(["events-sse-2025-07-24", "mcp-server-2025-07-17", ""]))),
        "source_policy": _maybe(st.fixed_dictionaries({}, optional={"include_domains": st.lists(_texts)})),
        "task_spec": _maybe(
            st.fixed_dictionaries(
                {}, optional={"output_schema": st.one_of(_texts, st.just({"type": "text"}), _anything)}
            )
        ),
    },
)


def _refused_or_sent(
    emulator: RunningEmulator, method: Callable[..., object], arguments: Mapping[str, Any], path: str
) -> None:
    """The one property: refused naming one of the method's arguments and nothing sent, or sent and answered 2xx."""
    parameters = set(inspect.signature(method).parameters)
    before = len(emulator.requests())
    refusal: ParallelValidationError | None = None
    try:
        method(**arguments)
    except ParallelValidationError as error:
        refusal = error
    except APIStatusError as error:
        pytest.fail(f"sent, and the server refused it with {error.status_code}: {error} (arguments: {arguments!r})")
    event("refused" if refusal is not None else "sent")
    if refusal is not None:
        named = refusal.field.split(".")[0].split("[")[0]
        assert named in parameters, f"{refusal} does not name one of {sorted(parameters)}"
        assert len(emulator.requests()) == before, "refused, yet a request was sent"
        return
    answered = [record.status for record in emulator.requests() if record.path.startswith(path)][-1]
    assert answered is not None
    assert 200 <= answered < 300, f"sent and answered {answered}"


@given(arguments=SEARCH_ARGS)
def test_any_search_arguments_are_sent_correctly_or_refused_naming_the_field(
    parallel_client: ParallelClient, emulator: RunningEmulator, arguments: dict[str, Any]
) -> None:
    _refused_or_sent(emulator, parallel_client.search, arguments, "/alpha/search")


@given(arguments=CREATE_ARGS)
def test_any_task_run_arguments_are_sent_correctly_or_refused_naming_the_field(
    parallel_client: ParallelClient, emulator: RunningEmulator, arguments: dict[str, Any]
) -> None:
    _refused_or_sent(emulator, parallel_client.task_runs.create, arguments, "/v1/tasks/runs")


@given(runs=st.lists(CREATE_ARGS, min_size=1, max_size=4), spec=_maybe(st.none()))
def test_any_add_runs_inputs_are_sent_correctly_or_refused_naming_the_field(
    parallel_client: ParallelClient, emulator: RunningEmulator, runs: list[dict[str, Any]], spec: Any
) -> None:
    group = parallel_client.task_groups.create()
    arguments = {"taskgroup_id": group.taskgroup_id, "inputs": runs, "default_task_spec": spec}
    _refused_or_sent(
        emulator, parallel_client.task_groups.add_runs, arguments, f"/v1beta/tasks/groups/{group.taskgroup_id}/runs"
    )


@given(options=st.fixed_dictionaries({}, optional={"timeout": _anything, "max_retries": _anything}))
def test_any_client_settings_build_a_working_client_or_are_refused_naming_the_setting(
    emulator: RunningEmulator, options: dict[str, Any]
) -> None:
    try:
        client = ParallelClient(**options)
    except ParallelValidationError as error:
        refused = error.field
    else:
        refused = None
    if refused is not None:
        assert refused in options
        return
    with client:  # accepted: then it is a value the setting allows (None meaning the default)
        timeout, retries = options.get("timeout"), options.get("max_retries")
        assert retries is None or (isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0)
        assert timeout is None or (
            isinstance(timeout, int | float) and not isinstance(timeout, bool) and math.isfinite(timeout)
        )
        assert timeout is None or timeout > 0
        client.search("decorators", max_results=1)  # and the client works


# --- every public method of the validation table ------------------------------------------------------------

VALID_CALLS: dict[str, dict[str, Any]] = {
    "search": {"objective": "decorators", "max_results": 2},
    "with_options": {"max_retries": 1},
    "task_runs.create": {"input": "the with statement", "processor": "lite"},
    "task_runs.retrieve": {"run_id": "{run}"},
    "task_runs.retrieve_input": {"run_id": "{run}"},
    "task_runs.result": {"run_id": "{run}", "timeout": 5},
    "task_runs.execute": {"input": "the for statement", "processor": "lite", "timeout": 5},
    "task_runs.stream_events": {"run_id": "{run}"},
    "task_groups.create": {"metadata": {"job": "1"}},
    "task_groups.retrieve": {"taskgroup_id": "{group}"},
    "task_groups.retrieve_run": {"taskgroup_id": "{group}", "run_id": "{group_run}"},
    "task_groups.add_runs": {"taskgroup_id": "{group}", "inputs": [{"input": "x", "processor": "lite"}]},
    "task_groups.stream_runs": {"taskgroup_id": "{group}"},
    "task_groups.stream_events": {"taskgroup_id": "{group}"},
    "task_groups.run_batch": {"inputs": ["a", "b"], "processor": "lite"},
}


# Errors about the compiled task spec use the API's names for what the caller passed as ``output``/``input_schema``.
API_NAMES = {"output_schema": "output", "task_spec": "output"}


def test_the_property_covers_every_method_of_the_validation_table() -> None:
    assert {c.method for c in CASES} - {"__init__"} == set(VALID_CALLS)


def _resolve(client: ParallelClient, dotted: str) -> Callable[..., object]:
    target: Any = client
    for part in dotted.split("."):
        target = getattr(target, part)
    return cast(Callable[..., object], target)


def _drain(outcome: object) -> None:
    """Streams and batches check at the call; iterating them proves what they send is accepted too."""
    if hasattr(outcome, "__iter__") and not isinstance(outcome, str | bytes | dict | BaseModel):
        for _ in itertools.islice(cast(Iterable[object], outcome), 50):
            pass


@pytest.mark.parametrize("method", sorted(VALID_CALLS))
@given(data=st.data())
def test_any_argument_of_any_public_method_is_sent_correctly_or_refused_naming_it(
    parallel_client: ParallelClient, emulator: RunningEmulator, method: str, data: st.DataObject
) -> None:
    group = parallel_client.task_groups.create()
    added = parallel_client.task_groups.add_runs(group.taskgroup_id, [{"input": "y", "processor": "lite"}])
    run = parallel_client.task_runs.create("the while statement", "lite")
    ids = {"{run}": run.run_id, "{group}": group.taskgroup_id, "{group_run}": added.run_ids[0]}
    arguments = {
        name: ids.get(value, value) if isinstance(value, str) else value for name, value in VALID_CALLS[method].items()
    }
    target = _resolve(parallel_client, method)
    parameters = [name for name in inspect.signature(target).parameters if name not in {"on_progress"}]
    for name in data.draw(st.lists(st.sampled_from(parameters), max_size=2, unique=True), label="replaced"):
        arguments[name] = data.draw(_anything, label=name)
    before = len(emulator.requests())
    refusal: ParallelValidationError | None = None
    try:
        _drain(target(**arguments))
    except ParallelValidationError as error:
        refusal = error
    except NotFoundError:
        event("an id of the right form that does not exist: 404")
        return
    except APIStatusError as error:
        pytest.fail(f"{method} sent, and the server refused it with {error.status_code}: {error}")
    event("refused" if refusal is not None else "sent")
    if refusal is not None:
        named = refusal.field.split(".")[0].split("[")[0]
        named = named if named in parameters else API_NAMES.get(named, named)
        assert named in parameters, f"{refusal} names none of {parameters}"
        assert len(emulator.requests()) == before, "refused, yet a request was sent"
