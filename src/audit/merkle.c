/*
 * merkle.c - RFC 6962 Merkle tree hashes, audit paths and their check.
 */
#include "audit/merkle.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/lf.h"

static void hash_node(const lf_merkle_hash l, const lf_merkle_hash r, lf_merkle_hash out);
static size_t split(size_t n);
static void subtree_root(const lf_merkle_hash *leaves, size_t n, lf_merkle_hash out);
static size_t path_len(size_t i, size_t n);

static void hash_node(const lf_merkle_hash l, const lf_merkle_hash r, lf_merkle_hash out)
{
	static const unsigned char prefix = 0x01;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	crypto_hash_sha256_update(&st, l, LF_MERKLE_HASH);
	crypto_hash_sha256_update(&st, r, LF_MERKLE_HASH);
	crypto_hash_sha256_final(&st, out);
}

/* The largest power of two smaller than n (n >= 2): RFC 6962's k. */
static size_t split(size_t n)
{
	size_t k = 1;
	while (k < n - k)
		k <<= 1;
	return k;
}

/*
 * MTH without recursion: leaves go onto a stack of complete subtrees of
 * strictly decreasing size, two equal neighbours merging as in binary
 * addition, so the stack never holds more than one subtree per bit of n
 * (64). Folding what is left from the right is then exactly RFC 6962's
 * split at the largest power of two, applied at every level.
 */
static void subtree_root(const lf_merkle_hash *leaves, size_t n, lf_merkle_hash out)
{
	lf_merkle_hash stack[LF_MERKLE_MAX_PATH];
	size_t top = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(stack[top++], leaves[i], LF_MERKLE_HASH);
		/* After leaf i, i + 1 leaves are in; each trailing zero bit of
		 * i + 1 is a pair of equal subtrees to merge. */
		for (size_t done = i + 1; (done & 1) == 0; done >>= 1) {
			hash_node(stack[top - 2], stack[top - 1], stack[top - 2]);
			top--;
		}
	}
	while (top > 1) {
		hash_node(stack[top - 2], stack[top - 1], stack[top - 2]);
		top--;
	}
	memcpy(out, stack[0], LF_MERKLE_HASH);
}

/* How many hashes the audit path of leaf i in a tree of n leaves has:
 * RFC 9162's verification loop run without hashing. */
static size_t path_len(size_t i, size_t n)
{
	size_t fn = i, sn = n - 1, len = 0;
	while (sn != 0) {
		if ((fn & 1) == 1 || fn == sn) {
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		}
		fn >>= 1;
		sn >>= 1;
		len++;
	}
	return len;
}

int lf_merkle_leaf(const char *record_hex, lf_merkle_hash out)
{
	static const unsigned char prefix = 0x00;
	unsigned char d[LF_MERKLE_HASH];
	size_t bin_len = 0;
	const char *end = NULL;
	crypto_hash_sha256_state st;
	/* Lowercase only, as records are hashed: one spelling per leaf. */
	if (record_hex == NULL || strlen(record_hex) != 2 * LF_MERKLE_HASH ||
	    strspn(record_hex, "0123456789abcdef") != 2 * LF_MERKLE_HASH ||
	    sodium_hex2bin(d, sizeof(d), record_hex, 2 * LF_MERKLE_HASH, NULL, &bin_len, &end) !=
		0 ||
	    bin_len != sizeof(d))
		return LF_ERR_INVALID;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	crypto_hash_sha256_update(&st, d, sizeof(d));
	crypto_hash_sha256_final(&st, out);
	return LF_OK;
}

int lf_merkle_leaves_add(lf_merkle_leaves *l, const char *record_hex)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		lf_merkle_hash *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return LF_ERR_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	int ret = lf_merkle_leaf(record_hex, l->v[l->n]);
	if (ret == LF_OK)
		l->n++;
	return ret;
}

int lf_merkle_root(const lf_merkle_hash *leaves, size_t n, lf_merkle_hash out)
{
	if (n == 0 || leaves == NULL)
		return LF_ERR_INVALID;
	subtree_root(leaves, n, out);
	return LF_OK;
}

/*
 * RFC 6962's PATH(m, D[n]) walked from the top: at each level the sibling
 * is the root of the half that does not hold leaf i. Found top first, the
 * hashes are stored bottom first, the order verification consumes them.
 * The siblings are disjoint subtrees covering every leaf but i, so a
 * proof costs about n hashes and no memory beyond path.
 */
int lf_merkle_proof(const lf_merkle_hash *leaves, size_t n, size_t i,
		    lf_merkle_hash path[LF_MERKLE_MAX_PATH], size_t *len)
{
	size_t lo = 0, hi = n, k, depth;
	if (leaves == NULL || i >= n)
		return LF_ERR_INVALID;
	depth = path_len(i, n);
	*len = depth;
	while (hi - lo > 1) {
		k = split(hi - lo);
		depth--;
		if (i < lo + k) {
			subtree_root(leaves + lo + k, hi - lo - k, path[depth]);
			hi = lo + k;
		} else {
			subtree_root(leaves + lo, k, path[depth]);
			lo += k;
		}
	}
	return LF_OK;
}

/* RFC 9162 2.1.3.2, step for step (fn, sn: the node's index and the last
 * index at the current level). */
int lf_merkle_verify(const lf_merkle_hash leaf, size_t i, size_t n, const lf_merkle_hash *path,
		     size_t len, const lf_merkle_hash root)
{
	size_t fn = i, sn;
	lf_merkle_hash r;
	if (i >= n || len > LF_MERKLE_MAX_PATH || len != path_len(i, n) ||
	    (len > 0 && path == NULL))
		return LF_ERR_INVALID;
	sn = n - 1;
	memcpy(r, leaf, LF_MERKLE_HASH);
	for (size_t p = 0; p < len; p++) {
		if ((fn & 1) == 1 || fn == sn) {
			hash_node(path[p], r, r);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			hash_node(r, path[p], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(r, root, LF_MERKLE_HASH) == 0 ? LF_OK : LF_ERR_CONFLICT;
}
