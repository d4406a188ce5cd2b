"""The project's embedded AWS emulator: moto server in-process plus tested gap fills (see README.md)."""

from __future__ import annotations

from scripts.emulator.hooks import InvokeOutcome, Invoker, InvokeRequest, NoInvokerError, set_lambda_invoker
from scripts.emulator.server import Emulator, EmulatorStartError, start_emulator

__all__ = [
    "Emulator",
    "EmulatorStartError",
    "InvokeOutcome",
    "InvokeRequest",
    "Invoker",
    "NoInvokerError",
    "set_lambda_invoker",
    "start_emulator",
]
