"""Nonconforming work pages."""
