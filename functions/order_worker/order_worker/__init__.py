"""order_worker: applies order messages from the orders queue to the orders table."""
