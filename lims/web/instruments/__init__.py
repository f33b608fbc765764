"""Enterprises' instruments (phương tiện đo): search, filter and the page of one instrument."""
