"""guarantees: guarantee contracts (保证合同) accepted by guarantors; loans.opened_on (the business date
a loan was opened, from which its contract's indicative schedule runs)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 12:14:11.853948
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('guarantee_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('guarantor_name', sa.Text(), nullable=False),
    sa.Column('mobile', sa.Text(), nullable=False),
    sa.Column('amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_nonce', sa.String(length=32), nullable=True),
    sa.Column('code_expires_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('code_attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_guarantee_contracts_loan_id_loans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['enterprise_persons.id'], name=op.f('fk_guarantee_contracts_person_id_enterprise_persons'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guarantee_contracts')),
    sa.UniqueConstraint('loan_id', 'person_id', name='uq_guarantee_contracts_loan_person'),
    sa.UniqueConstraint('token_hash', name=op.f('uq_guarantee_contracts_token_hash'))
    )
    with op.batch_alter_table('guarantee_contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guarantee_contracts_loan_id'), ['loan_id'], unique=False)

    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_on', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_column('opened_on')

    with op.batch_alter_table('guarantee_contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guarantee_contracts_loan_id'))

    op.drop_table('guarantee_contracts')
