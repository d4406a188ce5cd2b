"""image_resizer from its built zip (Pillow inside) + common layer, on its sample events, against a moto server."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from functions.image_resizer.tests.conftest import BUCKET, image_bytes
from tests.support.lambda_zips import AwsEndpoint, BuiltFunction, load_event

pytestmark = pytest.mark.slow


def test_sample_photo_event_writes_the_resized_copy(
    built_function: Callable[[str], BuiltFunction], aws_endpoint: AwsEndpoint
) -> None:
    s3 = aws_endpoint.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="uploads/photos/Holiday Beach!.jpg", Body=image_bytes((3000, 1500)))
    result = (
        built_function("image_resizer").invoke("image_resizer", load_event("image_resizer", "photo_uploaded")).result
    )
    assert result["images"][0] == {
        "key": "uploads/photos/Holiday Beach!.jpg",
        "status": "resized",
        "output_key": "resized/photos/Holiday Beach!.jpg",
        "format": "JPEG",
        "width": 800,
        "height": 400,
        "original_width": 3000,
        "original_height": 1500,
    }
    copy = s3.get_object(Bucket=BUCKET, Key="resized/photos/Holiday Beach!.jpg")["Body"].read()
    assert Image.open(io.BytesIO(copy)).size == (800, 400)


def test_sample_non_image_event_is_skipped(
    built_function: Callable[[str], BuiltFunction], aws_endpoint: AwsEndpoint
) -> None:
    s3 = aws_endpoint.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="uploads/photos/notes.png", Body=b"meeting notes, not a picture")
    invocation = built_function("image_resizer").invoke("image_resizer", load_event("image_resizer", "not_an_image"))
    assert invocation.result == {
        "images": [{"key": "uploads/photos/notes.png", "status": "skipped", "reason": "not a recognised image"}]
    }
    assert "skipped: not an image" in invocation.logs
