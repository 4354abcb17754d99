"""first agenda items

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 05:13:47.818088
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agenda_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('source_text', sa.Text(), nullable=True),
    sa.Column('category', sa.Enum('national', 'provincial', 'sector', 'city', name='category', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('study_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('to_below', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'open', 'closed', name='itemstate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_agenda_items_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_agenda_items_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items'))
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index('ix_agenda_items_state_study_by', ['state', 'study_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_unit_id'), ['unit_id'], unique=False)

    op.create_table('agenda_followups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reflection_id', sa.BigInteger(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'], name=op.f('fk_agenda_followups_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_agenda_followups_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['study_sessions.id'], name=op.f('fk_agenda_followups_session_id_study_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_agenda_followups_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_followups')),
    sa.UniqueConstraint('item_id', 'person_id', name=op.f('uq_agenda_followups_item_id_person_id'))
    )
    with op.batch_alter_table('agenda_followups', schema=None) as batch_op:
        batch_op.create_index('ix_agenda_followups_due_at', ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_followups_person_id'), ['person_id'], unique=False)

    op.create_table('agenda_measures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('draft', 'open', 'done', name='measurestate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('progress', sa.String(length=500), nullable=True),
    sa.Column('progress_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_agenda_measures_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'], name=op.f('fk_agenda_measures_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['people.id'], name=op.f('fk_agenda_measures_owner_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_agenda_measures_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_measures'))
    )
    with op.batch_alter_table('agenda_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_measures_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_measures_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_agenda_measures_state_deadline', ['state', 'deadline'], unique=False)

    op.create_table('agenda_sessions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('followups_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'], name=op.f('fk_agenda_sessions_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['study_sessions.id'], name=op.f('fk_agenda_sessions_session_id_study_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_sessions')),
    sa.UniqueConstraint('session_id', 'item_id', name=op.f('uq_agenda_sessions_session_id_item_id'))
    )
    with op.batch_alter_table('agenda_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_sessions_item_id'), ['item_id'], unique=False)

    op.create_table('agenda_studies',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('studied_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'], name=op.f('fk_agenda_studies_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_agenda_studies_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_agenda_studies_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_studies')),
    sa.UniqueConstraint('item_id', 'person_id', name=op.f('uq_agenda_studies_item_id_person_id'))
    )
    with op.batch_alter_table('agenda_studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_studies_person_id'), ['person_id'], unique=False)

    op.create_table('agenda_targets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'], name=op.f('fk_agenda_targets_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_agenda_targets_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_targets')),
    sa.UniqueConstraint('item_id', 'unit_id', name=op.f('uq_agenda_targets_item_id_unit_id'))
    )
    with op.batch_alter_table('agenda_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_targets_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('agenda_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_targets_unit_id'))

    op.drop_table('agenda_targets')
    with op.batch_alter_table('agenda_studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_studies_person_id'))

    op.drop_table('agenda_studies')
    with op.batch_alter_table('agenda_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_sessions_item_id'))

    op.drop_table('agenda_sessions')
    with op.batch_alter_table('agenda_measures', schema=None) as batch_op:
        batch_op.drop_index('ix_agenda_measures_state_deadline')
        batch_op.drop_index(batch_op.f('ix_agenda_measures_owner_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_measures_item_id'))

    op.drop_table('agenda_measures')
    with op.batch_alter_table('agenda_followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_followups_person_id'))
        batch_op.drop_index('ix_agenda_followups_due_at')

    op.drop_table('agenda_followups')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_items_unit_id'))
        batch_op.drop_index('ix_agenda_items_state_study_by')

    op.drop_table('agenda_items')
