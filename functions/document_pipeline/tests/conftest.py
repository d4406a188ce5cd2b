"""Fixtures for document_pipeline: a moto uploads bucket, a Lambda context and the sample events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from shared.observability import metrics
from tests.support.aws_fixtures import FakeLambdaContext

HERE = Path(__file__).resolve().parent
EVENTS = HERE.parent / "events"
REGION = "us-east-1"
BUCKET = "orders-dev-uploads"


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> Any:
    """The uploads bucket holding the sample document at documents/supplier-terms.txt; returns an S3 client."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("UPLOADS_BUCKET", BUCKET)
    monkeypatch.setattr(metrics, "namespace", "orders")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    put_sample_document(s3)
    return s3


def put_sample_document(s3: Any) -> None:
    body = (HERE / "supplier-terms.txt").read_bytes()
    s3.put_object(Bucket=BUCKET, Key="documents/supplier-terms.txt", Body=body, ContentType="text/plain")


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def destination_record(stage: str, request: object, response: object) -> dict[str, Any]:
    """The record Lambda sends to an on-success destination after ``stage`` returned ``response``."""
    record = load_sample("analyze_destination_record")
    record["requestContext"]["functionArn"] = (
        f"arn:aws:lambda:{REGION}:123456789012:function:orders-dev-{stage}:$LATEST"
    )
    record["requestContext"]["requestId"] = str(uuid.uuid4())
    return record | {"requestPayload": request, "responsePayload": response}


@pytest.fixture
def sample() -> Callable[[str], dict[str, Any]]:
    return load_sample


@pytest.fixture
def wrap() -> Callable[[str, object, object], dict[str, Any]]:
    return destination_record


@pytest.fixture
def stage(bucket: Any) -> Callable[[str, object], dict[str, Any]]:
    """Call one stage's handler (``extract`` / ``analyze`` / ``store``) in process."""
    from document_pipeline import handler

    def call(name: str, event: object) -> dict[str, Any]:
        result: dict[str, Any] = getattr(handler, name)(event, FakeLambdaContext(f"orders-dev-{name}", region=REGION))
        return result

    return call


@pytest.fixture
def upload_sample() -> Callable[[Any], None]:
    return put_sample_document
