"""The chat websocket: authenticate, parse, route. No business logic here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import languages
from chat import log_context
from chat.engine import admission, control, outages
from chat.engine import copilot as window
from chat.engine.groups import thread_group
from chat.engine.session import ChatSession
from chat.engine.shutdown import drain
from chat.engine.socket_auth import SocketSignIn
from chat.errors import UserFacingError
from chat.rendering import fragments
from chat.threads import snapshot
from chat.threads import store as threads
from chat.web.events import (
    ActionClick,
    AskActionReply,
    AskFilesReply,
    AudioEnd,
    AudioStart,
    CopilotResult,
    EditMessage,
    ElementCall,
    MalformedFrame,
    ProfileChoice,
    RegenerateRequest,
    SettingsEdit,
    SettingsUpdate,
    StopRequest,
    UserMessage,
    WindowMessage,
    parse_frame,
)
from chat.web.mcp_frames import McpPanelRequest
from chat.web.socket_environ import request_environ
from chatproject.serving import connections

logger = logging.getLogger(__name__)

# Close codes the page understands: sign in again, or give up on this thread.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# "Service restart": the browser reconnects, to this instance or another.
CLOSE_SERVICE_RESTART = 1012
# Daphne (autobahn) lets an application close only with 1000 or 3000-4999 and raises on
# 1012; then this private-use code says the same, and the page reconnects on it too.
CLOSE_SERVICE_RESTART_APP = 4012


class ChatConsumer(AsyncWebsocketConsumer):
    session: ChatSession | None = None
    sign_in: SocketSignIn | None = None
    closing = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            # The server is shutting down: tell the page to reconnect, elsewhere or later.
            with contextlib.suppress(Exception):
                try:
                    await send({"type": "websocket.close", "code": CLOSE_SERVICE_RESTART})
                except Exception:
                    await send({"type": "websocket.close", "code": CLOSE_SERVICE_RESTART_APP})
            raise
        finally:
            # Also when the consumer failed without its disconnect running.
            if self.sign_in is not None:
                self.sign_in.stop_watching()

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            admission.setup_done(self.scope)
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            await self._set_up(user)
        finally:
            admission.setup_done(self.scope)

    async def _set_up(self, user: Any) -> None:
        self.sign_in = await SocketSignIn.open(self.scope, self.channel_layer, self.channel_name)
        if self.sign_in is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.sign_in.watch(self._signed_out)
        thread = await threads.avisible_thread(user, self.scope["url_route"]["kwargs"]["thread_id"])
        if thread is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # For the socket's life (its consumer runs in one task): log lines name both.
        log_context.bind(user_id=user.pk, thread_id=thread.id)
        # What this socket renders (and the hooks it starts) speaks the page's language.
        translation.activate(self._language(user))
        self.group = thread_group(thread.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        drain.track(self.channel_name)
        # A page just drawn says what it shows: then only a change since goes out.
        for frame in await snapshot.aconnect_frames(thread, user, self._page_marker()):
            await self.send(text_data=frame)
        self.session = ChatSession(thread, user)
        self.session.channel_name = self.channel_name  # audio out goes to this socket only
        self.session.language = translation.get_language()
        self.session.environ = request_environ(self.scope)
        self.session.http_referer = self.session.environ.get("HTTP_REFERER")
        self.session.emitter.deliver_to(self.channel_name, self._send_fragment)
        await self.session.open()

    def _page_marker(self) -> str:
        """`?seen=`: the marker of the page that opened this socket (chat.threads.snapshot)."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        return (query.get("seen") or [""])[0][:64]

    def _language(self, user: Any) -> str:
        return languages.choose(user, *self._language_hints())

    def _language_hints(self) -> tuple[str | None, str]:
        """The language cookie and the Accept-Language header the browser sent."""
        cookie = self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
        headers = dict(self.scope.get("headers", []))
        return cookie, headers.get(b"accept-language", b"").decode("latin-1")

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        self.closing = True
        await super().close(code, reason)

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        # Once the close frame is out, fragments still come from the thread's group until
        # the page's reply arrives; daphne raises on them, and the consumer would die
        # without its disconnect (its session never detached). The page's next snapshot
        # has them from the database.
        if self.closing:
            return
        await super().send(text_data, bytes_data, close)

    async def disconnect(self, code: int) -> None:
        drain.forget(self.channel_name)
        if self.sign_in is not None:
            await self.sign_in.leave(self.channel_layer, self.channel_name)
        if self.session is not None:
            self.session.emitter.deliver_to(None, self._send_fragment)
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.session.close()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.session is None:
            return
        if self.sign_in.ended:
            return  # closing already
        if not await self.sign_in.holds():
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        session = self.session
        try:
            if bytes_data is not None:
                await session.audio_chunk(bytes_data)
                return
            event = parse_frame(text_data)
            if isinstance(event, UserMessage):
                await session.receive_message(
                    event.content,
                    event.client_id,
                    event.file_ids,
                    command=event.command,
                    modes=event.modes,
                )
            elif isinstance(event, StopRequest):
                await control.request_stop(session.thread_id)
            elif isinstance(event, AudioStart):
                await session.audio_start()
            elif isinstance(event, AudioEnd):
                await session.audio_end()
            elif isinstance(event, ActionClick):
                await session.click_action(event.message_id, event.action_id)
            elif isinstance(event, AskActionReply):
                await session.answer_with_action(event.ask_id, event.action_id)
            elif isinstance(event, AskFilesReply):
                await session.answer_with_files(event.ask_id, event.file_ids)
            elif isinstance(event, EditMessage):
                await session.edit_message(event.message_id, event.content)
            elif isinstance(event, RegenerateRequest):
                await session.regenerate()
            elif isinstance(event, ProfileChoice):
                await session.choose_profile(event.name)
            elif isinstance(event, SettingsUpdate):
                await session.update_settings(event.values)
            elif isinstance(event, SettingsEdit):
                await session.edit_settings(event.values)
            elif isinstance(event, WindowMessage):
                await window.receive_window_message(session, event.data)
            elif isinstance(event, ElementCall):
                await session.element_call(event.element_id, event.op, event.data)
            elif isinstance(event, CopilotResult):
                await window.deliver_result(session, event.call_id, event.result)
            elif isinstance(event, McpPanelRequest):
                await session.mcp_panel_request(event.action, event.fields)
        except (MalformedFrame, UserFacingError) as error:
            keep_draft = getattr(error, "keeps_draft", False)
            await self.send(text_data=fragments.notice(str(error), keep_draft=keep_draft))
        except Exception:
            # Whatever went wrong, what the user typed goes back into the composer with a
            # word, never silently nowhere; and the socket stays open.
            logger.exception("A frame from the page failed")
            text = _("That did not go through: please try again in a moment.")
            await self.send(text_data=fragments.notice(text, keep_draft=True))

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels first tidies the database connections, a hop to the database thread,
        # for every message: a pushed fragment touches no database, and a frame from the
        # page needs it only now and then (see chatproject.serving.connections).
        if message["type"] == "chat.fragment":
            await self.chat_fragment(message)
        elif message["type"] == "chat.audio":
            await self.send(bytes_data=message["frame"])
        elif message["type"] == "websocket.receive" and not connections.tidy_due():
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def auth_changed(self, event: dict[str, Any]) -> None:
        """One of the person's sign-ins ended somewhere: this socket closes if it was its own."""
        if (
            self.sign_in is not None
            and not self.sign_in.ended
            and not await self.sign_in.changed(event.get("session"))
        ):
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _signed_out(self) -> None:
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def chat_fragment(self, event: dict[str, Any]) -> None:
        # This socket's own session sent it its copy already (Emitter.deliver_to).
        if event.get("sent_to") != self.channel_name:
            await self.send(text_data=event["html"])

    async def _send_fragment(self, html: str) -> None:
        await self.send(text_data=html)

    async def chat_audio(self, event: dict[str, Any]) -> None:
        """Audio for this socket alone (see chat.engine.audio)."""
        await self.send(bytes_data=event["frame"])

    async def layer_recovered(self, event: dict[str, Any]) -> None:
        """The channel layer's Redis is back after an outage (see serving.redis_channel_layer)."""
        # The end of a sign-in announced meanwhile may not have reached this process.
        if self.sign_in is not None and not await self.sign_in.holds(in_full=True):
            await self._signed_out()
            return
        if self.session is not None:
            frames = await outages.catch_up_frames(self.session.thread_id, self.session.user)
            for frame in frames:
                await self.send(text_data=frame)

    async def chat_shutdown(self, event: dict[str, Any]) -> None:
        """The process is stopping (see chat.engine.shutdown): the page reconnects."""
        await self.close(code=CLOSE_SERVICE_RESTART_APP)
