"""protection at rest, audit, project access

Revision ID: 662a489d9618
Revises: 4f349b280efa
Create Date: 2026-11-23 13:00:05.943049
"""
from alembic import op
import sqlalchemy as sa

# The audit log refuses UPDATE and DELETE at the database level too (the chain detects what
# someone with the database's owner rights does anyway).
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
POSTGRESQL_TRIGGERS = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]


revision = '662a489d9618'
down_revision = '4f349b280efa'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    stored = sum(bind.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()
                 for table in ("blobs", "submission_defs", "app_users"))
    if stored:
        raise RuntimeError("This database was made before encryption at rest and holds plaintext data that "
                           "cannot be converted. It can only be a development copy: remove it (and the "
                           "instance folder) and run 'make run' again.")
    op.create_table('data_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kek_id', sa.String(length=20), nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('data', 'index', 'audit')", name=op.f('ck_data_keys_purpose')),
    sa.CheckConstraint("status IN ('active', 'retiring', 'retired')", name=op.f('ck_data_keys_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_keys')),
    sa.UniqueConstraint('scope', 'purpose', 'version', name=op.f('uq_data_keys_scope'))
    )
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address_mac', sa.String(length=64), nullable=False),
    sa.Column('email_mac', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_address_mac'), ['address_mac'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_email_mac'), ['email_mac'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('target', sa.String(length=300), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_mac', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_audit_log_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('mac', name=op.f('uq_audit_log_mac'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)

    op.create_table('project_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_access_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_project_access_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_access')),
    sa.UniqueConstraint('user_id', 'project_id', name=op.f('uq_project_access_user_id'))
    )
    with op.batch_alter_table('project_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_access_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('app_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_sealed', sa.LargeBinary(), nullable=True))
        batch_op.drop_column('token')

    with op.batch_alter_table('blobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('path', sa.String(length=80), nullable=False))
        batch_op.add_column(sa.Column('digest', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=False))
        batch_op.alter_column('md5',
               existing_type=sa.VARCHAR(length=32),
               nullable=True)
        batch_op.drop_constraint(batch_op.f('uq_blobs_sha256'), type_='unique')
        batch_op.create_index(batch_op.f('ix_blobs_project_id'), ['project_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_blobs_path'), ['path'])
        batch_op.create_foreign_key(batch_op.f('fk_blobs_project_id_projects'), 'projects', ['project_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_column('sha256')

    with op.batch_alter_table('form_defs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_classes', sa.JSON(), nullable=False))

    with op.batch_alter_table('submission_defs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xml_digest', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('values', sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column('sealed_values', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('index_values', sa.JSON(), nullable=False))
        batch_op.drop_column('instance_name')
        batch_op.drop_column('xml_sha256')

    for statement in POSTGRESQL_TRIGGERS if bind.dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    with op.batch_alter_table('submission_defs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xml_sha256', sa.VARCHAR(length=64), nullable=False))
        batch_op.add_column(sa.Column('instance_name', sa.VARCHAR(length=500), nullable=True))
        batch_op.drop_column('index_values')
        batch_op.drop_column('sealed_values')
        batch_op.drop_column('values')
        batch_op.drop_column('xml_digest')

    with op.batch_alter_table('form_defs', schema=None) as batch_op:
        batch_op.drop_column('field_classes')

    with op.batch_alter_table('blobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sha256', sa.VARCHAR(length=64), nullable=False))
        batch_op.drop_constraint(batch_op.f('fk_blobs_project_id_projects'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_blobs_path'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_blobs_project_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_blobs_sha256'), ['sha256'])
        batch_op.alter_column('md5',
               existing_type=sa.VARCHAR(length=32),
               nullable=False)
        batch_op.drop_column('created_at')
        batch_op.drop_column('digest')
        batch_op.drop_column('path')
        batch_op.drop_column('project_id')

    with op.batch_alter_table('app_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.VARCHAR(length=64), nullable=True))
        batch_op.drop_column('token_sealed')

    with op.batch_alter_table('project_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_access_project_id'))

    op.drop_table('project_access')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_email_mac'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_address_mac'))

    op.drop_table('login_attempts')
    op.drop_table('data_keys')
