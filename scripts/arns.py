"""ARNs and Lambda function references: the one parser the emulator, the local data plane and the scripts use.

A function reference is what Lambda's ``FunctionName`` accepts: a name, a partial ARN
(``123456789012:function:name``) or a full ARN, each optionally followed by ``:qualifier`` (a version,
``$LATEST`` or an alias).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_NAME = r"(?P<name>[A-Za-z0-9_-]+)"
_QUALIFIER = r"(?::(?P<qualifier>\$LATEST|[A-Za-z0-9_-]+))?"
_LAMBDA = r"arn:(?P<partition>aws[\w-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12})"
_FUNCTION_REF = re.compile(rf"^(?:{_LAMBDA}:function:|(?P<partial_account>\d{{12}}):function:)?{_NAME}{_QUALIFIER}$")
# A function ARN inside a longer string, such as an API Gateway integration URI (``…/functions/<arn>/invocations``).
_EMBEDDED_FUNCTION_ARN = re.compile(rf"{_LAMBDA}:function:{_NAME}{_QUALIFIER}(?![\w$-])")
_LAYER_VERSION_ARN = re.compile(rf"^{_LAMBDA}:layer:{_NAME}:(?P<version>[0-9]+)$")
_FORMS = "a name, 123456789012:function:name or arn:aws:lambda:region:account:function:name, each optionally :qualifier"


@dataclass(frozen=True)
class Arn:
    """The parts of an ARN; ``resource`` keeps its colons (``function:name:alias``)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(arn: str) -> Arn:
    """Split an ARN; a value that is not one raises ``ValueError`` naming it."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return Arn(partition=parts[1], service=parts[2], region=parts[3], account=parts[4], resource=parts[5])


@dataclass(frozen=True)
class FunctionRef:
    """A Lambda function reference split into its parts; ``region``/``account`` are known from ARNs only."""

    name: str
    qualifier: str | None = None
    account: str | None = None
    region: str | None = None
    partition: str = "aws"

    @property
    def arn(self) -> str | None:
        """The unqualified function ARN, when the reference was a full ARN."""
        if self.region is None or self.account is None:
            return None
        return f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:{self.name}"

    @property
    def unqualified(self) -> str:
        """The unqualified ARN when known (it keeps the region), else the name."""
        return self.arn or self.name


def parse_function_ref(name_or_arn: str, qualifier: str | None = None) -> FunctionRef:
    """Split a function name, partial ARN or full ARN (optionally qualified); ``qualifier`` is the separate
    ``Qualifier`` parameter. A value of another shape, or two qualifiers that differ, raise ``ValueError``."""
    match = _FUNCTION_REF.match(name_or_arn.strip())
    if match is None:
        raise ValueError(f"not a Lambda function reference: {name_or_arn!r} (expected {_FORMS})")
    derived = match.group("qualifier")
    if derived and qualifier and derived != qualifier:
        raise ValueError(f"qualifier {qualifier!r} does not match the one in the function ARN {name_or_arn!r}")
    ref = _function_ref(match)
    return replace(ref, qualifier=qualifier or derived, account=ref.account or match.group("partial_account"))


def find_function_arn(text: str) -> FunctionRef:
    """The function ARN inside ``text`` (an API Gateway integration URI, say); none raises ``ValueError``."""
    match = _EMBEDDED_FUNCTION_ARN.search(text)
    if match is None:
        raise ValueError(f"no Lambda function ARN in {text!r}")
    return _function_ref(match)


def _function_ref(match: re.Match[str]) -> FunctionRef:
    return FunctionRef(
        match.group("name"),
        match.group("qualifier"),
        match.group("account"),
        match.group("region"),
        match.group("partition") or "aws",
    )


@dataclass(frozen=True)
class LayerVersionRef:
    """The parts of a layer version ARN (``arn:aws:lambda:region:account:layer:name:version``)."""

    name: str
    version: int
    account: str
    region: str


def parse_layer_version_arn(arn: str) -> LayerVersionRef:
    """Split a layer version ARN; anything else (a layer ARN without its version, say) raises ``ValueError``."""
    match = _LAYER_VERSION_ARN.match(arn)
    if match is None:
        raise ValueError(f"not a layer version ARN: {arn!r} (expected arn:aws:lambda:region:account:layer:name:N)")
    name, version, account, region = match.group("name", "version", "account", "region")
    return LayerVersionRef(name, int(version), account, region)
