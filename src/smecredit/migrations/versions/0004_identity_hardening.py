"""identity hardening: sign-in throttles, one-time codes, token labels and revocation reasons,
self-service applicants' mobile and verified identity (encrypted, blind-indexed), the notification
outbox and the SMS sandbox log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 02:21:05.950919
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db
import smecredit.kernel.pii


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auth_throttles',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('window_start', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_auth_throttles'))
    )
    with op.batch_alter_table('auth_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_throttles_window_start'), ['window_start'], unique=False)

    op.create_table('notification_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', smecredit.kernel.pii.EncryptedText(), nullable=False),
    sa.Column('recipient_masked', sa.String(length=40), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=False),
    sa.Column('params', smecredit.kernel.pii.EncryptedText(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('provider', sa.String(length=40), nullable=True),
    sa.Column('provider_message_id', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_outbox'))
    )
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_outbox_status'), ['status'], unique=False)

    op.create_table('otp_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('mobile_index', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('consumed_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_otp_codes'))
    )
    with op.batch_alter_table('otp_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_otp_codes_mobile_index'), ['mobile_index'], unique=False)

    op.create_table('sms_sandbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('recipient_masked', sa.String(length=40), nullable=False),
    sa.Column('recipient_index', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['notification_outbox.id'], name=op.f('fk_sms_sandbox_messages_outbox_id_notification_outbox'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_sandbox_messages'))
    )
    with op.batch_alter_table('sms_sandbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_sandbox_messages_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_sandbox_messages_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_sandbox_messages_recipient_index'), ['recipient_index'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoke_reason', sa.String(length=20), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', smecredit.kernel.pii.EncryptedText(), nullable=True))
        batch_op.add_column(sa.Column('mobile_index', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('real_name', smecredit.kernel.pii.EncryptedText(), nullable=True))
        batch_op.add_column(sa.Column('id_number', smecredit.kernel.pii.EncryptedText(), nullable=True))
        batch_op.add_column(sa.Column('id_index', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('identity_verified_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('identity_provider', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('identity_reference', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_id_index'), ['id_index'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_mobile_index'), ['mobile_index'])



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_mobile_index'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_users_id_index'))
        batch_op.drop_column('identity_reference')
        batch_op.drop_column('identity_provider')
        batch_op.drop_column('identity_verified_at')
        batch_op.drop_column('id_index')
        batch_op.drop_column('id_number')
        batch_op.drop_column('real_name')
        batch_op.drop_column('mobile_index')
        batch_op.drop_column('mobile')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('revoke_reason')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('label')

    with op.batch_alter_table('sms_sandbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_sandbox_messages_recipient_index'))
        batch_op.drop_index(batch_op.f('ix_sms_sandbox_messages_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_sms_sandbox_messages_created_at'))

    op.drop_table('sms_sandbox_messages')
    with op.batch_alter_table('otp_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_otp_codes_mobile_index'))

    op.drop_table('otp_codes')
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_outbox_status'))

    op.drop_table('notification_outbox')
    with op.batch_alter_table('auth_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_throttles_window_start'))

    op.drop_table('auth_throttles')
