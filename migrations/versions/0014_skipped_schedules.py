"""scheduled messages skipped while the bot was down past the catch-up window

Revision ID: 0014
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'skipped_schedules',
        sa.Column('id', ID, nullable=False),
        sa.Column('unit_id', ID, nullable=True),
        sa.Column('what', sa.String(length=200), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('told_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_skipped_schedules_unit_id_units'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_skipped_schedules')),
    )
    with op.batch_alter_table('skipped_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skipped_schedules_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('skipped_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skipped_schedules_unit_id'))
    op.drop_table('skipped_schedules')
