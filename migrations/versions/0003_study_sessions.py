"""study sessions, attendances, makeups, session drafts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:21:27.525691
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('study_sessions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('lead_study', 'lead_seminar', 'member_meeting', 'committee', 'group_meeting', 'lecture', 'theme_day', 'life_meeting', 'youth_study', 'joint_study', 'reading_class', name='sessionkind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('tier', sa.Enum('lead', 'supervise', 'research', 'promote', name='unitkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('presenter', sa.String(length=64), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('scheduled', 'closed', 'cancelled', name='sessionstate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('announce_outbox_id', sa.BigInteger(), nullable=True),
    sa.Column('roll_outbox_id', sa.BigInteger(), nullable=True),
    sa.Column('roll_version', sa.Integer(), nullable=False),
    sa.Column('roll_shown', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_study_sessions_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_study_sessions_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_sessions'))
    )
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_study_sessions_state_starts_at', ['state', 'starts_at'], unique=False)
        batch_op.create_index('ix_study_sessions_unit_id_starts_at', ['unit_id', 'starts_at'], unique=False)

    op.create_table('attendances',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('expected', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'present', 'late', 'leave_asked', 'leave_approved', 'leave_rejected', 'absent', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('via', sa.Enum('button', 'command', 'word', 'proxy', 'makeup', name='via', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('leave_reason', sa.String(length=200), nullable=True),
    sa.Column('leave_decided_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('leave_decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('proxy_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('proxy_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('proxy_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['leave_decided_by_id'], ['people.id'], name=op.f('fk_attendances_leave_decided_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_attendances_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proxy_by_id'], ['people.id'], name=op.f('fk_attendances_proxy_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['study_sessions.id'], name=op.f('fk_attendances_session_id_study_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('session_id', 'person_id', name=op.f('uq_attendances_session_id_person_id'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendances_person_id'), ['person_id'], unique=False)

    op.create_table('makeups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.Enum('pending', 'present', 'late', 'leave_asked', 'leave_approved', 'leave_rejected', 'absent', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('state', sa.Enum('open', 'done', 'waived', name='makeupstate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['people.id'], name=op.f('fk_makeups_done_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_makeups_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['study_sessions.id'], name=op.f('fk_makeups_session_id_study_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_makeups_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_makeups')),
    sa.UniqueConstraint('session_id', 'person_id', name=op.f('uq_makeups_session_id_person_id'))
    )
    with op.batch_alter_table('makeups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_makeups_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_makeups_state_due_at', ['state', 'due_at'], unique=False)

    op.create_table('session_drafts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_session_drafts_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['study_sessions.id'], name=op.f('fk_session_drafts_session_id_study_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_session_drafts_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_drafts')),
    sa.UniqueConstraint('unit_id', 'person_id', name=op.f('uq_session_drafts_unit_id_person_id'))
    )


def downgrade() -> None:
    op.drop_table('session_drafts')
    with op.batch_alter_table('makeups', schema=None) as batch_op:
        batch_op.drop_index('ix_makeups_state_due_at')
        batch_op.drop_index(batch_op.f('ix_makeups_person_id'))

    op.drop_table('makeups')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendances_person_id'))

    op.drop_table('attendances')
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_study_sessions_unit_id_starts_at')
        batch_op.drop_index('ix_study_sessions_state_starts_at')

    op.drop_table('study_sessions')
