"""The demo organisation: a 机关党委 with two 党支部 and a 青年理论学习小组, and the people in them.

Fixed ids, so a restart without --fresh finds the same chats and people in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A local, fixed token for the embedded stand-in: not a secret, never sent anywhere else.
TOKEN = "700000001:playground-local-not-a-secret"
BOT_ID = 700000001
BOT_USERNAME = "wuxue_playground_bot"
BOT_NAME = "五学联动助手"
TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    chat_id: int
    title: str
    kind: str  # models.units.UnitKind value
    parent: str | None


@dataclass(frozen=True, slots=True)
class Persona:
    key: str
    tg_id: int
    name: str
    username: str
    role_zh: str
    role_en: str
    admin_of: tuple[str, ...]  # group keys where this person is the secretary (Telegram admin, unit admin)
    member_of: tuple[str, ...]
    youth: bool = False


GROUPS: tuple[Group, ...] = (
    Group("jg", -1009000000001, "机关党委", "supervise", None),
    Group("b1", -1009000000002, "第一党支部", "research", "jg"),
    Group("b2", -1009000000003, "第二党支部", "research", "jg"),
    Group("qn", -1009000000004, "青年理论学习小组", "promote", "jg"),
)

PERSONAS: tuple[Persona, ...] = (
    Persona("liming", 90001, "李明", "liming", "第一党支部书记", "Secretary, 1st branch", ("b1",), ("jg",)),
    Persona("wangfang", 90002, "王芳", "wangfang", "党员（第一党支部）", "Member, 1st branch", (), ("b1",)),
    Persona("liuyang", 90003, "刘洋", "liuyang", "青年党员", "Young member", (), ("b1", "qn"), youth=True),
    Persona("chenjing", 90004, "陈静", "chenjing", "党员（第一党支部）", "Member, 1st branch", (), ("b1",)),
    Persona("yangfan", 90005, "杨帆", "yangfan", "党员（第一党支部）", "Member, 1st branch", (), ("b1",)),
    Persona("zhangjg", 90006, "张建国", "zhangjianguo", "机关党委书记", "Secretary, Party committee",
            ("jg",), ()),
    Persona("zhaolei", 90007, "赵磊", "zhaolei", "第二党支部书记", "Secretary, 2nd branch", ("b2",), ("jg",)),
    Persona("huangli", 90008, "黄丽", "huangli", "党员（第二党支部）", "Member, 2nd branch", (), ("b2",)),
    Persona("zhouqiang", 90009, "周强", "zhouqiang", "党员（第二党支部）", "Member, 2nd branch", (), ("b2",)),
    Persona("wumin", 90010, "吴敏", "wumin", "青年党员", "Young member", (), ("b2", "qn"), youth=True),
    Persona("sunyue", 90011, "孙悦", "sunyue", "青年理论学习小组组长", "Youth group leader", ("qn",), ("b2",),
            youth=True),
    Persona("zhenghao", 90012, "郑浩", "zhenghao", "青年（入党积极分子）", "Youth (applicant)", (), ("qn",),
            youth=True),
)

GROUP = {g.key: g for g in GROUPS}
PERSONA = {p.key: p for p in PERSONAS}
BY_TG_ID = {p.tg_id: p for p in PERSONAS}


def members(group_key: str) -> list[Persona]:
    return [p for p in PERSONAS if group_key in p.admin_of or group_key in p.member_of]


def secretary(group_key: str) -> Persona:
    return next(p for p in PERSONAS if group_key in p.admin_of)


def tg_user(p: Persona) -> dict:
    return {"id": p.tg_id, "is_bot": False, "first_name": p.name, "username": p.username, "language_code": "zh"}
