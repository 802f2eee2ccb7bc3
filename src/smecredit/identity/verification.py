"""Identity verification (实名核验): does this name belong to this 公民身份号码?

An adapter for a real service (a licensed 公民身份信息核验 provider) is a class with a `name` and a
`verify` method, named in `SMECREDIT_IDENTITY_VERIFIER=package.module:ClassName`. It is called
after the one-time code proved the mobile and before anything is written, outside any lock.

The default **sandbox** asks nobody: it accepts a number whose check character is right and a
non-empty name. It is labelled wherever its result shows (`identity_provider = "sandbox"`), so a
sandbox-verified identity is never mistaken for a checked one.
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from smecredit.kernel.clock import utcnow
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text
from smecredit.standards.resident_id import validate_resident_id


@dataclass(frozen=True)
class Verification:
    verified: bool
    provider: str
    reference: str  # the provider's reference for the check (no personal data)
    checked_at: datetime
    reason: Text | None = None  # why not verified


@runtime_checkable
class IdentityVerifier(Protocol):
    name: str

    def verify(self, *, name: str, id_number: str) -> Verification: ...


SANDBOX_LABEL = Text("演示沙箱实名核验：只校验身份证号码的校验位，不查询公安数据",
                     "Sandbox identity check: only the number's check character is tested; no registry is asked")


class SandboxIdentityVerifier:
    name = "sandbox"
    label = SANDBOX_LABEL

    def verify(self, *, name: str, id_number: str) -> Verification:
        now = utcnow()
        reference = "sandbox-" + hashlib.sha256(f"{now.isoformat()}|{id_number}".encode()).hexdigest()[:16]
        if not (name or "").strip():
            return Verification(False, self.name, reference, now, Text("姓名为空", "The name is empty"))
        result = validate_resident_id(id_number)
        if not result.valid:
            return Verification(False, self.name, reference, now,
                                Text(result.reason_zh or "号码无效", result.reason_en or "invalid number"))
        return Verification(True, self.name, reference, now)


def load_verifier() -> IdentityVerifier:
    reference = get_settings().identity_verifier.strip() or "sandbox"
    if reference == "sandbox":
        return SandboxIdentityVerifier()
    module, _, attribute = reference.partition(":")
    verifier = getattr(importlib.import_module(module), attribute)()
    if not isinstance(verifier, IdentityVerifier):
        raise TypeError(f"{reference} does not implement IdentityVerifier (name, verify(name=, id_number=))")
    return verifier
