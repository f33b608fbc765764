"""server-side login sessions; administrators' clearances of login throttles

``login_session`` holds the SHA-256 of each live login's random id (the cookie carries the id), so logout,
a password change and disabling an account end the session on the server (issue 21, finding 5). Sessions
begun before this revision carry no id and are refused: everyone logs in once more after the upgrade.

``login_throttle_clear`` records an administrator forgiving the recent failed logins of an (account, address)
pair or of an address (finding 7); the failed attempts themselves stay in ``login_attempt``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 04:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_login_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_login_session_token_sha256")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_user_id"), ["user_id"], unique=False)
    op.create_table(
        "login_throttle_clear",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=50), nullable=False),
        sa.Column("cleared_at", sa.DateTime(), nullable=False),
        sa.Column("cleared_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cleared_by_id"], ["user_account.id"], name=op.f("fk_login_throttle_clear_cleared_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle_clear")),
    )
    with op.batch_alter_table("login_throttle_clear", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_throttle_clear_address_cleared_at", ["address", "cleared_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("login_throttle_clear", schema=None) as batch_op:
        batch_op.drop_index("ix_login_throttle_clear_address_cleared_at")
    op.drop_table("login_throttle_clear")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_user_id"))
    op.drop_table("login_session")
