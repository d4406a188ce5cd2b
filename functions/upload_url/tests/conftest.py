"""Fixtures for upload_url's tests: a moto S3 bucket, a Lambda context (tests.support)."""

from __future__ import annotations

import pytest

from shared import aws
from tests.support.aws_fixtures import FakeLambdaContext

BUCKET = "orders-uploads-test"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext(
        "orders-upload-url", aws_request_id="5b0e6f3c-2d1a-4c8e-9f7b-1a2b3c4d5e6f", remaining_ms=10_000
    )


@pytest.fixture(autouse=True)
def _uploads_env(monkeypatch: pytest.MonkeyPatch, clean_shared_state: None) -> None:
    monkeypatch.setenv("UPLOADS_BUCKET", BUCKET)


@pytest.fixture
def bucket(moto_aws: None) -> str:
    aws.s3().create_bucket(Bucket=BUCKET)
    return BUCKET
