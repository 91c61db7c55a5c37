/*
 * merkle.h - the Merkle tree over one sealed batch of audit records.
 *
 * The tree is RFC 6962's (certificate transparency), so that anyone can
 * check an inclusion proof with a few lines of code of their own:
 *
 *   leaf(d)        = SHA-256(0x00 || d)   d: the record's 32-byte hash
 *   node(l, r)     = SHA-256(0x01 || l || r)
 *   MTH({d0})      = leaf(d0)
 *   MTH(D[0:n])    = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power
 *                    of two smaller than n
 *
 * The prefixes keep a leaf from ever being passed off as an inner node.
 * An inclusion proof is RFC 6962's audit path (2.1.1), verified as in
 * RFC 9162 2.1.3.2. Everything here is pure: no allocation the caller
 * does not see, no I/O.
 */
#ifndef LF_AUDIT_MERKLE_H
#define LF_AUDIT_MERKLE_H

#include <stddef.h>

#define LF_MERKLE_HASH 32
/* Longest audit path: one hash per level of a tree of up to 2^63 leaves. */
#define LF_MERKLE_MAX_PATH 64

typedef unsigned char lf_merkle_hash[LF_MERKLE_HASH];

/* leaf(d) for a record hash given as 64 lowercase hex digits (as
 * lf_audit_hash writes it). LF_ERR_INVALID when record_hex is not. */
int lf_merkle_leaf(const char *record_hex, lf_merkle_hash out);

/* A growing array of leaf hashes, for a batch whose size is not known
 * before its records are read. Zero-initialize; the caller frees v. */
typedef struct lf_merkle_leaves {
	lf_merkle_hash *v;
	size_t n, cap;
} lf_merkle_leaves;

/* Appends leaf(record_hex), doubling the array when it is full.
 * LF_ERR_NOMEM, or LF_ERR_INVALID as lf_merkle_leaf. */
int lf_merkle_leaves_add(lf_merkle_leaves *l, const char *record_hex);

/* MTH over leaves[0..n), n >= 1 (leaf hashes, i.e. already leaf()-ed).
 * Works in O(log n) extra stack, not O(n) memory. LF_ERR_INVALID for n 0. */
int lf_merkle_root(const lf_merkle_hash *leaves, size_t n, lf_merkle_hash out);

/* The audit path of leaf i among leaves[0..n): path gets *len hashes
 * (at most LF_MERKLE_MAX_PATH), leaf side first. LF_ERR_INVALID when
 * i >= n. */
int lf_merkle_proof(const lf_merkle_hash *leaves, size_t n, size_t i,
		    lf_merkle_hash path[LF_MERKLE_MAX_PATH], size_t *len);

/* Whether path proves that leaf is leaf i of a tree of n leaves whose root
 * is root: LF_OK, or LF_ERR_CONFLICT when it does not (LF_ERR_INVALID for
 * i >= n or a path of the wrong length). The path alone does not pin n:
 * a leaf in the complete left part of the tree has the same path in
 * trees of several sizes (leaf 0 of 5 and of 6), so n must come from
 * something signed, the checkpoint's first..last. */
int lf_merkle_verify(const lf_merkle_hash leaf, size_t i, size_t n, const lf_merkle_hash *path,
		     size_t len, const lf_merkle_hash root);

#endif
