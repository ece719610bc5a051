"""What a chat session offers beside the conversation: its profile, its settings panel and
its composer commands. Mixed into ChatSession; each change is stored, then pushed."""

from __future__ import annotations

import logging
from typing import Any, Protocol
from uuid import UUID

from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils.translation import gettext as _

from chat.engine import (
    chat_settings,
    commands,
    control,
    handover,
    modes,
    profiles,
    rate_limits,
    uploads,
    voice,
)
from chat.engine.context import Session
from chat.engine.registry import hooks
from chat.models import Thread
from chat.rendering import chat_start, composer, fragments
from chat.threads import elements as stored_elements
from chat.threads import switches

logger = logging.getLogger(__name__)


@sync_to_async
def _restart(thread_id: UUID, profile: str) -> Thread:
    """Empties a chat the user has not written in, for a start with another profile."""
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread_id)
        handover.start_over(thread, profile)
        thread.save(update_fields=["chat_profile", "metadata"])
    return thread


class OptionsHost(Session, Protocol):
    """What these options use of the chat session they are mixed into."""

    started: bool
    settings_inputs: list[dict[str, Any]]
    settings_draft: dict[str, Any] | None
    commands: list[dict[str, Any]]
    modes: list[dict[str, Any]]
    mode_choices: dict[str, str]
    _start_hidden: bool

    async def send_error(self, text: str) -> None: ...

    async def save_state(self) -> None: ...

    async def _start(self) -> None: ...

    async def _invoke(self, fn: Any, *args: Any) -> None: ...

    def _spawn_run(self, coro: Any, label: str) -> None: ...

    async def _switch_profile(self, profile: profiles.Profile) -> None: ...

    async def _show_new_chat(self, thread: Thread) -> None: ...

    def _load_state(self, thread: Thread) -> None: ...

    async def _reload_context(self) -> None: ...

    switch_metadata: dict[str, Any]
    client_type: str

    def _mcp_on(self) -> bool: ...

    async def _open_mcp(self) -> None: ...

    async def _close_mcp(self) -> None: ...

    async def _abort_recording(self) -> None: ...

    async def _follow_switches(self, thread: Thread, *, push: bool) -> None: ...

    def _settings_open_first(self) -> bool: ...


