"""A real moto server on a free loopback port, reset between tests, with moto's own SQS trigger off."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scripts.local.events.aws import AwsClients
from scripts.local.events.sources import EventSourceOptions, EventSources
from tests.local.events.helpers import LocalFunctions

# The emulator's request log drowns the data plane's own log lines in a failure report.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def moto_url(moto_server: str) -> str:
    """The repo-wide moto server (tests/support/lambda_zips.py)."""
    return moto_server


@pytest.fixture
def emulator_url(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean emulator per test. moto's synchronous SQS→Lambda trigger is switched off, as in the launcher."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10).close()
    from moto.awslambda.models import LambdaBackend
    from moto.sqs.models import sqs_backends

    original = LambdaBackend.create_event_source_mapping

    def create_without_moto_trigger(self: LambdaBackend, spec: dict[str, object]) -> object:
        mapping = original(self, spec)
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            queue.lambda_event_source_mappings.pop(mapping.function_arn, None)
        return mapping

    monkeypatch.setattr(LambdaBackend, "create_event_source_mapping", create_without_moto_trigger)
    return moto_url


@pytest.fixture
def clients(emulator_url: str) -> AwsClients:
    return AwsClients(emulator_url, "us-east-1")


@pytest.fixture
def functions(clients: AwsClients) -> LocalFunctions:
    return LocalFunctions(clients)


@pytest.fixture
def make_sources(emulator_url: str, functions: LocalFunctions) -> Iterator[Callable[..., EventSources]]:
    """Build (and at teardown stop) an :class:`EventSources` over the in-process functions."""
    started: list[EventSources] = []

    def make(**options: Any) -> EventSources:
        defaults: dict[str, Any] = {"refresh_interval_s": 0.5, "time_scale": 0.005}
        sources = EventSources(functions.invoke, emulator_url, EventSourceOptions(**(defaults | options)))
        started.append(sources)
        sources.start()
        return sources

    yield make
    for sources in started:
        sources.stop()
