"""The environment document_pipeline reads."""

from __future__ import annotations

from shared.settings import EnvSettings, load_settings


class PipelineSettings(EnvSettings):
    uploads_bucket: str


def settings() -> PipelineSettings:
    return load_settings(PipelineSettings)
