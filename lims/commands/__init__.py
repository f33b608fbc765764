"""Click command groups of the ``lims`` console script, each loaded only when invoked."""
