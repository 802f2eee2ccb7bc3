"""loan dues: every instalment's amounts due, paid and outstanding by date (loan_dues), and the date
they are derived as of (loans.dues_as_of)

The table starts empty: `smecredit eod dues` fills it for the loans disbursed before (the end of day
and every change also write a loan's rows when it is re-derived). docs/loans.md, "Dues by date".

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loan_dues',
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('principal', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('interest', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('penalty', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('compound', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('paid_principal', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('paid_interest', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('written_off', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('outstanding', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_dues_loan_id_loans'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('loan_id', 'seq', name=op.f('pk_loan_dues'))
    )
    with op.batch_alter_table('loan_dues', schema=None) as batch_op:
        batch_op.create_index('ix_loan_dues_due_date', ['due_date'], unique=False)
        batch_op.create_index('ix_loan_dues_status_due_date', ['status', 'due_date'], unique=False)

    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dues_as_of', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_column('dues_as_of')

    with op.batch_alter_table('loan_dues', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_dues_status_due_date')
        batch_op.drop_index('ix_loan_dues_due_date')

    op.drop_table('loan_dues')
