"""Compressed responses: pages, fragments and (in development) static files, gzipped for
browsers that accept it. Production's static files are compressed ahead of time by
whitenoise (CompressedManifestStaticFilesStorage) and pass through untouched.

Only text is compressed: uploaded images, PDFs and media are already compressed, and
zipping them again on every download would cost the server for nothing. Django's
GZipMiddleware pads each response with random bytes against BREACH.

Measured by `bench/run.py --phases f` (the bytes of the first load in Chromium).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
)


class TextGZipMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
