"""Several regions on one emulator: one data plane per region, and the emulator's Lambda invocations routed to
the data plane of the function's region.

A function name may exist in every region (the same stack deployed twice, as in prod); the emulator's invoke
paths say which region's function they run (``InvokeRequest.region``), and :class:`RegionRouter` hands the
request to that region's invoker. A request without a region (a path that cannot tell) goes to the primary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scripts.local.errors import FunctionNotFoundError

Invoker = Callable[[Any], Any]  # scripts.emulator.hooks.InvokeRequest -> InvokeOutcome


class RegionRouter:
    """The emulator's one Lambda invoker, dispatching by the request's region."""

    def __init__(self, invokers: Mapping[str, Invoker], primary: str) -> None:
        if primary not in invokers:
            raise ValueError(f"primary region {primary!r} has no invoker (regions: {sorted(invokers)})")
        self._invokers = dict(invokers)
        self._primary = primary

    def __call__(self, request: Any) -> Any:
        region = getattr(request, "region", None) or self._primary
        invoker = self._invokers.get(region)
        if invoker is None:
            raise FunctionNotFoundError(
                f"function {request.function_name!r} is in {region}, a region this stack runs no data plane for "
                f"(regions: {', '.join(sorted(self._invokers))})"
            )
        return invoker(request)
