"""The units feature (binding a group, joining it, following who is in it): everything it plugs in."""

from __future__ import annotations

from telegram.ext import ChatMemberHandler

from bot.features.base import Feature
from handlers import units as h
from handlers.base import Button, Command
from views.units import Act, Ask

FEATURE = Feature(
    name="units",
    commands=(
        Command("join", h.cmd_join, private=False, group=True),
        Command("bind", h.cmd_bind, private=False, group=True, admin=True),
    ),
    buttons={
        Act.BIND_KIND: Button(h.on_bind_kind, admin=True),
        Act.RENAME: Button(h.on_rename, admin=True),
        Act.PARENT_MENU: Button(h.on_parent_menu, admin=True),
        Act.PARENT_PICK: Button(h.on_parent_pick, admin=True),
        Act.JOIN: Button(h.on_join_button),
    },
    prompts={Ask.RENAME: h.answer_rename},
    update_handlers=(
        ChatMemberHandler(h.on_chat_member, ChatMemberHandler.CHAT_MEMBER),
        ChatMemberHandler(h.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
    ),
)
