"""S3 adapter: read the source document (bounded) and write the analysis next to it."""

from __future__ import annotations

from botocore.exceptions import ClientError

from document_pipeline.settings import settings
from shared import aws
from shared.errors import NotFoundError

MAX_DOCUMENT_BYTES = 64 * 1024


def read_document(key: str) -> tuple[bytes, str, int]:
    """The first ``MAX_DOCUMENT_BYTES + 1`` bytes (enough to tell it is too large), the content type and full size."""
    try:
        response = aws.s3().get_object(Bucket=settings().uploads_bucket, Key=key, Range=f"bytes=0-{MAX_DOCUMENT_BYTES}")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code == "InvalidRange":  # an empty object has no byte 0
            return b"", "text/plain", 0
        if code in {"NoSuchKey", "404"}:
            raise NotFoundError(f"document {key} not found in the uploads bucket") from None
        raise
    content_range = response.get("ContentRange", "")  # "bytes 0-65536/123456"
    size = int(content_range.rsplit("/", 1)[1]) if "/" in content_range else int(response["ContentLength"])
    return response["Body"].read(), response.get("ContentType", "binary/octet-stream"), size


def write_analysis(key: str, body: bytes) -> None:
    aws.s3().put_object(
        Bucket=settings().uploads_bucket,
        Key=key,
        Body=body,
        ContentType="application/json",
        ServerSideEncryption="AES256",
    )
