"""notifier: turns order status notifications and upload alerts into e-mails (SES)."""
