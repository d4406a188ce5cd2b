"""S3 adapter: read an upload (bounded size), write its resized copy."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from image_resizer.objects import ObjectRef
from image_resizer.resize import ResizedImage
from shared import aws
from shared.errors import NonRetryableError, ServiceUnavailableError, classify

MAX_OBJECT_BYTES = 25 * 1024 * 1024  # larger uploads are refused without reading them


class ObjectTooLargeError(NonRetryableError):
    code = "object_too_large"


def _get(ref: ObjectRef) -> Any:
    if ref.version_id:
        return aws.s3().get_object(Bucket=ref.bucket, Key=ref.key, VersionId=ref.version_id)
    return aws.s3().get_object(Bucket=ref.bucket, Key=ref.key)


def _transient(exc: ClientError, action: str) -> Exception:
    known = classify(exc)
    if known is not None and known.retryable:
        return known
    if int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0) >= 500:
        return ServiceUnavailableError(f"{action}: S3 failed")
    return exc


def read(ref: ObjectRef) -> bytes | None:
    """The object's bytes; None when it no longer exists; ObjectTooLargeError past MAX_OBJECT_BYTES."""
    try:
        response = _get(ref)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "NoSuchVersion", "404"}:
            return None
        raise _transient(exc, "read upload") from exc
    body = response["Body"]
    with body:
        if int(response.get("ContentLength", 0)) > MAX_OBJECT_BYTES:
            raise ObjectTooLargeError(f"{response['ContentLength']} bytes is over the {MAX_OBJECT_BYTES}-byte limit")
        return bytes(body.read())


def write(ref: ObjectRef, image: ResizedImage) -> None:
    try:
        aws.s3().put_object(
            Bucket=ref.bucket,
            Key=ref.output_key,
            Body=image.data,
            ContentType=image.content_type,
            Metadata={"source-key": ref.key, "source-size": f"{image.original_width}x{image.original_height}"},
        )
    except ClientError as exc:
        raise _transient(exc, "write resized copy") from exc
