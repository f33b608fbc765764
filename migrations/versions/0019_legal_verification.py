"""legal verification (issue 17): designation, officer cards, stamp stock, failed-verification notices

``verification_designation`` holds the decisions designating the lab as a verification body (scope =
catalogue instrument type codes, expiry); ``verification_officer_card`` the officers' cards with their
history; ``stamp_batch``/``stamp_use`` the stamps received from the authority and what became of each one;
``verification_failure_notice`` the notices issued instead of a certificate (an instrument whose latest
verification outcome is a notice is not permitted for use). Self-contained: only existing tables are
referenced, none is altered.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 07:16:48.926300
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stamp_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lab_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("first_number", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("digits", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("delivery_reference", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lab_id"], ["lab.id"], name=op.f("fk_stamp_batch_lab_id_lab")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_stamp_batch_recorded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stamp_batch")),
        sa.UniqueConstraint("series", "first_number", name=op.f("uq_stamp_batch_series_first_number")),
    )
    with op.batch_alter_table("stamp_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stamp_batch_lab_id"), ["lab_id"], unique=False)

    op.create_table(
        "verification_designation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lab_id", sa.Integer(), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("instrument_types", sa.JSON(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lab_id"], ["lab.id"], name=op.f("fk_verification_designation_lab_id_lab")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_verification_designation_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_designation")),
    )
    with op.batch_alter_table("verification_designation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_designation_lab_id"), ["lab_id"], unique=False)

    op.create_table(
        "verification_officer_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=50), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("instrument_types", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_verification_officer_card_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_verification_officer_card_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_officer_card")),
        sa.UniqueConstraint(
            "card_number", "issued_by", name=op.f("uq_verification_officer_card_card_number_issued_by")
        ),
    )
    with op.batch_alter_table("verification_officer_card", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_officer_card_user_id"), ["user_id"], unique=False)

    op.create_table(
        "verification_failure_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("failed_requirement", sa.Text(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("pdf_key", sa.String(length=200), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["customer_instrument.id"],
            name=op.f("fk_verification_failure_notice_instrument_id_customer_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_verification_failure_notice_issued_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_verification_failure_notice_job_id_job")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_failure_notice")),
        sa.UniqueConstraint("job_id", name=op.f("uq_verification_failure_notice_job_id")),
        sa.UniqueConstraint("number", name=op.f("uq_verification_failure_notice_number")),
    )
    with op.batch_alter_table("verification_failure_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_failure_notice_instrument_id"), ["instrument_id"], unique=False
        )

    op.create_table(
        "stamp_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["stamp_batch.id"], name=op.f("fk_stamp_use_batch_id_stamp_batch")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificate.id"], name=op.f("fk_stamp_use_certificate_id_certificate")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_stamp_use_recorded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stamp_use")),
        sa.UniqueConstraint("batch_id", "number", name=op.f("uq_stamp_use_batch_id_number")),
        sa.UniqueConstraint("certificate_id", name=op.f("uq_stamp_use_certificate_id")),
    )
    with op.batch_alter_table("stamp_use", schema=None) as batch_op:
        batch_op.create_index("ix_stamp_use_used_on", ["used_on"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("stamp_use", schema=None) as batch_op:
        batch_op.drop_index("ix_stamp_use_used_on")

    op.drop_table("stamp_use")
    with op.batch_alter_table("verification_failure_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_failure_notice_instrument_id"))

    op.drop_table("verification_failure_notice")
    with op.batch_alter_table("verification_officer_card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_officer_card_user_id"))

    op.drop_table("verification_officer_card")
    with op.batch_alter_table("verification_designation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_designation_lab_id"))

    op.drop_table("verification_designation")
    with op.batch_alter_table("stamp_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stamp_batch_lab_id"))

    op.drop_table("stamp_batch")
