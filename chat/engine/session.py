"""One chat session per open socket, as in Chainlit.

The assistant's hooks run as asyncio tasks in this process, so the session may hold any
Python object. Its JSON-serialisable values are saved with the thread, so a socket that
reconnects, here or on another instance, gets them back.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import log_context
from chat.engine import (
    actions,
    answer_starts,
    asks,
    commands,
    control,
    custom_elements,
    edits,
    handover,
    jobs,
    mcp_links,
    message_checks,
    metrics,
    rate_limits,
    run_marks,
    shared_trips,
    uploads,
    user_env,
)
from chat.engine import modes as stored_modes
from chat.engine.background import spawn
from chat.engine.context import current_session
from chat.engine.mcp_panel import McpPanel
from chat.engine.registry import call_hook, hook_name, hooks, public_objects
from chat.engine.running import RunningSession
from chat.engine.session_options import SessionOptions
from chat.engine.shutdown import drain
from chat.engine.storable import storable_text
from chat.engine.voice import Voice
from chat.models import Message, Thread
from chat.storage.local_copies import Scope
from chat.threads import edits as stored_edits
from chat.threads import history, switches
from chat.threads import store as threads
from chat.usage import quotas
from chat.usage.recording import AnswerUsage

logger = logging.getLogger(__name__)

# How long a new message's title and the sidebar wait, so that the answer starts first.
SIDEBAR_DELAY_SECONDS = 0.01
RESERVED_KEYS = ("id", "user", "chat_profile", "chat_settings", "env", "client_type")
# Chainlit's names for where a session's person is, by the thread's source.
CLIENT_TYPES = {
    "web": "webapp",
    "copilot": "copilot",
    "slack": "slack",
    "discord": "discord",
    "teams": "teams",
}


class ChatSession(SessionOptions, RunningSession, McpPanel, Voice):
    def __init__(self, thread: Thread, user: Any, *, client_type: str | None = None) -> None:
        client_type = client_type or CLIENT_TYPES.get(thread.source, "webapp")
        self.client_type = client_type  # as Chainlit's cl.context.session.client_type
        super().__init__(str(uuid.uuid4()), thread.id, user)
        self._load_state(thread)
        self._run_lock = asyncio.Lock()
        self._pending = 0
        self.closed = False
        self._orphans: asyncio.Task[Any] | None = None
        self._saved_state: tuple[dict[str, Any], bool] | None = None
        # Tool servers: Chainlit's `mcp_sessions` (name -> (session, exit stack)).
        self.mcp_sessions: dict[str, tuple[Any, Any]] = {}
        self.mcp_links: dict[str, Any] = {}
        self.mcp_failures: dict[str, str] = {}

    def _load_state(self, thread: Thread) -> None:
        """The session's values and options as the thread has them stored."""
        user = self.user
        self.started = bool(thread.metadata.get("started"))
        self.thread_tags = thread.tag_list
        # Whether the thread has a title: its first message names it.
        self._titled = bool(thread.title)
        # Whether the thread heads its owner's sidebar: known at open, true once written in.
        self._listed_first = False
        # Whether the thread was last run by the assistant running now.
        self._adopted = not handover.runs_elsewhere(thread)
        saved = thread.metadata.get("user_session", {})
        # The profile's switches (chat.threads.switches reads them), and how steps show.
        self.switch_metadata = {switches.KEY: switches.of(thread.metadata)}
        self.emitter.cot = switches.cot(thread.metadata)
        self.user_session = {
            **{k: v for k, v in saved.items() if k not in RESERVED_KEYS},
            "id": self.id,
            "user": public_objects.user(user),
            "chat_profile": thread.chat_profile or saved.get("chat_profile"),
            "chat_settings": saved.get("chat_settings", {}),
            "env": {},
            "client_type": self.client_type,
        }
        self._load_options(thread)

    # -- lifecycle -------------------------------------------------------------------
    async def open(self) -> None:
        jobs.watch_stale_jobs()
        if not self._adopted:
            await self._adopt()
        await control.control().attach(self.thread_id, self)
        # Whoever is still running this thread pushes what the database does not have yet.
        await control.request_sync(self.thread_id)
        if await Message.objects.filter(
            thread_id=self.thread_id, status=Message.Status.STREAMING
        ).aexists():
            self._orphans = spawn(self._watch_orphan_streams(), name="orphan-streams")
        # The person's own values (CHAT_USER_ENV), for the hooks; never saved with the thread.
        self.user_session["env"] = await sync_to_async(user_env.values)(self.user)
        if self.started:
            self._listed_first = await threads.listed_first(self.user, self.thread_id)
            self._spawn_run(self._resume(await self._thread_as_opened()), "resume")
        else:
            self._spawn_run(self._start(), "start")
        # Rebuilt for every socket: an MCP session lives only in the process holding it.
        await self._open_mcp()

    async def _watch_orphan_streams(self) -> None:
        """A stream shown as live whose server died turns into "interrupted" on the page too.

        Live streams keep writing (keep-alive), so only orphans ever go stale.
        """
        interval = max(0.5, settings.CHAT_STREAM_STALE_SECONDS / 2)
        streaming = Message.objects.filter(
            thread_id=self.thread_id, status=Message.Status.STREAMING
        )
        while await streaming.aexists():
            await asyncio.sleep(interval)
            stale_before = timezone.now() - timedelta(seconds=settings.CHAT_STREAM_STALE_SECONDS)
            async for message_id in streaming.filter(updated_at__lt=stale_before).values_list(
                "pk", flat=True
            ):
                await self.emitter.update_message(
                    str(message_id), status=Message.Status.INTERRUPTED
                )

    async def close(self) -> None:
        """The socket went away. A running hook goes on; its output reaches the database."""
        self.closed = True
        # A recording the drop cut short is dropped whole, never taken as a turn.
        await self._abort_recording()
        if self._orphans is not None:
            self._orphans.cancel()
        if hooks.on_chat_end is not None:
            self._spawn_run(self._invoke(hooks.on_chat_end), "end")
        else:
            await self._detach_when_idle()

    async def _detach_when_idle(self) -> None:
        if self.closed and self._pending == 0:
            await mcp_links.close_all(self)
            await control.control().detach(self.thread_id, self)

    async def _start(self) -> None:
        await self._settle_profile()
        if hooks.on_chat_start is not None:
            await self._invoke(hooks.on_chat_start)
        self.started = True

    async def _thread_as_opened(self) -> dict[str, Any] | None:
        """The thread as it stands while the socket opens, before any of its frames is read:
        a message sent from now on comes after it, in chat_context and in what
        on_chat_resume is shown, however long the resume waits for its turn."""
        thread = await threads.load_thread(self.thread_id)
        async for row in stored_edits.current(thread.messages.all()):
            self.context_messages.append(public_objects.message(row))
        if hooks.on_chat_resume is None:
            return None
        return await threads.thread_dict(thread)

    async def _resume(self, thread: dict[str, Any] | None) -> None:
        if thread is not None and hooks.on_chat_resume is not None:
            await self._invoke(hooks.on_chat_resume, thread)

    # -- what the user does ----------------------------------------------------------
    async def receive_message(
        self,
        content: str,
        client_id: str,
        file_ids: tuple[str, ...] = (),
        author: str | None = None,
        *,
        command: str = "",
        modes: dict[str, str] | None = None,
    ) -> None:
        """Stores the user's message at once; it answers an open question or runs on_message."""
        drain.refuse_new_runs()
        if self.client_type == "webapp" and user_env.names():
            await sync_to_async(user_env.check_complete)(self.user)
        command = commands.check_choice(self.commands, command)
        chosen = stored_modes.check_choices(self.modes, modes or {}, self.mode_choices)
        await rate_limits.check_message_rate(self.user)
        # The quotas admit the message in the same trip to the database thread that
        # stores it (see _receive): (answer, warning) once they have.
        admission = quotas.Admission()
        try:
            async with answer_starts.starting() as start:
                await self._receive(
                    content, client_id, file_ids, author, command, chosen, admission, start
                )
        except BaseException:
            if admission.outcome is not None:
                await self._release(admission.outcome[0])
            raise
        warning = admission.outcome[1] if admission.outcome is not None else None
        if warning:
            await self.emitter.notice(warning, level="warning")

    async def _receive(
        self,
        content: str,
        client_id: str,
        file_ids: tuple[str, ...],
        author: str | None,
        command: str,
        chosen: dict[str, str],
        admission: quotas.Admission,
        start: answer_starts.Start,
    ) -> None:
        files = []
        if file_ids:
            # Admitted before the files are checked, so a used-up quota is what is said.
            await sync_to_async(admission.admit)(self.user)
            thread = await Thread.objects.aget(pk=self.thread_id)
            limits = uploads.Limits.for_thread(thread)
            files = await sync_to_async(uploads.take)(self.thread_id, file_ids, limits)
        # A message in an older conversation brings it to the top of the sidebar.
        kind: str | None = None

        def admitted_and_no_question_waits_for_another_answer() -> bool:
            nonlocal kind
            # Read in one statement: round trips less before the message's own, and after
            # it (its star).
            checks = message_checks.read(
                getattr(self.user, "pk", None), self.thread_id, storable_text(content)
            )
            # Once (the files' may have), unless rolled back with the call.
            admission.admit(self.user, any_quota=checks.any_quota)
            kind = checks.pending_kind
            if kind in ("file", "action", "element"):
                raise asks.AskPending(_("Please answer the question above first."))
            return checks.starred

        # Shown with the message, in its frame: the starters go as the chat starts.
        hiding = self._start_hiding()
        row = await self.emitter.create_message(
            check=admitted_and_no_question_waits_for_another_answer,
            shown_with=(hiding,) if hiding else (),
            author_kind=Message.Author.USER,
            # A chat platform's thread may have several people in it: each writes as self.
            author_name=author or self.user.shown_name,
            content=content,
            client_id=client_id,
            metadata={
                **({"command": command} if command else {}),
                **(
                    {"modes": chosen, "modes_shown": stored_modes.shown(self.modes, chosen)}
                    if chosen
                    else {}
                ),
            },
        )
        answer = admission.outcome[0]  # type: ignore[index]
        if row is None:
            admission.outcome = None  # released: nothing left for receive_message to release
            await self._release(answer)
            return  # the same message again, after a reconnect
        profile = self.user_session.get("chat_profile")
        if settings.CHAT_AUTO_TAG_THREAD and profile and profile not in (self.thread_tags or []):
            # As Chainlit's auto_tag_thread: the conversation is tagged with its profile.
            with contextlib.suppress(ValueError):  # a profile name too long for a tag
                self.thread.tags = [*(self.thread_tags or []), profile]
        if chosen != self.mode_choices:
            self.mode_choices = chosen
            await stored_modes.save_choices(self.thread_id, chosen)
        moves_up, self._listed_first = not self._listed_first, True
        self._start_hidden = True
        if files:
            await sync_to_async(uploads.attach)(files, row.pk)
            await self.emitter.update_message(str(row.pk))
        message, copies = await self._public_message(row, files)
        self.context_messages.append(message)
        if kind == "text":
            await sync_to_async(copies.remove)()
            await self._release(answer)
            question = await asks.claim(self.thread_id, "text", None)
            await asks.deliver(self.emitter, question, message.to_dict(), summary=content)
        elif hooks.on_message is not None:
            self._spawn_run(
                self._answering(answer, hooks.on_message, message, copies=copies),
                "message",
                start=start.hand_over(),
            )
        else:
            await sync_to_async(copies.remove)()
            await self._release(answer)
        names_thread = bool(content) and not self._titled
        if names_thread or moves_up:
            self._spawn_side(
                self._update_listing(content if names_thread else "", moves_up), "listing"
            )

    async def user_message_written(self, content: str) -> None:
        # A spoken question arrives as its transcript, written by the assistant: it names
        # the thread and lifts it in the sidebar as the same words typed would.
        names_thread = bool(content.strip()) and not self._titled
        moves_up, self._listed_first = not self._listed_first, True
        if names_thread or moves_up:
            self._spawn_side(
                self._update_listing(content if names_thread else "", moves_up), "listing"
            )

    async def _update_listing(self, content: str, moves_up: bool) -> None:
        """Titles a new thread and re-sorts the sidebar. The answer goes first: database
        calls wait in one queue, and the first token matters more than the sidebar (this
        thread's, and those of the messages received before it)."""
        await asyncio.sleep(SIDEBAR_DELAY_SECONDS)
        await answer_starts.give_way()
        # A new thread's title is a write: with other sessions' writes where they share
        # trips (one commit for many new threads' titles, see shared_trips).
        html = await shared_trips.run(
            history.listing_after_message_now, self.user, self.thread_id, content, moves_up
        )
        # Named now, or already (by the user, or another tab): later messages leave it.
        self._titled = self._titled or bool(content)
        if html:
            await self.emitter.push(html)

    def _spawn_side(self, coro: Any, label: str) -> None:
        """Work beside the hooks (not queued behind them), still awaited by close."""
        self._pending += 1

        async def side() -> None:
            try:
                await coro
            finally:
                self._pending -= 1
                await self._detach_when_idle()

        spawn(side(), name=f"chat-{label}-{self.thread_id}")

    async def click_action(self, message_id: str, action_id: str) -> None:
        drain.refuse_new_runs()
        found = await actions.find(self.thread_id, message_id, action_id)
        await rate_limits.check_run_rate(self.user)
        await sync_to_async(quotas.check)(self.user)
        if found["name"] == jobs.RETRY_ACTION:
            await jobs.retry(self.thread_id, found["payload"].get("job", ""))
            await actions.remove(self.emitter, message_id, action_id)
            return
        callback = hooks.action_callbacks.get(found["name"])
        if callback is None:
            raise actions.ActionUnavailable(f"Nothing handles the action {found['name']!r}.")
        self._spawn_run(self._invoke(callback, public_objects.action(found)), "action")

    async def element_call(self, element_id: str, op: str, data: Any) -> None:
        """A custom element's call from the page (chat.engine.custom_elements)."""
        if op == "update":
            await custom_elements.update(self.emitter, element_id, data)
        elif op == "delete":
            await custom_elements.delete(self.emitter, element_id)
        elif op == "submit":
            props = data if isinstance(data, dict) else {}
            question = await asks.claim(self.thread_id, "element", None)
            if question.metadata["ask"].get("element_id") != element_id:
                question.metadata["ask"]["status"] = "pending"
                await Message.objects.filter(pk=question.pk).aupdate(metadata=question.metadata)
                raise asks.AskUnavailable("That element is not the one asked about.")
            await custom_elements.update(self.emitter, element_id, props)
            await asks.deliver(self.emitter, question, {"submitted": True, **props}, summary="")
        else:
            found = await custom_elements.action_for(self.thread_id, element_id, data)
            drain.refuse_new_runs()
            await rate_limits.check_run_rate(self.user)
            await sync_to_async(quotas.check)(self.user)
            callback = hooks.action_callbacks.get(found["name"])
            if callback is None:
                raise actions.ActionUnavailable(f"Nothing handles the action {found['name']!r}.")
            self._spawn_run(self._invoke(callback, public_objects.action(found)), "action")

    async def answer_with_action(self, ask_id: str, action_id: str) -> None:
        question = await asks.claim(self.thread_id, "action", ask_id)
        chosen = [a for a in question.metadata["ask"].get("actions", []) if a["id"] == action_id]
        if not chosen:
            question.metadata["ask"]["status"] = "pending"
            await Message.objects.filter(pk=question.pk).aupdate(metadata=question.metadata)
            raise asks.AskUnavailable("That is not one of the offered answers.")
        answer = {**chosen[0], "forId": ask_id}
        await asks.deliver(self.emitter, question, answer, summary=answer.get("label") or "")

    async def answer_with_files(self, ask_id: str, file_ids: tuple[str, ...]) -> None:
        question = await asks.claim(self.thread_id, "file", ask_id)
        spec = question.metadata["ask"]
        limits = uploads.Limits(
            accept=tuple(spec.get("accept") or ("*/*",)),
            max_bytes=int(float(spec.get("max_size_mb", 2)) * 1024 * 1024),
            max_files=int(spec.get("max_files", 1)),
        )
        try:
            files = await sync_to_async(uploads.take)(self.thread_id, file_ids, limits)
            if not files:
                raise uploads.UploadRefused("Choose a file to send.")
        except uploads.UploadRefused:
            question.metadata["ask"]["status"] = "pending"
            await Message.objects.filter(pk=question.pk).aupdate(metadata=question.metadata)
            raise
        await sync_to_async(uploads.attach)(files, question.pk)
        answer = [await sync_to_async(uploads.as_file_response)(f) for f in files]
        names = ", ".join(f.name for f in files)
        await asks.deliver(self.emitter, question, answer, summary=names)

    async def edit_message(self, message_id: str, content: str) -> None:
        """The user changed a sent message: what came after it goes, on_message runs again."""
        drain.refuse_new_runs()
        await self._refuse_while_running(
            _("Wait for the answer to finish, or press Stop, then edit.")
        )
        await rate_limits.check_run_rate(self.user)
        await sync_to_async(quotas.check)(self.user)
        row, files = await edits.edit(self.emitter, message_id, content)
        await self._rerun(row, files)

    async def regenerate(self) -> None:
        """The last answer goes; on_message runs again with the last user message."""
        drain.refuse_new_runs()
        await self._refuse_while_running(
            _("Wait for the answer to finish, or press Stop, then regenerate.")
        )
        await rate_limits.check_run_rate(self.user)
        await sync_to_async(quotas.check)(self.user)
        row, files = await edits.regenerate(self.emitter)
        await self._rerun(row, files)

    async def _refuse_while_running(self, text: str) -> None:
        # One run at a time: an edit never races the answer it would replace, here or on
        # another instance (run_marks). (A run that is only finishing up, its end already
        # shown, does not count.)
        if self.current_run is not None or control.control().running(self.thread_id):
            raise edits.CannotEdit(text)
        if await run_marks.marked(self.thread_id):
            raise edits.CannotEdit(text)

    async def _rerun(self, row: Message, files: list[Any]) -> None:
        await self._reload_context()
        message, copies = await self._public_message(row, files)
        # The hook's message is the one in the history, as for a message just sent.
        self.context_messages[:] = [
            message if m.id == message.id else m for m in self.context_messages
        ]
        if hooks.on_message is not None:
            self._spawn_run(self._invoke(hooks.on_message, message, copies=copies), "message")
        else:
            await sync_to_async(copies.remove)()

    async def _public_message(self, row: Message, files: list[Any]) -> tuple[Any, Scope]:
        """The message as the hook gets it, with the local copies of its files (from a
        bucket) that the hook's run removes when it ends."""
        copies = Scope()
        if not files:
            return public_objects.message(row, files), copies
        with copies.active():
            # Off the event loop: a copy is downloaded from the store.
            message = await sync_to_async(public_objects.message)(row, files)
        return message, copies

    async def _reload_context(self) -> None:
        """The assistant's history again from the database, without what was replaced."""
        rows = stored_edits.current(Message.objects.filter(thread_id=self.thread_id))
        rows = rows.order_by("order")
        self.context_messages[:] = [public_objects.message(row) async for row in rows]

    # For lines stored before a new session's first message (a platform conversation's
    # earlier lines): a new chat reads no history when it opens.
    reload_context = _reload_context

    # -- running hooks ---------------------------------------------------------------
    def _spawn_run(
        self, coro: Any, label: str, *, start: answer_starts.Start | None = None
    ) -> None:
        """Runs one hook at a time, in the order asked, each as its own task; `start`, the
        received message's, ends as its hook begins."""
        self._pending += 1
        run = spawn(self._queued(coro, start), name=f"chat-{label}-{self.thread_id}")
        if start is not None:
            # Also when the task is cancelled before it began (the process stopping).
            run.add_done_callback(lambda _task: start.end())

    async def _queued(self, coro: Any, start: answer_starts.Start | None = None) -> None:
        try:
            if start is not None and self._run_lock.locked():
                start.end()  # it waits for this session's answer under way, not its turn
            async with self._run_lock:
                if drain.draining:
                    # The process is stopping: a hook queued behind the last run does not
                    # start here (its socket reconnects to a process that stays).
                    coro.close()
                    return
                context = contextvars.copy_context()
                context.run(current_session.set, self)
                # Every line the run logs names its thread, user and run.
                context.run(
                    log_context.bind,
                    thread_id=self.thread_id,
                    user_id=getattr(self.user, "pk", None),
                    run_id=uuid.uuid4().hex,
                )
                run = spawn(coro, name=f"hook-{self.thread_id}", context=context)
                self.current_run = run
                mark = run_marks.RunMark(self.thread_id)
                try:
                    await mark.put_up()
                    await control.control().push_run_state(self)
                    if start is not None:
                        start.end()  # the hook's first steps come next
                    await asyncio.shield(run)
                except asyncio.CancelledError:
                    if not run.done():
                        raise
                finally:
                    self.current_run = None
                    await mark.take_down()
                    # Another tab's session may still be running this thread (a second tab
                    # opened mid-answer): then the thread is still running for every tab.
                    still_running = await control.control().push_run_state(self)
                    if not still_running:
                        # A session on another instance says so again, if there is one.
                        await control.request_sync(self.thread_id)
                    await self.save_state()
        finally:
            self._pending -= 1
            await self._detach_when_idle()

    async def _answering(
        self,
        answer: AnswerUsage | None,
        fn: Callable[..., Any],
        *args: Any,
        copies: Scope | None = None,
    ) -> None:
        """Runs a question's hook, its usage counted as one answer against the quotas."""
        self.current_answer = answer
        try:
            await self._invoke(fn, *args, copies=copies)
        finally:
            self.current_answer = None
            warning = await self._release(answer)
            if warning:
                await self.emitter.notice(warning, level="warning")

    async def _release(self, answer: AnswerUsage | None) -> str | None:
        if answer is None:
            return None
        return await sync_to_async(quotas.release)(self.user, answer)

    async def _invoke(
        self, fn: Callable[..., Any], *args: Any, copies: Scope | None = None
    ) -> None:
        """Runs a hook; the local copies of stored files made for it go when it ends."""
        scope = copies or Scope()
        try:
            with scope.active():
                await self._run_hook(fn, *args)
        finally:
            if scope.paths:
                await sync_to_async(scope.remove)()

    async def _run_hook(self, fn: Callable[..., Any], *args: Any) -> None:
        with metrics.counting_run(hook_name(fn)) as outcome:
            try:
                await call_hook(fn, *args)
                await self.emitter.stored()
            except asyncio.CancelledError:
                outcome.stopped()
                await self.emitter.end_all_streams(Message.Status.STOPPED)
                # A shutdown's cancel is no Stop from the user.
                if hooks.on_stop is not None and not drain.draining:
                    await call_hook(hooks.on_stop)
                raise
            except Exception as error:
                outcome.failed()
                logger.exception("Assistant hook %s failed", getattr(fn, "__name__", fn))
                await self.emitter.end_all_streams(Message.Status.FAILED)
                await self.send_error(f"{type(error).__name__}: {error}")
            else:
                await self.emitter.end_all_streams(Message.Status.DONE)

    async def send_error(self, text: str) -> None:
        await self.emitter.create_message(
            author_kind=Message.Author.SYSTEM,
            author_name=settings.CHAT_UI_NAME,
            content=_("Something went wrong: %(error)s") % {"error": text},
            is_error=True,
        )

    async def save_state(self) -> None:
        """Saves the session's values with the thread, unless they are as last saved (most
        answers change nothing in the session)."""
        # The user's env values are secrets: kept encrypted elsewhere, never in the thread.
        values = {k: v for k, v in self.user_session.items() if k != "env"}
        state = (threads.session_state(values), self.started)
        if state == self._saved_state:
            return
        await threads.save_session_state(self.thread_id, state[0], started=state[1])
        self._saved_state = state
