"""`@cl.job`: an async function that runs as long work bound to a thread.

Inside it the public API writes into that thread as in a hook; it keeps running when
the tab closes. (Chainlit has no counterpart.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chat.engine import jobs
from chat.engine.context import current_session
from chat.engine.registry import hooks


class Job:
    def __init__(self, function: Callable[..., Any], name: str) -> None:
        self.function = function
        self.name = name
        hooks.jobs[name] = function

    async def enqueue(self, thread: Any = None, *args: Any, **kwargs: Any) -> str:
        """Queues the job for `thread` (an id, a ThreadDict, or None: the current thread).

        Returns the job's id. Arguments must be JSON-serialisable (a retry reuses them).
        """
        if thread is None:
            session = current_session.get()
            if session is None:
                raise RuntimeError("enqueue() outside a hook needs the thread it writes into.")
            thread_id = session.thread_id
        elif isinstance(thread, dict):
            thread_id = thread["id"]
        else:
            thread_id = thread
        job = await jobs.enqueue(thread_id, self.name, list(args), kwargs)
        return str(job.pk)

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return await self.function(*args, **kwargs)


def job(function: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Makes an async function a job that runs on a worker, writing into its thread.

    Example:
        @cl.job
        async def summarize(document_id: str):
            msg = cl.Message(content="")
            for token in long_llm_call(document_id):
                await msg.stream_token(token)
            await msg.send()

        @cl.on_message
        async def main(message: cl.Message):
            await summarize.enqueue(None, message.content)
    """

    def wrap(func: Callable[..., Any]) -> Job:
        return Job(func, name or func.__name__)

    return wrap(function) if function is not None else wrap
