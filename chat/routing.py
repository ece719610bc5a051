from django.conf import settings
from django.urls import path

from chat.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/threads/<str:thread_id>/", ChatConsumer.as_asgi()),
]

if settings.CHAT_COPILOT:
    # The copilot widget's socket signs in with the page's ticket (no cookie in a frame
    # of another site); imported only when the widget is on.
    from chat.platforms.copilot.consumers import CopilotConsumer

    websocket_urlpatterns.append(path("ws/copilot/<str:thread_id>/", CopilotConsumer.as_asgi()))
