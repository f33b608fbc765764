"""``lims users``: accounts."""

from __future__ import annotations

import click

from lims.commands.common import transaction
from lims.models import Role


@click.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("username")
@click.option("--full-name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email")
@click.option("--function-title", help="Printed under a signatory's name on certificates.")
@click.option("--enterprise-tax-code", help="Required for a customer user.")
@click.option("--language", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.password_option(envvar="LIMS_NEW_USER_PASSWORD", help="Or set LIMS_NEW_USER_PASSWORD.")
def create(
    username: str,
    full_name: str,
    role: str,
    email: str | None,
    function_title: str | None,
    enterprise_tax_code: str | None,
    language: str,
    password: str,
) -> None:
    """Add a user."""
    from sqlalchemy import select

    from lims.errors import NotFound
    from lims.models import Enterprise
    from lims.services.access.accounts import NewUser, create_user

    with transaction() as session:
        enterprise_id = None
        if enterprise_tax_code:
            enterprise_id = session.scalar(
                select(Enterprise.id).where(Enterprise.tax_code == enterprise_tax_code)
            )
            if enterprise_id is None:
                raise NotFound("no enterprise has tax code %(code)s", code=enterprise_tax_code)
        user = create_user(
            session,
            NewUser(
                username=username,
                full_name=full_name,
                role=Role(role),
                password=password,
                email=email,
                function_title=function_title,
                enterprise_id=enterprise_id,
                language=language,
            ),
        )
        click.echo(f"created user {user.username} ({user.role})")
