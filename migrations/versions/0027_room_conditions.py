"""rooms of the lab with their environmental limits, the conditions logged in them, the room a job is
measured in (with the reviewer's justification for conditions out of limits), and where a point's
conditions came from (issue 18 item 4)

* ``room``: code, name, temperature and humidity limits, the logging station and its period;
* ``room_condition``: the logged series, one row per quantity and sample, unique by the bench journal's key;
* ``job_environment``: a job's room and the justification that lets a point measured out of limits be
  approved;
* ``sequence_run``: an automated sequence asked for from the bench page (queue, command, typed
  indications, progress), run by its station's worker (issue 18 item 3);
* ``measurement.environment_record``: the room, the interval and per quantity "logger" or "manual"
  (NULL for points saved before: their conditions were typed by the technician).

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-06 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("temperature_min", sa.Numeric(12, 4), nullable=True),
        sa.Column("temperature_max", sa.Numeric(12, 4), nullable=True),
        sa.Column("humidity_min", sa.Numeric(12, 4), nullable=True),
        sa.Column("humidity_max", sa.Numeric(12, 4), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("log_period_s", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["bench_station.id"], name=op.f("fk_room_station_id_bench_station")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room")),
        sa.UniqueConstraint("code", name=op.f("uq_room_code")),
    )
    op.create_table(
        "room_condition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=50), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("measured_at", sa.DateTime(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("logger", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_room_condition_room_id_room")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_condition")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_room_condition_idempotency_key")),
    )
    op.create_index("ix_room_condition_room_id_measured_at", "room_condition", ["room_id", "measured_at"])
    op.create_table(
        "job_environment",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("justified_by_id", sa.Integer(), nullable=True),
        sa.Column("justified_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_job_environment_job_id_job")),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_job_environment_room_id_room")),
        sa.ForeignKeyConstraint(
            ["justified_by_id"], ["user_account.id"], name=op.f("fk_job_environment_justified_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_environment")),
    )
    with op.batch_alter_table("measurement") as batch:
        batch.add_column(sa.Column("environment_record", sa.JSON(), nullable=True))
    op.create_table(
        "sequence_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("driver", sa.String(length=200), nullable=False),
        sa.Column("port_url", sa.String(length=500), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("command", sa.String(length=20), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("point_index", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=50), nullable=False),
        sa.Column("reference", sa.String(length=50), nullable=True),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_sequence_run_job_id_job")),
        sa.ForeignKeyConstraint(["station_id"], ["bench_station.id"],
                                name=op.f("fk_sequence_run_station_id_bench_station")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"],
                                name=op.f("fk_sequence_run_requested_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_run")),
    )
    op.create_index("ix_sequence_run_station_id_state_id", "sequence_run", ["station_id", "state", "id"])
    op.create_index("ix_sequence_run_job_id_id", "sequence_run", ["job_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_sequence_run_job_id_id", table_name="sequence_run")
    op.drop_index("ix_sequence_run_station_id_state_id", table_name="sequence_run")
    op.drop_table("sequence_run")
    with op.batch_alter_table("measurement") as batch:
        batch.drop_column("environment_record")
    op.drop_table("job_environment")
    op.drop_index("ix_room_condition_room_id_measured_at", table_name="room_condition")
    op.drop_table("room_condition")
    op.drop_table("room")
