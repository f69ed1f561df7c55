"""acceptance certificate numbers; experts taken out of the pool

Revision ID: 0005_docs
Revises: 0004
Create Date: 2026-12-03 13:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005_docs"
down_revision = "0005_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_certificate_seq_positive")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_certificate_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("number", name=op.f("uq_certificate_number")),
        sa.UniqueConstraint("project_id", name=op.f("uq_certificate_project_id")),
        sa.UniqueConstraint("prefix", "year", "seq", name="uq_certificate_prefix_year_seq"),
    )
    with op.batch_alter_table("expert_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_pool", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("pool_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pool_changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("pool_changed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_expert_profile_pool_changed_by_id_user"), "user", ["pool_changed_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("expert_profile", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_expert_profile_pool_changed_by_id_user"), type_="foreignkey")
        batch_op.drop_column("pool_changed_by_id")
        batch_op.drop_column("pool_changed_at")
        batch_op.drop_column("pool_reason")
        batch_op.drop_column("in_pool")
    op.drop_table("certificate")
