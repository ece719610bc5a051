from django.conf import settings
from django.http import HttpRequest

from chat.rendering import branding as look
from chat.rendering.script_strings import script_strings


def branding(request: HttpRequest) -> dict[str, object]:
    return {
        "ui_name": settings.CHAT_UI_NAME,
        "max_message_chars": str(settings.CHAT_MAX_MESSAGE_CHARS),
        "ui_logo": look.asset_url(settings.CHAT_UI_LOGO),
        "ui_favicon": look.asset_url(settings.CHAT_UI_FAVICON),
        "ui_custom_css": look.asset_url(settings.CHAT_UI_CUSTOM_CSS),
        "ui_css_version": look.stylesheet_version(),
        # Rendered on <html>, so the page comes in the chosen theme with no flash.
        "ui_theme": look.theme(request.COOKIES.get(look.THEME_COOKIE)),
        "ui_strings": script_strings(),
        "autoscroll_user": settings.CHAT_AUTOSCROLL_USER,
        "autoscroll_assistant": settings.CHAT_AUTOSCROLL_ASSISTANT,
    }
