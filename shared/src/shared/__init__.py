"""Code every function in the orders monorepo shares (shipped in the ``common`` layer)."""

__version__ = "0.1.0"
