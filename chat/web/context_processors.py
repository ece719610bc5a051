from django.conf import settings
from django.http import HttpRequest

from chat.rendering import branding as look
from chat.rendering import public_folder
from chat.rendering.script_strings import script_strings

DEFAULT_FAVICON = "chat/favicon.svg"


def branding(request: HttpRequest) -> dict[str, object]:
    return {
        "ui_name": settings.CHAT_UI_NAME,
        "max_message_chars": str(settings.CHAT_MAX_MESSAGE_CHARS),
        **_logos_and_icon(),
        "ui_custom_css": look.asset_url(settings.CHAT_UI_CUSTOM_CSS),
        "ui_css_version": look.stylesheet_version(),
        # Rendered on <html>, so the page comes in the chosen theme with no flash.
        "ui_theme": look.theme(request.COOKIES.get(look.THEME_COOKIE)),
        "ui_strings": script_strings(),
        "autoscroll_user": settings.CHAT_AUTOSCROLL_USER,
        "autoscroll_assistant": settings.CHAT_AUTOSCROLL_ASSISTANT,
        "ui_description": settings.CHAT_UI_DESCRIPTION,
        "ui_meta_image": look.asset_url(settings.CHAT_UI_META_IMAGE),
        "ui_login_image": look.asset_url(settings.CHAT_UI_LOGIN_IMAGE),
        "ui_layout": look.layout(settings.CHAT_UI_LAYOUT),
        "ui_header_links": look.header_links(settings.CHAT_UI_HEADER_LINKS),
        "confirm_new_chat": settings.CHAT_CONFIRM_NEW_CHAT,
        "settings_at_side": settings.CHAT_SETTINGS_LOCATION == "sidebar",
        "ui_sidebar_closed": settings.CHAT_UI_SIDEBAR == "closed",
        "user_env_asked": bool(settings.CHAT_USER_ENV),
        "ui_readme": public_folder.readme_file() is not None,
    }


def _logos_and_icon() -> dict[str, str]:
    """The settings' logo and icon; else the app's public/ files (one logo per theme)."""
    logo, logo_dark = look.asset_url(settings.CHAT_UI_LOGO), ""
    if not logo:
        logo, logo_dark = public_folder.logos()
        logo_dark = "" if logo_dark == logo else logo_dark
    favicon = settings.CHAT_UI_FAVICON
    if favicon == DEFAULT_FAVICON:
        favicon = public_folder.favicon() or favicon
    return {"ui_logo": logo, "ui_logo_dark": logo_dark, "ui_favicon": look.asset_url(favicon)}
