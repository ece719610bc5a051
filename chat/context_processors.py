from django.conf import settings
from django.http import HttpRequest


def branding(request: HttpRequest) -> dict[str, str]:
    return {
        "ui_name": settings.CHAT_UI_NAME,
        "max_message_chars": str(settings.CHAT_MAX_MESSAGE_CHARS),
    }
