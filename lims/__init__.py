"""Calibration laboratory information management system.

Only metadata lives here: importing ``lims.domain`` must not pull in Flask or SQLAlchemy.
"""

__version__ = "0.1.0"
