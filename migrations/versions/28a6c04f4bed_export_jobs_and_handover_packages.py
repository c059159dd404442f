"""export jobs and handover packages; pseudonym and signing keys

Revision ID: 28a6c04f4bed
Revises: 75f67565742d
Create Date: 2026-12-02 17:35:06.260747
"""
from alembic import op
import sqlalchemy as sa


revision = '28a6c04f4bed'
down_revision = '75f67565742d'
branch_labels = None
depends_on = None


OLD_PURPOSES = "purpose IN ('data', 'index', 'audit')"
NEW_PURPOSES = "purpose IN ('data', 'index', 'audit', 'pseudonym', 'signing')"


def _purposes(check: str) -> None:
    with op.batch_alter_table('data_keys', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_data_keys_purpose'), type_='check')
        batch_op.create_check_constraint(op.f('ck_data_keys_purpose'), check)


def upgrade():
    _purposes(NEW_PURPOSES)
    op.create_table('handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('built_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['built_by'], ['staff_users.id'], name=op.f('fk_handovers_built_by_staff_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_handovers_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handovers'))
    )
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handovers_project_id'), ['project_id'], unique=False)

    op.create_table('export_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('formats', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('blob_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('anonymized', 'raw')", name=op.f('ck_export_jobs_kind')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_export_jobs_status')),
    sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_export_jobs_blob_id_blobs')),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_export_jobs_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_export_jobs_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['staff_users.id'], name=op.f('fk_export_jobs_requested_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs'))
    )
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_jobs_project_id'), ['project_id'], unique=False)



def downgrade():
    _purposes(OLD_PURPOSES)
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_jobs_project_id'))

    op.drop_table('export_jobs')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handovers_project_id'))

    op.drop_table('handovers')
