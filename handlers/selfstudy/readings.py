"""/readings: my reading list with progress, marking one read; admins: /readings add [层级] 《…》,
/readings del N, /readings all."""

from __future__ import annotations

from telegram import Update

from bot.admins import admin_only
from bot.callbacks import Callback
from bot.context import Ctx, handler
from handlers.common import in_private
from handlers.selfstudy.common import after, need_unit_here
from models import selfstudy as ss
from models.errors import DomainError
from models.units import Person, Rank, Unit, ancestor_ids
from views.selfstudy import plan as v

TIER_WORDS = {"全体": Rank.member, "全体党员": Rank.member, "all": Rank.member, "领导干部": Rank.chief,
              "干部": Rank.chief, "chief": Rank.chief, "主要负责人": Rank.head, "负责人": Rank.head, "head": Rank.head}


async def _my_readings(ctx: Ctx, person: Person, unit: Unit | None) -> tuple[list[ss.Reading], dict]:
    """The readings that apply to the person (in one unit, or all theirs): their units' and the units
    above them, up to their rank there."""
    memberships = [(u, m) for u, m in await ctx.person_units(person) if unit is None or u.id == unit.id]
    seen: dict[int, ss.Reading] = {}
    for u, m in memberships:
        ids = [u.id, *await ancestor_ids(ctx.session, unit_id=u.id)]
        for r in await ss.readings_for(ctx.session, unit_ids=ids, rank=m.rank):
            seen[r.id] = r
    listed = sorted(seen.values(), key=lambda r: r.id)
    return listed, await ss.read_ids(ctx.session, person_id=person.id, reading_ids=list(seen))


@handler
async def cmd_readings(update: Update, ctx: Ctx) -> None:
    """/readings: my reading list with progress; admins: /readings add [层级] 《…》, /readings del N."""
    words = (update.effective_message.text or "").split()
    sub = words[1].lower() if len(words) > 1 else ""
    if sub in ("add", "添加"):
        await _readings_add(update, ctx)
        return
    if sub in ("del", "删除"):
        await _readings_del(update, ctx)
        return
    if sub in ("all", "全部"):
        await _readings_all(update, ctx)
        return
    need_unit_here(update, ctx)
    listed, read = await _my_readings(ctx, ctx.person, ctx.unit)
    text, markup = v.readings(ctx.view, ctx.person, listed, read)
    ctx.reply_text(text, markup=markup)


@admin_only
async def _readings_add(update: Update, ctx: Ctx) -> None:
    raw = after(update.effective_message.text or "", 2)
    head = raw.split(maxsplit=1)
    tier = Rank.member
    if head and head[0].lower() in TIER_WORDS:
        tier = TIER_WORDS[head[0].lower()]
        raw = head[1] if len(head) > 1 else ""
    added = await ss.add_reading(ctx.session, unit=ctx.unit, tier=tier, raw=raw, by=ctx.person, now=ctx.now)
    ctx.reply("readings.added", count=len(added), tier=ctx.t(f"readings.tier.{tier.value}"),
              titles="、".join(r.title for r in added))


@admin_only
async def _readings_del(update: Update, ctx: Ctx) -> None:
    words = (update.effective_message.text or "").split()[2:]
    if len(words) != 1 or not words[0].lstrip("#").isdigit():
        raise DomainError("readings.del_usage")
    reading = await ss.archive_reading(ctx.session, unit=ctx.unit, reading_id=int(words[0].lstrip("#")), now=ctx.now)
    ctx.reply("readings.deleted", title=reading.title)


@admin_only
async def _readings_all(update: Update, ctx: Ctx) -> None:
    listed = await ss.readings_for(ctx.session, unit_ids=[ctx.unit.id], rank=None)
    ctx.reply_text(v.readings_all(ctx.view, ctx.unit, listed))


async def on_read(update: Update, ctx: Ctx, cb: Callback) -> None:
    listed, read = await _my_readings(ctx, ctx.person, None)
    reading = next((r for r in listed if r.id == cb.int_arg(0)), None)
    if reading is None:
        raise DomainError("readings.not_yours")
    newly = await ss.mark_read(ctx.session, reading=reading, person=ctx.person, now=ctx.now)
    read[reading.id] = ctx.now
    ctx.answer = (ctx.t("readings.marked" if newly else "readings.already", title=reading.title[:60],
                        done=len(read), total=len(listed)), False)
    if in_private(update):
        text, markup = v.readings(ctx.view, ctx.person, listed, read)
        ctx.edit_text(text, markup=markup)
