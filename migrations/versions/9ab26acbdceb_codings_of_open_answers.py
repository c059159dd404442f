"""codings of open answers

Revision ID: 9ab26acbdceb
Revises: fd6dbc796d6c
Create Date: 2026-12-04 09:45:42.292699
"""
from alembic import op
import sqlalchemy as sa


revision = '9ab26acbdceb'
down_revision = 'fd6dbc796d6c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('codings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('round', sa.String(length=10), nullable=False),
    sa.Column('code', sa.Integer(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coder_id'], ['staff_users.id'], name=op.f('fk_codings_coder_id_staff_users')),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_codings_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_codings_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codings')),
    sa.UniqueConstraint('submission_id', 'item', 'round', name=op.f('uq_codings_submission_id'))
    )
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_codings_form_id'), ['form_id'], unique=False)



def downgrade():
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_codings_form_id'))

    op.drop_table('codings')
