"""Each task reads only the variables it needs, so Terraform gives each Lambda exactly those."""

from __future__ import annotations

from shared.settings import EnvSettings


class OrdersSettings(EnvSettings):
    orders_table: str


class InventorySettings(EnvSettings):
    inventory_table: str
    orders_table: str  # reserve confirms the order, release cancels it


class PaymentSettings(EnvSettings):
    orders_table: str
    payment_api_url: str
    payment_api_timeout_seconds: float = 5.0  # optional; Lambda's own timeout must leave room for retries


class NotificationSettings(EnvSettings):
    orders_table: str
    notifications_topic_arn: str
