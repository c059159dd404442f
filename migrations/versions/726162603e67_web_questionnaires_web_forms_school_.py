"""web questionnaires: web forms, school links, submission participant

Revision ID: 726162603e67
Revises: df0e14bbb5cc
Create Date: 2026-12-04 08:14:55.199387
"""
from alembic import op
import sqlalchemy as sa


revision = '726162603e67'
down_revision = 'df0e14bbb5cc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('web_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_web_forms_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opened_by'], ['staff_users.id'], name=op.f('fk_web_forms_opened_by_staff_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_web_forms_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_forms')),
    sa.UniqueConstraint('form_id', name=op.f('uq_web_forms_form_id'))
    )
    with op.batch_alter_table('web_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_forms_project_id'), ['project_id'], unique=False)

    op.create_table('web_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('token_index', sa.String(length=64), nullable=False),
    sa.Column('token_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quota IS NULL OR quota > 0', name=op.f('ck_web_links_quota')),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_web_links_created_by_staff_users')),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_web_links_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_web_links_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['frame_schools.id'], name=op.f('fk_web_links_school_id_frame_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_links')),
    sa.UniqueConstraint('token_index', name=op.f('uq_web_links_token_index'))
    )
    with op.batch_alter_table('web_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_links_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_revoked_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('web_link_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_submissions_web_link_id'), ['web_link_id'], unique=False)
        batch_op.create_unique_constraint('uq_submissions_form_participant', ['form_id', 'participant_id'])
        batch_op.create_foreign_key(batch_op.f('fk_submissions_participant_id_participants'), 'participants', ['participant_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_submissions_web_link_id_web_links'), 'web_links', ['web_link_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submissions_web_link_id_web_links'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_submissions_participant_id_participants'), type_='foreignkey')
        batch_op.drop_constraint('uq_submissions_form_participant', type_='unique')
        batch_op.drop_index(batch_op.f('ix_submissions_web_link_id'))
        batch_op.drop_column('web_link_id')
        batch_op.drop_column('participant_id')

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('link_revoked_at')

    with op.batch_alter_table('web_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_links_project_id'))

    op.drop_table('web_links')
    with op.batch_alter_table('web_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_forms_project_id'))

    op.drop_table('web_forms')
