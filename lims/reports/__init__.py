"""Printable reports built from service results (reportlab, the certificates package fonts)."""
