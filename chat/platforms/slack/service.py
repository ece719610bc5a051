"""What a Slack event means: who wrote, in which thread, and what to do about it."""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from typing import Any

from django.conf import settings

from chat.engine.registry import call_hook, hooks
from chat.platforms import headless, people
from chat.platforms.slack.sink import SlackSink, call

logger = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+>")


def clean(text: str) -> str:
    """The question without the bot's mention."""
    return _MENTION.sub("", text or "").strip()


def wanted(event: dict[str, Any]) -> bool:
    """A person's mention of the bot, or a person's direct message; never a bot's own."""
    # A message with files comes as the "file_share" subtype; other subtypes are edits,
    # joins and the like, not questions.
    if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
        return False
    if not event.get("user"):
        return False
    if not isinstance(event.get("channel"), str) or not isinstance(event.get("ts"), str):
        return False
    return event.get("type") == "app_mention" or (
        event.get("type") == "message" and event.get("channel_type") == "im"
    )


def wanted_reaction(event: dict[str, Any]) -> bool:
    """A person's reaction, for `@cl.on_slack_reaction_added` (when the app has one)."""
    return (
        event.get("type") == "reaction_added"
        and hooks.on_slack_reaction_added is not None
        and isinstance(event.get("user"), str)
        and isinstance(event.get("reaction"), str)
        and isinstance(event.get("item"), dict)
    )


_bot_user: dict[str, str] = {}


async def bot_user_id() -> str:
    """The bot's own Slack user id (auth.test), asked once per process."""
    if "id" not in _bot_user:
        reply = await call("auth_test")
        _bot_user["id"] = str(reply.get("user_id") or "")
    return _bot_user["id"]


async def _reacted_thread(channel: str, ts: str) -> str:
    """The root of the Slack thread the reacted message is in (itself, if none)."""
    reply = await call("conversations_replies", channel=channel, ts=ts, limit=1)
    found = [m for m in reply.get("messages") or [] if isinstance(m, dict) and m.get("ts") == ts]
    return str((found[0].get("thread_ts") if found else None) or ts)


async def on_reaction(event: dict[str, Any]) -> None:
    """A person's reaction to one of the bot's messages, as Chainlit hands it on (not the
    bot's own reactions, nor reactions to others' messages). In a conversation of ours the
    hook runs in its session, after on_chat_start, so `cl.Message` answers in its thread."""
    hook = hooks.on_slack_reaction_added
    if hook is None:
        return
    try:
        bot = await bot_user_id()
        if event.get("user") == bot or (event.get("item_user") and event["item_user"] != bot):
            return
        item = event["item"]
        channel, ts = str(item.get("channel") or ""), str(item.get("ts") or "")
        root = await _reacted_thread(channel, ts) if channel and ts else ""
        if root:
            session = await headless.open_conversation(
                "slack", f"{channel}:{root}", lambda: SlackSink(channel, root)
            )
            if session is not None:
                session.run_platform_hook(hook, dict(event))
                return
        await call_hook(hook, dict(event))
    except Exception:
        logger.exception("@cl.on_slack_reaction_added failed")


def forget() -> None:
    """Drops the cached bot id (settings changed: tests)."""
    _bot_user.clear()


async def _seen(event: dict[str, Any]) -> None:
    """The "eyes" reaction on the person's message, as Chainlit puts it: seen, working on
    it. A bot without the reactions:write scope still answers."""
    try:
        await call("reactions_add", channel=event["channel"], timestamp=event["ts"], name="eyes")
    except Exception as error:
        logger.info("No eyes reaction on %s: %s", event.get("ts"), error)


async def _profile(user_id: str) -> tuple[str, str | None]:
    reply = await call("users_info", user=user_id)
    user = reply["user"]
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or user.get("name") or user_id
    return name, profile.get("email") or None


async def _person(user_id: str, sink: SlackSink) -> Any:
    who = await people.person("slack", user_id, lambda: _profile(user_id))
    if who is None:
        await sink.notice(people.refusal("slack"))
    return who


