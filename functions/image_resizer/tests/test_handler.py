"""The handler on moto: uploads/ images get a resized copy under resized/; the rest is skipped or rejected."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from image_resizer import handler
from image_resizer.storage import MAX_OBJECT_BYTES
from PIL import Image

from functions.image_resizer.tests.conftest import BUCKET, image_bytes, png_bomb
from tests.support.aws_fixtures import FakeLambdaContext

EVENTS = Path(__file__).resolve().parents[1] / "events"


def resizer_context() -> FakeLambdaContext:
    return FakeLambdaContext(
        "image_resizer", memory_limit_in_mb=1024, aws_request_id="22222222-2222-2222-2222-222222222222"
    )


def event_for(key: str) -> dict[str, Any]:
    event = json.loads((EVENTS / "photo_uploaded.json").read_text())
    event["Records"][0]["s3"]["object"]["key"] = quote_plus(key, safe="/")
    return event


def keys(s3: Any) -> list[str]:
    return sorted(obj["Key"] for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_an_upload_gets_a_resized_copy_under_resized(s3_env: Any) -> None:
    # Given a 2400×1600 photo whose key has a space and "!" (URL-encoded in the event)
    key = "uploads/photos/Holiday Beach!.jpg"
    s3_env.put_object(Bucket=BUCKET, Key=key, Body=image_bytes((2400, 1600)))
    # When the notification arrives
    result = handler.lambda_handler(event_for(key), resizer_context())
    # Then a 800×533 JPEG copy sits under resized/ with its content type, and the answer says so
    assert result["images"] == [
        {
            "key": key,
            "status": "resized",
            "output_key": "resized/photos/Holiday Beach!.jpg",
            "format": "JPEG",
            "width": 800,
            "height": 533,
            "original_width": 2400,
            "original_height": 1600,
        }
    ]
    copy = s3_env.get_object(Bucket=BUCKET, Key="resized/photos/Holiday Beach!.jpg")
    assert copy["ContentType"] == "image/jpeg"
    assert copy["Metadata"]["source-key"] == key
    assert Image.open(io.BytesIO(copy["Body"].read())).size == (800, 533)


def test_a_copy_under_resized_is_never_processed_again(s3_env: Any) -> None:
    s3_env.put_object(Bucket=BUCKET, Key="resized/a.jpg", Body=image_bytes((2000, 2000)))
    result = handler.lambda_handler(event_for("resized/a.jpg"), resizer_context())
    assert result["images"][0]["status"] == "skipped"
    assert keys(s3_env) == ["resized/a.jpg"]


def test_a_non_image_is_skipped_with_a_log_line(s3_env: Any, caplog: pytest.LogCaptureFixture) -> None:
    s3_env.put_object(Bucket=BUCKET, Key="uploads/notes.png", Body=b"just text")
    result = handler.lambda_handler(event_for("uploads/notes.png"), resizer_context())
    assert result["images"][0] == {"key": "uploads/notes.png", "status": "skipped", "reason": "not a recognised image"}
    assert "skipped: not an image" in caplog.text
    assert keys(s3_env) == ["uploads/notes.png"]


def test_a_decompression_bomb_is_rejected_not_retried(s3_env: Any) -> None:
    # Given a bomb: the handler returns normally (no exception, so Lambda does not retry it)
    s3_env.put_object(Bucket=BUCKET, Key="uploads/bomb.png", Body=png_bomb(50_000, 50_000))
    result = handler.lambda_handler(event_for("uploads/bomb.png"), resizer_context())
    assert result["images"][0]["status"] == "rejected"
    assert keys(s3_env) == ["uploads/bomb.png"]


def test_an_object_over_the_size_limit_is_rejected_unread(s3_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("image_resizer.storage.MAX_OBJECT_BYTES", 1000)
    s3_env.put_object(Bucket=BUCKET, Key="uploads/big.jpg", Body=image_bytes((1600, 1200)))
    result = handler.lambda_handler(event_for("uploads/big.jpg"), resizer_context())
    assert result["images"][0]["status"] == "rejected"
    assert MAX_OBJECT_BYTES == 25 * 1024 * 1024


def test_a_deleted_upload_is_skipped(s3_env: Any) -> None:
    result = handler.lambda_handler(event_for("uploads/gone.jpg"), resizer_context())
    assert result["images"][0]["reason"] == "object no longer exists"
