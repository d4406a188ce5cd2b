"""Fixtures for the fuzz suite: every HTTP function deployed on one moto account per test module.

Starting moto and creating the resources costs about a second on a loaded machine, more than a hundred
requests do, so each test module sets up all the functions' resources once (``fuzz_stack``) and each test
invokes one handler against them. moto's state accumulates across a module's tests, as a deployment's would.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from moto import mock_aws

from scripts.local.payment_sandbox import PaymentSandbox
from tests.fuzz.targets import BY_NAME, TARGETS
from tests.support.aws_fixtures import FakeLambdaContext, reset_shared_state

# Reproducible in CI: the same examples every run, no example database written into the work tree.
# FUZZ_EXAMPLES raises the budget for a longer local hunt, e.g. `FUZZ_EXAMPLES=1000 pytest tests/fuzz`.
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10")),
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

Invoke = Callable[[dict[str, Any]], Any]


@pytest.fixture(scope="module")
def fuzz_stack() -> Iterator[None]:
    """Every target's environment and resources (one moto account) and the payment sandbox, for one module."""
    with pytest.MonkeyPatch.context() as env, mock_aws(), PaymentSandbox().start() as sandbox:
        env.setenv("AWS_REGION", "us-east-1")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("PAYMENT_API_URL", sandbox.url)
        for target in TARGETS:
            for name, value in target.env.items():
                env.setenv(name, value)
        reset_shared_state()  # clients and settings are built lazily, inside this mock and environment
        for setup in dict.fromkeys(target.setup for target in TARGETS):
            setup()
        yield
    reset_shared_state()


@pytest.fixture
def function_under_test(request: pytest.FixtureRequest, fuzz_stack: None) -> Invoke:
    """``request.param`` (a target name): its handler, invoked with a Lambda context of its own."""
    target = BY_NAME[request.param]
    handler = importlib.import_module(target.module).lambda_handler
    context = FakeLambdaContext(f"orders-fuzz-{target.name}", remaining_ms=10_000)
    return lambda event: handler(event, context)
