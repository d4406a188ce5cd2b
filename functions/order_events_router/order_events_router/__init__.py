"""order_events_router: routes order events from the bus to the saga and to customer notifications."""
