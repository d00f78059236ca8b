"""Typed configuration helpers: clear errors for garbage, secrets from *_FILE."""

from __future__ import annotations

import stat

import pytest

from aftersales.env import ConfigError, envbool, envint, envlist, envsecret, envstr, persistent_secret


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on"])
def test_envbool_true(monkeypatch, raw):
    monkeypatch.setenv("AS_TEST_FLAG", raw)
    assert envbool("AS_TEST_FLAG") is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_envbool_false(monkeypatch, raw):
    monkeypatch.setenv("AS_TEST_FLAG", raw)
    assert envbool("AS_TEST_FLAG", True) is False


@pytest.mark.parametrize("raw", ["2", "maybe", "ture", "yes please"])
def test_envbool_refuses_garbage_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("AS_TEST_FLAG", raw)
    with pytest.raises(ConfigError, match="AS_TEST_FLAG"):
        envbool("AS_TEST_FLAG")


def test_unset_variables_give_the_default(monkeypatch):
    for name in (
        "AS_TEST_FLAG",
        "AS_TEST_INT",
        "AS_TEST_LIST",
        "AS_TEST_STR",
        "AS_TEST_SECRET",
        "AS_TEST_SECRET_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    assert envbool("AS_TEST_FLAG", True) is True
    assert envint("AS_TEST_INT", 7) == 7
    assert envlist("AS_TEST_LIST", ["a"]) == ["a"]
    assert envstr("AS_TEST_STR", "x") == "x"
    assert envsecret("AS_TEST_SECRET") is None


def test_envint(monkeypatch):
    monkeypatch.setenv("AS_TEST_INT", "42")
    assert envint("AS_TEST_INT", 0) == 42
    monkeypatch.setenv("AS_TEST_INT", " ")
    assert envint("AS_TEST_INT", 5) == 5
    monkeypatch.setenv("AS_TEST_INT", "4.2")
    with pytest.raises(ConfigError, match="AS_TEST_INT"):
        envint("AS_TEST_INT", 0)


def test_envlist_splits_and_trims(monkeypatch):
    monkeypatch.setenv("AS_TEST_LIST", " a.example.com, ,b.example.com ,")
    assert envlist("AS_TEST_LIST", []) == ["a.example.com", "b.example.com"]


def test_envsecret_reads_the_file_named_by_name_file(monkeypatch, tmp_path):
    secret = tmp_path / "db_password"
    secret.write_text("s3cret-from-file\n", encoding="utf-8")
    monkeypatch.delenv("AS_TEST_SECRET", raising=False)
    monkeypatch.setenv("AS_TEST_SECRET_FILE", str(secret))

    assert envsecret("AS_TEST_SECRET") == "s3cret-from-file"


def test_envsecret_prefers_the_variable_over_the_file(monkeypatch, tmp_path):
    secret = tmp_path / "db_password"
    secret.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv("AS_TEST_SECRET", "from-env")
    monkeypatch.setenv("AS_TEST_SECRET_FILE", str(secret))

    assert envsecret("AS_TEST_SECRET") == "from-env"


def test_envsecret_with_a_missing_file_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.delenv("AS_TEST_SECRET", raising=False)
    monkeypatch.setenv("AS_TEST_SECRET_FILE", str(tmp_path / "absent"))

    with pytest.raises(FileNotFoundError):
        envsecret("AS_TEST_SECRET")


def test_persistent_secret_is_generated_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("AS_TEST_KEY", raising=False)
    monkeypatch.delenv("AS_TEST_KEY_FILE", raising=False)
    path = tmp_path / "keys" / "secret_key"
    calls = []

    def generate() -> str:
        calls.append(1)
        return f"generated-{len(calls)}"

    first = persistent_secret("AS_TEST_KEY", path, generate)
    second = persistent_secret("AS_TEST_KEY", path, generate)

    assert first == second == "generated-1"
    assert len(calls) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_persistent_secret_from_the_environment_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("AS_TEST_KEY", "from-env")
    path = tmp_path / "secret_key"

    assert persistent_secret("AS_TEST_KEY", path, lambda: "generated") == "from-env"
    assert not path.exists()
