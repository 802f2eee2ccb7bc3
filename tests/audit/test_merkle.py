"""Tests for smecredit.audit.merkle (RFC 9162 / RFC 6962 Merkle trees).

Known-answer vectors are the RFC 6962 reference values published by the
Certificate Transparency projects, typed in here as hex:

* google/certificate-transparency  cpp/merkletree/merkle_tree_test.cc
  (kInputs, kSHA256Roots, kSHA256Paths, kSHA256Proofs, kSHA256EmptyTreeHash;
  leaf numbers there are 1-based, converted to 0-based indices below)
* transparency-dev/merkle  testonly/constants.go
  (LeafInputs, NodeHashes, RootHashes, CompactTrees, EmptyRootHash)
* transparency-dev/merkle  proof/verify_test.go
  (inclusionProofs, consistencyProofs -- adds the 6 -> 7 consistency proof)

Beyond the vectors, every proof for trees of 1..64 leaves is compared with a
naive recursive transcription of the RFC 9162 §2.1 definitions kept in this
file, round-tripped through the verifiers, and mutated to check rejection.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smecredit.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    frontier_append,
    frontier_from_leaves,
    frontier_root,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

# --------------------------------------------------------------------------
# Published RFC 6962 reference vectors (see module docstring for sources)
# --------------------------------------------------------------------------

EMPTY_TREE_HASH = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]

# testonly/constants.go NodeHashes()[0]: the leaf hashes of LEAF_INPUTS.
LEAF_HASHES = [
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
    h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
    h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
    h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
    h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
]
# NodeHashes()[1..3]: complete subtrees at heights 1, 2 and 3.
LEVEL1 = [
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
]
LEVEL2 = [
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
]
LEVEL3 = [
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# kSHA256Roots / RootHashes(): root for tree sizes 1..8 (index 0 = size 1).
ROOTS = [
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# kSHA256Paths: (0-based leaf index, tree size, audit path).
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        3,
        [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")],
    ),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# kSHA256Proofs + verify_test.go consistencyProofs: (old size, new size, proof).
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

# testonly/constants.go CompactTrees(): frontier for tree sizes 0..8.
COMPACT_TREES = [
    [],
    [LEAF_HASHES[0]],
    [LEVEL1[0]],
    [LEVEL1[0], LEAF_HASHES[2]],
    [LEVEL2[0]],
    [LEVEL2[0], LEAF_HASHES[4]],
    [LEVEL2[0], LEVEL1[2]],
    [LEVEL2[0], LEVEL1[2], LEAF_HASHES[6]],
    [LEVEL3[0]],
]

VECTOR_LEAVES = [leaf_hash(d) for d in LEAF_INPUTS]


# --------------------------------------------------------------------------
# Naive reference: a literal transcription of RFC 9162 §2.1 (recursive).
# Independent of the module's iterative code, used for sizes up to 64.
# --------------------------------------------------------------------------

MAX_N = 64
LEAVES = [leaf_hash(b"leaf-%d" % i) for i in range(MAX_N)]


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@lru_cache(maxsize=None)
def ref_mth(lo: int, hi: int) -> bytes:
    n = hi - lo
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return LEAVES[lo]
    k = _k(n)
    return hashlib.sha256(b"\x01" + ref_mth(lo, lo + k) + ref_mth(lo + k, hi)).digest()


def ref_path(m: int, lo: int, hi: int) -> list[bytes]:
    n = hi - lo
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return ref_path(m, lo, lo + k) + [ref_mth(lo + k, hi)]
    return ref_path(m - k, lo + k, hi) + [ref_mth(lo, lo + k)]


def ref_subproof(m: int, lo: int, hi: int, b: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if b else [ref_mth(lo, hi)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, lo, lo + k, b) + [ref_mth(lo + k, hi)]
    return ref_subproof(m - k, lo + k, hi, False) + [ref_mth(lo, lo + k)]


def flip(data: bytes, byte: int = 0, bit: int = 0) -> bytes:
    out = bytearray(data)
    out[byte] ^= 1 << bit
    return bytes(out)


SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


# --------------------------------------------------------------------------
# Known-answer tests
# --------------------------------------------------------------------------


def test_hash_primitives_are_domain_separated():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"L" * 32, b"R" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert leaf_hash(b"\x00" * 64) != node_hash(b"\x00" * 32, b"\x00" * 32)


def test_leaf_hash_refuses_non_bytes():
    with pytest.raises(TypeError):
        leaf_hash(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        leaf_hash("abc")  # type: ignore[arg-type]


def test_empty_tree_root():
    assert root_hash([]) == EMPTY_TREE_HASH
    assert EMPTY_ROOT == EMPTY_TREE_HASH
    assert frontier_root([], 0) == EMPTY_TREE_HASH


def test_leaf_hash_vectors():
    assert VECTOR_LEAVES == LEAF_HASHES


@pytest.mark.parametrize("size", range(1, 9))
def test_root_vectors(size):
    assert root_hash(VECTOR_LEAVES[:size]) == ROOTS[size - 1]


def test_complete_subtree_vectors():
    # Interior nodes of the 8-leaf reference tree.
    assert [root_hash(VECTOR_LEAVES[i : i + 2]) for i in range(0, 8, 2)] == LEVEL1
    assert [root_hash(VECTOR_LEAVES[i : i + 4]) for i in range(0, 8, 4)] == LEVEL2


@pytest.mark.parametrize("index,size,expected", INCLUSION_VECTORS)
def test_inclusion_vectors(index, size, expected):
    leaves = VECTOR_LEAVES[:size]
    assert inclusion_proof(leaves, index) == expected
    assert verify_inclusion(VECTOR_LEAVES[index], index, size, expected, ROOTS[size - 1])


@pytest.mark.parametrize("old,new,expected", CONSISTENCY_VECTORS)
def test_consistency_vectors(old, new, expected):
    assert consistency_proof(VECTOR_LEAVES[:new], old) == expected
    assert verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], expected)


@pytest.mark.parametrize("size", range(0, 9))
def test_compact_tree_vectors(size):
    assert frontier_from_leaves(VECTOR_LEAVES[:size]) == COMPACT_TREES[size]
    frontier: list[bytes] = []
    for i in range(size):
        frontier = frontier_append(frontier, i, VECTOR_LEAVES[i])
    assert frontier == COMPACT_TREES[size]
    assert frontier_root(frontier, size) == (ROOTS[size - 1] if size else EMPTY_TREE_HASH)


# --------------------------------------------------------------------------
# Exhaustive round trips and negative checks, sizes 1..64
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, MAX_N + 1))
def test_root_matches_reference(n):
    assert root_hash(LEAVES[:n]) == ref_mth(0, n)
    assert frontier_root(frontier_from_leaves(LEAVES[:n]), n) == ref_mth(0, n)


def _inclusion_mutations(index, n, proof, root, leaf):
    """Probes that must all fail (after transparency-dev's corruptInclusionProof)."""
    probes = []
    for other in {index - 1, index + 1, index ^ 2} - {index}:
        probes.append((leaf, other, n, proof, root))  # wrong index
    probes.append((leaf, index, n * 2, proof, root))  # wrong size
    probes.append((leaf, index, n // 2, proof, root))
    probes.append((leaf_hash(b"WrongLeaf"), index, n, proof, root))
    probes.append((leaf, index, n, proof, EMPTY_TREE_HASH))
    probes.append((leaf, index, n, proof, SOME_HASH))
    probes.append((leaf, index, n, proof, flip(root, 31, 7)))
    probes.append((leaf, index, n, proof + [root], root))  # extended
    probes.append((leaf, index, n, proof + [SOME_HASH], root))
    probes.append((leaf, index, n, [root] + proof, root))  # prepended
    # Extended proof with a root forged to match it: only the RFC's "sn is
    # 0 -> fail" check inside the loop stops this one.
    probes.append((leaf, index, n, proof + [SOME_HASH], node_hash(SOME_HASH, root)))
    if proof:
        probes.append((leaf, index, n, proof[:-1], root))  # truncated
        probes.append((leaf, index, n, proof[1:], root))
        probes.append((leaf, index, n, proof[::-1] if len(proof) > 1 else [SOME_HASH], root))
    for j in range(len(proof)):
        bad = list(proof)
        bad[j] = flip(bad[j], j % 32, 3)  # flipped byte
        probes.append((leaf, index, n, bad, root))
    return probes


@pytest.mark.parametrize("n", range(1, MAX_N + 1))
def test_inclusion_every_index(n):
    leaves = LEAVES[:n]
    root = root_hash(leaves)
    for index in range(n):
        proof = inclusion_proof(leaves, index)
        assert proof == ref_path(index, 0, n), (n, index)
        assert verify_inclusion(leaves[index], index, n, proof, root)
        # Not accepted for any other leaf of the tree.
        for other in range(n):
            if other != index:
                assert not verify_inclusion(leaves[other], other, n, proof, root)
        for probe in _inclusion_mutations(index, n, proof, root, leaves[index]):
            assert not verify_inclusion(*probe), (n, index, probe[1:3])


def _consistency_mutations(old, new, r1, r2, proof):
    """Probes that must all fail (after transparency-dev's corruptConsistencyProof)."""
    probes = [
        (old - 1, new, r1, r2, proof),
        (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof),
        (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof),
        (old, new, SOME_HASH, r2, proof),
        (old, new, r1, SOME_HASH, proof),
        (old, new, flip(r1, 0, 0), r2, proof),
        (old, new, r1, flip(r2, 31, 7), proof),
        (old, new, r2, r1, proof),  # swapped roots
        (old, new, r1, r2, []),  # empty proof
        (old, new, r1, r2, proof + [r1]),  # extended
        (old, new, r1, r2, proof + [r2]),
        (old, new, r1, r2, proof + [proof[-1]]),
        (old, new, r1, r2, [r1] + proof),  # prepended
        (old, new, r1, r2, [r2] + proof),
        (old, new, r1, r2, [proof[0]] + proof),
        (old, new, r1, r2, proof[:-1]),  # truncated
        (old, new, r1, r2, proof[1:]),
        # Extended proof with both roots forged to match it (RFC 9162
        # §2.1.4.2 step 6a is what rejects it).
        (old, new, node_hash(SOME_HASH, r1), node_hash(SOME_HASH, r2), proof + [SOME_HASH]),
        (old, new, r1, node_hash(SOME_HASH, r2), proof + [SOME_HASH]),
    ]
    for j in range(len(proof)):
        bad = list(proof)
        bad[j] = flip(bad[j], (j * 7) % 32, 4)  # flipped byte
        probes.append((old, new, r1, r2, bad))
    return [p for p in probes if (p[0], p[1]) != (old, new) or p[2:] != (r1, r2, proof)]


@pytest.mark.parametrize("new", range(1, MAX_N + 1))
def test_consistency_every_pair(new):
    leaves = LEAVES[:new]
    r2 = root_hash(leaves)
    for old in range(1, new + 1):
        r1 = root_hash(LEAVES[:old])
        proof = consistency_proof(leaves, old)
        assert proof == ref_subproof(old, 0, new, True), (old, new)
        assert verify_consistency(old, new, r1, r2, proof)
        if old == new:
            assert proof == []
            assert not verify_consistency(old, new, r1, r2, [r1])
            assert not verify_consistency(old, new, r1, SOME_HASH, [])
            continue
        for probe in _consistency_mutations(old, new, r1, r2, proof):
            assert not verify_consistency(*probe), (old, new, probe[:2])


def test_consistency_proof_does_not_verify_a_forked_log():
    # Same sizes, but the new tree rewrote leaf 3: the old root is not a prefix.
    forked = list(LEAVES[:20])
    forked[3] = leaf_hash(b"tampered")
    proof = consistency_proof(forked, 10)
    assert not verify_consistency(10, 20, root_hash(LEAVES[:10]), root_hash(forked), proof)
    honest = consistency_proof(LEAVES[:20], 10)
    assert not verify_consistency(10, 20, root_hash(LEAVES[:10]), root_hash(forked), honest)


def test_large_tree_is_iterative_and_consistent():
    n = (1 << 16) + 3
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]
    root = root_hash(leaves)
    assert root == frontier_root(frontier_from_leaves(leaves), n)
    for index in (0, 1 << 15, n - 1):
        assert verify_inclusion(leaves[index], index, n, inclusion_proof(leaves, index), root)
    old = 1 << 16
    assert verify_consistency(
        old, n, root_hash(leaves[:old]), root, consistency_proof(leaves, old)
    )


# --------------------------------------------------------------------------
# Generators reject bad arguments
# --------------------------------------------------------------------------


@pytest.mark.parametrize("index", [-1, 5, 6, 100])
def test_inclusion_proof_index_out_of_range(index):
    with pytest.raises(ValueError):
        inclusion_proof(LEAVES[:5], index)


def test_inclusion_proof_empty_tree():
    with pytest.raises(ValueError):
        inclusion_proof([], 0)


@pytest.mark.parametrize("old_size", [0, -1, 6, 100])
def test_consistency_proof_old_size_out_of_range(old_size):
    with pytest.raises(ValueError):
        consistency_proof(LEAVES[:5], old_size)


@pytest.mark.parametrize("bad", [[b"short"], [b"x" * 33], [None], [LEAVES[0], "a" * 32]])
def test_root_hash_rejects_non_hash_leaves(bad):
    with pytest.raises((TypeError, ValueError)):
        root_hash(bad)


@pytest.mark.parametrize(
    "frontier,size",
    [
        ([], 1),  # one hash needed
        ([LEAVES[0]], 0),
        ([LEAVES[0]], 3),  # popcount(3) == 2
        ([LEAVES[0], LEAVES[1]], 4),
        ([b"short"], 1),
        ([LEAVES[0]], -1),
    ],
)
def test_frontier_rejects_mismatched_size(frontier, size):
    with pytest.raises((TypeError, ValueError)):
        frontier_append(frontier, size, LEAVES[1])
    with pytest.raises((TypeError, ValueError)):
        frontier_root(frontier, size)


def test_frontier_append_does_not_mutate_input():
    frontier = frontier_from_leaves(LEAVES[:7])
    before = list(frontier)
    frontier_append(frontier, 7, LEAVES[7])
    assert frontier == before


# --------------------------------------------------------------------------
# Verifiers return False for malformed input (never raise)
# --------------------------------------------------------------------------

_N = 5
_IDX = 1
_LEAF = LEAVES[_IDX]
_ROOT = root_hash(LEAVES[:_N])
_PROOF = inclusion_proof(LEAVES[:_N], _IDX)


def _iter_proof():
    return iter(_PROOF)


INCLUSION_BAD = {
    # leaf
    "leaf None": dict(leaf=None),
    "leaf str": dict(leaf=_LEAF.hex()),
    "leaf empty": dict(leaf=b""),
    "leaf 31 bytes": dict(leaf=_LEAF[:31]),
    "leaf 33 bytes": dict(leaf=_LEAF + b"\x00"),
    "leaf int": dict(leaf=7),
    "leaf list": dict(leaf=list(_LEAF)),
    # index
    "index None": dict(index=None),
    "index negative": dict(index=-1),
    "index == size": dict(index=_N),
    "index > size": dict(index=_N + 1),
    "index float": dict(index=1.0),
    "index bool": dict(index=True),
    "index str": dict(index="1"),
    "index huge": dict(index=2**64 + 1),
    # tree_size
    "size None": dict(size=None),
    "size zero": dict(size=0),
    "size negative": dict(size=-5),
    "size float": dict(size=5.0),
    "size str": dict(size="5"),
    "size bool": dict(size=True),
    "size >= 2**64": dict(size=2**64),
    "size huge": dict(size=2**200),
    # proof
    "proof None": dict(proof=None),
    "proof bytes blob": dict(proof=b"".join(_PROOF)),
    "proof str": dict(proof="".join(p.hex() for p in _PROOF)),
    "proof iterator": dict(proof="ITER"),
    "proof dict": dict(proof={i: p for i, p in enumerate(_PROOF)}),
    "proof set": dict(proof=set(_PROOF)),
    "proof with None": dict(proof=[_PROOF[0], None, _PROOF[2]]),
    "proof with short hash": dict(proof=[_PROOF[0], _PROOF[1][:31], _PROOF[2]]),
    "proof with str": dict(proof=[p.hex() for p in _PROOF]),
    "proof of ints": dict(proof=[1, 2, 3]),
    "proof empty": dict(proof=[]),
    "proof truncated": dict(proof=_PROOF[:-1]),
    "proof extended": dict(proof=_PROOF + [_PROOF[0]]),
    "proof extended with empty": dict(proof=_PROOF + [b""]),
    # root
    "root None": dict(root=None),
    "root empty": dict(root=b""),
    "root 31 bytes": dict(root=_ROOT[:31]),
    "root hex str": dict(root=_ROOT.hex()),
    "root int": dict(root=0),
}


def _call_inclusion(leaf=_LEAF, index=_IDX, size=_N, proof=_PROOF, root=_ROOT):
    if proof == "ITER":
        proof = _iter_proof()
    return verify_inclusion(leaf, index, size, proof, root)


def test_inclusion_baseline_is_valid():
    assert _call_inclusion() is True
    assert _call_inclusion(proof=tuple(_PROOF)) is True
    assert _call_inclusion(leaf=bytearray(_LEAF), root=bytearray(_ROOT)) is True


@pytest.mark.parametrize("kwargs", INCLUSION_BAD.values(), ids=INCLUSION_BAD.keys())
def test_verify_inclusion_malformed_returns_false(kwargs):
    assert _call_inclusion(**kwargs) is False


def test_verify_inclusion_tiny_trees():
    # After transparency-dev TestVerifyInclusion / TestVerifyInclusionSingleEntry.
    one = leaf_hash(b"data")
    assert verify_inclusion(one, 0, 1, [], one) is True
    assert verify_inclusion(one, 0, 1, [], b"") is False
    assert verify_inclusion(b"", 0, 1, [], one) is False
    for index, size in [(0, 0), (1, 0), (2, 1), (1, 1)]:
        assert verify_inclusion(SOME_HASH, index, size, [], EMPTY_TREE_HASH) is False
    # Wrong hash size must fail even when leaf == root (1-leaf tree, no hashing).
    assert verify_inclusion(b"", 0, 1, [], b"") is False
    assert verify_inclusion(b"abc", 0, 1, [], b"abc") is False
    assert verify_inclusion(one * 2, 0, 1, [], one * 2) is False


@pytest.mark.parametrize(
    "container",
    [set, frozenset, dict.fromkeys, iter, lambda p: (x for x in p)],
    ids=["set", "frozenset", "dict", "iterator", "generator"],
)
def test_verify_inclusion_rejects_non_list_proof_with_valid_contents(container):
    leaves = LEAVES[:2]
    proof = inclusion_proof(leaves, 0)
    assert verify_inclusion(leaves[0], 0, 2, proof, root_hash(leaves)) is True
    assert verify_inclusion(leaves[0], 0, 2, container(proof), root_hash(leaves)) is False


class _HostileBytes(bytes):
    def __len__(self):
        raise RuntimeError("boom")

    def __eq__(self, other):
        raise RuntimeError("boom")

    __hash__ = bytes.__hash__


class _HostileList(list):
    def __iter__(self):
        raise RuntimeError("boom")


def test_verifiers_swallow_exceptions_from_hostile_objects():
    evil = _HostileBytes(SOME_HASH)
    assert verify_inclusion(evil, _IDX, _N, _PROOF, _ROOT) is False
    assert verify_inclusion(_LEAF, _IDX, _N, _HostileList(_PROOF), _ROOT) is False
    assert verify_inclusion(_LEAF, _IDX, _N, _PROOF, evil) is False
    assert verify_consistency(_OLD, _NEW, evil, _R2, _CPROOF) is False
    assert verify_consistency(_OLD, _NEW, _R1, _R2, _HostileList(_CPROOF)) is False


def _fold_right(start: bytes, siblings: list[bytes]) -> bytes:
    for s in siblings:
        start = node_hash(start, s)
    return start


def test_sizes_are_bounded_to_uint64():
    # A fabricated 64-step path for leaf 0 is self-consistent for any size
    # whose last index has 64 bits; RFC 9162 sizes are uint64, so 2**64
    # itself must be refused even though the arithmetic would work.
    proof = [SOME_HASH] * 64
    fake_root = _fold_right(LEAVES[0], proof)
    assert verify_inclusion(LEAVES[0], 0, 2**64 - 1, proof, fake_root) is True
    assert verify_inclusion(LEAVES[0], 0, 2**64, proof, fake_root) is False
    # Same for consistency from a 1-leaf tree (its root is prepended).
    fake_new = _fold_right(LEAVES[0], proof)
    assert verify_consistency(1, 2**64 - 1, LEAVES[0], fake_new, proof) is True
    assert verify_consistency(1, 2**64, LEAVES[0], fake_new, proof) is False


_OLD, _NEW = 3, 7
_R1 = root_hash(LEAVES[:_OLD])
_R2 = root_hash(LEAVES[:_NEW])
_CPROOF = consistency_proof(LEAVES[:_NEW], _OLD)

CONSISTENCY_BAD = {
    "old None": dict(old=None),
    "old zero": dict(old=0),
    "old negative": dict(old=-3),
    "old > new": dict(old=_NEW + 1),
    "old float": dict(old=3.0),
    "old bool": dict(old=True),
    "old str": dict(old="3"),
    "new None": dict(new=None),
    "new zero": dict(new=0),
    "new negative": dict(new=-7),
    "new < old": dict(new=_OLD - 1),
    "new float": dict(new=7.0),
    "new str": dict(new="7"),
    "new >= 2**64": dict(new=2**64),
    "old and new zero": dict(old=0, new=0, r1=EMPTY_TREE_HASH, r2=EMPTY_TREE_HASH, proof=[]),
    "old zero empty proof": dict(old=0, r1=EMPTY_TREE_HASH, proof=[]),
    "r1 None": dict(r1=None),
    "r1 empty": dict(r1=b""),
    "r1 short": dict(r1=_R1[:16]),
    "r1 str": dict(r1=_R1.hex()),
    "r2 None": dict(r2=None),
    "r2 33 bytes": dict(r2=_R2 + b"\x00"),
    "r2 int": dict(r2=1),
    "proof None": dict(proof=None),
    "proof bytes blob": dict(proof=b"".join(_CPROOF)),
    "proof str": dict(proof="00" * 32),
    "proof iterator": dict(proof="ITER"),
    "proof with None": dict(proof=[None] + _CPROOF[1:]),
    "proof with short hash": dict(proof=[_CPROOF[0][:31]] + _CPROOF[1:]),
    "proof of ints": dict(proof=[0] * len(_CPROOF)),
    "proof empty": dict(proof=[]),
    "proof truncated": dict(proof=_CPROOF[:-1]),
    "proof extended": dict(proof=_CPROOF + [_CPROOF[-1]]),
    "proof extended with empty": dict(proof=_CPROOF + [b""]),
    "equal sizes non-empty proof": dict(old=_NEW, r1=_R2, proof=[_R2]),
    "equal sizes different roots": dict(old=_NEW, r1=_R1, proof=[]),
    "equal sizes short roots": dict(old=_NEW, r1=b"x", r2=b"x", proof=[]),
    "equal sizes empty roots": dict(old=_NEW, r1=b"", r2=b"", proof=[]),
}


def _call_consistency(old=_OLD, new=_NEW, r1=_R1, r2=_R2, proof=_CPROOF):
    if proof == "ITER":
        proof = iter(_CPROOF)
    return verify_consistency(old, new, r1, r2, proof)


def test_consistency_baseline_is_valid():
    assert _call_consistency() is True
    assert _call_consistency(proof=tuple(_CPROOF)) is True
    assert _call_consistency(old=_NEW, r1=_R2, proof=[]) is True


@pytest.mark.parametrize("kwargs", CONSISTENCY_BAD.values(), ids=CONSISTENCY_BAD.keys())
def test_verify_consistency_malformed_returns_false(kwargs):
    assert _call_consistency(**kwargs) is False


# --------------------------------------------------------------------------
# Property: the incremental frontier agrees with the batch root
# --------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=12), max_size=300), st.data())
def test_frontier_append_matches_root_hash(entries, data):
    leaves = [leaf_hash(e) for e in entries]
    # Check at a handful of intermediate sizes as well as the end, without
    # making each example quadratic.
    checkpoints = set(data.draw(st.lists(st.integers(0, len(leaves)), max_size=5)))
    checkpoints.add(len(leaves))
    frontier: list[bytes] = []
    for size in range(len(leaves) + 1):
        if size in checkpoints:
            assert frontier_root(frontier, size) == root_hash(leaves[:size])
        if size < len(leaves):
            frontier = frontier_append(frontier, size, leaves[size])
            assert len(frontier) == (size + 1).bit_count()
    assert frontier == frontier_from_leaves(leaves)
