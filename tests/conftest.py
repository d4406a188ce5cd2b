"""Repo-level fixtures for tests/: the embedded AWS emulator and the environment subprocesses use to reach it.

The emulator runs in this process and shares moto's global backends with ``mock_aws``: a ``mock_aws`` start or
stop resets them, so never mix the two in one test, and create what a test needs inside that test (or in a
fixture of the same module).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from scripts.emulator import Emulator, start_emulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """The embedded AWS emulator on a free loopback port, started once per session and stopped at its end."""
    running = start_emulator("127.0.0.1", 0)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def aws_env(emulator: Emulator) -> dict[str, str]:
    """A full environment for subprocesses (a copy of os.environ) that points every AWS SDK at the emulator."""
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")}
    env.update(
        AWS_ENDPOINT_URL=emulator.url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env
