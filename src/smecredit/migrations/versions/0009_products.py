"""products (versioned definitions, four-eyes approval) and the dated reference-rate (LPR) table.

No rows are written here: the default catalogue and the LPR values are loaded on start
(`products.setup`, audited), so a fresh install and an upgraded one get the same events.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-29 05:17:34.470192
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('code', name=op.f('uq_products_code'))
    )
    op.create_table('reference_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenor', sa.String(length=4), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('rate', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('changed_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_rates')),
    sa.UniqueConstraint('tenor', 'effective_from', name=op.f('uq_reference_rates_tenor'))
    )
    op.create_table('product_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('product_code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('definition_json', sa.Text(), nullable=False),
    sa.Column('definition_sha256', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('approver', sa.String(length=64), nullable=True),
    sa.Column('decided_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_product_versions_approver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_product_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_versions_product_id_products'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_versions')),
    sa.UniqueConstraint('product_id', 'version', name=op.f('uq_product_versions_product_id'))
    )
    with op.batch_alter_table('product_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_versions_product_code'), ['product_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_versions_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_versions_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('product_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_versions_status'))
        batch_op.drop_index(batch_op.f('ix_product_versions_product_id'))
        batch_op.drop_index(batch_op.f('ix_product_versions_product_code'))

    op.drop_table('product_versions')
    op.drop_table('reference_rates')
    op.drop_table('products')
