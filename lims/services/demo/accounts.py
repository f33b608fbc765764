"""The demo's logins: one password shared by every demo user, printed by ``lims demo load`` on purpose."""

from __future__ import annotations

DEMO_PASSWORD = "Demo@Lims2026!"  # noqa: S105 - printed for the demo on purpose
