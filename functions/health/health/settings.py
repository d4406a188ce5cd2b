"""The environment health reads (through shared.settings)."""

from __future__ import annotations

from shared.settings import EnvSettings, load_settings


class HealthSettings(EnvSettings):
    orders_table: str
    aws_region: str  # set by Lambda itself
    app_version: str | None = None  # optional: the release Terraform deployed (e.g. a git sha)
    aws_lambda_function_version: str | None = None  # set by Lambda: "$LATEST" or the published version
    # The operator's switch: true reports the region unavailable whatever its dependencies say, so Route 53
    # takes it out of latency routing (a failover drill, or draining a region before maintenance).
    health_drained: bool = False


def settings() -> HealthSettings:
    return load_settings(HealthSettings)
