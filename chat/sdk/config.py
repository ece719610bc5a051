"""`chainlit.config` as `chat.sdk.config`: `config.ui.name`, `config.project...`,
`config.features...` and `config.run...`, shaped as Chainlit's, read from the settings.

Chainlit reads them from `.chainlit/config.toml`; here the environment variables in
settings.py decide (CHAT_UI_NAME, CHAT_COT, CHAT_UPLOAD_*, ...), and each read reflects
them. The sections are read-only: an app that assigns to one gets an error instead of a
change that silently does nothing.

Example:
    from chat.sdk.config import config

    WELCOME = f"Hello, I am {config.ui.name}."
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.conf import settings

from chat.engine.registry import HookRegistry, hooks
from chat.rendering import branding

Cot = Literal["hidden", "tool_call", "full"]


@dataclass(frozen=True)
class Theme:
    default: str = "system"
    layout: Literal["default", "wide"] = "default"
    font_family: str | None = None


@dataclass(frozen=True)
class HeaderLink:
    """A link in the chat's header (CHAT_UI_HEADER_LINKS)."""

    name: str
    url: str
    icon_url: str = ""
    display_name: str | None = None
    target: Literal["_blank", "_self", "_parent", "_top"] | None = None


@dataclass(frozen=True)
class UISettings:
    name: str = ""
    description: str = ""
    # Read from the settings in `config.ui`; in a profile's overrides None keeps them.
    cot: Cot | None = None
    default_chat_settings_open: bool | None = None
    chat_settings_location: Literal["message_composer", "sidebar"] = "message_composer"
    default_theme: str = "system"
    layout: Literal["default", "wide"] = "default"
    default_collapse_content: bool = True
    github: str | None = None
    custom_css: str | None = None
    custom_js: str | None = None
    custom_font: str | None = None
    custom_meta_image_url: str | None = None
    logo_file_url: str | None = None
    default_avatar_file_url: str | None = None
    language: str | None = None
    default_sidebar_state: Literal["open", "closed"] = "open"
    confirm_new_chat: bool = False
    login_page_image: str | None = None
    header_links: list[HeaderLink] | None = None
    theme: Theme = field(default_factory=Theme)


@dataclass(frozen=True)
class SpontaneousFileUploadFeature:
    """Read from the settings in `config.features`; in a profile's overrides a field left
    out (None) keeps what the settings say."""

    enabled: bool = True
    accept: list[str] | None = None
    max_files: int | None = None
    max_size_mb: float | None = None


@dataclass(frozen=True)
class AudioFeature:
    """Voice: in `config.features`, whether the assistant listens (it defines
    on_audio_chunk); in a profile's overrides `enabled=False` turns the microphone off
    (None keeps what the settings say)."""

    enabled: bool | None = None
    sample_rate: int = 24000


@dataclass(frozen=True)
class McpFeature:
    """Tool servers: in `config.features`, whether the assistant takes them (it defines
    on_mcp_connect); in a profile's overrides `enabled=False` turns them off."""

    enabled: bool | None = None
    servers: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class FeaturesSettings:
    spontaneous_file_upload: SpontaneousFileUploadFeature | None = None
    audio: AudioFeature | None = None
    mcp: McpFeature | None = None
    latex: bool = False
    unsafe_allow_html: bool = False
    auto_tag_thread: bool = True
    edit_message: bool = True
    allow_thread_sharing: bool | None = None
    favorites: bool = True


@dataclass(frozen=True)
class ProjectSettings:
    allow_origins: list[str] = field(default_factory=list)
    enable_telemetry: bool = False
    user_env: list[str] = field(default_factory=list)
    session_timeout: int = 3600
    user_session_timeout: int = 1_296_000
    cache: bool = False
    follow_symlink: bool = False


@dataclass(frozen=True)
class RunSettings:
    module_name: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    root_path: str = ""
    headless: bool = True
    watch: bool = False
    debug: bool = False


