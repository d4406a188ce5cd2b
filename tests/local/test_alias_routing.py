"""An alias with ``RoutingConfig.AdditionalVersionWeights`` splits invocations between two versions, per invocation.

Every path into the data plane (the Invoke API through the emulator, the HTTP gateway, SQS and async event
sources) resolves a qualifier through ``Catalog.resolve``; these tests drive it through ``DataPlane.invoke`` and
the emulator's Invoke API, and check the executed version each invocation reports.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts.emulator import Emulator, set_lambda_invoker
from scripts.local.catalog import is_alias, pick_version
from scripts.local.errors import FunctionNotFoundError
from scripts.local.runtime import DataPlane

Deploy = Callable[..., str]
Zip = Callable[[dict[str, str]], bytes]

REPORTS_VERSION = """
    import os

    def handler(event, context):
        return {"version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"], "arn": context.invoked_function_arn}
"""


@pytest.fixture
def two_versions(deploy: Deploy, make_zip: Zip, lambda_client: Any) -> str:
    """A function with versions 1 and 2 (different code) and a ``live`` alias on version 1; returns its name."""
    name = deploy(REPORTS_VERSION)
    lambda_client.publish_version(FunctionName=name)
    changed = REPORTS_VERSION + "    # version 2\n"
    lambda_client.update_function_code(FunctionName=name, ZipFile=make_zip({"app.py": changed}))
    lambda_client.publish_version(FunctionName=name)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return name


def _route(lambda_client: Any, name: str, weight: float | None) -> None:
    routing = {"AdditionalVersionWeights": {"2": weight} if weight is not None else {}}
    lambda_client.update_alias(FunctionName=name, Name="live", FunctionVersion="1", RoutingConfig=routing)


@pytest.mark.parametrize(
    ("weight", "draw", "expected"),
    [
        (0.0, 0.0, "1"),  # weight 0: even the lowest draw stays on the alias's version
        (0.0, 0.999999, "1"),
        (1.0, 0.0, "2"),  # weight 1: even the highest draw goes to the additional version
        (1.0, 0.999999, "2"),
        (0.25, 0.2499, "2"),
        (0.25, 0.25, "1"),  # the boundary belongs to the alias's own version
    ],
)
def test_pick_version_honours_the_weight_bounds(weight: float, draw: float, expected: str) -> None:
    assert pick_version("1", {"2": weight}, draw) == expected


def test_qualifiers_that_are_not_aliases_are_never_routed() -> None:
    assert [is_alias(q) for q in (None, "$LATEST", "7", "live")] == [False, False, False, True]


def test_weighted_alias_splits_invocations_by_its_weight(
    two_versions: str, data_plane: DataPlane, lambda_client: Any
) -> None:
    # Given live on version 1 with 30 % of invocations on version 2, and a seeded draw
    _route(lambda_client, two_versions, 0.3)
    data_plane.catalog.rng = random.Random(20261207)

    # When live is invoked 200 times
    results = [data_plane.invoke(two_versions, b"{}", "live") for _ in range(200)]

    # Then about 30 % ran version 2 (binomial: 60 expected, sd 6.5), each reporting the version that ran, and the
    # function saw the alias ARN it was invoked through
    executed = Counter(r.executed_version for r in results)
    assert set(executed) == {"1", "2"}
    assert 40 <= executed["2"] <= 80, executed
    for result in results:
        body = json.loads(result.payload)
        assert result.function_error is None, result.payload
        assert body["version"] == result.executed_version
        assert body["arn"].endswith(f":function:{two_versions}:live")
        assert f"Version: {result.executed_version}" in result.log


@pytest.mark.parametrize(("weight", "only"), [(None, "1"), (0.0, "1"), (1.0, "2")])
def test_weight_bounds_send_every_invocation_to_one_version(
    two_versions: str, data_plane: DataPlane, lambda_client: Any, weight: float | None, only: str
) -> None:
    # Given live routed with no weights, weight 0 or weight 1 to version 2
    _route(lambda_client, two_versions, weight)

    # When live is invoked 30 times
    versions = {data_plane.invoke(two_versions, b"{}", "live").executed_version for _ in range(30)}

    # Then one version served them all
    assert versions == {only}


def test_invoke_api_reports_the_executed_version_of_an_alias(
    two_versions: str, data_plane: DataPlane, lambda_client: Any
) -> None:
    # Given live shifted entirely to version 2 by weight, and the data plane behind the emulator's Invoke API
    _route(lambda_client, two_versions, 1.0)
    assert data_plane.register_with_emulator() is True
    try:
        # When boto3 invokes the alias
        response = lambda_client.invoke(FunctionName=two_versions, Qualifier="live", Payload=b"{}")
    finally:
        set_lambda_invoker(None)

    # Then X-Amz-Executed-Version names version 2, the version that ran
    assert response["ExecutedVersion"] == "2"
    assert json.loads(response["Payload"].read())["version"] == "2"


def test_an_alias_change_reaches_the_next_invocation_despite_the_configuration_cache(
    two_versions: str, emulator: Emulator, tmp_path: Path, lambda_client: Any
) -> None:
    # Given a data plane that caches configurations for a minute, and live on version 1, invoked once
    with DataPlane(emulator.url, run_dir=tmp_path / "run", config_ttl_s=60.0) as plane:
        assert plane.invoke(two_versions, b"{}", "live").executed_version == "1"

        # When the alias moves to version 2 (a rollback or a promotion)
        lambda_client.update_alias(FunctionName=two_versions, Name="live", FunctionVersion="2")

        # Then the very next invocation runs version 2
        assert plane.invoke(two_versions, b"{}", "live").executed_version == "2"


def test_unknown_alias_is_function_not_found(two_versions: str, data_plane: DataPlane) -> None:
    with pytest.raises(FunctionNotFoundError, match=f"{two_versions}:canary"):
        data_plane.invoke(two_versions, b"{}", "canary")
