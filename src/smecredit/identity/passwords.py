"""Password hashing (Argon2id, its cost from the settings) and the minimum-strength rule."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text



@lru_cache(maxsize=4)
def _hasher_with(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=4)


def _hasher() -> PasswordHasher:
    from smecredit.kernel.settings import get_settings

    settings = get_settings()
    return _hasher_with(settings.password_hash_time_cost, settings.password_hash_memory_kib)

# A few passwords every scanner tries first; length and classes catch most of the rest.
COMMON_PASSWORDS = frozenset(
    {"password123", "password1234", "admin12345", "qwerty12345", "1234567890", "abc123456789", "p@ssw0rd123"}
)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_strength(password: str, *, username: str, min_length: int) -> None:
    """等保 baseline: at least `min_length` characters, three of four character classes, and
    not the username or a well-known password."""
    problems_zh, problems_en = [], []
    if len(password) < min_length:
        problems_zh.append(f"至少 {min_length} 位")
        problems_en.append(f"at least {min_length} characters")
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if classes < 3:
        problems_zh.append("须包含大写字母、小写字母、数字、符号中的至少三类")
        problems_en.append("three of: upper case, lower case, digits, symbols")
    if username and username.lower() in password.lower():
        problems_zh.append("不能包含用户名")
        problems_en.append("must not contain the user name")
    if password.lower() in COMMON_PASSWORDS:
        problems_zh.append("过于常见")
        problems_en.append("too common")
    if problems_zh:
        raise Invalid("weak_password", Text("密码强度不足：" + "；".join(problems_zh), "Password too weak: " + "; ".join(problems_en)), "password")
