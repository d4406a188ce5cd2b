"""Event-sourced user activity: an append-only log per user, a projection of now, and replay to any moment."""
