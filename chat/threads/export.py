"""Conversations as files for reviewers: JSON (everything) and CSV (one row per message).

Both hold what the reviewers' transcript shows: a message or step an edit or a
regeneration replaced is marked so (`superseded`), and an edited message carries its
earlier wordings (`earlier_wordings`).

Both stream: threads are read a batch at a time, with a fixed number of queries per batch
(threads, messages, steps, elements, feedback), however many rows each holds.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet

from chat.models import Element, Feedback, Message, Step, Thread
from chat.threads import edits

BATCH_SIZE = 200
CSV_COLUMNS = [
    "thread_id",
    "thread_title",
    "user",
    "message_id",
    "order",
    "author_kind",
    "author_name",
    "status",
    "is_error",
    "created_at",
    "content",
    "feedback_value",
    "feedback_comment",
    # Last, so that readers of the earlier columns by position read them still.
    "superseded",
    "superseded_at",
    "earlier_wordings",
]
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _feedback(row: Feedback) -> dict[str, Any]:
    return {
        "user": row.user.email,
        "value": row.value,
        "comment": row.comment,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


def _superseded(row: Message | Step) -> dict[str, Any] | None:
    """Why and when an edit or a regeneration took the row out of the chat; None if not."""
    if not edits.is_superseded(row):
        return None
    stamp = row.metadata[edits.SUPERSEDED]
    return {"reason": edits.superseded_reason(row), "at": stamp.get("at")}


def _message(row: Message, feedback: list[Feedback]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "order": row.order,
        "author_kind": row.author_kind,
        "author_name": row.author_name,
        "content": row.content,
        "status": row.status,
        "is_error": row.is_error,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "superseded": _superseded(row),
        # What the user wrote before editing the message, oldest first.
        "earlier_wordings": [
            {"content": e.get("content", ""), "replaced_at": e.get("at")}
            for e in (row.metadata or {}).get("edits", [])
        ],
        "feedback": [_feedback(f) for f in feedback],
    }


def _step(row: Step) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "order": row.order,
        "parent_id": str(row.parent_id) if row.parent_id else None,
        "message_id": str(row.message_id) if row.message_id else None,
        "type": row.type,
        "name": row.name,
        "input": row.input,
        "output": row.output,
        "language": row.language,
        "is_error": row.is_error,
        "started_at": _iso(row.started_at),
        "ended_at": _iso(row.ended_at),
        "superseded": _superseded(row),
    }


def _element(row: Element) -> dict[str, Any]:
    """What the element is and where it sits; the file's content stays in storage."""
    return {
        "id": str(row.id),
        "message_id": str(row.message_id) if row.message_id else None,
        "step_id": str(row.step_id) if row.step_id else None,
        "kind": row.kind,
        "name": row.name,
        "display": row.display,
        "mime": row.mime,
        "size": row.size,
        "url": row.url,
        "file": row.file.name if row.file else "",
        "created_at": _iso(row.created_at),
    }


def _grouped(rows: Iterable[Any], key: str) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def thread_records(threads: QuerySet[Thread], batch_size: int = BATCH_SIZE) -> Iterator[dict]:
    """Each thread with its messages (and their feedback), steps and elements, newest first."""
    ordered = list(threads.order_by("-updated_at", "-pk").values_list("pk", flat=True))
    for start in range(0, len(ordered), batch_size):
        chunk = ordered[start : start + batch_size]
        rows = Thread.objects.filter(pk__in=chunk).select_related("owner").in_bulk()
        messages = _grouped(
            Message.objects.filter(thread_id__in=chunk).order_by("order"), "thread_id"
        )
        steps = _grouped(Step.objects.filter(thread_id__in=chunk).order_by("order"), "thread_id")
        elements = _grouped(
            Element.objects.filter(thread_id__in=chunk).order_by("created_at"), "thread_id"
        )
        feedback = _grouped(
            Feedback.objects.filter(thread_id__in=chunk)
            .select_related("user")
            .order_by("created_at"),
            "message_id",
        )
        for pk in chunk:
            thread = rows[pk]
            yield {
                "id": str(thread.id),
                "title": thread.title,
                "user": thread.owner.email,
                "created_at": _iso(thread.created_at),
                "updated_at": _iso(thread.updated_at),
                "shared": bool(thread.share_token),
                "messages": [_message(m, feedback.get(m.id, [])) for m in messages.get(pk, [])],
                "steps": [_step(s) for s in steps.get(pk, [])],
                "elements": [_element(e) for e in elements.get(pk, [])],
            }


def json_chunks(threads: QuerySet[Thread]) -> Iterator[str]:
    """A JSON array of thread records, a thread at a time."""
    yield "["
    for index, record in enumerate(thread_records(threads)):
        yield ("," if index else "") + "\n" + json.dumps(record, cls=DjangoJSONEncoder)
    yield "\n]\n"


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(threads: QuerySet[Thread]) -> Iterator[str]:
    """One row per message; the feedback columns hold the thread owner's rating, the last
    ones whether the message was replaced (and why) and its wordings before an edit."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for record in thread_records(threads):
        for message in record["messages"]:
            own = [f for f in message["feedback"] if f["user"] == record["user"]]
            superseded = message["superseded"] or {}
            earlier = [e["content"] for e in message["earlier_wordings"]]
            writer.writerow(
                [
                    _cell(value)
                    for value in (
                        record["id"],
                        record["title"],
                        record["user"],
                        message["id"],
                        message["order"],
                        message["author_kind"],
                        message["author_name"],
                        message["status"],
                        message["is_error"],
                        message["created_at"],
                        message["content"],
                        own[0]["value"] if own else "",
                        own[0]["comment"] if own else "",
                        superseded.get("reason", ""),
                        superseded.get("at") or "",
                        # A JSON list: a wording may hold any character a separator would.
                        json.dumps(earlier, ensure_ascii=False) if earlier else "",
                    )
                ]
            )
        yield flush()
