"""督学: task lists (task_lists, task_items, task_done), the rectification ledger (rectifications,
rectification_progress); outbox rows may carry a document (file_name, file_data)

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-22 05:24:08.912209
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rectifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('lead', sa.String(length=64), nullable=False),
    sa.Column('responsible_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('open', 'closed', name='rectstate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_rectifications_created_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['responsible_id'], ['units.id'], name=op.f('fk_rectifications_responsible_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_rectifications_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectifications'))
    )
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectifications_unit_id'), ['unit_id'], unique=False)

    op.create_table('task_lists',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_task_lists_created_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_task_lists_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_lists')),
    sa.UniqueConstraint('unit_id', 'month', name=op.f('uq_task_lists_unit_id_month'))
    )
    op.create_table('rectification_progress',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rect_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_rectification_progress_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rect_id'], ['rectifications.id'], name=op.f('fk_rectification_progress_rect_id_rectifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_progress'))
    )
    with op.batch_alter_table('rectification_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_progress_rect_id'), ['rect_id'], unique=False)

    op.create_table('task_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('list_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['task_lists.id'], name=op.f('fk_task_items_list_id_task_lists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_items'))
    )
    with op.batch_alter_table('task_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_items_list_id'), ['list_id'], unique=False)

    op.create_table('task_done',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('done_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['done_by'], ['people.id'], name=op.f('fk_task_done_done_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['task_items.id'], name=op.f('fk_task_done_item_id_task_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['study_sessions.id'], name=op.f('fk_task_done_session_id_study_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_task_done_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_done')),
    sa.UniqueConstraint('item_id', 'unit_id', name=op.f('uq_task_done_item_id_unit_id'))
    )
    with op.batch_alter_table('task_done', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_done_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('file_data', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('file_data')
        batch_op.drop_column('file_name')

    with op.batch_alter_table('task_done', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_done_unit_id'))

    op.drop_table('task_done')
    with op.batch_alter_table('task_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_items_list_id'))

    op.drop_table('task_items')
    with op.batch_alter_table('rectification_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_progress_rect_id'))

    op.drop_table('rectification_progress')
    op.drop_table('task_lists')
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectifications_unit_id'))

    op.drop_table('rectifications')
