"""reflections, reviews, study notes

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-22 04:13:04.299077
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('note_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('requested_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('state', sa.Enum('open', 'done', name='notestate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('collecting_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_note_requests_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['people.id'], name=op.f('fk_note_requests_requested_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_note_requests_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_requests'))
    )
    with op.batch_alter_table('note_requests', schema=None) as batch_op:
        batch_op.create_index('ix_note_requests_unit_id_person_id', ['unit_id', 'person_id'], unique=False)

    op.create_table('reflections',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_ref', sa.BigInteger(), nullable=True),
    sa.Column('subject_title', sa.String(length=200), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'approved', name='reflectionstate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('chars', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('excellent', 'good', 'pass', name='grade', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('showcase', sa.Enum('asked', 'named', 'anonymous', 'declined', name='showcase', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('reviewed_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('active_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('showcased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reflections_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['people.id'], name=op.f('fk_reflections_reviewed_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_reflections_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflections'))
    )
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.create_index('ix_reflections_person_id_state', ['person_id', 'state'], unique=False)
        batch_op.create_index('ix_reflections_unit_id_state', ['unit_id', 'state'], unique=False)

    op.create_table('note_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('request_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_id', sa.String(length=255), nullable=True),
    sa.Column('file_unique_id', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('mime_type', sa.String(length=128), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['note_requests.id'], name=op.f('fk_note_items_request_id_note_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_items'))
    )
    with op.batch_alter_table('note_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_items_request_id'), ['request_id'], unique=False)

    op.create_table('reflection_files',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reflection_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_id', sa.String(length=255), nullable=True),
    sa.Column('file_unique_id', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('mime_type', sa.String(length=128), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['reflection_id'], ['reflections.id'], name=op.f('fk_reflection_files_reflection_id_reflections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection_files'))
    )
    with op.batch_alter_table('reflection_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflection_files_reflection_id'), ['reflection_id'], unique=False)

    op.create_table('reflection_parts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reflection_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reflection_id'], ['reflections.id'], name=op.f('fk_reflection_parts_reflection_id_reflections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection_parts'))
    )
    with op.batch_alter_table('reflection_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflection_parts_reflection_id'), ['reflection_id'], unique=False)

    op.create_table('reflection_reviews',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reflection_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reviewer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'approved', name='reflectionstate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('grade', sa.Enum('excellent', 'good', 'pass', name='grade', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reflection_id'], ['reflections.id'], name=op.f('fk_reflection_reviews_reflection_id_reflections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['people.id'], name=op.f('fk_reflection_reviews_reviewer_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection_reviews'))
    )
    with op.batch_alter_table('reflection_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflection_reviews_reflection_id'), ['reflection_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reflection_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflection_reviews_reflection_id'))

    op.drop_table('reflection_reviews')
    with op.batch_alter_table('reflection_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflection_parts_reflection_id'))

    op.drop_table('reflection_parts')
    with op.batch_alter_table('reflection_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflection_files_reflection_id'))

    op.drop_table('reflection_files')
    with op.batch_alter_table('note_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_items_request_id'))

    op.drop_table('note_items')
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_index('ix_reflections_unit_id_state')
        batch_op.drop_index('ix_reflections_person_id_state')

    op.drop_table('reflections')
    with op.batch_alter_table('note_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_note_requests_unit_id_person_id')

    op.drop_table('note_requests')
