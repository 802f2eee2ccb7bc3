"""RFC 9162 / RFC 6962 Merkle Tree Hash, audit paths and consistency proofs.

This module is the pure cryptographic core of the tamper-evident audit log.
It depends only on the standard library and works on ``bytes``:

* :func:`leaf_hash` / :func:`node_hash` -- the domain-separated hashes of
  RFC 9162 §2.1.1 (RFC 6962 §2.1): ``SHA-256(0x00 || d)`` for leaves and
  ``SHA-256(0x01 || left || right)`` for interior nodes.  The distinct
  prefixes stop a leaf from being passed off as an interior node (second
  pre-image attacks on the tree).
* :func:`root_hash` -- the Merkle Tree Hash (MTH) of RFC 9162 §2.1.1 over
  leaf hashes that were already computed with :func:`leaf_hash`.
* :func:`inclusion_proof` / :func:`verify_inclusion` -- RFC 9162 §2.1.3.1
  (PATH) and §2.1.3.2.
* :func:`consistency_proof` / :func:`verify_consistency` -- RFC 9162
  §2.1.4.1 (PROOF / SUBPROOF) and §2.1.4.2.
* :func:`frontier_append` / :func:`frontier_root` /
  :func:`frontier_from_leaves` -- a "compact range" of perfect-subtree roots
  so an append-only log can extend its root in O(log n) without re-reading
  old leaves.

Every generator is iterative (no recursion), so trees with millions of leaves
are fine; :func:`root_hash` does n - 1 node hashes and O(log n) memory, and
each proof generator does at most O(n) hashing.

The verifiers never raise: any malformed argument (wrong type, bad size,
hash that is not 32 bytes, proof of the wrong length or type) yields
``False``, because they are fed data received from outside.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "HASH_SIZE",
    "EMPTY_ROOT",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "inclusion_proof",
    "consistency_proof",
    "verify_inclusion",
    "verify_consistency",
    "frontier_append",
    "frontier_root",
    "frontier_from_leaves",
    "inclusion_ranges",
    "consistency_ranges",
    "stream_subtree_roots",
    "streaming_consistency_proof",
]

#: Length in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32

#: MTH({}) = SHA-256() -- the hash of an empty tree (RFC 9162 §2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

# Sizes and indices are uint64 on the wire in RFC 9162 (§4.x structures);
# bounding them also keeps the verifiers' shift loops short on hostile input.
_MAX_SIZE = 1 << 64

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


# --------------------------------------------------------------------------
# Hashing primitives (RFC 9162 §2.1.1)
# --------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """Return ``SHA-256(0x00 || data)``, the leaf hash of RFC 9162 §2.1.1."""
    # Refuse ints etc.: bytes(5) would silently hash five zero bytes.
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    return hashlib.sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return ``SHA-256(0x01 || left || right)``, the interior node hash of
    RFC 9162 §2.1.1."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _node(left: bytes, right: bytes) -> bytes:
    # Local fast path used in hot loops (inputs are known-good bytes).
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# --------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    # bool is an int subclass; True/False are never meaningful sizes here.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_hash(value: object) -> bool:
    return isinstance(value, (bytes, bytearray)) and len(value) == HASH_SIZE


def _require_hash(value: object, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")
    return bytes(value)


def _require_leaves(leaf_hashes: Sequence[bytes]) -> Sequence[bytes]:
    if isinstance(leaf_hashes, (bytes, bytearray, str)) or not isinstance(leaf_hashes, Sequence):
        raise TypeError("leaf_hashes must be a sequence of 32-byte hashes")
    return leaf_hashes


def _largest_pow2_below(n: int) -> int:
    """k of RFC 9162 §2.1.1: the largest power of two strictly less than n
    (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# --------------------------------------------------------------------------
# Merkle Tree Hash (RFC 9162 §2.1.1)
# --------------------------------------------------------------------------


def _mth_range(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) without recursion or slicing.

    Leaves are pushed onto a stack of perfect-subtree roots, merging equal
    heights as in a binary counter; folding the stack right to left at the
    end reproduces the RFC's "split at the largest power of two < n" shape,
    because the stack is exactly the binary decomposition of hi - lo.
    """
    if hi <= lo:
        return EMPTY_ROOT
    sha = hashlib.sha256
    prefix = _NODE_PREFIX
    stack: list[bytes] = []
    for count in range(1, hi - lo + 1):
        h = leaves[lo + count - 1]
        if not isinstance(h, (bytes, bytearray)) or len(h) != HASH_SIZE:
            raise ValueError(f"leaf hash at index {lo + count - 1} is not {HASH_SIZE} bytes")
        # Each trailing zero bit of the new count is one completed merge.
        c = count
        while not c & 1:
            h = sha(prefix + stack.pop() + h).digest()
            c >>= 1
        stack.append(bytes(h))
    root = stack.pop()
    while stack:
        root = sha(prefix + stack.pop() + root).digest()
    return root


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle Tree Hash of RFC 9162 §2.1.1 (RFC 6962 §2.1) over leaf hashes.

    ``leaf_hashes[i]`` must already be :func:`leaf_hash` of entry *i*.  The
    tree splits at the largest power of two strictly less than n; the empty
    tree hashes to ``SHA-256(b"")``.  O(n) time, O(log n) extra memory,
    no recursion.

    Raises TypeError/ValueError if an element is not a 32-byte hash.
    """
    leaves = _require_leaves(leaf_hashes)
    return _mth_range(leaves, 0, len(leaves))


# --------------------------------------------------------------------------
# Inclusion proofs (RFC 9162 §2.1.3)
# --------------------------------------------------------------------------


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path PATH(m, D[n]) of RFC 9162 §2.1.3.1 for leaf *index* (0-based).

    Returned bottom-up (sibling of the leaf first, child of the root last),
    which is the RFC order and what :func:`verify_inclusion` consumes.

    Raises ValueError if ``index`` is not in ``range(len(leaf_hashes))``.
    """
    leaves = _require_leaves(leaf_hashes)
    n = len(leaves)
    if not _is_int(index):
        raise TypeError("index must be an int")
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} out of range for tree size {n}")
    _require_hash(leaves[index], "leaf hash")

    # Walk the RFC recursion top-down over [lo, hi); each level contributes
    # the MTH of the sibling subtree.  The siblings are disjoint, so total
    # hashing is O(n).  Collected root-first, then reversed to RFC order.
    path: list[bytes] = []
    lo, hi, m = 0, n, index
    while hi - lo > 1:
        k = _largest_pow2_below(hi - lo)
        if m < k:
            path.append(_mth_range(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_mth_range(leaves, lo, lo + k))
            lo, m = lo + k, m - k
    path.reverse()
    return path


def verify_inclusion(
    leaf_hash: bytes,
    index: int,
    tree_size: int,
    proof: Sequence[bytes],
    root: bytes,
) -> bool:
    """Verify an inclusion proof with the algorithm of RFC 9162 §2.1.3.2.

    ``leaf_hash`` is the :func:`leaf_hash` of the entry, ``index`` its 0-based
    position, ``proof`` the audit path from :func:`inclusion_proof`.  Returns
    False (never raises) on any malformed input.
    """
    try:
        return _verify_inclusion(leaf_hash, index, tree_size, proof, root)
    except Exception:  # noqa: BLE001 - verifiers must not raise on hostile input
        return False


def _valid_proof(proof: object) -> bool:
    # Only real lists/tuples: bytes/str are Sequences too, but a proof is a
    # list of hashes, and a concatenated blob must not be silently accepted.
    return isinstance(proof, (list, tuple)) and all(_is_hash(p) for p in proof)


def _verify_inclusion(
    leaf: object, index: object, tree_size: object, proof: object, root: object
) -> bool:
    if not (_is_int(index) and _is_int(tree_size)):
        return False
    if not (_is_hash(leaf) and _is_hash(root) and _valid_proof(proof)):
        return False
    assert isinstance(index, int) and isinstance(tree_size, int)
    # Step 1: leaf_index must be < tree_size (and sizes are uint64).
    if not 0 <= index < tree_size < _MAX_SIZE:
        return False
    # Step 2-3.
    fn, sn = index, tree_size - 1
    r = bytes(leaf)  # type: ignore[arg-type]
    sha = hashlib.sha256
    # Step 4.
    for p in proof:  # type: ignore[union-attr]
        if sn == 0:  # 4a: proof longer than the path
            return False
        if fn & 1 or fn == sn:  # 4b: p is a left sibling
            r = sha(_NODE_PREFIX + p + r).digest()
            if not fn & 1:
                # fn is a right-edge node with no right sibling at these
                # levels; skip them (the RFC's "rightmost" shortcut).
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:  # p is a right sibling
            r = sha(_NODE_PREFIX + r + p).digest()
        fn >>= 1  # 4c
        sn >>= 1
    # Step 5: sn == 0 rejects proofs that are too short.
    return sn == 0 and r == bytes(root)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Consistency proofs (RFC 9162 §2.1.4)
# --------------------------------------------------------------------------


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Consistency proof PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of
    RFC 9162 §2.1.4.1 between the first ``old_size`` leaves and all of them.

    RFC 9162 defines the proof for 0 < m <= n; for m == n it is empty.
    Raises ValueError for ``old_size`` of 0 or greater than ``len(leaf_hashes)``.
    """
    leaves = _require_leaves(leaf_hashes)
    n = len(leaves)
    if not _is_int(old_size):
        raise TypeError("old_size must be an int")
    if not 0 < old_size <= n:
        raise ValueError(f"old_size must satisfy 0 < old_size <= {n}, got {old_size}")

    # Iterative SUBPROOF(m, D[lo:hi], b): each level appends one subtree
    # hash; RFC order puts the deepest (base-case) node first, so collect
    # top-down and reverse at the end.
    rev: list[bytes] = []
    lo, hi, m, b = 0, n, old_size, True
    while m != hi - lo:
        k = _largest_pow2_below(hi - lo)
        if m <= k:
            # Old root lies entirely in the left subtree: prove that, then
            # add the right subtree which only the new tree has.
            rev.append(_mth_range(leaves, lo + k, hi))
            hi = lo + k
        else:
            # The left subtree is complete and shared by both trees.
            rev.append(_mth_range(leaves, lo, lo + k))
            lo, m, b = lo + k, m - k, False
    if not b:
        # Base case m == n with b false: the old tree's subtree is needed
        # because it is not the old root the verifier already holds.
        rev.append(_mth_range(leaves, lo, hi))
    rev.reverse()
    return rev


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """Verify a consistency proof with the algorithm of RFC 9162 §2.1.4.2.

    Accepts when the tree of ``old_size`` leaves with root ``old_root`` is a
    prefix of the tree of ``new_size`` leaves with root ``new_root``.

    * ``0 < old_size < new_size``: the RFC algorithm.
    * ``old_size == new_size``: the proof must be empty and the roots equal
      (SUBPROOF's m == n case).
    * ``old_size == 0``: False.  RFC 9162 defines consistency proofs only
      for 0 < m, and :func:`consistency_proof` refuses to make one; a
      verifier starting from an empty log has nothing to check against.

    Returns False (never raises) on any malformed input.
    """
    try:
        return _verify_consistency(old_size, new_size, old_root, new_root, proof)
    except Exception:  # noqa: BLE001 - verifiers must not raise on hostile input
        return False


def _verify_consistency(
    first: object, second: object, first_hash: object, second_hash: object, proof: object
) -> bool:
    if not (_is_int(first) and _is_int(second)):
        return False
    if not (_is_hash(first_hash) and _is_hash(second_hash) and _valid_proof(proof)):
        return False
    assert isinstance(first, int) and isinstance(second, int)
    assert isinstance(proof, (list, tuple))
    if not 0 < first <= second < _MAX_SIZE:
        return False
    first_hash = bytes(first_hash)  # type: ignore[arg-type]
    second_hash = bytes(second_hash)  # type: ignore[arg-type]
    if first == second:
        return len(proof) == 0 and first_hash == second_hash

    # Step 1: a non-trivial proof is never empty.
    if len(proof) == 0:
        return False
    path = [bytes(p) for p in proof]
    # Step 2: a power-of-two old tree is a complete subtree of the new one,
    # so its root is omitted from the proof and must be supplied here.
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # Step 3-4.
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5.
    fr = sr = path[0]
    sha = hashlib.sha256
    # Step 6.
    for c in path[1:]:
        if sn == 0:  # 6a: proof too long
            return False
        if fn & 1 or fn == sn:  # 6b: c is a left sibling in both trees
            fr = sha(_NODE_PREFIX + c + fr).digest()
            sr = sha(_NODE_PREFIX + c + sr).digest()
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:  # c only exists in the new tree, to the right
            sr = sha(_NODE_PREFIX + sr + c).digest()
        fn >>= 1  # 6c
        sn >>= 1
    # Step 7: sn == 0 rejects proofs that are too short.
    return sn == 0 and fr == first_hash and sr == second_hash


# --------------------------------------------------------------------------
# Frontier / compact range (incremental root for an append-only log)
# --------------------------------------------------------------------------


def _check_frontier(frontier: Sequence[bytes], size: int) -> list[bytes]:
    if not _is_int(size):
        raise TypeError("size must be an int")
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    if isinstance(frontier, (bytes, bytearray, str)) or not isinstance(frontier, Sequence):
        raise TypeError("frontier must be a sequence of 32-byte hashes")
    # One perfect subtree per set bit of size (RFC 9162 §2.1.1's left-
    # balanced shape decomposes size into powers of two, largest first).
    expected = size.bit_count()
    if len(frontier) != expected:
        raise ValueError(
            f"frontier for size {size} must hold {expected} hashes, got {len(frontier)}"
        )
    return [_require_hash(h, "frontier hash") for h in frontier]


def frontier_append(frontier: Sequence[bytes], size: int, leaf_hash: bytes) -> list[bytes]:
    """Return the frontier of the tree of ``size + 1`` leaves.

    ``frontier`` lists the roots of the perfect subtrees that make up the
    tree of ``size`` leaves, largest (leftmost) first, one per set bit of
    ``size``.  Appending is a binary increment: each trailing 1 bit of
    ``size`` is a same-height subtree that merges with the new one.  The
    input is not modified.  Raises ValueError/TypeError on a frontier that
    does not match ``size`` or a hash that is not 32 bytes.
    """
    new = _check_frontier(frontier, size)
    h = _require_hash(leaf_hash, "leaf_hash")
    s = size
    while s & 1:
        h = _node(new.pop(), h)
        s >>= 1
    new.append(h)
    return new


def frontier_root(frontier: Sequence[bytes], size: int) -> bytes:
    """MTH of the tree described by ``frontier`` (same value as
    :func:`root_hash` over all its leaves; RFC 9162 §2.1.1).

    The largest power of two < n is exactly the first frontier subtree, so
    folding right to left reproduces the RFC split.  Empty -> SHA-256(b"").
    """
    hashes = _check_frontier(frontier, size)
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for h in reversed(hashes[:-1]):
        root = _node(h, root)
    return root


def frontier_from_leaves(leaf_hashes: Iterable[bytes]) -> list[bytes]:
    """Frontier (compact range) of the tree over ``leaf_hashes``, suitable
    for :func:`frontier_append` / :func:`frontier_root`.  O(n), iterative."""
    if isinstance(leaf_hashes, (bytes, bytearray, str)):
        raise TypeError("leaf_hashes must be an iterable of 32-byte hashes")
    frontier: list[bytes] = []
    size = 0
    for h in leaf_hashes:
        h = _require_hash(h, "leaf hash")
        s = size
        while s & 1:
            h = _node(frontier.pop(), h)
            s >>= 1
        frontier.append(h)
        size += 1
    return frontier


# --------------------------------------------------------------------------
# Streaming proofs: the same proofs from leaves read once, in order
# --------------------------------------------------------------------------
#
# Every node of an RFC 9162 proof is the MTH of a run of consecutive leaves.
# Listing those runs first, then folding the leaves through a frontier while
# they stream past, builds a proof from a log of any length in O(n) time and
# O(log n) memory, without ever holding the leaves in a list.


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The [lo, hi) leaf ranges whose MTHs form PATH(index, D[size]) (RFC 9162 §2.1.3.1), in proof
    order (leaf's sibling first)."""
    if not (_is_int(index) and _is_int(size)) or not 0 <= index < size:
        raise ValueError(f"leaf index {index} out of range for tree size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _largest_pow2_below(hi - lo)
        if m < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m = lo + k, m - k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The [lo, hi) leaf ranges whose MTHs form PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1),
    in proof order; empty when the sizes are equal. Raises ValueError unless 0 < old <= new."""
    if not (_is_int(old_size) and _is_int(new_size)) or not 0 < old_size <= new_size:
        raise ValueError(f"need 0 < old_size <= new_size, got {old_size}, {new_size}")
    rev: list[tuple[int, int]] = []
    lo, hi, m, b = 0, new_size, old_size, True
    while m != hi - lo:
        k = _largest_pow2_below(hi - lo)
        if m <= k:
            rev.append((lo + k, hi))
            hi = lo + k
        else:
            rev.append((lo, lo + k))
            lo, m, b = lo + k, m - k, False
    if not b:
        rev.append((lo, hi))
    rev.reverse()
    return rev


def stream_subtree_roots(leaf_hashes: Iterable[bytes], ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """MTH of each (disjoint) range, from leaf hashes read once in order; returned in the order of
    ``ranges``. Raises ValueError when the leaves end before the last range does."""
    order = sorted(range(len(ranges)), key=lambda i: ranges[i][0])
    roots: list[bytes | None] = [None] * len(ranges)
    if not order:
        return []
    cursor = 0
    frontier: list[bytes] = []
    count = 0
    end = max(hi for _, hi in ranges)
    position = -1
    for position, leaf in enumerate(leaf_hashes):
        if position >= end or cursor >= len(order):
            break
        lo, hi = ranges[order[cursor]]
        if position < lo:
            continue
        leaf = _require_hash(leaf, "leaf hash")
        frontier = frontier_append(frontier, count, leaf)
        count += 1
        if position == hi - 1:
            roots[order[cursor]] = frontier_root(frontier, count)
            frontier, count = [], 0
            cursor += 1
    if any(r is None for r in roots):
        raise ValueError(f"fewer than {end} leaves")
    return [r for r in roots if r is not None]


def streaming_consistency_proof(leaf_hashes: Iterable[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) from the first ``new_size`` leaf hashes, read once in order;
    equal to :func:`consistency_proof` over the same leaves."""
    return stream_subtree_roots(leaf_hashes, consistency_ranges(old_size, new_size))
