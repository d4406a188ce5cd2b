"""Invoke one published version synchronously, once: a sample event may write, so it is never retried."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from botocore.config import Config

from deploy_hook.checks import Invocation
from shared import aws

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

# A sample event is a smoke test: two minutes covers a cold start and any function of this stack; one attempt,
# because the SDK retrying a timed-out Invoke would run the event twice.
INVOKE_CONFIG = Config(connect_timeout=5, read_timeout=120, retries={"mode": "standard", "total_max_attempts": 1})


def invoke_version(function_name: str, version: str, payload: bytes) -> Invocation:
    client = cast("LambdaClient", aws.client("lambda", config=INVOKE_CONFIG))
    answer = client.invoke(FunctionName=function_name, Qualifier=version, Payload=payload)
    return Invocation(payload=answer["Payload"].read(), function_error=answer.get("FunctionError"))
