"""Instrument drivers: one module per protocol or instrument family; see :mod:`instruments.registry`."""