async def on_event(event: dict[str, Any], event_id: str) -> None:
    channel = event["channel"]
    root = event.get("thread_ts") or event["ts"]

    def make_sink() -> SlackSink:
        return SlackSink(channel, root)

    refusals = make_sink()
    refusals.begin(event)
    who = await _person(event["user"], refusals)
    if who is None:
        return
    await _seen(event)
    started_before = event.get("thread_ts") and event.get("thread_ts") != event["ts"]
    shared = event.get("files") if isinstance(event.get("files"), list) else None
    await headless.deliver_message(
        source="slack",
        external_id=f"{channel}:{root}",
        person=who,
        text=clean(str(event.get("text", ""))),
        client_id=f"slack:{event_id}"[:64],
        make_sink=make_sink,
        event=event,
        earlier=(lambda: _earlier_lines(channel, root, event["ts"])) if started_before else None,
        files=(lambda: _downloads(shared)) if shared else None,
        # Chainlit's keys: the event as Slack sent it, and a reader of the thread.
        values={
            "slack_event": event,
            "fetch_slack_message_history": functools.partial(
                fetch_message_history, channel_id=channel, thread_ts=root
            ),
        },
    )


async def fetch_message_history(
    channel_id: str, thread_ts: str | None = None, limit: int = 30
) -> list[dict[str, Any]]:
    """Slack's latest messages of the thread (or of the channel without one), as Slack
    gives them: what `cl.user_session.get("fetch_slack_message_history")()` returns, as in
    Chainlit (scopes channels:history, groups:history, im:history)."""
    if thread_ts:
        reply = await call("conversations_replies", channel=channel_id, ts=thread_ts, limit=limit)
    else:
        reply = await call("conversations_history", channel=channel_id, limit=limit)
    return list(reply.get("messages") or [])


async def _downloads(files: list[Any]) -> list[headless.IncomingFile]:
    """The files a person shared with their message (url_private, scope files:read)."""
    headers = {"Authorization": f"Bearer {settings.CHAT_SLACK_BOT_TOKEN}"}
    return await headless.download_files(
        [
            headless.FileLink(str(f.get("name") or "file"), f["url_private"], headers)
            for f in files
            if isinstance(f, dict) and isinstance(f.get("url_private"), str)
        ]
    )


async def _earlier_lines(channel: str, root: str, asked_at: str) -> list[headless.EarlierLine]:
    """The Slack thread before the bot was mentioned in it (conversations.replies, scopes
    channels:history / groups:history), oldest first, each with its author's name."""
    reply = await call(
        "conversations_replies", channel=channel, ts=root, limit=headless.MAX_EARLIER_LINES + 1
    )
    names: dict[str, str] = {}
    lines = []
    for message in reply.get("messages") or []:
        if not isinstance(message, dict) or float(message.get("ts", 0)) >= float(asked_at):
            continue
        by_bot = bool(message.get("bot_id"))
        user = str(message.get("user") or "")
        if by_bot:
            author = str(message.get("username") or "Assistant")
        else:
            if user and user not in names:
                names[user] = (await _profile(user))[0]
            author = names.get(user, user)
        lines.append(headless.EarlierLine(author, clean(str(message.get("text", ""))), by_bot))
    return lines


@dataclasses.dataclass(frozen=True)
class Click:
    user: str
    channel: str
    root: str
    value: str
    key: str

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Click:
        if payload["type"] != "block_actions":
            raise ValueError("not a block action")
        action = payload["actions"][0]
        message = payload["message"]
        return cls(
            user=str(payload["user"]["id"]),
            channel=str(payload["channel"]["id"]),
            root=str(message.get("thread_ts") or message["ts"]),
            value=str(action["value"]),
            key=str(payload.get("trigger_id") or action["action_ts"]),
        )


async def on_click(click: Click) -> None:
    def make_sink() -> SlackSink:
        return SlackSink(click.channel, click.root)

    refusals = make_sink()
    refusals.begin({"user": click.user})
    if await _person(click.user, refusals) is None:
        return
    await headless.deliver_click(
        source="slack",
        external_id=f"{click.channel}:{click.root}",
        value=click.value,
        make_sink=make_sink,
        event={"user": click.user},
    )
