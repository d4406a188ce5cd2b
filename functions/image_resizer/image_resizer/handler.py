"""Placeholder until the functions issue lands: reports the Pillow version it was built with."""

from __future__ import annotations

from typing import Any

import PIL


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"pillow": PIL.__version__}
