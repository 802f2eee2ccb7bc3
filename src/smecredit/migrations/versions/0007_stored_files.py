"""the document store: one row per distinct content (SHA-256 unique); paper authorisations point
at their scan there (``scan_file_id``; scans recorded before keep ``scan_stored_name``)

Revision ID: 0007_stored_files
Revises: 0006
Create Date: 2026-11-29 05:30:00
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0007_stored_files'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('file_type', sa.String(length=8), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('storage', sa.String(length=16), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
    sa.UniqueConstraint('sha256', name=op.f('uq_stored_files_sha256'))
    )
    with op.batch_alter_table('query_authorisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scan_file_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_query_authorisations_scan_file_id_stored_files'), 'stored_files',
                                    ['scan_file_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('query_authorisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_query_authorisations_scan_file_id_stored_files'), type_='foreignkey')
        batch_op.drop_column('scan_file_id')
    op.drop_table('stored_files')
