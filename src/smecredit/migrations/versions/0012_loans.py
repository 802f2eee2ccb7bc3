"""loans: loans, transactions, journal, end-of-day runs, sandbox bank

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 08:39:08.267352
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('eod_runs',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('started_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('loans_done', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('business_date', name=op.f('pk_eod_runs'))
    )
    op.create_table('sandbox_bank_accounts',
    sa.Column('account_no', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('balance', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account_no', name=op.f('pk_sandbox_bank_accounts'))
    )
    op.create_table('sandbox_bank_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('from_account', sa.String(length=40), nullable=False),
    sa.Column('to_account', sa.String(length=40), nullable=False),
    sa.Column('to_name', sa.String(length=200), nullable=False),
    sa.Column('amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_bank_transfers')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_sandbox_bank_transfers_idempotency_key'))
    )
    with op.batch_alter_table('sandbox_bank_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_bank_transfers_from_account'), ['from_account'], unique=False)
        batch_op.create_index(batch_op.f('ix_sandbox_bank_transfers_to_account'), ['to_account'], unique=False)

    op.create_table('loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('no', sa.String(length=20), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('product_code', sa.String(length=40), nullable=False),
    sa.Column('principal', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('annual_rate', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=False),
    sa.Column('apr', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=True),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.Column('penalty_markup', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=False),
    sa.Column('day_count', sa.String(length=10), nullable=True),
    sa.Column('payment_mode', sa.String(length=20), nullable=False),
    sa.Column('payee_account', sa.String(length=40), nullable=True),
    sa.Column('payee_name', sa.String(length=200), nullable=True),
    sa.Column('repayment_account', sa.String(length=40), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('contract_sha256', sa.String(length=64), nullable=True),
    sa.Column('contract_accepted_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contract_accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('disbursed_on', sa.Date(), nullable=True),
    sa.Column('disbursed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('outstanding_principal', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('overdue_principal', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('overdue_interest', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('current_principal', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('current_interest', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('accrued_interest', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('penalty', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('compound', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('credit', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('next_due_date', sa.Date(), nullable=True),
    sa.Column('next_due_amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('maturity_date', sa.Date(), nullable=True),
    sa.Column('posted_position', sa.JSON(), nullable=False),
    sa.Column('eod_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_loans_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_loans_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contract_accepted_by_id'], ['users.id'], name=op.f('fk_loans_contract_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['disbursed_by_id'], ['users.id'], name=op.f('fk_loans_disbursed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_loans_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_loans_offer_id_offers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loans')),
    sa.UniqueConstraint('application_id', name=op.f('uq_loans_application_id')),
    sa.UniqueConstraint('no', name=op.f('uq_loans_no')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_loans_offer_id'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loans_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_next_due_date'), ['next_due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_status'), ['status'], unique=False)
        batch_op.create_index('ix_loans_status_eod', ['status', 'eod_date'], unique=False)

    op.create_table('loan_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.String(length=20), nullable=True),
    sa.Column('months', sa.Integer(), nullable=True),
    sa.Column('annual_rate', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=True),
    sa.Column('method', sa.String(length=30), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('bank_reference', sa.String(length=64), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('entered_on', sa.Date(), nullable=False),
    sa.Column('entered_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_loan_transactions_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_transactions_loan_id_loans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reverses_id'], ['loan_transactions.id'], name=op.f('fk_loan_transactions_reverses_id_loan_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_transactions')),
    sa.UniqueConstraint('loan_id', 'idempotency_key', name='uq_loan_transactions_loan_key'),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_loan_transactions_reverses_id'))
    )
    with op.batch_alter_table('loan_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_transactions_loan_id'), ['loan_id'], unique=False)

    op.create_table('journal_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_journal_entries_loan_id_loans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['transaction_id'], ['loan_transactions.id'], name=op.f('fk_journal_entries_transaction_id_loan_transactions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries'))
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entries_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entries_posted_on'), ['posted_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entries_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('journal_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('account', sa.String(length=20), nullable=False),
    sa.Column('debit', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('credit', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_journal_lines_entry_id_journal_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_journal_lines_loan_id_loans'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_lines'))
    )
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.create_index('ix_journal_lines_account_posted', ['account', 'posted_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_lines_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_lines_loan_id'), ['loan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_lines_loan_id'))
        batch_op.drop_index(batch_op.f('ix_journal_lines_entry_id'))
        batch_op.drop_index('ix_journal_lines_account_posted')

    op.drop_table('journal_lines')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_entries_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_journal_entries_posted_on'))
        batch_op.drop_index(batch_op.f('ix_journal_entries_loan_id'))

    op.drop_table('journal_entries')
    with op.batch_alter_table('loan_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_transactions_loan_id'))

    op.drop_table('loan_transactions')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index('ix_loans_status_eod')
        batch_op.drop_index(batch_op.f('ix_loans_status'))
        batch_op.drop_index(batch_op.f('ix_loans_next_due_date'))
        batch_op.drop_index(batch_op.f('ix_loans_enterprise_id'))

    op.drop_table('loans')
    with op.batch_alter_table('sandbox_bank_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_bank_transfers_to_account'))
        batch_op.drop_index(batch_op.f('ix_sandbox_bank_transfers_from_account'))

    op.drop_table('sandbox_bank_transfers')
    op.drop_table('sandbox_bank_accounts')
    op.drop_table('eod_runs')
