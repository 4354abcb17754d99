"""The joint feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import joint as h
from jobs.joint import joint_closed
from views.joint import joint_part

FEATURE = Feature(
    name="joint",
    buttons=h.BUTTONS,
    close_hooks=(joint_closed,),
    announcement_parts=(joint_part,),
)
