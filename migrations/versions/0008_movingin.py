"""moving in: uploaded bureau workbooks, remembered column words, opening balances, organizations
without a credit code yet

Revision ID: 0005_movingin
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_movingin"
down_revision = "0005_perf"
branch_labels = None
depends_on = None

FUNDS = ("disbursement", "self_raised_arrival", "expenditure")


def upgrade():
    op.create_table(
        "import_workbook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("committed_at", sa.DateTime(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user.id"], name=op.f("fk_import_workbook_uploaded_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_workbook")),
    )
    with op.batch_alter_table("import_workbook", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_workbook_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_workbook_uploaded_by_id"), ["uploaded_by_id"], unique=False)
    op.create_table(
        "import_column_word",
        sa.Column("header", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("header", name=op.f("pk_import_column_word")),
    )
    for table in FUNDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("opening_balance", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.alter_column("credit_code", existing_type=sa.String(length=18), nullable=True)
    with op.batch_alter_table("transition_record", schema=None) as batch_op:
        batch_op.alter_column("from_state", existing_type=sa.String(length=32), nullable=True)


def downgrade():
    op.execute("DELETE FROM transition_record WHERE from_state IS NULL")
    with op.batch_alter_table("transition_record", schema=None) as batch_op:
        batch_op.alter_column("from_state", existing_type=sa.String(length=32), nullable=False)
    # Organizations still without a code cannot go back to a schema that requires one.
    op.execute("DELETE FROM organization WHERE credit_code IS NULL")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.alter_column("credit_code", existing_type=sa.String(length=18), nullable=False)
    for table in FUNDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("opening_balance")
    op.drop_table("import_column_word")
    with op.batch_alter_table("import_workbook", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_workbook_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_import_workbook_sha256"))
    op.drop_table("import_workbook")
