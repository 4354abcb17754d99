"""Catalog lint: the zh texts follow the glossary (bot/locales/glossary.toml, docs/glossary.md), zh and en
stay in step, every key the code names exists and every key is used.

The checks are functions of a locales directory, so the last tests can plant a bad text in a copy of
the catalogs and see the lint report it."""

from __future__ import annotations

import ast
import fnmatch
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from bot.i18n import LOCALES_DIR, _flatten, placeholders

ROOT = Path(__file__).resolve().parents[1]
CODE_FOLDERS = ("bot", "handlers", "jobs", "models", "views", "playground")

# Keys the code builds at run time. Each pattern (fnmatch) names a family of keys and where it is built;
# a key is "used" if the code names it literally or it belongs to one of these families. A pattern no
# code builds any more fails `test_dynamic_families_are_declared_and_live`, as does an undeclared one.
DYNAMIC: dict[str, str] = {
    "cmd.*": "bot/app.py, bot/features/base.py: menus and /help, one per declared command",
    "kind.*": "handlers/units.py: UnitKind value",
    "skind.*": "handlers/sessions.py, jobs/, bot/reports/xlsx.py: SessionKind value",
    "sform.*": "jobs/sessions.py: SessionForm value",
    "sessions.wd.*": "jobs/sessions.py: weekday number",
    "sessions.*_notice": "handlers/sessions.py: proxy/makeup check-in notices",
    "sessions.*_done": "handlers/sessions.py: proxy/makeup check-in acknowledgements",
    "sessions.rel_*": "handlers/sessions.py: 今天/明天/后天 buttons",
    "sessions.step_*": "handlers/sessions.py: the /session dialogue's steps",
    "sessions.ask_*": "handlers/sessions.py: draft field prompts",
    "sessions.placeholder_*": "handlers/sessions.py: draft field placeholders",
    "sessions.changed_*": "handlers/sessions.py: names of changed fields",
    "sessions.state_*": "handlers/sessions.py: SessionState value",
    "sessions.status_*": "handlers/sessions.py: AttendanceStatus value",
    "sessions.mark_*": "jobs/sessions.py: roll marks",
    "sessions.remind_*": "jobs/sessions.py: reminder kind",
    "agenda.cat.*": "jobs/agenda.py, bot/reports/xlsx.py: Category value",
    "agenda.cat_btn.*": "handlers/agenda.py: Category value",
    "agenda.notified.*": "handlers/agenda.py: notice state",
    "agenda.state.*": "handlers/agenda.py: ItemState value",
    "agenda.remind_*_group": "jobs/agenda.py: reminder day and audience",
    "agenda.remind_*_private": "jobs/agenda.py: reminder day and audience",
    "bulletin.title_*": "bot/reports/render.py: period kind",
    "fig.*": "handlers/supervise.py, bot/reports/: figures registered by features",
    "sv.col.*": "bot/reports/: column names",
    "sv.entry.*": "bot/reports/xlsx.py: EntryKind value",
    "sv.grade.*": "bot/reports/xlsx.py: Grade value",
    "sv.mk.*": "bot/reports/xlsx.py: MakeupState value",
    "sv.ms.*": "bot/reports/xlsx.py: MeasureState value",
    "sv.period.*": "bot/reports/render.py: period kind",
    "sv.refl.*": "bot/reports/xlsx.py: ReflectionState value",
    "sv.status.*": "bot/reports/xlsx.py: AttendanceStatus value",
    "rank.*": "handlers/selfstudy.py, bot/reports/xlsx.py: Rank value",
    "readings.tier.*": "handlers/selfstudy.py: Rank value (who a reading is for)",
    "plan.kind_*": "handlers/selfstudy.py: ItemKind value",
    "plan.kind_short_*": "handlers/selfstudy.py: ItemKind value",
    "hours.entry_*": "handlers/selfstudy.py: EntryKind value",
    "ss_set.*": "handlers/selfstudy.py: settings rows",
    "ss_set.day_*": "handlers/selfstudy.py: weekday number",
    "ss_set.sec_*": "handlers/selfstudy.py: settings sections",
    "ss_set.target_*": "handlers/selfstudy.py: target rank",
    "reflect_subject.*": "handlers/reflections.py: subject kind registered by features",
    "reflect.state_*": "handlers/reflections.py: ReflectionState value",
    "review.grade_*": "handlers/reflections.py: Grade value",
    "review.btn_grade_*": "handlers/reflections.py: Grade value",
    "notes.kind_*": "handlers/reflections.py: note item kind",
    "evaluate.grade_*": "handlers/youth.py: group grade",
    "evaluate.card_case_*": "handlers/youth.py: showcase state",
    "youth.fig_*": "handlers/youth.py: figures",
    "youth.kind_*": "handlers/youth.py: RotationKind value",
    "swap.closed_*": "models/youth.py: SwapState value",
}
# Keys built by appending to another key (not an f-string): key -> where.
SUFFIXED: dict[str, str] = {
    "makeup.assigned_plain": "jobs/sessions.py: key + \"_plain\" for a 补学 item without a session",
    "makeup.reminder_plain": "jobs/sessions.py: key + \"_plain\"",
    "makeup.confirmed_group": "handlers/sessions.py: f\"{key}_group\" of makeup.confirmed",
    "sessions.cancelled_group": "jobs/sessions.py: f\"{key}_group\" of a session change notice",
    "sessions.cancelled_private": "jobs/sessions.py: f\"{key}_private\"",
    "sessions.edited_group": "jobs/sessions.py: f\"{key}_group\"",
    "sessions.edited_private": "jobs/sessions.py: f\"{key}_private\"",
    "sessions.leave_approved_group": "jobs/sessions.py: f\"{key}_group\" when the member cannot be told privately",
    "sessions.leave_rejected_group": "jobs/sessions.py: f\"{key}_group\"",
    "sessions.makeup_notice_group": "jobs/sessions.py: f\"{key}_group\"",
    "sessions.proxy_notice_group": "jobs/sessions.py: f\"{key}_group\"",
}

