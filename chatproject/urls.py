from django.contrib import admin
from django.urls import include, path

from accounts.language_views import choose_language
from accounts.my_data_views import download_my_data, my_data_page
from chat.web.branding_views import branding_css
from chat.web.public_views import avatar, public_file, readme

urlpatterns = [
    path("admin/", admin.site.urls),
    # A person's own data: downloaded whole, or deleted with the account.
    path("accounts/my-data/", my_data_page, name="my_data"),
    path("accounts/my-data/download/", download_my_data, name="download_my_data"),
    path("accounts/", include("allauth.urls")),
    path("language/", choose_language, name="set_language"),
    path("branding.css", branding_css, name="branding_css"),
    # The app's public/ folder, where Chainlit serves it.
    path("public/<path:path>", public_file, name="public_file"),
    # The app's chainlit.md.
    path("readme/", readme, name="readme"),
    path("avatars/<str:author>", avatar, name="avatar"),
    path("", include("chat.platforms.urls")),
    path("", include("chat.web.urls")),
]
