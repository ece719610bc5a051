"""The file store chosen from settings: local disk without a bucket; with one, django-storages'
S3 backend, private, never overwriting, with bounded memory."""

from __future__ import annotations

from chatproject.serving import object_storage


def test_without_a_bucket_files_stay_on_local_disk():
    assert object_storage.default_storage(bucket="") == {"BACKEND": object_storage.DISK_BACKEND}


def test_a_self_hosted_store_gets_path_style_private_never_overwritten_objects():
    entry = object_storage.default_storage(
        bucket="files",
        endpoint_url="http://minio:9000",
        region="eu-west-1",
        access_key="key",
        secret_key="secret",
        prefix="/assistant/",
        url_seconds=30,
    )
    options = entry["OPTIONS"]
    assert entry["BACKEND"] == object_storage.S3_BACKEND
    assert options["bucket_name"] == "files"
    assert options["endpoint_url"] == "http://minio:9000"
    assert options["addressing_style"] == "path"
    assert options["location"] == "assistant"
    assert (options["default_acl"], options["file_overwrite"]) == (None, False)
    assert options["querystring_expire"] == 30
    assert options["max_memory_size"] == object_storage.MEMORY_CEILING
    assert options["transfer_config"].max_in_memory_upload_chunks == 2


def test_on_aws_without_keys_credentials_come_from_boto3s_chain():
    options = object_storage.default_storage(bucket="files", region="eu-west-1")["OPTIONS"]
    assert "access_key" not in options
    assert "endpoint_url" not in options
    assert options["addressing_style"] is None
