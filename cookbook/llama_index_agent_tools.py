"""LlamaIndex agent tools: ParallelToolSpec's search and run_task, called directly and by a FunctionAgent.

The agent's LLM here is LlamaIndex's MockFunctionCallingLLM with a two-step script (call the search tool, then
answer from what it returned), so the whole loop runs offline; put your own function-calling LLM in its place.
With ``PARALLEL_API_KEY`` set the tools call the Parallel API; without it, the emulator starts on a free port.

    .venv/bin/python cookbook/llama_index_agent_tools.py
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM

from parallel_integrations import AsyncParallelClient, ParallelClient
from parallel_integrations.llama_index import ParallelToolSpec

QUESTION = "How do Python decorators work?"


def show_tools(spec: ParallelToolSpec) -> None:
    print("== The tools an agent sees")
    for tool in spec.to_tool_list():
        parameters = ", ".join(tool.metadata.get_parameters_dict()["properties"])
        print(f"  {tool.metadata.name}({parameters}): {len(tool.metadata.description)} characters of description")


def call_directly(spec: ParallelToolSpec) -> None:
    print("\n== search, called as a tool (what the model reads)")
    tools = {tool.metadata.name: tool for tool in spec.to_tool_list()}
    print(tools["search"].call(objective=QUESTION).content)
    print("\n== run_task, awaited as a tool")
    output = asyncio.run(tools["run_task"].acall(input="What does the Python with statement do?"))
    print(output.content)


def scripted_llm(messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
    """Step 1: ask for a search. Step 2: answer with the first source the tool returned."""
    results = [m for m in messages if m.role == MessageRole.TOOL]
    if not results:
        call = ToolCallBlock(tool_call_id="call-1", tool_name="search", tool_kwargs={"objective": QUESTION})
        return ChatMessage(role=MessageRole.ASSISTANT, blocks=[call])
    first = re.search(r"^\[1\] (.+)\nURL: (\S+)", str(results[-1].content), re.M)
    answer = f"See [1] {first.group(1)} ({first.group(2)})." if first else "The search found nothing."
    return ChatMessage(role=MessageRole.ASSISTANT, content=answer)


async def run_agent(spec: ParallelToolSpec) -> None:
    print("\n== A FunctionAgent with the tools")
    llm = MockFunctionCallingLLM(response_generator=scripted_llm)
    agent = FunctionAgent(tools=spec.to_tool_list(), llm=llm, system_prompt="Answer with a cited source.")
    handler = agent.run(user_msg=QUESTION)
    async for event in handler.stream_events():
        if isinstance(event, ToolCallResult):
            print(f"  tool {event.tool_name}({event.tool_kwargs}) returned {len(event.tool_output.content)} characters")
    print(f"  answer: {await handler}")


def main(client: ParallelClient, async_client: AsyncParallelClient) -> None:
    """Show the tools, call them, and let an agent use them, with these clients."""
    spec = ParallelToolSpec(
        max_results=3, task_processor="lite", max_chars=1_200, client=client, async_client=async_client
    )
    show_tools(spec)
    call_directly(spec)
    asyncio.run(run_agent(spec))


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client, AsyncParallelClient())
