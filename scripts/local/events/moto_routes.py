"""Routes the emulator's internal service → Lambda deliveries into the asynchronous invocation path.

moto 5.2 (see README.md for the experiments):

* EventBridge ``PutEvents``: a matching rule with a Lambda target raises ``NotImplementedError`` (HTTP 500
  for the caller), and a schedule-only rule "matches" every event on its bus (moto treats an absent pattern
  as match-all), so one scheduled Lambda rule on the default bus breaks every PutEvents there.
* SNS → Lambda subscriptions: invoked synchronously inside ``Publish`` with a canned record (fixed
  MessageId, fake ``MessageAttributes``, ``TopicArn`` "arn:aws:sns:EXAMPLE", 1970 timestamp).
* S3 notifications → Lambda: prefix/suffix filters are right, but the invocation is synchronous inside
  ``PutObject``, errors are swallowed, and the record lacks ``userIdentity``, ``requestParameters``,
  ``responseElements``, ``sequencer`` and ``versionId``.

None of them reach Lambda with ``InvocationType=Event``, so this module replaces exactly those three Lambda
deliveries (in the emulator's process — moto runs in-process) with real-shaped records handed to
``submit_async`` (the :class:`~scripts.local.events.async_invoke.AsyncInvoker`): retries, maximum event age
and destinations then apply as in AWS. Every other target/protocol still goes through moto unchanged.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from scripts.arns import parse_arn
from scripts.local.events.destinations import iso_millis
from scripts.local.events.targets import target_payload

__all__ = ["MotoLambdaRoutes", "s3_event_record", "sns_event_record"]

log = logging.getLogger("local.events.routes")

SubmitAsync = Callable[[str, bytes, str | None], str]

_installed_lock = threading.Lock()
# One moto serves every region, and each region's data plane installs these routes: a delivery goes to the
# async path of the region its target function is in (a rule in us-east-1 never runs us-west-2's function).
_by_region: dict[str, SubmitAsync] = {}


def _submitter_for(function_arn: str, default: SubmitAsync) -> SubmitAsync:
    region = function_arn.split(":")[3] if function_arn.startswith("arn:") and function_arn.count(":") >= 6 else ""
    return _by_region.get(region, default)


def sns_event_record(
    subscription_arn: str,
    topic_arn: str,
    message_id: str,
    message: str,
    subject: str | None,
    message_attributes: dict[str, Any] | None,
    endpoint_url: str = "http://127.0.0.1",
) -> dict[str, Any]:
    """The ``aws:sns`` event Lambda receives for one published message."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": iso_millis(),
                    "SignatureVersion": "1",
                    "Signature": "LOCAL",
                    "SigningCertUrl": f"{endpoint_url}/SimpleNotificationService-local.pem",
                    "UnsubscribeUrl": f"{endpoint_url}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
                    "MessageAttributes": {
                        name: {"Type": value["Type"], "Value": value["Value"]}
                        for name, value in (message_attributes or {}).items()
                    },
                },
            }
        ]
    }


def s3_event_record(moto_record: dict[str, Any], version_id: str | None) -> dict[str, Any]:
    """moto's S3 record completed with the fields S3 sends (identity, request ids, sequencer, versionId)."""
    record = copy.deepcopy(moto_record)
    record["userIdentity"] = {"principalId": "AWS:LOCAL"}
    record["requestParameters"] = {"sourceIPAddress": "127.0.0.1"}
    record["responseElements"] = {
        "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
        "x-amz-id-2": uuid.uuid4().hex,
    }
    record["s3"]["bucket"]["ownerIdentity"] = {"principalId": "LOCAL"}
    s3_object = record["s3"]["object"]
    # S3 form-encodes the key but keeps "/" (moto also encodes the slashes)
    s3_object["key"] = quote_plus(unquote_plus(s3_object["key"]), safe="/")
    s3_object["sequencer"] = f"{int(datetime.now(UTC).timestamp() * 1_000_000):X}"
    if version_id and version_id != "null":
        s3_object["versionId"] = version_id
    return record


