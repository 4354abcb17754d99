"""联学共建 (part of the sessions feature): inviting partner units, a partner's panel and leave
decisions, the partner line under every announcement and the close's summary in partner groups."""

from __future__ import annotations

from bot.features.base import Feature
from handlers.base import Button
from handlers.sessions import joint, leave, panel
from jobs.joint import joint_closed
from views.joint import joint_part
from views.sessions import Act

FEATURE = Feature(
    name="joint",
    buttons={
        Act.JOINT_UNITS: Button(joint.on_list_units, admin=True),
        Act.JOINT_INVITE: Button(joint.on_invite, admin=True),
        Act.JOINT_PANEL: Button(panel.on_partner_panel, admin=True),
        Act.JOINT_LEAVE_APPROVE: Button(leave.on_partner_leave_approve, admin=True),
        Act.JOINT_LEAVE_REJECT: Button(leave.on_partner_leave_reject, admin=True),
    },
    close_hooks=(joint_closed,),
    announcement_parts=(joint_part,),
)
