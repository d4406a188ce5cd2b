"""upload_url from its built zip (with the common layer) against a real moto server on loopback."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

import pytest

from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow

BUCKET = "orders-uploads-zip"


def multipart(fields: dict[str, str], content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="orders.csv"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    ("event_name", "status", "extension"),
    [("create_upload_csv", 200, "csv"), ("create_upload_png", 200, "png")],
)
def test_sample_requests_get_a_form_from_the_zip(
    built_function: Any, aws_endpoint: Any, event_name: str, status: int, extension: str
) -> None:
    # Given the uploads bucket on the emulator
    aws_endpoint.client("s3").create_bucket(Bucket=BUCKET)
    # When the built function answers the sample request
    out = built_function("upload_url").invoke(
        "upload_url", load_event("upload_url", event_name), env={"UPLOADS_BUCKET": BUCKET}
    )
    # Then it returns a form for uploads/<the caller's sub>/<uuid>.<ext>
    body = json.loads(out.result["body"])
    assert out.result["statusCode"] == status
    assert body["key"].startswith("uploads/7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31/")
    assert body["key"].endswith(f".{extension}")
    assert body["url"].startswith(aws_endpoint.url)


@pytest.mark.parametrize(
    ("event_name", "field"), [("create_upload_bad_type", "body.content_type"), ("create_upload_too_large", "body.size")]
)
def test_sample_bad_requests_are_400_from_the_zip(
    built_function: Any, aws_endpoint: Any, event_name: str, field: str
) -> None:
    # Given the built function
    # When it answers a bad sample request
    out = built_function("upload_url").invoke(
        "upload_url", load_event("upload_url", event_name), env={"UPLOADS_BUCKET": BUCKET}
    )
    # Then it is a 400 naming the field
    assert out.result["statusCode"] == 400
    assert list(json.loads(out.result["body"])["error"]["details"]["fields"]) == [field]


def test_the_returned_form_uploads_the_object(built_function: Any, aws_endpoint: Any) -> None:
    # Given a form from the built function for the sample CSV request
    s3 = aws_endpoint.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    out = built_function("upload_url").invoke(
        "upload_url", load_event("upload_url", "create_upload_csv"), env={"UPLOADS_BUCKET": BUCKET}
    )
    form = json.loads(out.result["body"])
    content = b"order_id,sku,quantity\no-1,sku-1,2\n"
    data, content_type = multipart(form["fields"], content, "text/csv")
    # When a client posts its file with that form
    request = urllib.request.Request(form["url"], data=data, headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 204)
    # Then the object sits at the planned key with the planned content type
    stored = s3.get_object(Bucket=BUCKET, Key=form["key"])
    assert stored["Body"].read() == content
    assert stored["ContentType"] == "text/csv"
