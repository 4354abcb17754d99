"""Every text exists in both languages with the same placeholders, and every key the code uses exists."""

import re
from pathlib import Path

import pytest

from bot.i18n import LANGS, Raw, catalog, pick_lang, placeholders, t
from bot.features import gather
from models.units import UnitKind

ROOT = Path(__file__).resolve().parents[1]
KEY_CALL = re.compile(
    r"""(?:DomainError|ctx\.reply|ctx\.edit|ctx\.t|\bt\(\s*\w+\s*,|button\(\s*ctx\s*,|url_button\(\s*ctx\s*,)\(?\s*["']([a-z_]+\.[a-z_.]+)["']"""
)


def test_both_languages_have_the_same_files():
    from bot.i18n import LOCALES_DIR

    assert sorted(p.name for p in (LOCALES_DIR / "zh").glob("*.toml")) == sorted(
        p.name for p in (LOCALES_DIR / "en").glob("*.toml"))


def test_both_catalogs_have_the_same_keys():
    zh, en = set(catalog("zh")), set(catalog("en"))
    assert zh - en == set(), f"missing in en: {sorted(zh - en)}"
    assert en - zh == set(), f"missing in zh: {sorted(en - zh)}"


@pytest.mark.parametrize("key", sorted(catalog("zh")))
def test_placeholders_match(key):
    assert placeholders(catalog("zh")[key]) == placeholders(catalog("en")[key])


def test_every_key_used_in_code_exists():
    used = set()
    for folder in ("bot", "handlers", "jobs", "models"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(KEY_CALL.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys; the pattern is broken"
    for lang in LANGS:
        missing = sorted(k for k in used if k not in catalog(lang))
        assert not missing, f"{lang} lacks {missing}"


def test_every_command_and_kind_has_a_label():
    for lang in LANGS:
        for c in gather().commands:
            assert catalog(lang).get(f"cmd.{c.name}"), (lang, c.name)
        for k in UnitKind:
            assert catalog(lang).get(f"kind.{k.value}"), (lang, k)


def test_parameters_are_escaped_unless_raw():
    assert "&lt;b&gt;" in t("zh", "bind.renamed", name="<b>")
    assert "<b>x</b>" in t("zh", "bind.renamed", name=Raw("<b>x</b>"))


@pytest.mark.parametrize(
    ("user", "unit", "default", "expected"),
    [("en-US", None, "zh", "en"), ("zh-hans", "en", "en", "zh"), ("ru", "en", "zh", "en"),
     (None, None, "en", "en"), ("ru", None, "zh", "zh"), (None, None, "xx", "zh")],
)
def test_language_choice(user, unit, default, expected):
    assert pick_lang(user, unit, default) == expected
