"""portfolios (officer, branch, assignment rules), ownership claims, data authorisations covering
every source (channel, scan, expiry, withdrawal), snapshot origin and encrypted originals, and the
discrepancies of a profile.

Existing rows: enterprises keep their owners (ownership "confirmed", as before this revision);
authorisations given under text 2026-01 — which already named every source — cover all six and
expire a year after they were given; uploaded snapshots are marked as uploaded by the applicant
when the uploader holds the applicant role, else by staff; their originals stay as they were
(``file_encrypted`` false) until `smecredit enterprises encrypt-uploads` encrypts them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 02:13:12.103452
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db

ALL_SOURCES = '["registry", "tax", "bank_statement", "financial_statements", "credit_bureau", "judicial"]'


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('branches',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_branches'))
    )
    op.create_table('assignment_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('region_prefix', sa.String(length=6), nullable=False),
    sa.Column('industry', sa.String(length=40), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('branch_code', sa.String(length=20), nullable=True),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_assignment_rules_officer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_rules'))
    )
    op.create_table('enterprise_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_enterprise_claims_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_enterprise_claims_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_enterprise_claims_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_claims')),
    sa.UniqueConstraint('enterprise_id', 'user_id', name=op.f('uq_enterprise_claims_enterprise_id'))
    )
    with op.batch_alter_table('enterprise_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_claims_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_claims_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('credit_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discrepancies', sa.Text(), nullable=False, server_default='[]'))

    with op.batch_alter_table('data_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=20), nullable=False, server_default='provider'))
        batch_op.add_column(sa.Column('file_encrypted', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_capital_wan', smecredit.kernel.db.Money(precision=18, scale=2), nullable=True))
        batch_op.add_column(sa.Column('ownership', sa.String(length=12), nullable=False, server_default='confirmed'))
        batch_op.add_column(sa.Column('officer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('branch_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('assigned_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_enterprises_branch_code'), ['branch_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_ownership'), ['ownership'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_enterprises_officer_id_users'), 'users', ['officer_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('query_authorisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.Text(), nullable=False, server_default=ALL_SOURCES))
        batch_op.add_column(sa.Column('channel', sa.String(length=10), nullable=False, server_default='online'))
        batch_op.add_column(sa.Column('scan_filename', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('scan_stored_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('scan_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('expires_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branch_code', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_branch_code'), ['branch_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_branch_code_branches'), 'branches', ['branch_code'], ['code'], ondelete='SET NULL')

    _backfill()


def _backfill() -> None:
    from datetime import timedelta

    bind = op.get_bind()
    snapshots = sa.table("data_snapshots", sa.column("id", sa.Integer), sa.column("provider", sa.String),
                         sa.column("captured_by_id", sa.Integer), sa.column("origin", sa.String))
    roles = sa.table("user_roles", sa.column("user_id", sa.Integer), sa.column("role", sa.String))
    applicants = sa.select(roles.c.user_id).where(roles.c.role == "applicant")
    bind.execute(snapshots.update().where(snapshots.c.provider == "file")
                 .values(origin=sa.case((snapshots.c.captured_by_id.in_(applicants), "applicant_upload"),
                                        else_="staff_upload")))
    auths = sa.table("query_authorisations", sa.column("id", sa.Integer),
                     sa.column("authorised_at", smecredit.kernel.db.UTCDateTime()),
                     sa.column("expires_at", smecredit.kernel.db.UTCDateTime()))
    for row in bind.execute(sa.select(auths.c.id, auths.c.authorised_at)).all():
        bind.execute(auths.update().where(auths.c.id == row.id).values(expires_at=row.authorised_at + timedelta(days=365)))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_branch_code_branches'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_branch_code'))
        batch_op.drop_column('branch_code')

    with op.batch_alter_table('query_authorisations', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scan_sha256')
        batch_op.drop_column('scan_stored_name')
        batch_op.drop_column('scan_filename')
        batch_op.drop_column('channel')
        batch_op.drop_column('scope')

    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enterprises_officer_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_enterprises_ownership'))
        batch_op.drop_index(batch_op.f('ix_enterprises_officer_id'))
        batch_op.drop_index(batch_op.f('ix_enterprises_branch_code'))
        batch_op.drop_column('assigned_at')
        batch_op.drop_column('branch_code')
        batch_op.drop_column('officer_id')
        batch_op.drop_column('ownership')
        batch_op.drop_column('registered_capital_wan')

    with op.batch_alter_table('data_snapshots', schema=None) as batch_op:
        batch_op.drop_column('file_encrypted')
        batch_op.drop_column('origin')

    with op.batch_alter_table('credit_profiles', schema=None) as batch_op:
        batch_op.drop_column('discrepancies')

    with op.batch_alter_table('enterprise_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_claims_user_id'))
        batch_op.drop_index(batch_op.f('ix_enterprise_claims_enterprise_id'))

    op.drop_table('enterprise_claims')
    op.drop_table('assignment_rules')
    op.drop_table('branches')
