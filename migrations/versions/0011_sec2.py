"""the security officer's password and lockout settings (issue 13 item 6)

Revision ID: sec2
Revises: 0005_apps2
Create Date: 2026-12-03 17:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "sec2"
down_revision = "0005_apps2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "security_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("password_min_length", sa.Integer(), nullable=True),
        sa.Column("password_history", sa.Integer(), nullable=True),
        sa.Column("password_max_age_days", sa.Integer(), nullable=True),
        sa.Column("lockout_threshold", sa.Integer(), nullable=True),
        sa.Column("lockout_window_minutes", sa.Integer(), nullable=True),
        sa.Column("lockout_minutes", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"], name=op.f("fk_security_settings_updated_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_settings")),
    )


def downgrade():
    op.drop_table("security_settings")
