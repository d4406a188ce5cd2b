"""``make diagram``: the deployed architecture as a Graphviz picture, drawn from what Terraform reads.

Sources (the same Terraform uses, read without running it):

* ``functions/*/function.json`` — function keys by folder (what ``dist/manifest.json`` lists after a build);
* ``terraform/stacks/regional/wiring.tf`` — per key: routes, queue, S3 notifications, topics, event pattern,
  schedule, Cognito trigger, async + on-success destination, saga task, environment (a literal table, read
  with :mod:`scripts.hcl_literal`);
* ``terraform/stacks/regional/main.tf`` ``env_values`` — which resource each environment variable names;
* ``terraform/stacks/regional/messaging.tf`` ``queues`` — queues with a consumer (each has a DLQ);
* ``terraform/environments/prod/variables.tf`` — prod's two regions (latency routing through Route 53).

A key is drawn when it is both wired and declared by a folder (Terraform deploys exactly those). Output:
``docs/architecture.dot`` (deterministic text) and ``docs/architecture.svg`` rendered by Graphviz ``dot``,
carrying the DOT's sha256 in a comment so a test can tell the picture was drawn from the committed DOT.

    python -m scripts.diagram            write docs/architecture.dot and render docs/architecture.svg
    python -m scripts.diagram --check    exit 1 when either is stale (needs no Graphviz)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.hcl_literal import HclLiteralError, parse

__all__ = ["Architecture", "DiagramError", "dot_sha256", "load_architecture", "render_svg", "to_dot"]

REPO = Path(__file__).resolve().parents[1]
DOT_PATH = Path("docs/architecture.dot")
SVG_PATH = Path("docs/architecture.svg")
SHA_COMMENT = "<!-- drawn from docs/architecture.dot sha256:{} -->"

# What an environment variable's Terraform value names → (node kind, resource key). Values that are plain
# configuration (numbers, domain lists, recipients) draw nothing.
_ENV_RESOURCE = [
    (re.compile(r'module\.tables\["(\w+)"\]'), "table"),
    (re.compile(r'module\.queues\["(\w+)"\]'), "queue"),
    (re.compile(r'module\.topics\["(\w+)"\]'), "topic"),
    (re.compile(r"module\.events\.(bus)_name"), "bus"),
    (re.compile(r"module\.(uploads|archive)\.id"), "bucket"),
    (re.compile(r"local\.(saga)_arn"), "state_machine"),
    (re.compile(r"var\.(payment_api)_url"), "external"),
    (re.compile(r"var\.(sender)_email"), "email"),
]


class DiagramError(Exception):
    """A source the diagram reads is missing or not in the expected shape (one line, naming the file)."""


@dataclass
class Architecture:
    """Everything the picture shows, keyed and sorted so the DOT text is deterministic."""

    functions: dict[str, dict[str, Any]]  # key -> wiring entry (only deployed keys)
    folders: dict[str, str]  # key -> function folder
    env_resources: dict[str, tuple[str, str]]  # env name -> (kind, resource key)
    consumer_queues: dict[str, str] = field(default_factory=dict)  # queue key -> consumer function key
    regions: tuple[str, str] = ("us-east-1", "eu-west-1")
    max_receive_count: int = 5


def _read(repo: Path, relative: str) -> str:
    try:
        return (repo / relative).read_text()
    except OSError as exc:
        raise DiagramError(f"{relative}: {exc.strerror}") from None


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        return parse(text)
    except HclLiteralError as exc:
        raise DiagramError(f"{where}: {exc}") from None


def _block(text: str, opening: str, relative: str) -> str:
    """The text of ``<opening> {`` … its matching ``}`` (braces balanced; strings in these blocks hold none)."""
    start = re.search(re.escape(opening) + r"\s*=?\s*\{", text)
    if start is None:
        raise DiagramError(f"{relative}: no {opening} block")
    depth, position = 0, start.end() - 1
    for position in range(start.end() - 1, len(text)):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        if depth == 0:
            break
    return text[start.end() : position]


def _env_resources(repo: Path) -> dict[str, tuple[str, str]]:
    relative = "terraform/stacks/regional/main.tf"
    body = _block(_read(repo, relative), "env_values", relative)
    resources: dict[str, tuple[str, str]] = {}
    for name, expression in re.findall(r"^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.+?)\s*$", body, flags=re.M):
        for pattern, kind in _ENV_RESOURCE:
            found = pattern.search(expression)
            if found:
                resources[name] = (kind, found.group(1))
                break
    if not resources:
        raise DiagramError(f"{relative}: env_values names no resource")
    return resources


def _consumer_queues(repo: Path) -> dict[str, str]:
    relative = "terraform/stacks/regional/messaging.tf"
    body = _block(_read(repo, relative), "queues", relative)
    queues = _parse("queues = {" + body + "}", f"{relative}: queues")["queues"]
    return {key: str(value["consumer"]) for key, value in queues.items()}


def _default(repo: Path, relative: str, variable: str, fallback: Any) -> Any:
    text = _read(repo, relative)
    found = re.search(r'variable\s+"' + re.escape(variable) + r'"\s*\{(.*?)\n\}', text, flags=re.S)
    value = re.search(r"^\s*default\s*=\s*(.+?)\s*$", found.group(1), flags=re.M) if found else None
    if value is None:
        return fallback
    return json.loads(value.group(1))


def load_architecture(repo: Path = REPO) -> Architecture:
    """Read the sources (see the module docstring); DiagramError names a file that is missing or malformed."""
    relative = "terraform/stacks/regional/wiring.tf"
    wiring = _parse(_read(repo, relative), relative).get("locals", {}).get("wiring")
    if not isinstance(wiring, dict) or not wiring:
        raise DiagramError(f"{relative}: no locals.wiring table")
    folders: dict[str, str] = {}
    for declaration in sorted((repo / "functions").glob("*/function.json")):
        try:
            handlers = json.loads(declaration.read_text()).get("handlers") or {}
        except ValueError as exc:
            raise DiagramError(f"{declaration.relative_to(repo)}: not valid JSON: {exc}") from None
        folders.update({key: declaration.parent.name for key in handlers})
    deployed = {key: wiring[key] for key in sorted(wiring) if key in folders}
    primary = _default(repo, "terraform/environments/prod/variables.tf", "primary_region", "us-east-1")
    secondary = _default(repo, "terraform/environments/prod/variables.tf", "secondary_region", "eu-west-1")
    receives = _default(repo, "terraform/stacks/regional/variables.tf", "max_receive_count", 5)
    return Architecture(
        functions=deployed,
        folders={key: folders[key] for key in deployed},
        env_resources=_env_resources(repo),
        consumer_queues=_consumer_queues(repo),
        regions=(str(primary), str(secondary)),
        max_receive_count=int(receives),
    )


# -- drawing ---------------------------------------------------------------------------------------------------

_SHAPES = {
    "table": 'shape=cylinder style=filled fillcolor="#e8f0fe" color="#3b6fd4"',
    "queue": 'shape=box style="rounded,filled" fillcolor="#fdecc8" color="#c77d0a"',
    "dlq": 'shape=box style="rounded,filled,dashed" fillcolor="#fbe3e1" color="#c0392b"',
    "topic": 'shape=hexagon style=filled fillcolor="#f3e5f5" color="#8e44ad"',
    "bus": 'shape=hexagon style=filled fillcolor="#fce4ec" color="#c2185b"',
    "bucket": 'shape=folder style=filled fillcolor="#e8f5e9" color="#2e7d32"',
    "state_machine": 'shape=component style=filled fillcolor="#fff3e0" color="#e65100"',
    "external": 'shape=box style="filled,dashed" fillcolor="#eeeeee" color="#616161"',
    "email": 'shape=note style=filled fillcolor="#eeeeee" color="#616161"',
    "entry": 'shape=box style="rounded,filled,bold" fillcolor="#e0f7fa" color="#00838f"',
    "function": 'shape=box style="rounded,filled" fillcolor="#ff9900" color="#b35c00" fontcolor="#1b1b1b"',
}
_LABELS = {
    "table": "{} table",
    "queue": "{} queue",
    "topic": "{} topic",
    "bus": "orders event bus",
    "bucket": "{} bucket",
    "state_machine": "order saga\\n(Step Functions)",
    "external": "payment provider API\\n(HTTPS)",
    "email": "SES e-mail",
}


def _quote(text: str) -> str:
    """A DOT string; labels keep their ``\\n`` line breaks (DOT's own escape)."""
    return '"' + text.replace('"', '\\"') + '"'


class _Dot:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.nodes: dict[str, str] = {}
        self.edges: list[str] = []

    def node(self, node_id: str, label: str, style: str) -> str:
        self.nodes.setdefault(node_id, f"  {_quote(node_id)} [label={_quote(label)} {style}]")
        return node_id

    def edge(self, source: str, target: str, label: str = "", style: str = "") -> None:
        attributes = " ".join(filter(None, [f"label={_quote(label)}" if label else "", style]))
        self.edges.append(f"  {_quote(source)} -> {_quote(target)}" + (f" [{attributes}]" if attributes else ""))


def _resource(dot: _Dot, kind: str, key: str) -> str:
    label = _LABELS[kind].format(key.replace("_", " "))
    return dot.node(f"{kind}:{key}", label, _SHAPES[kind])


def to_dot(arch: Architecture) -> str:
    """The architecture as DOT text; the same Architecture always gives the same bytes."""
    dot = _Dot()
    functions = arch.functions
    fn = {key: f"fn:{key}" for key in functions}

    api = dot.node("api", "HTTP API\\n(API Gateway, JWT authorizer)", _SHAPES["entry"])
    users = dot.node("cognito", "Cognito user pool", _SHAPES["entry"])
    dot.node("clients", "clients\\n(web, mobile, curl)", 'shape=oval style=filled fillcolor="#ffffff"')
    dot.edge("clients", api, "HTTPS + ID token")
    dot.edge("clients", users, "sign up / sign in", "style=dashed")
    dot.edge(users, api, "issuer + audience", 'style=dotted arrowhead=open color="#00838f"')

    legend = (
        "bold black: invokes (trigger)\\lgray: uses (environment variable)\\l"
        "green: on-success destination\\lred dashed: on-failure destination, DLQ\\l"
    )
    dot.node("legend", legend, 'shape=note fontsize=9 style=filled fillcolor="#fafafa" color="#9e9e9e"')
    route53 = dot.node("route53", "Route 53 latency record\\n+ health checks (GET /health)", _SHAPES["entry"])
    first, second = arch.regions
    dot.edge("clients", route53, "prod: DNS")
    dot.edge(route53, api, f"prod: {first} or {second}\\n(same regional stack in each)", "style=bold")

    failures_label = (
        "async-failures queue\\n(on-failure destination of every\\nasync invocation, rule, schedule,\\nsubscription)"
    )
    failures = dot.node("queue:async-failures", failures_label, _SHAPES["dlq"])
    scheduler = None
    trigger = 'style=bold color="#1b1b1b"'
    for key, wired in functions.items():
        routes = [*wired.get("routes", []), *wired.get("public_routes", [])]
        if routes:
            public = " (public)" if wired.get("public_routes") else ""
            dot.edge(api, fn[key], "\\n".join(routes) + public, trigger)
        if wired.get("cognito"):
            dot.edge(users, fn[key], f"{wired['cognito']} trigger", trigger)
        if wired.get("queue"):
            queue = _resource(dot, "queue", wired["queue"])
            batch = f"\\nbatch {wired['batch_size']}" if "batch_size" in wired else ""
            dot.edge(queue, fn[key], f"event source mapping{batch}", trigger)
        if wired.get("s3"):
            prefixes = ", ".join(sorted({f["prefix"] for f in wired["s3"]}))
            suffixes = " ".join(sorted({f["suffix"] for f in wired["s3"]}))
            bucket = _resource(dot, "bucket", "uploads")
            dot.edge(bucket, fn[key], f"ObjectCreated\\n{prefixes}*{suffixes}", trigger)
        for topic in wired.get("sns", []):
            dot.edge(_resource(dot, "topic", topic), fn[key], "subscription", trigger)
        if wired.get("event_pattern"):
            kinds = ", ".join(sorted(wired["event_pattern"].get("detail-type", []))) or "rule"
            dot.edge(_resource(dot, "bus", "bus"), fn[key], kinds, trigger)
        if wired.get("schedule"):
            scheduler = dot.node("scheduler", "EventBridge Scheduler", _SHAPES["entry"])
            dot.edge(scheduler, fn[key], wired["schedule"], trigger)
        if wired.get("saga_task"):
            dot.edge(_resource(dot, "state_machine", "saga"), fn[key], "task", trigger)
        if wired.get("on_success") in fn:
            dot.edge(fn[key], fn[wired["on_success"]], "on success (async)", 'color="#2e7d32" fontcolor="#2e7d32"')
        if wired.get("async"):
            dot.edge(fn[key], failures, "", 'style=dashed color="#c0392b" arrowsize=0.6')
        for name in wired.get("env", []):
            if name in arch.env_resources:
                kind, resource = arch.env_resources[name]
                dot.edge(fn[key], _resource(dot, kind, resource), "", 'color="#7f8c8d" arrowhead=vee')
    for queue, consumer in sorted(arch.consumer_queues.items()):
        if consumer in fn:
            source = _resource(dot, "queue", queue)
            dlq = dot.node(f"dlq:{queue}", f"{queue} DLQ", _SHAPES["dlq"])
            dot.edge(source, dlq, f"after {arch.max_receive_count} receives", 'style=dashed color="#c0392b"')

    lines = [
        "// Generated by `make diagram` (scripts/diagram.py) from functions/*/function.json and",
        "// terraform/stacks/regional/{wiring,main,messaging}.tf; do not edit.",
        "digraph architecture {",
        '  graph [rankdir=LR fontname="Helvetica" fontsize=12 nodesep=0.2 ranksep=0.7 newrank=true',
        '         label="orders-lambdas: one regional stack (prod deploys it in two regions behind Route 53)"',
        "         labelloc=t]",
        '  node [fontname="Helvetica" fontsize=11]',
        '  edge [fontname="Helvetica" fontsize=9]',
    ]
    by_folder: dict[str, list[str]] = {}
    for key in functions:
        by_folder.setdefault(arch.folders[key], []).append(key)
    for folder, keys in sorted(by_folder.items()):
        lines.append(f"  subgraph {_quote('cluster_' + folder)} {{")
        lines.append(f'    label={_quote("functions/" + folder)} style="rounded,dashed" color="#b35c00"')
        for key in keys:
            label = _quote(key + "\\n" + f"{functions[key].get('timeout', 10)} s")
            lines.append(f"    {_quote(fn[key])} [label={label} {_SHAPES['function']}]")
        lines.append("  }")
    lines += sorted(dot.nodes.values())
    lines += sorted(set(dot.edges))
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_sha256(dot_text: str) -> str:
    return hashlib.sha256(dot_text.encode()).hexdigest()


def render_svg(dot_text: str, dot_binary: str | None = None) -> str:
    """SVG from Graphviz ``dot``, with the DOT's sha256 in a comment after the XML declaration."""
    binary = dot_binary or shutil.which("dot")
    if binary is None:
        raise DiagramError("Graphviz `dot` not found: install it (Debian/Ubuntu: apt-get install graphviz)")
    try:
        rendered = subprocess.run(
            [binary, "-Tsvg"], input=dot_text, capture_output=True, text=True, check=True, timeout=120
        ).stdout
    except subprocess.CalledProcessError as exc:
        raise DiagramError(
            f"dot failed: {exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else exc}"
        ) from None
    marker = SHA_COMMENT.format(dot_sha256(dot_text))
    head, separator, rest = rendered.partition("?>\n")
    return f"{head}{separator}{marker}\n{rest}" if separator else f"{marker}\n{rendered}"


def svg_drawn_from(svg_text: str) -> str | None:
    """The sha256 the SVG says it was drawn from, or None."""
    found = re.search(r"<!-- drawn from docs/architecture\.dot sha256:([0-9a-f]{64}) -->", svg_text)
    return found.group(1) if found else None


def stale(repo: Path = REPO) -> list[str]:
    """Why the committed picture is out of date (empty when current)."""
    expected = to_dot(load_architecture(repo))
    dot_file, svg_file = repo / DOT_PATH, repo / SVG_PATH
    problems = []
    committed = dot_file.read_text() if dot_file.is_file() else None
    if committed != expected:
        problems.append(f"{DOT_PATH} differs from what the sources give")
    svg = svg_file.read_text() if svg_file.is_file() else ""
    if svg_drawn_from(svg) != dot_sha256(expected):
        problems.append(f"{SVG_PATH} was not rendered from the current DOT")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.diagram", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/architecture.{dot,svg} are stale")
    parser.add_argument("--repo", type=Path, default=REPO, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = stale(args.repo)
            for problem in problems:
                print(f"error: {problem}: run `make diagram`", file=sys.stderr)
            return 1 if problems else 0
        arch = load_architecture(args.repo)
        dot_text = to_dot(arch)
        svg = render_svg(dot_text)
        (args.repo / DOT_PATH).parent.mkdir(parents=True, exist_ok=True)
        (args.repo / DOT_PATH).write_text(dot_text)
        (args.repo / SVG_PATH).write_text(svg)
    except DiagramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{DOT_PATH} and {SVG_PATH}: {len(arch.functions)} functions in {len(set(arch.folders.values()))} folders")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
