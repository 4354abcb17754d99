"""partner units of joint study sessions (联学共建)

Revision ID: 0013
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'session_partners',
        sa.Column('id', ID, nullable=False),
        sa.Column('session_id', ID, nullable=False),
        sa.Column('unit_id', ID, nullable=False),
        sa.Column('invited_by_id', ID, nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('announce_outbox_id', sa.BigInteger(), nullable=True),
        sa.Column('roll_outbox_id', sa.BigInteger(), nullable=True),
        sa.Column('roll_shown', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['study_sessions.id'],
                                name=op.f('fk_session_partners_session_id_study_sessions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_session_partners_unit_id_units'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['people.id'],
                                name=op.f('fk_session_partners_invited_by_id_people'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_partners')),
        sa.UniqueConstraint('session_id', 'unit_id', name=op.f('uq_session_partners_session_id_unit_id')),
    )
    with op.batch_alter_table('session_partners', schema=None) as batch_op:
        batch_op.create_index('ix_session_partners_unit_id', ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('session_partners', schema=None) as batch_op:
        batch_op.drop_index('ix_session_partners_unit_id')
    op.drop_table('session_partners')
