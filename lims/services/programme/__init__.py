"""The city programme: records, imports, drill-down and the annual report."""
