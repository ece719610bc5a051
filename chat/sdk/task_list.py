"""`cl.TaskList`, `cl.Task` and `cl.TaskStatus`: a live checklist of the assistant's work."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from chat.sdk.elements import Element, ElementType


class TaskStatus(Enum):
    READY = "ready"
    RUNNING = "running"
    FAILED = "failed"
    DONE = "done"


class Task:
    """One line of a task list; `forId` links it to a message."""

    def __init__(
        self, title: str, status: TaskStatus = TaskStatus.READY, forId: str | None = None
    ) -> None:
        self.title = title
        self.status = status
        self.forId = forId

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value if isinstance(self.status, TaskStatus) else str(self.status)
        return {"title": self.title, "status": status, "forId": self.forId}


@dataclass(kw_only=True)
class TaskList(Element):
    """A live checklist; each `await task_list.send()` re-renders it in place.

    Example:
        task_list = cl.TaskList(status="Running...")
        task = cl.Task(title="Fetch the data", status=cl.TaskStatus.RUNNING)
        await task_list.add_task(task)
        await task_list.send()
        task.status = cl.TaskStatus.DONE
        await task_list.send()
    """

    type: ClassVar[ElementType] = "tasklist"
    updatable: ClassVar[bool] = True
    name: str = "tasklist"
    tasks: list[Task] = field(default_factory=list)
    status: str = "Ready"

    def _computed(self) -> bool:
        return True

    async def add_task(self, task: Task) -> None:
        self.tasks.append(task)

    async def update(self) -> None:
        await self.send()

    async def send(self, for_id: str | None = None, persist: bool = True) -> TaskList:
        """Shows the task list: under the message `for_id`, else above the conversation."""
        self.content = json.dumps(
            {"status": self.status, "tasks": [task.to_dict() for task in self.tasks]},
            ensure_ascii=False,
        )
        self.mime = "application/json"
        await super().send(for_id=for_id)
        return self
