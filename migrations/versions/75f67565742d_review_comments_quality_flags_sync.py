"""review comments, quality flags, per-version submitter, sync cursors and runs

Revision ID: 75f67565742d
Revises: 662a489d9618
Create Date: 2026-11-23 14:48:18.401815
"""
from alembic import op
import sqlalchemy as sa


revision = '75f67565742d'
down_revision = '662a489d9618'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_target'), ['target'], unique=False)
    op.create_table('sync_cursors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('xml_form_id', sa.String(length=200), nullable=False),
    sa.Column('cursor', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_cursors')),
    sa.UniqueConstraint('link', 'xml_form_id', name=op.f('uq_sync_cursors_link'))
    )
    op.create_table('sync_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('remote', sa.String(length=500), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('failures', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_sync_runs_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_runs'))
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_runs_project_id'), ['project_id'], unique=False)

    op.create_table('submission_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_users.id'], name=op.f('fk_submission_comments_actor_id_staff_users')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_comments_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_comments'))
    )
    with op.batch_alter_table('submission_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_comments_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('submission_defs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('submitter_app_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submitter_staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('device_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=300), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_submission_defs_submitter_staff_id_staff_users'), 'staff_users', ['submitter_staff_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_submission_defs_submitter_app_user_id_app_users'), 'app_users', ['submitter_app_user_id'], ['id'])

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_agent', sa.String(length=300), nullable=True))
        batch_op.create_index('ix_submissions_form_id_id', ['form_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_target'))
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_form_id_id')
        batch_op.drop_column('user_agent')

    with op.batch_alter_table('submission_defs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submission_defs_submitter_app_user_id_app_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_submission_defs_submitter_staff_id_staff_users'), type_='foreignkey')
        batch_op.drop_column('user_agent')
        batch_op.drop_column('device_id')
        batch_op.drop_column('submitter_staff_id')
        batch_op.drop_column('submitter_app_user_id')
        batch_op.drop_column('flags')

    with op.batch_alter_table('submission_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_comments_submission_id'))

    op.drop_table('submission_comments')
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_runs_project_id'))

    op.drop_table('sync_runs')
    op.drop_table('sync_cursors')
