"""Quality system: nonconforming work (7.10), its notices, complaints (7.9) and corrective action (8.7)."""
