"""The worked example of docs/audit-log-format.md, made by the code (run it to print the values)."""

import base64
from datetime import datetime, timezone
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from smecredit.audit import merkle, note as notes
from smecredit.audit.canonical import canonical_json, leaf_data, sha256_hex
from smecredit.audit import checkpoints as cps

def example():
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    witness = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
    t1 = datetime(2026, 3, 2, 1, 2, 3, 456789, tzinfo=timezone.utc)
    t2 = datetime(2026, 3, 2, 1, 5, 0, 0, tzinfo=timezone.utc)
    payload = canonical_json({"amount": "1234.50", "note": "第1笔"})
    e1 = dict(seq=1, recorded_at=t1, actor="alice", actor_id=7, role="loan_officer", action="enterprise.registered",
              entity_type="enterprise", entity_id="42", payload_sha256=sha256_hex(payload))
    l1 = leaf_data(**e1)
    p2 = canonical_json({"checkpoint_id": 1, "previous_checkpoint_id": None, "previous_root_hash": None,
                         "previous_tree_size": None, "reason": "manual"})
    e2 = dict(seq=2, recorded_at=t2, actor="carol", actor_id=3, role="auditor", action="audit.checkpoint",
              entity_type="audit_checkpoint", entity_id="1", payload_sha256=sha256_hex(p2))
    l2 = leaf_data(**e2)
    h1, h2 = merkle.leaf_hash(l1), merkle.leaf_hash(l2)
    root = merkle.root_hash([h1, h2])
    note, sig = cps.build_signed_note(key, log_origin="bank.example/smecredit-audit", checkpoint_id=1, tree_size=2,
                                      root=root, created_at=t2, previous=None)
    text = cps.note_text_of(note)
    vkey = notes.vkey("bank.example/smecredit-audit", key)
    cos = notes.cosign(text, "regulator.example/w1", witness, 1772413500)
    wvkey = notes.vkey("regulator.example/w1", witness, notes.ALG_COSIGNATURE_V1)
    return dict(payload=payload.decode(), payload_sha256=e1["payload_sha256"], leaf1=l1.decode(), leaf1_hash=h1.hex(),
                payload2=p2.decode(), leaf2=l2.decode(), leaf2_hash=h2.hex(), root_hex=root.hex(),
                root_b64=base64.b64encode(root).decode(), note=note, vkey=vkey, key_id=notes.note_key_id("bank.example/smecredit-audit", key).hex(),
                inclusion_1=[p.hex() for p in merkle.inclusion_proof([h1, h2], 0)],
                cosigned=notes.Note(text, (notes.parse_note(note).signatures[0], cos)).serialise(), witness_vkey=wvkey,
                text_hash=notes.text_hash(text))
if __name__ == "__main__":
    for k, v in example().items():
        print(f"--- {k}\n{v}")
