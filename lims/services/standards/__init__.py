"""Measurement standards, traceability chains, impact of a standard's change, capabilities (CMC)."""
