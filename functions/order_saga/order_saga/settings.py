"""Each task reads only the variables it needs, so Terraform gives each Lambda exactly those.

The payment steps read ``ORDERS_TABLE`` here and the payment API's variables through ``shared.payments``."""

from __future__ import annotations

from shared.settings import EnvSettings


class OrdersSettings(EnvSettings):
    orders_table: str


class InventorySettings(EnvSettings):
    inventory_table: str
    orders_table: str  # reserve confirms the order, release cancels it


class NotificationSettings(EnvSettings):
    orders_table: str
    notifications_topic_arn: str
