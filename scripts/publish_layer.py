"""Publish a built layer zip as a Lambda layer version: ``python scripts/publish_layer.py common -r eu-west-1``.

Thin CLI over :mod:`scripts.layer_versions`; ``--help`` lists the options, PUBLISH_LAYER.md explains them.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repo root importable, as `python -m scripts...` would
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.layer_versions import main

if __name__ == "__main__":
    sys.exit(main())
