"""Passwords are hashed with Argon2id at RFC 9106's recommended cost unless the operator sets
another; hashes made at any cost still verify (the hash records its own parameters)."""

from __future__ import annotations

import pytest

from smecredit.identity import passwords
from smecredit.kernel.settings import Settings, get_settings


@pytest.fixture()
def settings_from_env(monkeypatch):
    def _use(**env: str):
        for key in ("SMECREDIT_PASSWORD_HASH_MEMORY_KIB", "SMECREDIT_PASSWORD_HASH_TIME_COST"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    yield _use
    get_settings.cache_clear()


def test_the_default_cost_is_argon2id_64_mib_three_passes(settings_from_env):
    settings_from_env()
    made = passwords.hash_password("Correct-Horse-9")
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), made
    assert passwords.verify_password(made, "Correct-Horse-9")
    assert not passwords.verify_password(made, "Correct-Horse-8")


def test_a_hash_made_at_another_cost_still_verifies(settings_from_env):
    settings_from_env(SMECREDIT_PASSWORD_HASH_MEMORY_KIB="2048", SMECREDIT_PASSWORD_HASH_TIME_COST="2")
    cheap = passwords.hash_password("Correct-Horse-9")
    assert "$m=2048,t=2,p=4$" in cheap
    settings_from_env()
    assert passwords.verify_password(cheap, "Correct-Horse-9")
    assert not passwords.verify_password(cheap, "wrong-Horse-9")


@pytest.mark.parametrize("memory", ["512", "0", "-1"])
def test_a_cost_below_the_floor_is_refused_at_start(memory, settings_from_env):
    settings_from_env(SMECREDIT_PASSWORD_HASH_MEMORY_KIB=memory)
    with pytest.raises(ValueError):
        Settings()
