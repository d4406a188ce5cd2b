"""scheduled_cleanup: archives and removes orders abandoned in PENDING."""
