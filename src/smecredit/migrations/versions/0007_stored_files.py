"""the document store: one row per distinct content (SHA-256 unique)

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


def downgrade() -> None:
    op.drop_table('stored_files')
