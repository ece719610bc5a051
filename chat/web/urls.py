from django.urls import path

from chat.web import favorite_views, history_views, library_views, user_env_views, views
from chat.web import file_views as files

app_name = "chat"

urlpatterns = [
    path("", views.home, name="home"),
    path("threads/new/", views.new_thread, name="new"),
    path("threads/<str:thread_id>/", views.thread_page, name="thread"),
    path("threads/<str:thread_id>/uploads/", views.upload_files, name="upload"),
    path("threads/<str:thread_id>/earlier/", views.thread_earlier, name="thread_earlier"),
    # A message or step too large for a websocket frame loads from here.
    path("threads/<str:thread_id>/<str:kind>s/<str:item_id>/", views.chat_item, name="chat_item"),
    path(
        "threads/<str:thread_id>/messages/<str:message_id>/source/",
        views.message_source,
        name="message_source",
    ),
    # History: the sidebar's list and search, rename, delete, share; ratings of answers.
    path("history/", history_views.thread_list, name="history"),
    path("keys/", user_env_views.user_env_page, name="user_env"),
    path("threads/<str:thread_id>/item/", history_views.thread_item, name="thread_item"),
    path("threads/<str:thread_id>/rename/", history_views.rename_thread, name="rename"),
    path("threads/<str:thread_id>/delete/", history_views.delete_thread, name="delete"),
    path("threads/<str:thread_id>/share/", history_views.share_thread, name="share"),
    path("threads/<str:thread_id>/share/revoke/", history_views.revoke_share, name="share_revoke"),
    path("share/<str:token>/", history_views.shared_thread, name="shared"),
    path("messages/<str:message_id>/feedback/", history_views.rate_message, name="feedback"),
    path("messages/<str:message_id>/favorite/", favorite_views.star_message, name="favorite"),
    path(
        "favorites/<str:favorite_id>/remove/",
        favorite_views.remove_favorite,
        name="favorite_remove",
    ),
    # The personal library: documents searched from every conversation of their owner.
    path("library/", library_views.library_page, name="library"),
    path("library/list/", library_views.library_list, name="library_list"),
    path("library/upload/", library_views.library_upload, name="library_upload"),
    # Team libraries: a group's documents, searched from every conversation of its members.
    path(
        "library/team/<int:group_id>/list/",
        library_views.team_library_list,
        name="team_library_list",
    ),
    path(
        "library/team/<int:group_id>/upload/",
        library_views.team_library_upload,
        name="team_library_upload",
    ),
    path(
        "library/team/<int:group_id>/<str:document_id>/delete/",
        library_views.team_library_delete,
        name="team_library_delete",
    ),
    path(
        "library/team/<int:group_id>/<str:document_id>/retry/",
        library_views.team_library_retry,
        name="team_library_retry",
    ),
    path("library/<str:document_id>/delete/", library_views.library_delete, name="library_delete"),
    path("library/<str:document_id>/retry/", library_views.library_retry, name="library_retry"),
    path("elements/<str:element_id>/", files.element_page, name="element"),
    path("elements/<str:element_id>/rows/", files.element_rows, name="element_rows"),
    path("elements/<str:element_id>/file/", files.element_file, name="element_file"),
]
