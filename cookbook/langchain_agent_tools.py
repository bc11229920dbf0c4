"""Agent tools with LangChain: the ParallelToolkit's tools answering tool calls as a chat model would make them.

An agent loop hands each tool call of the model to the matching tool and returns the ``ToolMessage`` to the model.
Here the tool calls are written out (no model key needed); with a real model, pass ``toolkit.get_tools()`` to
``create_agent(model, tools)`` or ``model.bind_tools(tools)``. Shown: a search, a research task that waits, the
non-blocking start/fetch pair, the progress events, and an error the model can read.

    .venv/bin/python cookbook/langchain_agent_tools.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.messages import ToolCall, ToolMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field

from parallel_integrations import ParallelClient
from parallel_integrations.langchain import ParallelToolkit


class Statement(BaseModel):
    """The answer the research task should give."""

    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")


def call(tool: BaseTool, call_id: str, **args: Any) -> ToolMessage:
    """What an agent loop does with one tool call of the model."""
    message = tool.invoke(ToolCall(name=tool.name, args=args, id=call_id, type="tool_call"))
    assert isinstance(message, ToolMessage)
    return message


def show(message: ToolMessage, lines: int = 8) -> None:
    print(f"  ToolMessage({message.name}, status={message.status}, artifact={type(message.artifact).__name__})")
    for line in str(message.content).splitlines()[:lines]:
        print(f"  | {line[:110]}")


async def watch_events(tool: BaseTool, task: str) -> None:
    async for event in tool.astream_events({"input": task}, version="v2"):
        if event["event"] == "on_custom_event":
            print(f"  event {event['name']}: {event['data']}")


def main(client: ParallelClient) -> None:
    """Run each tool as an agent would."""
    toolkit = ParallelToolkit(
        client=client, task_mode="both", processor="lite", output=Statement, max_results=3, max_chars=1500
    )
    tools = {tool.name: tool for tool in toolkit.get_tools()}
    print("Tools for the agent:", ", ".join(tools))
    visible = tools["parallel_search"].tool_call_schema.model_json_schema()["properties"]
    print("Arguments the model sees for parallel_search:", ", ".join(visible))

    print("\n== parallel_search")
    show(call(tools["parallel_search"], "call_1", objective="How do Python decorators work?"))

    print("\n== parallel_task (waits for the answer; cites its sources by number)")
    answer = call(tools["parallel_task"], "call_2", input="the Python with statement")
    show(answer, lines=12)
    print("  typed artifact:", answer.artifact.parsed)

    print("\n== parallel_task_start, then parallel_task_result")
    started = call(tools["parallel_task_start"], "call_3", input="the Python try statement")
    show(started)
    fetched = call(tools["parallel_task_result"], "call_4", run_id=started.artifact.run_id)
    show(fetched, lines=4)

    print("\n== Progress events (on_custom_event in astream_events)")
    asyncio.run(watch_events(tools["parallel_task"], "the Python for statement"))

    print("\n== An error reaches the model as a readable message")
    show(call(tools["parallel_search"], "call_5", objective="x", search_queries=[f"q{i}" for i in range(9)]))


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client)
