"""project attachments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 17:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_attachment_size_positive")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_attachment_project_id_project")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user.id"], name=op.f("fk_attachment_uploaded_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_attachment_stored_name")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_project_id"), ["project_id"], unique=False)


def downgrade():
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_project_id"))

    op.drop_table("attachment")
