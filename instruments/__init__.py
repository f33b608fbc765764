"""Serial transports, drivers and simulators for bench instruments (no Flask, no database)."""
