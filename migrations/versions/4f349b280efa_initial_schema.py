"""initial schema

Revision ID: 4f349b280efa
Revises: 
Create Date: 2026-11-23 12:12:22.594383
"""
from alembic import op
import sqlalchemy as sa


revision = '4f349b280efa'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('blobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('md5', sa.String(length=32), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blobs')),
    sa.UniqueConstraint('sha256', name=op.f('uq_blobs_sha256'))
    )
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stage IN ('pilot', 'main')", name=op.f('ck_projects_stage')),
    sa.CheckConstraint("status IN ('open', 'archived')", name=op.f('ck_projects_status')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_projects_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('name', name=op.f('uq_projects_name'))
    )
    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('administrator', 'data_manager', 'verifier', 'analyst', 'department_viewer')", name=op.f('ck_staff_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_users_email'))
    )
    op.create_table('app_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_app_users_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_users')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_app_users_token_hash'))
    )
    with op.batch_alter_table('app_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_users_project_id'), ['project_id'], unique=False)

    op.create_table('forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('xml_form_id', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('current_def_id', sa.Integer(), nullable=True),
    sa.Column('draft_def_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('open', 'closing', 'closed')", name=op.f('ck_forms_state')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_forms_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms')),
    sa.UniqueConstraint('project_id', 'xml_form_id', name=op.f('uq_forms_project_id'))
    )
    op.create_table('staff_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_sessions_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('app_user_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_user_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['app_user_id'], ['app_users.id'], name=op.f('fk_app_user_forms_app_user_id_app_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_app_user_forms_form_id_forms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user_forms')),
    sa.UniqueConstraint('app_user_id', 'form_id', name=op.f('uq_app_user_forms_app_user_id'))
    )
    with op.batch_alter_table('app_user_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_forms_form_id'), ['form_id'], unique=False)

    op.create_table('form_defs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('xml', sa.LargeBinary(), nullable=False),
    sa.Column('md5', sa.String(length=32), nullable=False),
    sa.Column('root_name', sa.String(length=200), nullable=False),
    sa.Column('binary_paths', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('source_blob_id', sa.Integer(), nullable=True),
    sa.Column('source_name', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_form_defs_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_blob_id'], ['blobs.id'], name=op.f('fk_form_defs_source_blob_id_blobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_defs'))
    )
    with op.batch_alter_table('form_defs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_defs_form_id'), ['form_id'], unique=False)
        batch_op.create_index('uq_form_defs_published_version', ['form_id', 'version'], unique=True, sqlite_where=sa.text('published_at IS NOT NULL'), postgresql_where=sa.text('published_at IS NOT NULL'))

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=200), nullable=False),
    sa.Column('submitter_app_user_id', sa.Integer(), nullable=True),
    sa.Column('submitter_staff_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=200), nullable=True),
    sa.Column('review_state', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("review_state IN ('received', 'hasIssues', 'edited', 'approved', 'rejected')", name=op.f('ck_submissions_review_state')),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_submissions_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitter_app_user_id'], ['app_users.id'], name=op.f('fk_submissions_submitter_app_user_id_app_users')),
    sa.ForeignKeyConstraint(['submitter_staff_id'], ['staff_users.id'], name=op.f('fk_submissions_submitter_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('form_id', 'instance_id', name=op.f('uq_submissions_form_id'))
    )
    op.create_table('form_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_def_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('blob_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_form_attachments_blob_id_blobs')),
    sa.ForeignKeyConstraint(['form_def_id'], ['form_defs.id'], name=op.f('fk_form_attachments_form_def_id_form_defs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_attachments')),
    sa.UniqueConstraint('form_def_id', 'name', name=op.f('uq_form_attachments_form_def_id'))
    )
    op.create_table('submission_defs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('form_def_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=200), nullable=False),
    sa.Column('deprecated_id', sa.String(length=200), nullable=True),
    sa.Column('instance_name', sa.String(length=500), nullable=True),
    sa.Column('xml', sa.LargeBinary(), nullable=False),
    sa.Column('xml_sha256', sa.String(length=64), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_def_id'], ['form_defs.id'], name=op.f('fk_submission_defs_form_def_id_form_defs')),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_submission_defs_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_defs_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_defs')),
    sa.UniqueConstraint('form_id', 'instance_id', name=op.f('uq_submission_defs_form_id'))
    )
    with op.batch_alter_table('submission_defs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_defs_submission_id'), ['submission_id'], unique=False)

    op.create_table('submission_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_def_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('blob_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_submission_attachments_blob_id_blobs')),
    sa.ForeignKeyConstraint(['submission_def_id'], ['submission_defs.id'], name=op.f('fk_submission_attachments_submission_def_id_submission_defs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_attachments')),
    sa.UniqueConstraint('submission_def_id', 'name', name=op.f('uq_submission_attachments_submission_def_id'))
    )
    # forms and form_defs point at each other: the forms -> form_defs keys come last.
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_forms_current_def_id_form_defs'), 'form_defs',
                                    ['current_def_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_forms_draft_def_id_form_defs'), 'form_defs',
                                    ['draft_def_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_forms_draft_def_id_form_defs'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_forms_current_def_id_form_defs'), type_='foreignkey')
    op.drop_table('submission_attachments')
    with op.batch_alter_table('submission_defs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_defs_submission_id'))

    op.drop_table('submission_defs')
    op.drop_table('form_attachments')
    op.drop_table('submissions')
    with op.batch_alter_table('form_defs', schema=None) as batch_op:
        batch_op.drop_index('uq_form_defs_published_version', sqlite_where=sa.text('published_at IS NOT NULL'), postgresql_where=sa.text('published_at IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_form_defs_form_id'))

    op.drop_table('form_defs')
    with op.batch_alter_table('app_user_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_forms_form_id'))

    op.drop_table('app_user_forms')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))

    op.drop_table('staff_sessions')
    op.drop_table('forms')
    with op.batch_alter_table('app_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_users_project_id'))

    op.drop_table('app_users')
    op.drop_table('staff_users')
    op.drop_table('projects')
    op.drop_table('blobs')
