"""联学共建 as the partner groups see it: the announcement there (a live roll, edited by
`jobs.sessions.RollJob`), the line naming the host and partners under every announcement's header,
the news of an edit, a cancel or a partner's withdrawal, and the host's invite picker.

Its callback actions are the sessions feature's (`views.sessions.Act.JOINT_*`): joint study is part of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.context import BotState
from bot.i18n import t
from bot.notify import group_lang
from models.joint import Removed, SessionPartner, partner_units, takes_partners
from models.outbox import Outbox, OutboxIn, OutboxState, enqueue
from models.sessions import StudySession, roll
from models.units import Unit
from views.base import Renderer, as_dict
from views.sessions import Act, announcement_markup, announcement_text, first_parts, session_params

UNITS_SHOWN = 30  # a page of the invite picker


async def joint_part(session: AsyncSession, lang: str, ses: StudySession) -> str | None:
    """Under the header of a joint session with partners: who hosts it and who joins."""
    if not takes_partners(ses.kind):
        return None
    partners = await partner_units(session, session_id=ses.id)
    if not partners:
        return None
    host = await session.get(Unit, ses.unit_id)
    return t(lang, "joint.part", host=host.name, partners=t(lang, "sessions.name_sep").join(u.name for u in partners))


async def announce_to_partner(
    session: AsyncSession, state: BotState, *, ses: StudySession, partner: SessionPartner, unit: Unit, now: datetime,
) -> None:
    """Post the joint session to a partner's group (through the outbox); that message is its roll there."""
    lang = group_lang(state, unit)
    # Keyed by the invitation, so a unit taken off and invited again gets a new announcement.
    key = f"ses:{ses.id}:announce:u{unit.id}:{partner.created_at:%Y%m%d%H%M%S%f}"
    text = announcement_text(lang, ses, unit, await roll(session, session_id=ses.id),
                             await first_parts(session, state, lang, ses))
    await enqueue(session, items=[OutboxIn(
        dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind="ses_announce", due_at=now,
        text=text,
        markup=as_dict(announcement_markup(Renderer(lang, state.codec), ses, panel=Act.JOINT_PANEL)),
    )], now=now)
    partner.announce_outbox_id = await session.scalar(select(Outbox.id).where(Outbox.dedupe_key == key))
    partner.roll_shown = ses.roll_version


async def withdraw_from_partner(
    session: AsyncSession, state: BotState, *, ses: StudySession, removed: Removed, now: datetime,
) -> None:
    """A partner taken off the session: its group is told, and the announcement there stops being a
    roll (its buttons go); one not yet sent is never sent."""
    unit = removed.unit
    lang = group_lang(state, unit)
    host = await session.get(Unit, ses.unit_id)
    params = {**session_params(lang, ses, unit), "host": host.name}
    stamp = f"{now:%Y%m%d%H%M%S%f}"
    items = [OutboxIn(dedupe_key=f"ses:{ses.id}:withdrawn:u{unit.id}:{stamp}", chat_id=unit.chat_id, unit_id=unit.id,
                      kind="ses_edit", due_at=now, text=t(lang, "joint.withdrawn_group", **params))]
    # Whatever of the roll there is still waiting (the announcement, an edit) is never sent.
    waiting = [i for i in (removed.announce_outbox_id, removed.roll_outbox_id) if i is not None]
    if waiting:
        await session.execute(delete(Outbox).where(Outbox.id.in_(waiting), Outbox.state == OutboxState.pending)
                              .execution_options(synchronize_session=False))
    announced = await session.get(Outbox, removed.announce_outbox_id) if removed.announce_outbox_id else None
    if announced is not None and announced.message_id is not None:
        items.append(OutboxIn(dedupe_key=f"ses:{ses.id}:withdrawn:u{unit.id}:{stamp}:roll", chat_id=unit.chat_id,
                              unit_id=unit.id, kind="ses_roll", due_at=now, edit_message_id=announced.message_id,
                              text=t(lang, "joint.withdrawn_roll", **params)))
    await enqueue(session, items=items, now=now)


async def tell_partners(
    session: AsyncSession, state: BotState, *, ses: StudySession, now: datetime, tag: str, kind: str, key: str,
    texts: dict[str, str] | None = None, **params: object,
) -> int:
    """A change of a joint session (edit, cancel) to each partner group; members hear it privately
    from `jobs.sessions.tell_members`, since they are on the roll. `texts`: parameters given as catalog
    keys, put in each group's language."""
    items = []
    for unit in await partner_units(session, session_id=ses.id):
        lang = group_lang(state, unit)
        values = {**params, **{k: t(lang, v) for k, v in (texts or {}).items()}}
        items.append(OutboxIn(dedupe_key=f"ses:{ses.id}:{tag}:u{unit.id}", chat_id=unit.chat_id, unit_id=unit.id,
                              kind=kind, due_at=now, text=t(lang, f"{key}_group", **session_params(lang, ses, unit), **values)))
    return await enqueue(session, items=items, now=now) if items else 0


def invite_markup(r: Renderer, ses: StudySession) -> InlineKeyboardMarkup | None:
    """Under a joint session's confirmation: the button that lists units to invite."""
    if not takes_partners(ses.kind):
        return None
    return InlineKeyboardMarkup([[r.button("joint.btn_invite", Act.JOINT_UNITS, ses.id)]])


def units_page(r: Renderer, ses: StudySession, units: list[Unit], page: int) -> InlineKeyboardMarkup:
    """A page of the units that may still be invited (`units`: up to one more than a page, to know if
    another follows), one button each."""
    lines = [[r.button("=" + u.name[:40], Act.JOINT_INVITE, ses.id, u.id)] for u in units[:UNITS_SHOWN]]
    nav = []
    if page > 0:
        nav.append(r.button("sessions.btn_prev", Act.JOINT_UNITS, ses.id, page - 1))
    if len(units) > UNITS_SHOWN:
        nav.append(r.button("sessions.btn_next", Act.JOINT_UNITS, ses.id, page + 1))
    if nav:
        lines.append(nav)
    return InlineKeyboardMarkup(lines)
