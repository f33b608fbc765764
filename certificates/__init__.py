"""Rendering of calibration and verification certificates (PDF, DCC XML) from plain data."""
