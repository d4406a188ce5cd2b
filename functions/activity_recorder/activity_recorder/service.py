"""Recording and reading a user's activity: append + project, and replay to any moment. No event shapes here."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from activity_recorder import store
from activity_recorder.domain import Action, ActivityEvent, UserState, apply, fold, new_event, timestamp
from shared.errors import NotFoundError, RetryableError
from shared.observability import logger

__all__ = ["MAX_ATTEMPTS", "current_state", "record_activity", "state_at"]

MAX_ATTEMPTS = 6  # concurrent writers for one user are rare; a few re-reads with jittered backoff settle them
BACKOFF_SECONDS = 0.01  # first retry waits up to this; each further retry doubles it (full jitter)


def _now() -> datetime:
    return datetime.now(UTC)


def _next_state(event: ActivityEvent, projection: UserState | None) -> UserState:
    """The projection after ``event``: one step when it is the newest, a replay when it arrives late."""
    if projection is None:
        return fold(event.user_id, [event])
    if event.position > projection.position:
        return apply(projection, event)
    logger.info("late event: rebuilding the projection", extra={"user_id": event.user_id, "event_id": event.event_id})
    return fold(event.user_id, [*store.load_events(event.user_id), event])


def record_activity(
    user_id: str,
    action: Action,
    *,
    now: Callable[[], datetime] = _now,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[ActivityEvent, UserState]:
    """Append the action as an event and advance the projection in one transaction; returns both."""
    event = new_event(user_id, action, now=now())
    for attempt in range(1, MAX_ATTEMPTS + 1):
        projection = store.load_projection(user_id)
        state = _next_state(event, projection)
        try:
            store.append(event, state, expected_events_applied=projection.events_applied if projection else 0)
        except store.ProjectionChangedError:
            logger.info("projection moved on; retrying", extra={"user_id": user_id, "attempt": attempt})
            if attempt < MAX_ATTEMPTS:
                sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** (attempt - 1)))
            continue
        return event, state
    raise RetryableError(f"activity of user {user_id} is changing too fast; try again", retry_after=1)


def current_state(user_id: str) -> UserState:
    """The projection (read model) of the user's activity; NotFoundError before any activity."""
    projection = store.load_projection(user_id)
    if projection is None:
        raise NotFoundError(f"no activity recorded for user {user_id}")
    return projection


def state_at(user_id: str, at: datetime) -> UserState:
    """Replay: the user's state at ``at`` from the events alone (events after ``at`` are ignored)."""
    return fold(user_id, store.load_events(user_id, until=timestamp(at)))
