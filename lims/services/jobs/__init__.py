"""Calibration and verification jobs: lifecycle, procedures, workload, dashboard, method validation."""
