"""enterprises: members, persons (PII encrypted: AES-256-GCM text), counterparties,
query authorisations, immutable data snapshots, bank mappings, credit profiles and features

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:22:47.417468
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('mapping', sa.Text(), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_mappings')),
    sa.UniqueConstraint('bank_name', name=op.f('uq_bank_mappings_bank_name'))
    )
    op.create_table('enterprises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('industry', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('region_name', sa.String(length=60), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('employees', sa.Integer(), nullable=False),
    sa.Column('revenue_wan', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('assets_wan', smecredit.kernel.db.Money(precision=18, scale=2), nullable=True),
    sa.Column('size_class', sa.String(length=10), nullable=False),
    sa.Column('size_rule_zh', sa.Text(), nullable=False),
    sa.Column('size_rule_en', sa.Text(), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_enterprises_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprises')),
    sa.UniqueConstraint('uscc', name=op.f('uq_enterprises_uscc'))
    )
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprises_name'), ['name'], unique=False)

    op.create_table('credit_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('computed_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('computed_by', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('snapshot_ids', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_credit_profiles_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_profiles')),
    sa.UniqueConstraint('enterprise_id', 'version', name=op.f('uq_credit_profiles_enterprise_id'))
    )
    with op.batch_alter_table('credit_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_profiles_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('data_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('is_sandbox', sa.Boolean(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('stored_name', sa.String(length=100), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('mapping_name', sa.String(length=100), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('summary_zh', sa.Text(), nullable=False),
    sa.Column('summary_en', sa.Text(), nullable=False),
    sa.Column('warnings', sa.Text(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('captured_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('captured_by_id', sa.Integer(), nullable=True),
    sa.Column('captured_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['captured_by_id'], ['users.id'], name=op.f('fk_data_snapshots_captured_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_data_snapshots_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_snapshots'))
    )
    with op.batch_alter_table('data_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_data_snapshots_enterprise_kind', ['enterprise_id', 'kind', 'captured_at'], unique=False)

    op.create_table('enterprise_counterparties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('annual_amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=True),
    sa.Column('is_core_enterprise', sa.Boolean(), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_enterprise_counterparties_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_counterparties'))
    )
    with op.batch_alter_table('enterprise_counterparties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_counterparties_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('enterprise_members',
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_enterprise_members_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_enterprise_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enterprise_id', 'user_id', name=op.f('pk_enterprise_members'))
    )
    with op.batch_alter_table('enterprise_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_members_user_id'), ['user_id'], unique=False)

    op.create_table('enterprise_persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('party_type', sa.String(length=12), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('id_number', sa.Text(), nullable=True),
    sa.Column('id_index', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('share_pct', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('guarantee_amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=True),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_enterprise_persons_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_persons'))
    )
    with op.batch_alter_table('enterprise_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_persons_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_persons_id_index'), ['id_index'], unique=False)

    op.create_table('query_authorisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('text_version', sa.String(length=20), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('authorised_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_query_authorisations_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_query_authorisations_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_query_authorisations'))
    )
    with op.batch_alter_table('query_authorisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_query_authorisations_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('profile_features',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('label_zh', sa.String(length=120), nullable=False),
    sa.Column('label_en', sa.String(length=160), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_type', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=30), nullable=True),
    sa.Column('source_kind', sa.String(length=30), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('rule', sa.Text(), nullable=True),
    sa.Column('missing_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['profile_id'], ['credit_profiles.id'], name=op.f('fk_profile_features_profile_id_credit_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['snapshot_id'], ['data_snapshots.id'], name=op.f('fk_profile_features_snapshot_id_data_snapshots'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_features'))
    )
    with op.batch_alter_table('profile_features', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_features_profile_id'), ['profile_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('profile_features', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_features_profile_id'))

    op.drop_table('profile_features')
    with op.batch_alter_table('query_authorisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_query_authorisations_enterprise_id'))

    op.drop_table('query_authorisations')
    with op.batch_alter_table('enterprise_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_persons_id_index'))
        batch_op.drop_index(batch_op.f('ix_enterprise_persons_enterprise_id'))

    op.drop_table('enterprise_persons')
    with op.batch_alter_table('enterprise_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_members_user_id'))

    op.drop_table('enterprise_members')
    with op.batch_alter_table('enterprise_counterparties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_counterparties_enterprise_id'))

    op.drop_table('enterprise_counterparties')
    with op.batch_alter_table('data_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_data_snapshots_enterprise_kind')

    op.drop_table('data_snapshots')
    with op.batch_alter_table('credit_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_profiles_enterprise_id'))

    op.drop_table('credit_profiles')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprises_name'))

    op.drop_table('enterprises')
    op.drop_table('bank_mappings')
