"""Certificate issue, data, register, signatures, DCC import, reported results."""