@dataclass(frozen=True)
class ChainlitConfigOverrides:
    """A chat profile's own switches, as Chainlit's (`ChatProfile(config_overrides=...)`):
    `features.spontaneous_file_upload` (enabled, accept, max_files, max_size_mb) narrows
    uploads; `features.allow_thread_sharing=False`, `features.mcp=McpFeature(enabled=False)`
    and `features.audio=AudioFeature(enabled=False)` turn sharing, tool servers and the
    microphone off for the profile's chats; `ui.cot` shows their steps another way and
    `ui.default_chat_settings_open` opens their settings panel at first. Other fields are
    accepted and have no effect here.

    Example:
        from chat.sdk.config import (
            ChainlitConfigOverrides, FeaturesSettings, SpontaneousFileUploadFeature,
        )

        overrides = ChainlitConfigOverrides(
            features=FeaturesSettings(
                spontaneous_file_upload=SpontaneousFileUploadFeature(enabled=False)
            )
        )
    """

    ui: UISettings | None = None
    features: FeaturesSettings | None = None
    project: ProjectSettings | None = None


class ChainlitConfig:
    """The app's configuration, section by section, as Chainlit's `config` object."""

    @property
    def root(self) -> str:
        """The app's folder (a file assistant's own; else the current directory)."""
        target = settings.CHAT_ASSISTANT
        if target.endswith(".py"):
            return str(Path(target).resolve().parent)
        return os.getcwd()

    @property
    def chainlit_server(self) -> str:
        return settings.CHAT_PUBLIC_URL

    @property
    def ui(self) -> UISettings:
        theme = settings.CHAT_UI_THEME
        layout = branding.layout(settings.CHAT_UI_LAYOUT)
        links = branding.header_links(settings.CHAT_UI_HEADER_LINKS)
        return UISettings(
            name=settings.CHAT_UI_NAME,
            description=settings.CHAT_UI_DESCRIPTION,
            cot=settings.CHAT_COT,
            default_chat_settings_open=settings.CHAT_SETTINGS_OPEN,
            chat_settings_location=settings.CHAT_SETTINGS_LOCATION,
            default_theme=theme,
            layout=layout,
            custom_css=settings.CHAT_UI_CUSTOM_CSS or None,
            custom_meta_image_url=settings.CHAT_UI_META_IMAGE or None,
            logo_file_url=settings.CHAT_UI_LOGO or None,
            language=settings.LANGUAGE_CODE,
            default_sidebar_state="closed" if settings.CHAT_UI_SIDEBAR == "closed" else "open",
            confirm_new_chat=settings.CHAT_CONFIRM_NEW_CHAT,
            login_page_image=settings.CHAT_UI_LOGIN_IMAGE or None,
            header_links=[
                HeaderLink(
                    name=link["label"],
                    display_name=link["label"],
                    url=link["url"],
                    target="_blank" if link["external"] else None,
                )
                for link in links
            ],
            theme=Theme(default=theme, layout=layout),
        )

    @property
    def features(self) -> FeaturesSettings:
        return FeaturesSettings(
            spontaneous_file_upload=SpontaneousFileUploadFeature(
                accept=list(settings.CHAT_UPLOAD_ACCEPT),
                max_files=settings.CHAT_UPLOAD_MAX_FILES,
                enabled=settings.CHAT_UPLOADS,
                max_size_mb=settings.CHAT_UPLOAD_MAX_MB,
            ),
            allow_thread_sharing=settings.CHAT_SHARING,
            auto_tag_thread=settings.CHAT_AUTO_TAG_THREAD,
            audio=AudioFeature(
                enabled=hooks.on_audio_chunk is not None,
                sample_rate=settings.CHAT_AUDIO_SAMPLE_RATE,
            ),
            mcp=McpFeature(enabled=hooks.on_mcp_connect is not None),
        )

    @property
    def project(self) -> ProjectSettings:
        return ProjectSettings(
            allow_origins=list(settings.CHAT_COPILOT_ALLOWED_ORIGINS),
            user_env=list(settings.CHAT_USER_ENV),
            user_session_timeout=settings.SESSION_COOKIE_AGE,
        )

    @property
    def run(self) -> RunSettings:
        target = settings.CHAT_ASSISTANT
        return RunSettings(module_name=target, debug=settings.DEBUG)

    @property
    def code(self) -> HookRegistry:
        """The app's hooks as registered (`config.code.on_message`, ...)."""
        return hooks

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"config.{name} comes from the settings (environment variables), not from code."
        )


config = ChainlitConfig()

__all__ = [
    "AudioFeature",
    "ChainlitConfig",
    "ChainlitConfigOverrides",
    "FeaturesSettings",
    "HeaderLink",
    "McpFeature",
    "ProjectSettings",
    "RunSettings",
    "SpontaneousFileUploadFeature",
    "Theme",
    "UISettings",
    "config",
]
