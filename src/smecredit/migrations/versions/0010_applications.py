"""applications: the application, its documents, 补件 requests, the timeline and the daily number counter.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 05:14:43.792135
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('application_counters',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_application_counters'))
    )
    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('no', sa.String(length=20), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('product_code', sa.String(length=40), nullable=False),
    sa.Column('product_version', sa.Integer(), nullable=False),
    sa.Column('product_version_id', sa.Integer(), nullable=False),
    sa.Column('amount', smecredit.kernel.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('repayment_method', sa.String(length=30), nullable=False),
    sa.Column('guarantee_mode', sa.String(length=60), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_applications_applicant_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_applications_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_applications_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_version_id'], ['product_versions.id'], name=op.f('fk_applications_product_version_id_product_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('no', name=op.f('uq_applications_no'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_product_code'), ['product_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_product_version_id'), ['product_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_status'), ['status'], unique=False)
        batch_op.create_index('ix_applications_status_submitted', ['status', 'submitted_at'], unique=False)

    op.create_table('application_document_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_document_requests_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_application_document_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_document_requests'))
    )
    with op.batch_alter_table('application_document_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_document_requests_application_id'), ['application_id'], unique=False)

    op.create_table('application_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=30), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_application_steps_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_steps_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_steps'))
    )
    with op.batch_alter_table('application_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_steps_application_id'), ['application_id'], unique=False)

    op.create_table('application_document_request_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['application_document_requests.id'], name=op.f('fk_application_document_request_items_request_id_application_document_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_document_request_items'))
    )
    with op.batch_alter_table('application_document_request_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_document_request_items_request_id'), ['request_id'], unique=False)

    op.create_table('application_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('stored_file_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_documents_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['application_document_requests.id'], name=op.f('fk_application_documents_request_id_application_document_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stored_file_id'], ['stored_files.id'], name=op.f('fk_application_documents_stored_file_id_stored_files'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_application_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_documents'))
    )
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_documents_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_documents_stored_file_id'), ['stored_file_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_documents_stored_file_id'))
        batch_op.drop_index(batch_op.f('ix_application_documents_application_id'))

    op.drop_table('application_documents')
    with op.batch_alter_table('application_document_request_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_document_request_items_request_id'))

    op.drop_table('application_document_request_items')
    with op.batch_alter_table('application_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_steps_application_id'))

    op.drop_table('application_steps')
    with op.batch_alter_table('application_document_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_document_requests_application_id'))

    op.drop_table('application_document_requests')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_status_submitted')
        batch_op.drop_index(batch_op.f('ix_applications_status'))
        batch_op.drop_index(batch_op.f('ix_applications_product_version_id'))
        batch_op.drop_index(batch_op.f('ix_applications_product_code'))
        batch_op.drop_index(batch_op.f('ix_applications_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_applications_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_applications_applicant_id'))

    op.drop_table('applications')
    op.drop_table('application_counters')
