import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings

TOKEN = "4242424242:AAE-very-secret_token"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for key in list(__import__("os").environ):
        if key.startswith("WUXUE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults_without_a_file():
    s = load_settings()
    assert s.database.url == "sqlite+aiosqlite:///data/wuxue.db"
    assert (s.timezone, s.locale, s.telegram.token) == ("Asia/Shanghai", "zh", None)


def test_file_then_environment(monkeypatch, tmp_path):
    cfg = tmp_path / "other.toml"
    cfg.write_text('locale = "en"\n[telegram]\nbase_url = "http://127.0.0.1:9/bot"\n[delivery]\nper_second = 10\n')
    monkeypatch.setenv("WUXUE_CONFIG", str(cfg))
    monkeypatch.setenv("WUXUE_DELIVERY__PER_SECOND", "25")
    monkeypatch.setenv("WUXUE_TELEGRAM__TOKEN", TOKEN)
    s = load_settings()
    assert s.locale == "en"
    assert s.telegram.base_url == "http://127.0.0.1:9/bot"
    assert s.delivery.per_second == 25
    assert s.require_token() == TOKEN
    assert TOKEN not in repr(s)


@pytest.mark.parametrize(
    ("env", "value", "key"),
    [("WUXUE_TIMEZONE", "Mars/Olympus", "timezone"), ("WUXUE_LOCALE", "fr", "locale"),
     ("WUXUE_DATABASE__URL", "mysql://x", "database.url"), ("WUXUE_WEBHOOK__PORT", "99999", "webhook.port"),
     ("WUXUE_TELEGRAM__BASE_URL", "ftp://x", "telegram.base_url"),
     ("WUXUE_TELEGRAM__TOKEN", "not-a-token-secretvalue", "telegram.token")],
)
def test_bad_values_name_the_key_and_hide_the_value(monkeypatch, env, value, key):
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(f"{key}:")
    assert "\n" not in str(err.value)
    if "TOKEN" in env:
        assert value not in str(err.value)


def test_a_lease_shorter_than_a_request_is_refused(monkeypatch):
    monkeypatch.setenv("WUXUE_DELIVERY__LEASE_SECONDS", "5")
    with pytest.raises(SettingsError, match=r"^delivery\.lease_seconds must be longer than telegram\.timeout_seconds"):
        load_settings()


def test_missing_token_is_one_clear_line():
    with pytest.raises(SettingsError, match=r"^telegram\.token: missing"):
        load_settings().require_token()


def test_cli_without_token_exits_non_zero_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "wuxue: telegram.token: missing — set WUXUE_TELEGRAM__TOKEN or telegram.token in settings.toml"
    ]


def test_cli_help_lists_every_command():
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for word in ("run", "db"):
        assert word in proc.stdout
