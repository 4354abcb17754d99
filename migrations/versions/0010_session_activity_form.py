"""the activity form of a study session (青年理论学习小组活动: 交流研讨, 读书会…)

Revision ID: 0010
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None

FORMS = ('seminar', 'visit', 'speech', 'business', 'contest', 'volunteer', 'reading')


def upgrade() -> None:
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form', sa.Enum(*FORMS, name='activityform', native_enum=False,
                                                      create_constraint=True, length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.drop_column('form')
