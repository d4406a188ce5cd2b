"""Local event sources for the data plane: SQS mappings, async invocation, schedules, service deliveries."""

from __future__ import annotations

from scripts.local.events.async_invoke import AsyncInvoker, AsyncStats
from scripts.local.events.invoke import Invoke, InvokeResultLike
from scripts.local.events.moto_routes import MotoLambdaRoutes
from scripts.local.events.schedules import ScaledClock, ScheduleRunner, UnknownScheduleError
from scripts.local.events.sources import EventSourceOptions, EventSources
from scripts.local.events.sqs_source import SqsEventSources

__all__ = [
    "AsyncInvoker",
    "AsyncStats",
    "EventSourceOptions",
    "EventSources",
    "Invoke",
    "InvokeResultLike",
    "MotoLambdaRoutes",
    "ScaledClock",
    "ScheduleRunner",
    "SqsEventSources",
    "UnknownScheduleError",
]
