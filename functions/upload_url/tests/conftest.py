"""Fixtures for upload_url's tests: a moto S3 bucket, a Lambda context, clean shared caches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from moto import mock_aws

from shared import aws
from shared.http import cors_config
from shared.idempotency import reset_idempotency
from shared.settings import reset_settings

BUCKET = "orders-uploads-test"


@dataclass
class FakeLambdaContext:
    function_name: str = "orders-upload-url"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orders-upload-url"
    aws_request_id: str = "5b0e6f3c-2d1a-4c8e-9f7b-1a2b3c4d5e6f"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("UPLOADS_BUCKET", BUCKET)
    for reset in (aws.reset_clients, reset_settings, reset_idempotency, cors_config.cache_clear):
        reset()
    yield
    for reset in (aws.reset_clients, reset_settings, reset_idempotency, cors_config.cache_clear):
        reset()


@pytest.fixture
def bucket() -> Iterator[str]:
    with mock_aws():
        aws.s3().create_bucket(Bucket=BUCKET)
        yield BUCKET
