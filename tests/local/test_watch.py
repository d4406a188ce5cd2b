"""Rebuilding while up: a changed zip in the manifest is deployed and new invocations run it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.emulator import Emulator
from scripts.local.codestore import sha256_b64
from scripts.local.logs import LogHub
from scripts.local.runtime import DataPlane
from scripts.local.watch import CodeWatcher

Zip = Callable[[dict[str, str]], bytes]


def _write_build(dist: Path, function_zip: bytes, layer_zip: bytes) -> None:
    """What `make build` leaves: the zips and a manifest naming them by hash."""
    (dist / "functions").mkdir(parents=True, exist_ok=True)
    (dist / "layers").mkdir(parents=True, exist_ok=True)
    (dist / "functions" / "greeter.zip").write_bytes(function_zip)
    (dist / "layers" / "words.zip").write_bytes(layer_zip)
    manifest = {
        "version": 1,
        "functions": {"greeter": {"path": "dist/functions/greeter.zip", "sha256": sha256_b64(function_zip)}},
        "layers": {"words": {"path": "dist/layers/words.zip", "sha256": sha256_b64(layer_zip)}},
    }
    (dist / "manifest.json").write_text(json.dumps(manifest))


def test_a_rebuilt_function_and_layer_are_deployed_and_run(
    emulator: Emulator, lambda_client: Any, role_arn: str, tmp_path: Path, make_zip: Zip
) -> None:
    # Given a function and its layer deployed from a build, behind an alias, warm in the data plane
    handler = "import words\n\ndef handler(event, context):\n    return [{tag!r}, words.WORD]\n"
    dist = tmp_path / "dist"
    first_fn, first_layer = (
        make_zip({"app.py": handler.format(tag="v1")}),
        make_zip({"python/words.py": "WORD = 'one'\n"}),
    )
    _write_build(dist, first_fn, first_layer)
    layer = lambda_client.publish_layer_version(LayerName="words-watch", Content={"ZipFile": first_layer})
    lambda_client.create_function(
        FunctionName="watch-greeter",
        Runtime="python3.13",
        Role=role_arn,
        Handler="app.handler",
        Code={"ZipFile": first_fn},
        Layers=[layer["LayerVersionArn"]],
    )
    version = lambda_client.publish_version(FunctionName="watch-greeter")["Version"]
    lambda_client.create_alias(FunctionName="watch-greeter", Name="live", FunctionVersion=version)
    with DataPlane(emulator.url, run_dir=tmp_path / "run", dist_dir=dist, config_ttl_s=0) as plane:
        watcher = CodeWatcher(dist / "manifest.json", plane, LogHub(None))
        watcher.prime()
        before = json.loads(plane.invoke("watch-greeter", b"{}", qualifier="live").payload)

        # When the function is rebuilt, then the layer
        _write_build(dist, make_zip({"app.py": handler.format(tag="v2")}), first_layer)
        changed_function = watcher.check()
        after_function = json.loads(plane.invoke("watch-greeter", b"{}", qualifier="live").payload)
        _write_build(
            dist, make_zip({"app.py": handler.format(tag="v2")}), make_zip({"python/words.py": "WORD = 'two'\n"})
        )
        changed_layer = watcher.check()
        after_layer = json.loads(plane.invoke("watch-greeter", b"{}", qualifier="live").payload)
        unchanged = watcher.check()

    # Then each rebuild is deployed (the alias follows) and the next invocation runs it
    assert before == ["v1", "one"]
    assert changed_function == ["watch-greeter"]
    assert after_function == ["v2", "one"]
    assert changed_layer == ["words-watch"]
    assert after_layer == ["v2", "two"]
    assert unchanged == []
