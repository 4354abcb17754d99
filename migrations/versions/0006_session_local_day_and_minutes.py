"""session local day and minutes (so attendance counts as study time in SQL)

Revision ID: 0006
Revises: 0005
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def upgrade() -> None:
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('local_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('minutes', sa.Integer(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT s.id, s.starts_at, s.ends_at, u.timezone FROM study_sessions s JOIN units u ON u.id = s.unit_id"
    )).all()
    for sid, starts, ends, tz in rows:
        starts, ends = _aware(starts), _aware(ends)
        bind.execute(sa.text("UPDATE study_sessions SET local_day = :d, minutes = :m WHERE id = :i"), {
            "d": starts.astimezone(ZoneInfo(tz)).date(), "m": int((ends - starts).total_seconds() // 60), "i": sid,
        })
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.alter_column('local_day', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('minutes', existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.drop_column('minutes')
        batch_op.drop_column('local_day')
