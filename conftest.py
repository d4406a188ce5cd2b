"""Repo-wide pytest setup.

Tests never reach a real AWS account: fixed fake credentials, no profile, one default region, and Powertools'
service/namespace set before anything imports ``shared`` (its Metrics reads them once).

Each function folder is a Lambda deployment root: Lambda puts the zip root on sys.path, so tests do the
same for every ``functions/<name>/`` folder (package names are unique, so they never clash). ``shared`` is
installed editable in .venv and imported normally.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The one exception: `E2E_OUTPUTS_FILE=... pytest tests/e2e` runs the end-to-end suite against a real
# deployment, with the caller's own credentials chain.
if not os.environ.get("E2E_OUTPUTS_FILE"):
    for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(_name, None)
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
os.environ.update(
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="orders",
    POWERTOOLS_SERVICE_NAME="orders-tests",
)

# Import the installed package now: in importlib mode pytest would otherwise register the repo's shared/
# folder (which holds shared/tests) as an empty namespace package named `shared`.
import shared  # noqa: F401

REPO = Path(__file__).resolve().parent
for folder in sorted((REPO / "functions").iterdir()):
    if (folder / "function.json").is_file() and str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# Test support for every folder: run functions from their built zips (built_function, aws_endpoint,
# moto_server) and the moto/shared-state fixtures (moto_aws, serialized_dynamodb, create_table, ...).
pytest_plugins = ["tests.support.lambda_zips", "tests.support.aws_fixtures"]
