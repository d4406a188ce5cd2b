"""The payment gateway: the external payment HTTP API behind a circuit breaker shared by all invocations."""
