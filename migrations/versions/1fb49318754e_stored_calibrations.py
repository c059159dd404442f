"""stored calibrations

Revision ID: 1fb49318754e
Revises: 9ab26acbdceb
Create Date: 2026-12-04 09:51:45.357720
"""
from alembic import op
import sqlalchemy as sa


revision = '1fb49318754e'
down_revision = '9ab26acbdceb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calibrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('xml_form_id', sa.String(length=100), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=10), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('sigma', sa.Float(), nullable=False),
    sa.Column('theta_mean', sa.Float(), nullable=False),
    sa.Column('theta_sd', sa.Float(), nullable=False),
    sa.Column('linked_to', sa.Integer(), nullable=True),
    sa.Column('takers', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['answer_keys.id'], name=op.f('fk_calibrations_key_id_answer_keys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['linked_to'], ['calibrations.id'], name=op.f('fk_calibrations_linked_to_calibrations')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_calibrations_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibrations'))
    )
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibrations_xml_form_id'), ['xml_form_id'], unique=False)



def downgrade():
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibrations_xml_form_id'))

    op.drop_table('calibrations')