class MotoLambdaRoutes:
    """Installs (``start``) and removes (``stop``) the three delivery replacements in the in-process moto."""

    def __init__(
        self, submit_async: SubmitAsync, endpoint_url: str = "http://127.0.0.1", region: str | None = None
    ) -> None:
        self._submit = submit_async
        self._region = region
        self._endpoint_url = endpoint_url
        self._originals: list[tuple[Any, str, Any]] = []

    def start(self) -> None:
        import moto.events.models as events_models
        import moto.s3.notifications as s3_notifications
        import moto.sns.models as sns_models

        with _installed_lock:
            if self._originals:
                return
            if self._region:
                _by_region[self._region] = self._submit
            self._patch(events_models.Rule, "send_to_targets", self._rule_send_to_targets(events_models.Rule))
            self._patch(sns_models.Subscription, "publish", self._subscription_publish(sns_models.Subscription))
            self._patch(s3_notifications, "_invoke_awslambda", self._s3_invoke_lambda)

    def stop(self) -> None:
        with _installed_lock:
            for owner, name, original in reversed(self._originals):
                setattr(owner, name, original)
            self._originals.clear()
            if self._region and _by_region.get(self._region) is self._submit:
                del _by_region[self._region]

    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        self._originals.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, replacement)

    def _dispatch(self, function_arn: str, event: dict[str, Any] | bytes, source: str) -> None:
        payload = event if isinstance(event, bytes) else json.dumps(event).encode()
        request_id = _submitter_for(function_arn, self._submit)(function_arn, payload, None)
        log.info("%s → %s (async %s)", source, function_arn, request_id)

    # --- EventBridge ---------------------------------------------------------------------------------------
    def _rule_send_to_targets(self, rule_class: type) -> Callable[..., None]:
        original = rule_class.__dict__["send_to_targets"]
        routes = self

        def send_to_targets(rule: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
            # A schedule-only rule never matches events, and a disabled rule delivers nothing.
            if not rule.event_pattern.get_pattern() or rule.state != "ENABLED":
                return
            if not rule.event_pattern.matches_event(original_event):
                return
            lambda_targets = [t for t in rule.targets if parse_arn(str(t["Arn"])).service == "lambda"]
            if lambda_targets:
                event = _public_event(original_event)
                for target in lambda_targets:
                    payload = target_payload(target, event, rule.arn, rule.name)
                    routes._dispatch(str(target["Arn"]), payload, f"EventBridge rule {rule.name}")
            other_targets = [t for t in rule.targets if t not in lambda_targets]
            if other_targets:
                shallow = copy.copy(rule)
                shallow.targets = other_targets
                original(shallow, original_event, transform_input)

        return send_to_targets

    # --- SNS -----------------------------------------------------------------------------------------------
    def _subscription_publish(self, subscription_class: type) -> Callable[..., None]:
        original = subscription_class.__dict__["publish"]
        routes = self

        def publish(subscription: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
            if subscription.protocol != "lambda":
                original(subscription, message, message_id, *args, **kwargs)
                return
            names = ("subject", "message_attributes", "group_id", "deduplication_id", "message_structure")
            params = dict(zip(names, args, strict=False)) | kwargs
            attributes = params.get("message_attributes")
            matcher = subscription._filter_policy_matcher
            if matcher is not None and not matcher.matches(attributes, message):
                return
            if params.get("message_structure") == "json":
                message = subscription._parse_message_structure(message, "lambda")
            event = sns_event_record(
                subscription.arn,
                subscription.topic.arn,
                message_id,
                message,
                params.get("subject"),
                attributes,
                routes._endpoint_url,
            )
            routes._dispatch(subscription.endpoint, event, f"SNS {subscription.topic.arn}")

        return publish

    # --- S3 ------------------------------------------------------------------------------------------------
    def _s3_invoke_lambda(self, account_id: str, event_body: dict[str, Any], fn_arn: str, region_name: str) -> None:
        record = event_body["Records"][0]
        version_id = _s3_version_id(
            account_id, region_name, record["s3"]["bucket"]["name"], unquote_plus(record["s3"]["object"]["key"])
        )
        event = {"Records": [s3_event_record(record, version_id)]}
        self._dispatch(fn_arn, event, f"S3 {record['s3']['bucket']['name']}")


def _public_event(moto_event: dict[str, Any]) -> dict[str, Any]:
    """moto's internal event as EventBridge delivers it: ISO ``time``, no ``ingestion-time``."""
    event = copy.deepcopy(moto_event)
    event.pop("ingestion-time", None)
    moment = event.get("time")
    if isinstance(moment, int | float):
        event["time"] = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    elif isinstance(moment, datetime):
        event["time"] = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def _s3_version_id(account_id: str, region_name: str, bucket: str, key: str) -> str | None:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    try:
        stored = s3_backends[account_id][get_partition(region_name)].get_object(bucket, key)
    except Exception:  # the object may be gone already; the record is still delivered, without versionId
        log.warning("no version id for s3://%s/%s", bucket, key, exc_info=True)
        return None
    return getattr(stored, "version_id", None)
