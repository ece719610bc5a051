"""Websocket URLs, as chatproject/urls.py is for HTTP: the chat's socket and the copilot's."""

from django.conf import settings
from django.urls import path

from chat.platforms.copilot.consumers import CopilotConsumer
from chat.web.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/threads/<str:thread_id>/", ChatConsumer.as_asgi()),
]

if settings.CHAT_COPILOT:
    # The copilot widget's socket signs in with the page's ticket (no cookie in a frame
    # of another site).
    websocket_urlpatterns.append(path("ws/copilot/<str:thread_id>/", CopilotConsumer.as_asgi()))
