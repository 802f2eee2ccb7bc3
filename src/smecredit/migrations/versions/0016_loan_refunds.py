"""loan refunds: a refund of credit held (溢缴款退还) is a change request a second person approves; its
amount (loan_change_requests.amount)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 12:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('loan_change_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('loan_change_requests', schema=None) as batch_op:
        batch_op.drop_column('amount')
