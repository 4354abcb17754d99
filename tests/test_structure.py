"""The shape rules of ARCHITECTURE.md, checked: handlers never talk to Telegram themselves (replies,
questions and files go through the update's queue and are sent after the commit), and the app does
the same whatever order its modules are imported in."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What sends, edits or deletes through PTB: Bot methods and the shortcuts on Message and CallbackQuery.
SENDING = {
    "send_message", "send_photo", "send_document", "send_poll", "send_media_group", "send_chat_action",
    "edit_message_text", "edit_message_reply_markup", "edit_message_caption", "delete_message",
    "delete_messages", "copy_message", "forward_message", "pin_chat_message", "set_message_reaction",
    "stop_poll", "answer_callback_query", "reply_text", "reply_html", "reply_photo", "reply_document",
    "reply_markdown", "edit_text", "edit_reply_markup", "edit_caption", "set_reaction", "answer",
}
QUEUE_OWNER = "ctx"  # ctx.reply_text / ctx.reply_photo / ctx.reply_document queue, they do not send


def sends_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SENDING:
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id == QUEUE_OWNER:
                continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}(…)")
    return found


def test_handlers_never_send_themselves():
    offenders = [hit for path in sorted((ROOT / "handlers").rglob("*.py")) for hit in sends_in(path)]
    assert offenders == []


def test_the_check_finds_a_planted_send(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("async def h(update, ctx):\n    await ctx.bot.send_message(1, 'x')\n"
                       "    await update.effective_message.reply_text('y')\n    ctx.reply_text('queued')\n")
    hits = sorted(h.split(" ", 1)[1] for h in sends_in(planted.rename(ROOT / "handlers" / "_planted_tmp.py")
                                                       and ROOT / "handlers" / "_planted_tmp.py"))
    (ROOT / "handlers" / "_planted_tmp.py").unlink()
    assert hits == [".reply_text(…)", ".send_message(…)"]


SIGNATURE = r'''
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
from bot.app import build_application
from bot.settings import Settings
app = build_application(Settings(telegram={"token": "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"}))
f = app.bot_data.features
q = lambda fn: f"{fn.__module__}.{getattr(fn, '__qualname__', type(fn).__name__)}"
print(json.dumps({
    "handlers": [[type(h).__name__, sorted(getattr(h, "commands", []) or [])] for h in app.handlers[0]],
    "commands": [[c.name, c.private, c.group, c.admin] for c in f.commands],
    "buttons": sorted([k, b.admin, q(b.fn)] for k, b in f.buttons.items()),
    "prompts": sorted([k, q(v)] for k, v in f.prompts.items()),
    "words": [w.pattern.pattern for w in f.words],
    "inputs": [q(i) for i in f.inputs],
    "settings": [s.key for s in f.settings],
    "me": [q(s) for s in f.me_sections] + [q(s) for s in f.me_figures],
    "planners": [n for n, _ in app.bot_data.planners.planners],
    "close_hooks": [q(h) for h in f.close_hooks],
    "announcement_parts": [q(p) for p in f.announcement_parts],
    "after_sent": sorted(f.after_sent),
}, sort_keys=True))
'''


def _modules() -> list[str]:
    names = []
    for layer in ("handlers", "jobs", "views", "bot/features", "models", "fakebot", "playground"):
        base = ROOT / layer
        if not base.exists():
            continue
        for path in sorted(base.rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _signature(order: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", SIGNATURE, *order], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_import_order_changes_nothing():
    modules = _modules()
    baseline = _signature([])
    assert len(baseline["commands"]) >= 30 and baseline["planners"] and baseline["close_hooks"]
    for seed in (1, 2, 3):
        order = modules[:]
        random.Random(seed).shuffle(order)
        assert _signature(order) == baseline, f"importing in order seed={seed} changed the app"


def test_the_layer_rules_hold():
    """The import-linter contracts in pyproject.toml (models know nothing of Telegram or the layers
    above; handlers and jobs never import each other; views import neither; features never import
    each other's handlers; no cycles between sibling modules)."""
    linter = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout
