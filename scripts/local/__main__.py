"""``python -m scripts.local`` — see scripts/local/cli.py."""

from __future__ import annotations

from scripts.local.cli import main

raise SystemExit(main())
