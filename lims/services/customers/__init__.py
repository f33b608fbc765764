"""Enterprises, the customer portal, service requests, instrument registry, reminders."""
