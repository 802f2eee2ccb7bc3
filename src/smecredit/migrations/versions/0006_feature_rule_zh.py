"""profile features keep their rule in Chinese too (``rule_zh``), beside the English ``rule``.

Existing rows: ``rule_zh`` stays empty and pages fall back to the English rule for them (a
profile version is a record of what was computed then; it is not rewritten).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('profile_features', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_zh', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('profile_features', schema=None) as batch_op:
        batch_op.drop_column('rule_zh')
