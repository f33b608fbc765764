"""``lims demo``: load the demonstration data set."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from lims.commands.common import transaction


@click.command()
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds a lab.")
def demo(if_empty: bool) -> None:
    """Load a small, believable data set and print the demo logins."""
    from lims.services.demo import DEMO_PASSWORD, database_is_empty, load_demo

    with transaction("demo") as session:
        if not database_is_empty(session):
            if if_empty:
                click.echo("demo data already present; keeping the existing data", err=True)
                _print_logins(session)
                return
            raise click.ClickException("the database already holds data; demo data loads into an empty one")
        load_demo(session)
        _load_programme(session)
        _print_logins(session)
    click.echo(f"password for every demo user: {DEMO_PASSWORD}")


def _load_programme(session: Session) -> None:
    """A year of the configured city programme's records (LIMS_PROGRAMME)."""
    from datetime import date

    from lims.commands.common import settings
    from lims.services.programme import programme_directories
    from lims.services.programme_demo import load_programme_demo

    conf = settings()
    load_programme_demo(
        session,
        conf.programme,
        date.today().year,
        directories=programme_directories(conf),
    )


def _print_logins(session: object) -> None:
    from lims.services.demo import demo_logins

    click.echo("demo logins (user name — role):")
    for username, role in demo_logins(session):  # type: ignore[arg-type]
        click.echo(f"  {username:<14} {role}")
