"""All local event sources together: what the data plane starts after the emulator and the runtime."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scripts.local.events.async_invoke import AsyncInvoker
from scripts.local.events.aws import AwsClients
from scripts.local.events.invoke import Invoke
from scripts.local.events.moto_routes import MotoLambdaRoutes
from scripts.local.events.schedules import Clock, ScheduleRunner
from scripts.local.events.sqs_source import ConcurrencyLimit, SqsEventSources

__all__ = ["EventSourceOptions", "EventSources"]

log = logging.getLogger("local.events")


@dataclass(frozen=True)
class EventSourceOptions:
    """Knobs for local use; the defaults behave like AWS (real-time delays, 6 h maximum event age)."""

    region: str = "us-east-1"
    time_scale: float = 1.0  # async retry delays × this; event age ÷ this (0.01: a 1 min delay takes 0.6 s)
    async_workers: int = 4
    refresh_interval_s: float = 2.0  # how often mappings / schedules are re-read from the emulator
    sqs_poll_wait_s: int = 1  # long-poll length (short so stop() is prompt)
    sqs_default_concurrency: int = 5  # pollers per mapping without ScalingConfig.MaximumConcurrency
    route_moto_deliveries: bool = True  # EventBridge/SNS/S3 → Lambda via the async path (needs in-process moto)
    schedule_clock: Clock | None = None  # None: the real UTC clock


class EventSources:
    """Starts and stops SQS mappings, the async invoke queue, schedules and the moto delivery routes.

    ``invoke`` is the runtime's synchronous invoke (``DataPlane.invoke``); ``endpoint_url`` is the emulator;
    ``concurrency_limit`` (``DataPlane.concurrency_limit``) caps each SQS mapping's pollers at what can run.
    Invoke API calls with ``InvocationType=Event`` should be handed to ``async_invoker.submit``.
    """

    def __init__(
        self,
        invoke: Invoke,
        endpoint_url: str,
        options: EventSourceOptions | None = None,
        *,
        concurrency_limit: ConcurrencyLimit | None = None,
    ) -> None:
        self.options = options or EventSourceOptions()
        self.clients = AwsClients(endpoint_url, self.options.region)
        self.async_invoker = AsyncInvoker(
            invoke, self.clients, workers=self.options.async_workers, time_scale=self.options.time_scale
        )
        self.sqs = SqsEventSources(
            invoke,
            self.clients,
            refresh_interval_s=self.options.refresh_interval_s,
            poll_wait_s=self.options.sqs_poll_wait_s,
            default_concurrency=self.options.sqs_default_concurrency,
            concurrency_limit=concurrency_limit,
        )
        self.schedules = ScheduleRunner(
            self.async_invoker.submit,
            self.clients,
            clock=self.options.schedule_clock,
            refresh_interval_s=self.options.refresh_interval_s,
        )
        self.routes = MotoLambdaRoutes(self.async_invoker.submit, endpoint_url, self.options.region)
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self.async_invoker.start()
        if self.options.route_moto_deliveries:
            self.routes.start()
        self.sqs.start()
        self.schedules.start()
        self._started = True
        log.info("event sources running: %d SQS mapping(s)", len(self.sqs.pollers))

    def stop(self) -> None:
        """Stop producers first (schedules, SQS, routes), then let the async queue finish what it runs."""
        if not self._started:
            return
        self.schedules.stop()
        self.sqs.stop()
        self.routes.stop()
        self.async_invoker.stop()
        self._started = False

    def __enter__(self) -> EventSources:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fire_now(self, name: str) -> list[str]:
        """Fire a schedule rule or Scheduler schedule by name now (tests, e2e, ``make``)."""
        return self.schedules.fire_now(name)
