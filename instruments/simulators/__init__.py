"""Instrument simulators behind pseudo-terminals, with deterministic fault injection (no hardware needed)."""
