"""One emulator, the same function name in two regions: the emulator's invocations reach the data plane of the
function's own region (scripts.local.regions.RegionRouter over the region the emulator's invoke paths report)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator

import pytest

from scripts.emulator import Emulator, InvokeOutcome, InvokeRequest, set_lambda_invoker
from scripts.local.errors import FunctionNotFoundError
from scripts.local.regions import RegionRouter

PRIMARY, SECONDARY = "us-east-1", "us-west-2"


def _answering(region: str, seen: list[tuple[str, str | None]]) -> Callable[[InvokeRequest], InvokeOutcome]:
    def invoke(request: InvokeRequest) -> InvokeOutcome:
        seen.append((region, request.region))
        return InvokeOutcome(payload=json.dumps({"ran_in": region}).encode())

    return invoke


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@pytest.fixture
def routed(emulator: Emulator) -> Iterator[list[tuple[str, str | None]]]:
    seen: list[tuple[str, str | None]] = []
    router = RegionRouter({PRIMARY: _answering(PRIMARY, seen), SECONDARY: _answering(SECONDARY, seen)}, PRIMARY)
    previous = set_lambda_invoker(router)
    try:
        yield seen
    finally:
        set_lambda_invoker(previous)


@pytest.fixture
def same_name_in_both_regions(emulator: Emulator) -> str:
    name = f"twin-{uuid.uuid4().hex[:8]}"
    role = emulator.client("iam").create_role(
        RoleName=f"role-{name}", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    for region in (PRIMARY, SECONDARY):
        emulator.client("lambda", region).create_function(
            FunctionName=name, Runtime="python3.13", Role=role, Handler="app.handler", Code={"ZipFile": _zip()}
        )
    return name


@pytest.mark.parametrize("region", [PRIMARY, SECONDARY])
def test_invoke_api_runs_the_function_of_the_callers_region(
    emulator: Emulator, routed: list[tuple[str, str | None]], same_name_in_both_regions: str, region: str
) -> None:
    # When the Invoke API is called in one region for a name deployed in both
    answer = emulator.client("lambda", region).invoke(FunctionName=same_name_in_both_regions, Payload=b"{}")

    # Then that region's data plane ran it, told so by the emulator
    assert json.loads(answer["Payload"].read()) == {"ran_in": region}
    assert routed == [(region, region)]


def test_a_region_without_a_data_plane_is_a_clear_error() -> None:
    router = RegionRouter({PRIMARY: _answering(PRIMARY, [])}, PRIMARY)
    request = InvokeRequest("orders-api", None, b"{}", "RequestResponse", "invoke", "eu-central-1")

    with pytest.raises(FunctionNotFoundError, match="eu-central-1, a region this stack runs no data plane for"):
        router(request)


def test_a_request_without_a_region_goes_to_the_primary() -> None:
    seen: list[tuple[str, str | None]] = []
    router = RegionRouter({PRIMARY: _answering(PRIMARY, seen), SECONDARY: _answering(SECONDARY, seen)}, PRIMARY)

    router(InvokeRequest("orders-api", None, b"{}", "RequestResponse", "invoke"))

    assert seen == [(PRIMARY, None)]
