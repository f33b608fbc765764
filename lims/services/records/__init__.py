"""The audit trail, opening the database with it installed, backups and restores, bulk writing that keeps the chain."""
