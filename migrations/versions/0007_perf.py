"""fast at province scale (issue 11): the data version, the search index, a covering index

Revision ID: 0005_perf
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from projectmgr.models.search import create_search, drop_search

revision = "0005_perf"
down_revision = "0005_docs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute("INSERT INTO data_version (id, n) VALUES (1, 1)")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index("ix_project_state_plan", ["state", "plan_id"], unique=False)
    create_search(op.get_bind())


def downgrade():
    drop_search(op.get_bind())
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_state_plan")
    op.drop_table("data_version")
