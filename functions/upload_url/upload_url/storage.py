"""The S3 adapter: sign a POST policy for one planned upload (local signing; no S3 call is made)."""

from __future__ import annotations

from dataclasses import dataclass

from shared import aws
from shared.settings import EnvSettings, load_settings
from upload_url.policy import UploadPlan

__all__ = ["PresignedPost", "Settings", "presign_post"]


class Settings(EnvSettings):
    uploads_bucket: str


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]


def presign_post(plan: UploadPlan) -> PresignedPost:
    """A POST form that S3 accepts only for ``plan.key``, ``plan.content_type`` and 1..``plan.max_bytes`` bytes."""
    bucket = load_settings(Settings).uploads_bucket
    signed = aws.s3().generate_presigned_post(
        Bucket=bucket,
        Key=plan.key,
        Fields={"Content-Type": plan.content_type},
        Conditions=[
            {"bucket": bucket},
            ["eq", "$key", plan.key],
            {"Content-Type": plan.content_type},
            ["content-length-range", 1, plan.max_bytes],
        ],
        ExpiresIn=plan.expires_in,
    )
    return PresignedPost(url=signed["url"], fields=dict(signed["fields"]))
