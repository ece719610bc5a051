from django.urls import path

from .consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/threads/<str:thread_id>/", ChatConsumer.as_asgi()),
]
