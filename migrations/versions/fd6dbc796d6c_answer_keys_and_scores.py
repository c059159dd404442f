"""answer keys and scores

Revision ID: fd6dbc796d6c
Revises: 726162603e67
Create Date: 2026-12-04 09:13:43.240248
"""
from alembic import op
import sqlalchemy as sa


revision = 'fd6dbc796d6c'
down_revision = '726162603e67'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('form_version', sa.String(length=100), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_answer_keys_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_answer_keys_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['staff_users.id'], name=op.f('fk_answer_keys_uploaded_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_keys')),
    sa.UniqueConstraint('form_id', 'number', name=op.f('uq_answer_keys_form_id'))
    )
    with op.batch_alter_table('answer_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_keys_form_id'), ['form_id'], unique=False)

    op.create_table('scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('submission_def_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('max_total', sa.Float(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('domains', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_scores_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['key_id'], ['answer_keys.id'], name=op.f('fk_scores_key_id_answer_keys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_def_id'], ['submission_defs.id'], name=op.f('fk_scores_submission_def_id_submission_defs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_scores_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scores'))
    )
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.create_index('ix_scores_form_id_current', ['form_id', 'current'], unique=False)
        batch_op.create_index(batch_op.f('ix_scores_submission_id'), ['submission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scores_submission_id'))
        batch_op.drop_index('ix_scores_form_id_current')

    op.drop_table('scores')
    with op.batch_alter_table('answer_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_keys_form_id'))

    op.drop_table('answer_keys')
