"""decisioning: policy and scorecard versions, decisions, reviews, committee votes, overrides, offers; applications decided → approved/declined

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 08:04:16.907312
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('approver', sa.String(length=64), nullable=True),
    sa.Column('decided_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_policy_versions_approver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_policy_versions_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_policy_versions_code'))
    )
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_versions_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_versions_status'), ['status'], unique=False)

    op.create_table('scorecard_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('approver', sa.String(length=64), nullable=True),
    sa.Column('decided_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_scorecard_versions_approver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_scorecard_versions_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard_versions')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_scorecard_versions_code'))
    )
    with op.batch_alter_table('scorecard_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_versions_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_scorecard_versions_status'), ['status'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('route', sa.String(length=10), nullable=False),
    sa.Column('segment', sa.String(length=40), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('grade', sa.String(length=10), nullable=True),
    sa.Column('pd', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('limit_amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=True),
    sa.Column('approved_amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=True),
    sa.Column('annual_rate', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=True),
    sa.Column('apr', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=True),
    sa.Column('repayment_method', sa.String(length=30), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('inputs_json', sa.Text(), nullable=False),
    sa.Column('result_json', sa.Text(), nullable=False),
    sa.Column('inputs_sha256', sa.String(length=64), nullable=False),
    sa.Column('result_sha256', sa.String(length=64), nullable=False),
    sa.Column('policy_version_id', sa.Integer(), nullable=False),
    sa.Column('scorecard_version_id', sa.Integer(), nullable=True),
    sa.Column('elapsed_ms', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_decisions_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['policy_version_id'], ['policy_versions.id'], name=op.f('fk_decisions_policy_version_id_policy_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['scorecard_version_id'], ['scorecard_versions.id'], name=op.f('fk_decisions_scorecard_version_id_scorecard_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('application_id', 'sequence', name=op.f('uq_decisions_application_id'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_decisions_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_policy_version_id'), ['policy_version_id'], unique=False)

    op.create_table('committee_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('vote', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_committee_votes_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_committee_votes_decision_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_committee_votes_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_votes')),
    sa.UniqueConstraint('application_id', 'round', 'user_id', name=op.f('uq_committee_votes_application_id'))
    )
    with op.batch_alter_table('committee_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_votes_application_id'), ['application_id'], unique=False)

    op.create_table('decision_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('automatic', sa.String(length=10), nullable=False),
    sa.Column('human', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_decision_overrides_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_overrides_decision_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_decision_overrides_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_overrides'))
    )
    with op.batch_alter_table('decision_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_overrides_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_overrides_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_overrides_decision_id'), ['decision_id'], unique=False)

    op.create_table('decision_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_decision_reviews_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_reviews_decision_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_decision_reviews_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_reviews'))
    )
    with op.batch_alter_table('decision_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_reviews_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_reviews_decision_id'), ['decision_id'], unique=False)

    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('annual_rate', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=False),
    sa.Column('apr', smecredit.kernel.db.Percent(precision=7, scale=4), nullable=False),
    sa.Column('repayment_method', sa.String(length=30), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('payment_mode', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('accepted_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('declined_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_offers_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_offers_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_offers_decision_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_offers_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
    sa.UniqueConstraint('application_id', name=op.f('uq_offers_application_id'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_status'), ['status'], unique=False)


    # Stage 3's "decided" state goes away: a decided application is now approved or declined by
    # its outcome (the timeline's steps name the same state). Stage 3 made no offers: an approved
    # one waits for an offer no one will make, which says what happened; nothing is invented.
    for outcome in ("approved", "declined"):
        op.execute(sa.text("UPDATE applications SET status = :outcome WHERE status = 'decided' AND outcome = :outcome")
                   .bindparams(outcome=outcome))
        op.execute(sa.text("UPDATE application_steps SET to_status = :outcome WHERE to_status = 'decided' AND "
                           "application_id IN (SELECT id FROM applications WHERE outcome = :outcome)")
                   .bindparams(outcome=outcome))


def downgrade() -> None:
    # Back to stage 3's states: every outcome is "decided", and what stage 4 added before it is
    # under review again.
    op.execute(sa.text("UPDATE applications SET status = 'decided', outcome = 'approved' "
                       "WHERE status IN ('approved', 'offer_accepted', 'offer_declined')"))
    op.execute(sa.text("UPDATE applications SET status = 'decided', outcome = 'declined' WHERE status = 'declined'"))
    op.execute(sa.text("UPDATE applications SET status = 'under_review' WHERE status IN ('awaiting_approval', 'committee')"))
    op.execute(sa.text("UPDATE application_steps SET to_status = 'decided' "
                       "WHERE to_status IN ('approved', 'declined', 'offer_accepted', 'offer_declined')"))
    op.execute(sa.text("UPDATE application_steps SET to_status = 'under_review' "
                       "WHERE to_status IN ('awaiting_approval', 'committee')"))
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_status'))
        batch_op.drop_index(batch_op.f('ix_offers_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_offers_decision_id'))

    op.drop_table('offers')
    with op.batch_alter_table('decision_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_reviews_decision_id'))
        batch_op.drop_index(batch_op.f('ix_decision_reviews_application_id'))

    op.drop_table('decision_reviews')
    with op.batch_alter_table('decision_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_overrides_decision_id'))
        batch_op.drop_index(batch_op.f('ix_decision_overrides_at'))
        batch_op.drop_index(batch_op.f('ix_decision_overrides_application_id'))

    op.drop_table('decision_overrides')
    with op.batch_alter_table('committee_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_votes_application_id'))

    op.drop_table('committee_votes')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_policy_version_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_outcome'))
        batch_op.drop_index('ix_decisions_created_at')
        batch_op.drop_index(batch_op.f('ix_decisions_application_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('scorecard_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorecard_versions_status'))
        batch_op.drop_index(batch_op.f('ix_scorecard_versions_code'))

    op.drop_table('scorecard_versions')
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_versions_status'))
        batch_op.drop_index(batch_op.f('ix_policy_versions_code'))

    op.drop_table('policy_versions')
