"""Legal metrology (kiểm định): the catalogue of instrument types, designation, officer cards, stamps.

Pure: no database and no web. See docs/verification.md.
"""
