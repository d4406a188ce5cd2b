"""Import-time rules of ``shared``: what an invocation may not need is not imported by importing the package.

Each check runs in a fresh interpreter (``sys.modules`` of this test process already holds everything) and
names the heavy module that must stay out: the X-Ray SDK without tracing, Powertools idempotency before the
first idempotent call, the event handler package (every Powertools resolver) outside API handlers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("aws_xray_sdk", "aws_lambda_powertools.utilities.idempotency", "aws_lambda_powertools.event_handler")

# An SQS consumer and an API handler calling an idempotent function, decorated as the functions do it.
MODULE_LEVEL = """
import json, sys
from shared.idempotency import LazyIdempotencyConfig, idempotent_record, sqs_config
from shared.middleware import api_handler, event_handler
from shared.observability import tracer

config = sqs_config()

@idempotent_record(config)
def ship(*, record): ...

@event_handler(source="sqs")
def consume(event, context): ...

@idempotent_record(LazyIdempotencyConfig(event_key_jmespath="key"), keyword="request")
def create(*, request): ...

@api_handler()
def api(event, context): return create(request=event)

@tracer.capture_method
def step(): ...

print(json.dumps({"modules": sorted(m for m in sys.modules if m.startswith(%r))}))
"""


def run_module_level(extra_env: dict[str, str]) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_TRACE", "LAMBDA_TASK_ROOT"))}
    env.update(extra_env)
    code = MODULE_LEVEL % (HEAVY,)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])["modules"]


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({"POWERTOOLS_TRACE_DISABLED": "true", "LAMBDA_TASK_ROOT": "/var/task"}, id="lambda-tracing-off"),
        pytest.param({}, id="outside-lambda"),
    ],
)
def test_decorated_handlers_import_no_xray_no_idempotency_and_no_resolvers(env: dict[str, str]) -> None:
    # Given tracing off (disabled in Lambda, or not in Lambda at all: Powertools' own rule)
    # When a module decorates an SQS handler, an idempotent API handler and a traced method
    modules = run_module_level(env)
    # Then none of the heavy packages was imported
    assert modules == []


def test_tracing_on_in_lambda_builds_the_real_tracer_at_decoration() -> None:
    # Given Lambda's environment with tracing on
    # When the same module is imported
    modules = run_module_level({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"})
    # Then the X-Ray SDK is there (the tracer is real) while idempotency still waits for the first call
    assert "aws_xray_sdk.core" in modules
    assert "aws_lambda_powertools.utilities.idempotency" not in modules


def test_first_idempotent_call_builds_the_powertools_config_with_the_given_options() -> None:
    from shared.idempotency import LazyIdempotencyConfig, sqs_config

    # Given a config as functions build it at import
    config = sqs_config(expires_after_seconds=60)
    assert isinstance(config, LazyIdempotencyConfig)
    # When an attribute of the Powertools config is read
    # Then it is the real config's, built from the options
    assert config.event_key_jmespath == "messageId"
    assert config.expires_after_seconds == 60
    assert config.real() is config.real()


def test_tracer_off_returns_the_function_itself_and_ignores_annotations(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.observability import LazyTracer

    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    tracer = LazyTracer()

    def handler(event: object, context: object) -> object:
        return event

    assert tracer.capture_lambda_handler(handler) is handler
    assert tracer.capture_method(handler) is handler
    tracer.put_annotation("order_id", "o-1")  # no segment, no SDK: nothing to raise
    assert tracer._tracer is None


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
        ({}, False),
    ],
)
def test_tracing_is_on_only_in_lambda_and_not_disabled(env: dict[str, str], enabled: bool) -> None:
    from shared.observability import tracing_enabled

    assert tracing_enabled(env) is enabled
