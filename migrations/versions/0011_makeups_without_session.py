"""补学 items without a session (ordered by the quarterly bulletin): makeups.session_id and reason
nullable; title (what to make up) and origin (the bulletin that ordered it, unique per person)

Revision ID: 0011
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

STATUS = sa.Enum('pending', 'present', 'late', 'leave_asked', 'leave_approved', 'leave_rejected', 'absent',
                 name='status', native_enum=False, create_constraint=True, length=16)
BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('makeups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('origin', sa.String(length=64), nullable=True))
        batch_op.alter_column('session_id', existing_type=BIG, nullable=True)
        batch_op.alter_column('reason', existing_type=STATUS, nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_makeups_origin_person_id'), ['origin', 'person_id'])


def downgrade() -> None:
    op.execute("DELETE FROM makeups WHERE session_id IS NULL")
    with op.batch_alter_table('makeups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_makeups_origin_person_id'), type_='unique')
        batch_op.alter_column('reason', existing_type=STATUS, nullable=False)
        batch_op.alter_column('session_id', existing_type=BIG, nullable=False)
        batch_op.drop_column('origin')
        batch_op.drop_column('title')
