"""The ``lims`` console script.

Sub-commands are imported lazily so that pure commands (``lims budget evaluate``, ``lims bench read``)
start without importing the web application or the database layer.
"""

from __future__ import annotations

import importlib
import sys

import click

from lims.errors import LimsError

# name -> "module:attribute" of a click command or group
LAZY_COMMANDS: dict[str, str] = {
    "db": "lims.commands.db:db",
    "demo": "lims.commands.demo:demo",
    "users": "lims.commands.users:users",
    "audit": "lims.commands.audit:audit",
    "traceability": "lims.commands.traceability:traceability",
    "budget": "lims.commands.budget:budget",
    "bench": "lims.commands.bench:bench",
    "backup": "lims.commands.backup:backup",
    "restore": "lims.commands.backup:restore",
    "programme": "lims.commands.programme:programme",
    "procedures": "lims.commands.procedures:procedures",
    "jobs": "lims.commands.jobs:jobs",
    "reminders": "lims.commands.reminders:reminders",
    "nc": "lims.commands.nc:nc",
    "validate": "lims.commands.validate:validate",
    "certificate": "lims.commands.certificates:certificate",
    "request": "lims.commands.requests:request",
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def __init__(self, *args: object, lazy: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            module_name, attr = self._lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lims")
def cli() -> None:
    """Calibration laboratory information management system."""


def fail(message: str) -> None:
    """Print one line on stderr and exit with status 2 (bad input)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def main() -> None:
    """Entry point: turns the application's own errors into one line on stderr and exit 2."""
    try:
        rv = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.exceptions.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except LimsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        message = _database_message(exc)
        if message is None:
            raise
        click.echo(f"error: {message}", err=True)
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)


# SQLSTATE 42P01 undefined_table (PostgreSQL); SQLite says "no such table".
_MISSING_TABLE_SQLSTATES = ("42P01",)


def _database_message(exc: BaseException) -> str | None:
    """One line for a database that has no LIMS tables or cannot be reached; None for anything else."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if not isinstance(exc, DBAPIError):
        return None
    original = exc.orig
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    if getattr(original, "sqlstate", None) in _MISSING_TABLE_SQLSTATES or "no such table" in text:
        return f"the database has no LIMS tables ({text}); run `lims db upgrade` first"
    if isinstance(exc, OperationalError):
        return f"the database cannot be used: {text}"
    return None
