"""Shared infrastructure: pagination, mail, database helpers, rate limits, object storage."""
