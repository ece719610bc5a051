"""The app's `public/` folder over HTTP, as Chainlit serves it: its files at /public/ and
the authors' pictures at /avatars/<author>. Open to everyone, as Chainlit's are (the
sign-in page shows the logo): the folder is for what the app means to publish."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET
from django.views.static import serve

from chat.rendering import public_folder
from chat.rendering.markdown import render_markdown

MAX_AGE = 60 * 60  # the app may change its files: an hour, not a month


@require_GET
def public_file(request: HttpRequest, path: str) -> HttpResponse:
    public = public_folder.public_dir()
    if public is None:
        raise Http404("This app has no public folder.")
    # serve() refuses paths that leave the folder.
    response = serve(request, path, document_root=str(public))
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


@require_GET
def avatar(request: HttpRequest, author: str) -> HttpResponse:
    found = public_folder.avatar_file(author)
    if found is None:
        raise Http404("No picture for this author.")
    response = FileResponse(found.open("rb"))
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


# A readme larger than this is the app's mistake: shown cut, never read whole into memory.
README_MAX_BYTES = 256 * 1024


@login_required
@require_GET
def readme(request: HttpRequest) -> HttpResponse:
    """The app's chainlit.md, as Chainlit shows it from its header."""
    found = public_folder.readme_file(translation.get_language() or "")
    if found is None:
        raise Http404("This app has no readme.")
    with found.open("rb") as handle:
        text = handle.read(README_MAX_BYTES).decode("utf-8", errors="replace")
    return TemplateResponse(request, "chat/readme.html", {"readme_html": render_markdown(text)})
