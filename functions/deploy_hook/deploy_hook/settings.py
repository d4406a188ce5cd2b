"""The environment deploy_hook reads (through shared.settings); Terraform sets both (stacks/regional/deployments.tf)."""

from __future__ import annotations

from shared.settings import EnvSettings, load_settings


class DeployHookSettings(EnvSettings):
    sample_events_bucket: str  # the stack's artifacts bucket
    sample_events_prefix: str  # "deploy-hook/events/": one <function name>.json per hooked function


def settings() -> DeployHookSettings:
    return load_settings(DeployHookSettings)
