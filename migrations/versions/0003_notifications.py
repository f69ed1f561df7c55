"""notifications: reminders, escalations and digests; users' email-reminder switch

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 18:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_reminders", sa.Boolean(), server_default=sa.true(), nullable=False))

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("due_item_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column(
            "email_status",
            sa.Enum(
                "none",
                "pending",
                "sending",
                "sent",
                "failed",
                name="email_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("email_to", sa.String(length=254), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("email_sent_at", sa.DateTime(), nullable=True),
        sa.Column("email_last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("email_attempts >= 0", name=op.f("ck_notification_attempts_not_negative")),
        sa.ForeignKeyConstraint(["due_item_id"], ["due_item.id"], name=op.f("fk_notification_due_item_id_due_item")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_notification_project_id_project")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("due_item_id", "rule", "user_id", name="uq_notification_once"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "uq_notification_digest_once",
            ["user_id", "rule"],
            unique=True,
            sqlite_where=sa.text("due_item_id IS NULL"),
            postgresql_where=sa.text("due_item_id IS NULL"),
        )
        batch_op.create_index("ix_notification_user_unread", ["user_id", "read_at"], unique=False)
        batch_op.create_index("ix_notification_email_status", ["email_status"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_project_id"), ["project_id"], unique=False)


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_project_id"))
        batch_op.drop_index("ix_notification_email_status")
        batch_op.drop_index("ix_notification_user_unread")
        batch_op.drop_index("uq_notification_digest_once")

    op.drop_table("notification")

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("email_reminders")
