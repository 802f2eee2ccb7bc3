"""loans: change requests (reversal, extension, restructuring, write-off) approved by a second person; a restructured loan's observation period

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 12:09:34.048989
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loan_change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('extra_months', sa.Integer(), nullable=True),
    sa.Column('new_months', sa.Integer(), nullable=True),
    sa.Column('new_annual_rate', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=True),
    sa.Column('new_method', sa.String(length=30), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.String(length=1000), nullable=True),
    sa.Column('applied_transaction_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['applied_transaction_id'], ['loan_transactions.id'], name=op.f('fk_loan_change_requests_applied_transaction_id_loan_transactions')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_loan_change_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_change_requests_loan_id_loans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_loan_change_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['transaction_id'], ['loan_transactions.id'], name=op.f('fk_loan_change_requests_transaction_id_loan_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_change_requests'))
    )
    with op.batch_alter_table('loan_change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_change_requests_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index('ix_loan_change_requests_status', ['status', 'id'], unique=False)
        batch_op.create_index('uq_loan_change_requests_one_pending', ['loan_id', 'kind'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restructured_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('observation_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('observation_until', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_column('observation_until')
        batch_op.drop_column('observation_start')
        batch_op.drop_column('restructured_on')

    with op.batch_alter_table('loan_change_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_loan_change_requests_one_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_loan_change_requests_status')
        batch_op.drop_index(batch_op.f('ix_loan_change_requests_loan_id'))

    op.drop_table('loan_change_requests')
