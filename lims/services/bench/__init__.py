"""Bench readings, stations and workers, and measurements recorded for a job."""
