"""联学共建 on the clock: the close's summary in every partner group (a close hook). Reminders and nudges
for partner groups are planned by `jobs.sessions.plan_sessions`; their texts are views (views/joint.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotState
from jobs.planner import Window, split_late
from bot.notify import group_lang
from views.sessions import summary_text
from models.joint import partner_rows
from models.outbox import OutboxIn
from models.sessions import Closed, roll
from models.units import Unit


async def joint_closed(session: AsyncSession, state: BotState, window: Window, closed: Closed,
                       unit: Unit) -> list[OutboxIn]:
    """The close's summary in every partner group too (the host's is sent by jobs.sessions)."""
    ses = closed.session
    partners = await partner_rows(session, session_id=ses.id)
    if not partners or not split_late(window, [ses.closes_at], f"partner summaries of session {ses.id}", unit_id=unit.id):
        return []
    rows = await roll(session, session_id=ses.id)
    return [OutboxIn(dedupe_key=f"ses:{ses.id}:close:u{u.id}", chat_id=u.chat_id, unit_id=u.id, kind="ses_close",
                     due_at=window.now, text=summary_text(group_lang(state, u), closed, u, rows))
            for _, u in partners]


