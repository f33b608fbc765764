"""Root of the application's error hierarchy."""


class LimsError(Exception):
    """Base class of every error the application raises on purpose."""


class ConfigurationError(LimsError, RuntimeError):
    """The deployment is configured in a way the application cannot run with."""
