"""The local Lambda data plane: warm worker processes, an HTTP API gateway and the `make up` CLI.

Everything reads the deployed configuration from the emulator's own AWS APIs, so Terraform stays the one
place where functions, aliases, layers, routes and limits are declared.
"""
