"""an index on study_sessions.local_day (attended sessions as a week's study minutes)

Revision ID: 0012
Revises: 0013
"""

from alembic import op

revision = '0012'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_study_sessions_local_day', ['local_day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_study_sessions_local_day')
