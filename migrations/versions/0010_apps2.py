"""the special funds granted with a recommendation's outcome

Revision ID: 0005_apps2
Revises: 0005_applications
"""

import sqlalchemy as sa
from alembic import op

import projectmgr.models.types

revision = "0005_apps2"
down_revision = "0005_applications"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("upward_recommendation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("granted_funds", projectmgr.models.types.Fixed(precision=14, scale=2), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("upward_recommendation", schema=None) as batch_op:
        batch_op.drop_column("granted_funds")
