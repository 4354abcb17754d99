"""The sessions feature's callback actions and prompt kinds (joint study included): one name each,
used by the views that make the buttons and by the declaration (bot/features/sessions.py, joint.py)
that maps them to their handlers. The values travel in callback data and prompt rows: never change one."""

from __future__ import annotations

from enum import StrEnum


class Act(StrEnum):
    # members
    CHECKIN = "ses.in"
    LEAVE = "ses.lv"
    # the host's admins: the panel, leave decisions, 代签/补签, who is expected, 补学 done
    PANEL = "ses.pn"
    LEAVE_APPROVE = "ses.la"
    LEAVE_REJECT = "ses.lr"
    PROXY = "ses.px"
    EXPECTED = "ses.ex"
    EXPECTED_TOGGLE = "ses.et"
    MAKEUP_DONE = "mku.ok"
    # the scheduling dialogue (a draft)
    DRAFT_KIND = "sd.k"
    DRAFT_FORM = "sd.f"
    DRAFT_DATE = "sd.d"
    DRAFT_TIME = "sd.t"
    DRAFT_DURATION = "sd.du"
    DRAFT_MENU = "sd.m"
    DRAFT_INPUT = "sd.in"
    DRAFT_PUBLISH = "sd.ok"
    DRAFT_DISCARD = "sd.x"
    # 联学共建: the host invites; a partner's admins see the roll and decide their members' leave
    JOINT_UNITS = "jnt.ls"
    JOINT_INVITE = "jnt.iv"
    JOINT_PANEL = "jnt.pn"
    JOINT_LEAVE_APPROVE = "jnt.la"
    JOINT_LEAVE_REJECT = "jnt.lr"


class Ask(StrEnum):
    """Questions answered by replying (prompt kinds)."""

    LEAVE = "ses.leave"
    PROXY = "ses.proxy"
    DRAFT_TEXT = "sd.text"
