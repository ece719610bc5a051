from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("", views.home, name="home"),
    path("threads/new/", views.new_thread, name="new"),
    path("threads/<str:thread_id>/", views.thread_page, name="thread"),
    path("threads/<str:thread_id>/uploads/", views.upload_files, name="upload"),
]
