"""Where stored files go: local disk, or an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...).

Settings read the environment and hand the values here; this only shapes Django's STORAGES
entry. With a bucket, django-storages' S3 backend is used with:

- private objects (no ACL: the bucket's own policy), reached only through the app's
  permission check, or a presigned URL the app hands out after it;
- no overwriting: two files with one name (an element saved twice in a month) must not
  replace each other, as FileSystemStorage never does;
- a 1 MB memory ceiling per file read or written through the storage: django-storages'
  default (0) keeps a whole object in memory until it is closed; and at most two parts
  of a multipart upload in memory at once;
- path-style addresses when an endpoint is given, which MinIO and most self-hosted
  servers need (virtual-host style needs a DNS name per bucket).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
DISK_BACKEND = "django.core.files.storage.FileSystemStorage"
# Past this, a file read or written through the storage goes to a temporary file.
MEMORY_CEILING = 1024 * 1024
# The size of each part of a multipart upload (S3's minimum is 5 MB).
UPLOAD_PART = 8 * 1024 * 1024


def default_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    prefix: str = "",
    addressing_style: str = "",
    url_seconds: int = 60,
) -> dict[str, Any]:
    """The STORAGES["default"] entry: the bucket's when one is named, else local disk.

    Without a key, boto3 looks for credentials as every AWS tool does (the instance's or the
    pod's role, AWS_* variables, ~/.aws), so a role needs nothing here.
    """
    if not bucket:
        return {"BACKEND": DISK_BACKEND}
    try:
        import storages.backends.s3  # noqa: F401
        from boto3.s3.transfer import TransferConfig
    except ImportError as error:
        raise ImproperlyConfigured(
            "CHAT_STORAGE_S3_BUCKET is set but django-storages or boto3 is missing: install "
            'the s3 extra (pip install -e ".[s3]"; with docker compose, PIP_EXTRAS=s3)'
        ) from error

    transfer = TransferConfig(multipart_chunksize=UPLOAD_PART, max_concurrency=2)
    # s3transfer's own knob, which boto3's constructor does not take.
    transfer.max_in_memory_upload_chunks = 2
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": url_seconds,
        "file_overwrite": False,
        "max_memory_size": MEMORY_CEILING,
        "signature_version": "s3v4",
        "location": prefix.strip("/"),
        "addressing_style": addressing_style or ("path" if endpoint_url else None),
        # boto3 uploads a large file in parts, by default up to ten 8 MB parts in memory
        # at once per upload (measured: +140 MB for one 200 MB upload); two in flight
        # keep an upload's cost at a few parts.
        "transfer_config": transfer,
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if region:
        options["region_name"] = region
    if access_key or secret_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
