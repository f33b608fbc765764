"""The audit trail, backups and restores, and bulk writing that keeps the audit chain."""
