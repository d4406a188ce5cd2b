"""Recording and reading a user's activity: append to the log, fold it into the state. No event shapes here.

The log is the only thing written. The state (the projection) is computed from it when asked — a fold of
the user's events in log order — so it can never miss or double-count an event, needs no locking, and a
concurrent writer can never make an append retry or give up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from activity_recorder import store
from activity_recorder.domain import Action, ActivityEvent, UserState, fold, new_event, timestamp
from shared.errors import NotFoundError

__all__ = ["current_state", "record_activity", "state_at"]


def _now() -> datetime:
    return datetime.now(UTC)


def record_activity(
    user_id: str, action: Action, *, now: Callable[[], datetime] = _now
) -> tuple[ActivityEvent, UserState]:
    """Append the action as an event; returns it with the user's state right after (the whole log folded)."""
    event = new_event(user_id, action, now=now())
    store.append(event)
    return event, fold(user_id, store.load_events(user_id))


def current_state(user_id: str) -> UserState:
    """The projection of the user's whole log; NotFoundError before any activity."""
    state = fold(user_id, store.load_events(user_id))
    if state.events_applied == 0:
        raise NotFoundError(f"no activity recorded for user {user_id}")
    return state


def state_at(user_id: str, at: datetime) -> UserState:
    """Replay: the user's state at ``at`` from the events alone (events after ``at`` are ignored)."""
    return fold(user_id, store.load_events(user_id, until=timestamp(at)))
