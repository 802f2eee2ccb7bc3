"""docs/audit-log-format.md stays true: every value of its worked example is what the code makes."""

from __future__ import annotations

from pathlib import Path

from tests.audit.format_example import example

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit-log-format.md"


def test_the_worked_example_is_what_the_code_produces():
    doc = DOC.read_text(encoding="utf-8")
    values = example()
    for name, value in values.items():
        if isinstance(value, list):
            value = "[" + ", ".join(f'"{v}"' for v in value) + "]"
        assert value.strip() in doc, f"docs/audit-log-format.md no longer shows the example's {name}"


def test_the_example_verifies_with_an_independent_reading_of_the_doc():
    """Re-derive the example from the rules in the doc with hashlib and the raw key only."""
    import base64
    import hashlib
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    values = example()
    leaf = lambda data: hashlib.sha256(b"\0" + data.encode()).digest()  # noqa: E731
    h1, h2 = leaf(values["leaf1"]), leaf(values["leaf2"])
    assert json.loads(values["leaf1"])["payload_sha256"] == hashlib.sha256(values["payload"].encode()).hexdigest()
    root = hashlib.sha256(b"\1" + h1 + h2).digest()
    assert root.hex() == values["root_hex"]
    text, sigs = values["note"].split("\n\n")
    name, blob = sigs.strip().split(" ")[1:]
    raw = base64.b64decode(values["vkey"].split("+", 2)[2])
    assert raw[0] == 1 and hashlib.sha256(name.encode() + b"\n\x01" + raw[1:]).digest()[:4] == base64.b64decode(blob)[:4]
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(base64.b64decode(blob)[4:], (text + "\n").encode())
