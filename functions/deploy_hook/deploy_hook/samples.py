"""The sample events Terraform uploaded for a function: s3://<bucket>/<prefix><function name>.json."""

from __future__ import annotations

from botocore.exceptions import ClientError

from deploy_hook.checks import SampleEvents
from shared import aws


def sample_events(bucket: str, prefix: str, function_name: str) -> SampleEvents | None:
    """The function's sample events, or None when none were uploaded for it."""
    try:
        body = aws.s3().get_object(Bucket=bucket, Key=f"{prefix}{function_name}.json")["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return SampleEvents.model_validate_json(body)
