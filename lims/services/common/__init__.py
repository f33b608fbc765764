"""Shared infrastructure: pagination, mail, in-app notifications, rate limits, object storage."""