KEY_SHAPE = re.compile(r"[a-z_]+(\.[a-z_0-9]+)+")
WRAPPED = re.compile(r"《(\{[^{}]*\})》")
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")


def load(locales: Path, lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((locales / lang).glob("*.toml")):
        with open(path, "rb") as fh:
            merged.update(_flatten(tomllib.load(fh)))
    return merged


def glossary(locales: Path) -> dict:
    with open(locales / "glossary.toml", "rb") as fh:
        return tomllib.load(fh)


def wrapped_placeholders(zh: dict[str, str]) -> list[str]:
    """书名号 are for works and documents; a unit, person or topic placeholder never sits in them."""
    return [f"{key}: {m.group(0)}" for key, text in zh.items() for m in WRAPPED.finditer(text)]


def avoided_forms(zh: dict[str, str], gloss: dict) -> list[str]:
    rules = [(form, term.get("only_in"), term["zh"]) for term in gloss["term"] for form in term["avoid"]]
    rules += [(p["bad"], None, p["why"]) for p in gloss["phrase"]]
    found = []
    for key, text in zh.items():
        for form, only_in, why in rules:
            if only_in and not any(key.startswith(prefix) for prefix in only_in):
                continue
            if form in text:
                found.append(f"{key}: {form!r} ({why})")
    return found


def formal_register(zh: dict[str, str], gloss: dict) -> list[str]:
    """Group notices and files: at most one emoji, a marker at the very start."""
    bad = []
    for key in gloss["register"]["group"]:
        emoji = EMOJI.findall(zh.get(key, ""))
        if len(emoji) > 1 or (emoji and not zh[key].startswith(emoji[0])):
            bad.append(f"{key}: {''.join(emoji)}")
    return bad


def out_of_step(zh: dict[str, str], en: dict[str, str]) -> list[str]:
    bad = [f"missing in en: {k}" for k in sorted(zh.keys() - en.keys())]
    bad += [f"missing in zh: {k}" for k in sorted(en.keys() - zh.keys())]
    bad += [f"{k}: placeholders {sorted(placeholders(zh[k]))} vs {sorted(placeholders(en[k]))}"
            for k in sorted(zh.keys() & en.keys()) if placeholders(zh[k]) != placeholders(en[k])]
    return bad


def _strings(node: ast.AST) -> list[str]:
    """The string constants an argument may evaluate to (a literal, or either side of `a if c else b`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


# Calls where only some arguments are keys (the others: callback actions, prompt kinds, setting ids)…
KEY_ARGS = {"button": (1,), "url_button": (1,), "_ask": (1,), "Setting": (1, 2)}
# …and calls whose string arguments are never keys (paths, foreign keys, callback codec, dict look-ups).
NO_KEYS = {"encode", "decode", "startswith", "get", "getLogger", "Path", "ForeignKey", "mapped_column"}


def code_strings() -> tuple[set[str], set[str], dict[str, list[str]]]:
    """Every string literal in the code; those passed as a call's argument (where a key is named: t(), ctx.t,
    ctx.reply, DomainError…); and every f-string shaped like a key family, as an fnmatch pattern."""
    literals: set[str] = set()
    passed: set[str] = set()
    families: dict[str, list[str]] = {}
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    literals.add(node.value)
                elif isinstance(node, ast.Call):
                    name = _call_name(node)
                    args = [] if name in NO_KEYS else node.args
                    if name in KEY_ARGS:
                        args = [a for i, a in enumerate(node.args) if i in KEY_ARGS[name]]
                    for arg in args:
                        passed.update(_strings(arg))
                elif isinstance(node, ast.JoinedStr):
                    pattern = "".join(v.value if isinstance(v, ast.Constant) else "*" for v in node.values)
                    if re.fullmatch(r"[a-z_]+\.[a-z_.*]*\*[a-z_.*]*", pattern):
                        families.setdefault(pattern, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return literals, passed, families


def missing_and_unused(keys: set[str]) -> tuple[list[str], list[str]]:
    literals, passed, _ = code_strings()
    sections = {k.split(".")[0] for k in keys}
    named = {s for s in passed if KEY_SHAPE.fullmatch(s) and s.split(".")[0] in sections}
    missing = sorted(s for s in named if s not in keys)
    unused = sorted(k for k in keys if k not in literals and k not in SUFFIXED
                    and not any(fnmatch.fnmatchcase(k, p) for p in DYNAMIC))
    return missing, unused


def lint(locales: Path) -> list[str]:
    zh, en = load(locales, "zh"), load(locales, "en")
    gloss = glossary(locales)
    missing, unused = missing_and_unused(set(zh))
    return (wrapped_placeholders(zh) + avoided_forms(zh, gloss) + formal_register(zh, gloss)
            + out_of_step(zh, en) + [f"used by the code, not in the catalogs: {k}" for k in missing]
            + [f"in the catalogs, not used by the code: {k}" for k in unused])


# ---- the catalogs as they are ------------------------------------------------------------------------

def test_no_placeholder_in_book_title_marks():
    assert wrapped_placeholders(load(LOCALES_DIR, "zh")) == []


def test_no_avoided_form_in_zh():
    assert avoided_forms(load(LOCALES_DIR, "zh"), glossary(LOCALES_DIR)) == []


def test_group_notices_keep_the_formal_register():
    assert formal_register(load(LOCALES_DIR, "zh"), glossary(LOCALES_DIR)) == []


def test_register_keys_exist():
    zh = load(LOCALES_DIR, "zh")
    assert [k for k in glossary(LOCALES_DIR)["register"]["group"] if k not in zh] == []


def test_zh_and_en_in_step():
    assert out_of_step(load(LOCALES_DIR, "zh"), load(LOCALES_DIR, "en")) == []


def test_every_named_key_exists_and_every_key_is_used():
    missing, unused = missing_and_unused(set(load(LOCALES_DIR, "zh")))
    assert missing == [], "the code names keys the catalogs lack"
    assert unused == [], "keys no code uses (or add a documented DYNAMIC family)"


def test_dynamic_families_are_declared_and_live():
    keys = set(load(LOCALES_DIR, "zh"))
    _, _, families = code_strings()
    built = {p for p in families if any(fnmatch.fnmatchcase(k, p) for k in keys)}
    assert sorted(built - DYNAMIC.keys()) == [], "a new dynamic key family: declare it in DYNAMIC"
    assert sorted(p for p in DYNAMIC if p not in families) == [], "DYNAMIC names a family no code builds"
    assert sorted(p for p in DYNAMIC if not any(fnmatch.fnmatchcase(k, p) for k in keys)) == []
    assert sorted(k for k in SUFFIXED if k not in keys) == []


def test_the_catalogs_pass_the_whole_lint():
    assert lint(LOCALES_DIR) == []


# ---- the lint catches a planted bad text --------------------------------------------------------------

@pytest.fixture
def locales(tmp_path):
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy)
    return copy


def plant(locales: Path, lang: str, text: str) -> None:
    with open(locales / lang / "core.toml", "a", encoding="utf-8") as fh:
        fh.write("\n" + text + "\n")


@pytest.mark.parametrize(
    ("zh_text", "en_text", "expected"),
    [
        ('[planted]\njoined = "您已加入《{unit}》"', '[planted]\njoined = "You joined {unit}"',
         "planted.joined: 《{unit}》"),
        ('[planted]\nrate = "出勤率 {rate}%"', '[planted]\nrate = "Attendance {rate}%"', "planted.rate: '出勤'"),
        ('[planted]\nbad = "❌ 看不懂“{given}”"', '[planted]\nbad = "Cannot read {given}"', "planted.bad: '看不懂'"),
        ('[planted]\nunit = "请选择学习单位"', '[planted]\nunit = "Choose a unit"', "planted.unit: '学习单位'"),
        ('[away]\nplanted = "已登记请假"', '[away]\nplanted = "Away noted"', "away.planted: '请假'"),
        ('[planted]\nhi = "您好 {name}"', '[planted]\nhi = "Hello {who}"', "planted.hi: placeholders"),
        ('[planted]\nhi = "您好"', "", "missing in en: planted.hi"),
    ],
)
def test_lint_reports_a_planted_bad_text(locales, zh_text, en_text, expected):
    plant(locales, "zh", zh_text)
    if en_text:
        plant(locales, "en", en_text)
    found = lint(locales)
    assert any(line.startswith(expected) for line in found), found
    # …and the planted key is also an unused one: nothing in the code names it.
    assert any("not used by the code" in line and "planted" in line for line in found)


def test_lint_reports_a_key_the_code_uses_but_the_catalogs_lack(locales):
    for lang in ("zh", "en"):
        path = locales / lang / "sessions.toml"
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(l for l in lines if not l.startswith("checked_in = ")), encoding="utf-8")
    assert "used by the code, not in the catalogs: sessions.checked_in" in lint(locales)


def test_lint_reports_a_group_notice_full_of_emoji(locales):
    zh = load(locales, "zh")
    zh["summary.tail"] = "🔔 新的一周 🚀"
    assert formal_register(zh, glossary(locales)) == ["summary.tail: 🔔🚀"]