class SessionOptions:
    """The part of ChatSession that handles profiles, settings and commands, and what
    another assistant left of them."""

    def _load_options(self: OptionsHost, thread: Thread) -> None:
        self.settings_inputs = chat_settings.inputs_of(thread)
        # The panel's values while on_settings_edit runs: a redraw from it keeps them.
        self.settings_draft: dict[str, Any] | None = None
        self.commands = commands.commands_of(thread)
        self.modes = modes.modes_of(thread)
        self.mode_choices = modes.choices_of(thread)
        self._start_hidden = False

    # -- another assistant ran the thread -----------------------------------------------
    async def _adopt(self: OptionsHost) -> None:
        """A thread another assistant ran becomes the running one's (see handover)."""
        thread, changed = await handover.aadopt(self.thread_id)
        self._load_state(thread)
        if not changed:
            return
        if self.started or await profiles.has_user_messages(self.thread_id):
            await self.emitter.push(
                chat_start.profile_badge(thread.chat_profile, None)
                + chat_start.settings_panel([], {})
                + chat_start.commands([])
                + chat_start.modes([], {})
            )
        else:
            await self._show_new_chat(thread)

    # -- profiles -----------------------------------------------------------------------
    async def _settle_profile(self: OptionsHost) -> None:
        """A new chat runs in the default profile until the user picks another."""
        if hooks.set_chat_profiles is None:
            return
        try:
            thread = await Thread.objects.aget(pk=self.thread_id)
            await profiles.ensure_profile(thread, self.user)
        except Exception as error:
            logger.exception("set_chat_profiles failed")
            await self.send_error(f"{type(error).__name__}: {error}")
            return
        self.user_session["chat_profile"] = thread.chat_profile or None
        if switches.of(thread.metadata) != switches.of(self.switch_metadata):
            await self._follow_switches(thread, push=True)

    async def choose_profile(self: OptionsHost, name: Any) -> None:
        profile = await profiles.check_choice(self.thread_id, self.user, name)
        if profile.name != self.user_session.get("chat_profile"):
            await rate_limits.check_run_rate(self.user)  # a new chat: on_chat_start runs
            self._spawn_run(self._switch_profile(profile), "profile")

    async def _switch_profile(self: OptionsHost, profile: profiles.Profile) -> None:
        """As in Chainlit, another profile is another chat: it starts over, empty."""
        thread = await _restart(self.thread_id, profile.name)
        await profiles.keep_overrides(thread, profile)
        await self._follow_switches(thread, push=True)
        kept = {k: self.user_session[k] for k in ("id", "user", "env", "client_type")}
        self.user_session.clear()
        self.user_session.update(kept, chat_profile=profile.name, chat_settings={})
        self.settings_inputs, self.commands, self.context_messages = [], [], []
        self.modes, self.mode_choices = [], {}
        self.started = False
        # The other tabs' sessions drop the old chat at once, and take what on_chat_start
        # kept once it has run.
        await control.share_restart(self.thread_id, self.id)
        await self._show_new_chat(thread)
        await self._start()
        await self.save_state()
        await control.share_restart(self.thread_id, self.id)

    async def adopt_new_chat(self: OptionsHost) -> None:
        """Another tab's session started this chat over: this one takes the new chat's
        profile, values and history from the database (its own user_env stays)."""
        thread = await Thread.objects.aget(pk=self.thread_id)
        env = self.user_session.get("env", {})
        before = self.switch_metadata
        self._load_state(thread)
        self.user_session["env"] = env
        await self._reload_context()
        # The tab that switched told every page; this session's own connections follow.
        self.switch_metadata = before
        await self._follow_switches(thread, push=False)

    async def _follow_stored_switches(self: OptionsHost) -> None:
        """Another tab may have switched the thread's profile a moment ago, before this
        session heard of it: before acting on a switch, the stored profile decides."""
        thread = await Thread.objects.only("metadata").aget(pk=self.thread_id)
        if switches.of(thread.metadata) != switches.of(self.switch_metadata):
            await self._follow_switches(thread, push=False)

    async def _follow_switches(self: OptionsHost, thread: Thread, *, push: bool) -> None:
        """The thread's profile changed: its tool servers, microphone and steps follow its
        switches; with `push`, every tab's composer shows its attach button, microphone
        and tool-server button as the profile has them, without a reload."""
        before = self.switch_metadata
        self.switch_metadata = {switches.KEY: switches.of(thread.metadata)}
        self.emitter.cot = switches.cot(thread.metadata)
        if switches.mcp_on(before) and not switches.mcp_on(self.switch_metadata):
            await self._close_mcp()
        elif self._mcp_on() and not switches.mcp_on(before):
            await self._open_mcp()
        if not switches.voice_on(self.switch_metadata):
            await self._abort_recording()
        if push and self.client_type == "webapp":  # the copilot's panel has no such buttons
            await self.emitter.push(
                composer.switched_buttons(
                    uploads_on=uploads.enabled(switches.of(thread.metadata)),
                    voice=voice.page_context(thread.metadata),
                    mcp_on=self._mcp_on(),
                )
            )

    async def _show_new_chat(self: OptionsHost, thread: Thread) -> None:
        """Every tab shows the chat empty, as new, with the running assistant's options."""
        options = await profiles.start_options(thread, self.user)
        await self.emitter.push(
            fragments.messages([], oob=True)
            + await sync_to_async(stored_elements.task_lists_html)(thread)
            + chat_start.chat_start(options, show=True)
            + chat_start.profile_badge(thread.chat_profile, options.current)
            + chat_start.settings_panel([], {})
            + chat_start.commands([])
            + chat_start.modes([], {})
        )

    def _start_hiding(self: OptionsHost) -> str:
        """What hides the picker and the starters, which are for a chat the user has not
        written in yet ("" once hidden); sent with the user's first message (`_start_hidden`
        is set once it is shown)."""
        return "" if self._start_hidden else chat_start.hidden_start()

    async def _hide_start(self: OptionsHost) -> None:
        """The picker and the starters are for a chat the user has not written in yet."""
        if not self._start_hidden:
            self._start_hidden = True
            await self.emitter.push(chat_start.hidden_start())

    # -- settings -------------------------------------------------------------------------
    def _settings_open_first(self: OptionsHost) -> bool:
        return switches.settings_open(self.switch_metadata)

    async def publish_settings(
        self: OptionsHost, inputs: list[dict[str, Any]], *, commit: bool = True
    ) -> dict[str, Any]:
        """Draws the settings panel; returns the values in force (saved ones kept on resume).

        `commit` false (Chainlit's `refresh()`) redraws it without changing the values in
        force. A redraw while the user edits the panel keeps what they chose there.
        """
        inputs = chat_settings.check_inputs(inputs)
        saved = self.user_session.get("chat_settings") or {}
        values = chat_settings.current_values(inputs, saved)
        shown = values
        draft = getattr(self, "settings_draft", None)
        if draft is not None:
            shown = chat_settings.current_values(inputs, {**saved, **draft})
        self.settings_inputs = inputs
        if commit:
            self.user_session["chat_settings"] = values
        await chat_settings.save_inputs(self.thread_id, inputs)
        await self.emitter.push(
            chat_start.settings_panel(inputs, shown, open_first=self._settings_open_first())
        )
        return dict(values)

    async def edit_settings(self: OptionsHost, submitted: dict[str, Any]) -> None:
        """A change in the open panel, before Save: checked, shown to on_settings_edit,
        saved nowhere."""
        if hooks.on_settings_edit is None:
            return
        current = self.user_session.get("chat_settings") or {}
        values = chat_settings.apply(self.settings_inputs, current, submitted)
        await rate_limits.check_run_rate(self.user)
        self._spawn_run(self._edited(values), "settings-edit")

    async def _edited(self: OptionsHost, values: dict[str, Any]) -> None:
        self.settings_draft = values
        try:
            await self._invoke(hooks.on_settings_edit, dict(values))
        finally:
            self.settings_draft = None

    async def update_settings(self: OptionsHost, submitted: dict[str, Any]) -> None:
        """Checks every value against its widget; only then saves and tells the assistant."""
        current = self.user_session.get("chat_settings") or {}
        values = chat_settings.apply(self.settings_inputs, current, submitted)
        if hooks.on_settings_update is not None:
            await rate_limits.check_run_rate(self.user)
        self.user_session["chat_settings"] = values
        await self.save_state()
        await control.share_settings(self.thread_id, values)
        await self.emitter.push(
            chat_start.settings_panel(
                self.settings_inputs, values, open_first=self._settings_open_first()
            )
            + fragments.notice(_("Settings saved."), level="info")
        )
        if hooks.on_settings_update is not None:
            self._spawn_run(self._invoke(hooks.on_settings_update, dict(values)), "settings")

    # -- modes ----------------------------------------------------------------------------
    async def publish_modes(self: OptionsHost, offered: list[Any]) -> None:
        """Draws the composer's pickers; a choice made earlier stays while it is offered."""
        self.modes = modes.check_modes(offered)
        self.mode_choices = modes.current(self.modes, self.mode_choices)
        await modes.save(self.thread_id, self.modes)
        await self.emitter.push(chat_start.modes(self.modes, self.mode_choices))

    # -- commands -------------------------------------------------------------------------
    async def publish_commands(self: OptionsHost, offered: list[dict[str, Any]]) -> None:
        self.commands = commands.check_commands(offered)
        await commands.save(self.thread_id, self.commands)
        await self.emitter.push(chat_start.commands(self.commands))
