"""User accounts, API tokens, personnel authorisations, tenant isolation."""
