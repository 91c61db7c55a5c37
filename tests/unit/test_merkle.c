/*
 * test_merkle.c - the RFC 6962 Merkle tree of sealed audit batches: roots
 * and audit paths against values computed elsewhere, and every proof of
 * small trees checked to verify as given and to fail when anything in it
 * is changed.
 *
 * The expected values were printed by a Python 3 rendering of RFC 6962
 * 2.1 (hashlib, the recursive MTH and PATH definitions word for word),
 * run once when these tests were written:
 *
 *   import hashlib
 *   H = lambda b: hashlib.sha256(b).digest()
 *   leaf = lambda d: H(b'\x00' + d)
 *   node = lambda l, r: H(b'\x01' + l + r)
 *   def k_of(n):  # the largest power of two smaller than n
 *       k = 1
 *       while k * 2 < n: k *= 2
 *       return k
 *   def mth(D):
 *       if len(D) == 1: return leaf(D[0])
 *       k = k_of(len(D)); return node(mth(D[:k]), mth(D[k:]))
 *   def path(m, D):
 *       if len(D) == 1: return []
 *       k = k_of(len(D))
 *       if m < k: return path(m, D[:k]) + [mth(D[k:])]
 *       return path(m - k, D[k:]) + [mth(D[:k])]
 *   D = [H(bytes([i])) for i in range(17)]            # the record hashes
 *   D1000 = [H(i.to_bytes(2, 'big')) for i in range(1000)]
 *
 * The certificate-transparency roots (test_ct_vectors) are the ones in
 * the CT project's merkle tree tests, which the same script reproduced.
 */
#include "audit/merkle.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lf.h"

#define NMAX 17

static void record_hash(int i, lf_merkle_hash out);
static void leaves_of(lf_merkle_hash *leaves, size_t n);
static void assert_hex(const lf_merkle_hash h, const char *hex);
static void test_ct_vectors(void **state);
static void test_leaf(void **state);
static void test_roots(void **state);
static void test_root_1000(void **state);
static void test_proof_vectors(void **state);
static void test_every_proof(void **state);
static void test_invalid(void **state);
static void test_leaves_grow(void **state);

/* Roots of D[0:n] for n = 1..17. */
static const char *const roots[NMAX] = {
    "d9de27625445003d8a9739a851e3ff8d41c0683630b4d63a88327a6aaa37c409",
    "604d540f09268b91672ab011394d5266ccd7d4484d0d109411a55848126a1b2c",
    "d1f13800048f5909d4043fc0c152f6643280cba608b672715e56ce159a20629f",
    "0dcc2b645c00dfa2338e1c7ac2c4b570beda5a476d58836e55e28bde55e6bee1",
    "6b313b611b40676b9e1dfd70c4503f2379f88f0f1c2740fb7e1cacc32c113465",
    "33d501ae67e6e5745c0aa49e3aff95130969b568208b07210c508caa5ff39b3c",
    "bee2275db16667589a4515f63e0d053a2fa602c1d9f9703e98920a5bdad59baf",
    "80e139b44c90f91edebec705cc7586c3d90f4bdadd49628d25c20d4b03419287",
    "aaba260cc2c4084b1d745f8817ad3d3350c5b005d8283bc3246396eee0ad9538",
    "d17abecdd62e65e15ca44e38fc113257c487b9ea6273ccb2c9f0dfc895661c98",
    "ed1d954562b2a1663d5a2630ffaf20dc151d543c96bd785369c8ab3e3fc3df6c",
    "941cf4c19ace86bf45a19afa035d9d0937ee1429abd73353585ae21df1badb9b",
    "8759c611964a1e257c11aab61dcd8206d01ae8c29799365f8f1b94045c0a9db2",
    "3443fd9d32330bab8684309180c0e88399b8c7cfdeef6a1bb88ecc3552ac1edb",
    "54b1e3892d6ec05fd73f8f0470dfbbaed5bec6b5029764a2cf9ff7a99459d56b",
    "cc6e692ad24b6d105fa005c1028345bd7fd47c0221444ae3e6b9aa3708cacfc2",
    "028145c4eede095d2c6f0f63f0bdd130349f04a4970aaf544d8cbd00bedb5e42",
};

/* D[i] = SHA-256 of the single byte i: stands in for a record's hash. */
static void record_hash(int i, lf_merkle_hash out)
{
	unsigned char b = (unsigned char)i;
	crypto_hash_sha256(out, &b, 1);
}

static void leaves_of(lf_merkle_hash *leaves, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		lf_merkle_hash d;
		char hex[65];
		record_hash((int)i, d);
		sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
		assert_int_equal(lf_merkle_leaf(hex, leaves[i]), LF_OK);
	}
}

static void assert_hex(const lf_merkle_hash h, const char *hex)
{
	char got[65];
	sodium_bin2hex(got, sizeof(got), h, LF_MERKLE_HASH);
	assert_string_equal(got, hex);
}

/* RFC 6962 leaves are SHA-256(0x00 || data) of arbitrary data; the CT
 * project's eight test inputs and their published roots check
 * lf_merkle_root against a tree nobody here computed. */
static void test_ct_vectors(void **state)
{
	static const char *const data[8] = {
	    "",
	    "00",
	    "10",
	    "2021",
	    "3031",
	    "40414243",
	    "5051525354555657",
	    "606162636465666768696a6b6c6d6e6f",
	};
	static const char *const ct_roots[8] = {
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	lf_merkle_hash leaves[8], root;
	(void)state;
	for (size_t i = 0; i < 8; i++) {
		unsigned char buf[17] = {0x00};
		size_t len = 0;
		assert_int_equal(sodium_hex2bin(buf + 1, sizeof(buf) - 1, data[i], strlen(data[i]),
						NULL, &len, NULL),
				 0);
		crypto_hash_sha256(leaves[i], buf, len + 1);
	}
	for (size_t n = 1; n <= 8; n++) {
		assert_int_equal(lf_merkle_root(leaves, n, root), LF_OK);
		assert_hex(root, ct_roots[n - 1]);
	}
}

static void test_leaf(void **state)
{
	lf_merkle_hash leaf;
	(void)state;
	assert_int_equal(
	    lf_merkle_leaf("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
			   leaf),
	    LF_OK);
	assert_hex(leaf, "d9de27625445003d8a9739a851e3ff8d41c0683630b4d63a88327a6aaa37c409");
	assert_int_equal(
	    lf_merkle_leaf("6E340B9CFFB37A989CA544E6BB780A2C78901D3FB33738768511A30617AFA01D",
			   leaf),
	    LF_ERR_INVALID);
	assert_int_equal(lf_merkle_leaf(NULL, leaf), LF_ERR_INVALID);
	assert_int_equal(lf_merkle_leaf("", leaf), LF_ERR_INVALID);
	assert_int_equal(
	    lf_merkle_leaf("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01", leaf),
	    LF_ERR_INVALID);
	assert_int_equal(
	    lf_merkle_leaf("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d0",
			   leaf),
	    LF_ERR_INVALID);
	assert_int_equal(
	    lf_merkle_leaf("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01g",
			   leaf),
	    LF_ERR_INVALID);
}

static void test_roots(void **state)
{
	lf_merkle_hash leaves[NMAX], root;
	(void)state;
	leaves_of(leaves, NMAX);
	for (size_t n = 1; n <= NMAX; n++) {
		assert_int_equal(lf_merkle_root(leaves, n, root), LF_OK);
		assert_hex(root, roots[n - 1]);
	}
}

/* Deeper than the small trees: ten levels, every subtree size on the way
 * from 512 + 256 + 128 + 64 + 32 + 8. */
static void test_root_1000(void **state)
{
	static lf_merkle_hash leaves[1000];
	lf_merkle_hash root;
	(void)state;
	for (int i = 0; i < 1000; i++) {
		unsigned char be[2] = {(unsigned char)(i >> 8), (unsigned char)i};
		lf_merkle_hash d;
		char hex[65];
		crypto_hash_sha256(d, be, 2);
		sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
		assert_int_equal(lf_merkle_leaf(hex, leaves[i]), LF_OK);
	}
	assert_int_equal(lf_merkle_root(leaves, 1000, root), LF_OK);
	assert_hex(root, "52d97367ee9b34bad77bef83c2d13d976f3302bfd6f1db62fe31e8d3552e75ae");
}

static void test_proof_vectors(void **state)
{
	static const struct {
		size_t i, n, len;
		const char *path[3];
	} cases[] = {
	    {0, 1, 0, {NULL}},
	    {2,
	     5,
	     3,
	     {"36e4970e7c84e559ed7290304c3c0672289a6918e7746d48397b0e122db7748f",
	      "604d540f09268b91672ab011394d5266ccd7d4484d0d109411a55848126a1b2c",
	      "12d24297164ffddfd8febbd02275c3c5ff24916dc71d5f3476931480854b3113"}},
	    {4, 5, 1, {"0dcc2b645c00dfa2338e1c7ac2c4b570beda5a476d58836e55e28bde55e6bee1"}},
	    {6,
	     7,
	     2,
	     {"8759d0890547f39383841b565fe658d0c99a2d76589fe804c4b4060f6dd500b8",
	      "0dcc2b645c00dfa2338e1c7ac2c4b570beda5a476d58836e55e28bde55e6bee1"}},
	    {16, 17, 1, {"cc6e692ad24b6d105fa005c1028345bd7fd47c0221444ae3e6b9aa3708cacfc2"}},
	    {5,
	     8,
	     3,
	     {"12d24297164ffddfd8febbd02275c3c5ff24916dc71d5f3476931480854b3113",
	      "c9e643a3a8ebe49a4a4041781da4279b465b41bcd68b3f5c71ea93b090ca54f0",
	      "0dcc2b645c00dfa2338e1c7ac2c4b570beda5a476d58836e55e28bde55e6bee1"}},
	};
	lf_merkle_hash leaves[NMAX], path[LF_MERKLE_MAX_PATH];
	(void)state;
	leaves_of(leaves, NMAX);
	for (size_t c = 0; c < LF_ARRAY_LEN(cases); c++) {
		size_t len = 99;
		assert_int_equal(lf_merkle_proof(leaves, cases[c].n, cases[c].i, path, &len),
				 LF_OK);
		assert_int_equal(len, cases[c].len);
		for (size_t p = 0; p < len; p++)
			assert_hex(path[p], cases[c].path[p]);
	}
}

/*
 * Every leaf of every tree of 1 to 17 leaves: its proof verifies against
 * the known root; any one bit flipped in the leaf, the root or any path
 * hash, another index, a path one hash short or long does not, nor
 * (for the last leaf) another tree size.
 */
static void test_every_proof(void **state)
{
	lf_merkle_hash leaves[NMAX], root, path[LF_MERKLE_MAX_PATH + 1], bad;
	(void)state;
	leaves_of(leaves, NMAX);
	for (size_t n = 1; n <= NMAX; n++) {
		assert_int_equal(lf_merkle_root(leaves, n, root), LF_OK);
		for (size_t i = 0; i < n; i++) {
			size_t len = 0;
			assert_int_equal(lf_merkle_proof(leaves, n, i, path, &len), LF_OK);
			assert_int_equal(lf_merkle_verify(leaves[i], i, n, path, len, root), LF_OK);
			for (size_t bit = 0; bit < 8 * LF_MERKLE_HASH; bit += 37) {
				memcpy(bad, leaves[i], LF_MERKLE_HASH);
				bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
				assert_int_equal(lf_merkle_verify(bad, i, n, path, len, root),
						 LF_ERR_CONFLICT);
				memcpy(bad, root, LF_MERKLE_HASH);
				bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
				assert_int_equal(lf_merkle_verify(leaves[i], i, n, path, len, bad),
						 LF_ERR_CONFLICT);
				for (size_t p = 0; p < len; p++) {
					path[p][bit / 8] ^= (unsigned char)(1u << (bit % 8));
					assert_int_equal(
					    lf_merkle_verify(leaves[i], i, n, path, len, root),
					    LF_ERR_CONFLICT);
					path[p][bit / 8] ^= (unsigned char)(1u << (bit % 8));
				}
			}
			for (size_t j = 0; j < n; j++) {
				if (j != i)
					assert_int_not_equal(
					    lf_merkle_verify(leaves[i], j, n, path, len, root),
					    LF_OK);
			}
			/* A path does not bind the tree size for leaves in the
			 * complete left part (RFC 9162: leaf 0 of 5 has the
			 * path of leaf 0 of 6); the signed checkpoint's range
			 * does. For the last leaf every other size fails. */
			for (size_t m = i + 1; i == n - 1 && m <= NMAX + 1; m++) {
				if (m != n)
					assert_int_not_equal(
					    lf_merkle_verify(leaves[i], i, m, path, len, root),
					    LF_OK);
			}
			if (len > 0)
				assert_int_equal(
				    lf_merkle_verify(leaves[i], i, n, path, len - 1, root),
				    LF_ERR_INVALID);
			memcpy(path[len], root, LF_MERKLE_HASH);
			assert_int_equal(lf_merkle_verify(leaves[i], i, n, path, len + 1, root),
					 LF_ERR_INVALID);
		}
	}
}

static void test_invalid(void **state)
{
	lf_merkle_hash leaves[2], root, path[LF_MERKLE_MAX_PATH];
	size_t len = 0;
	(void)state;
	leaves_of(leaves, 2);
	assert_int_equal(lf_merkle_root(leaves, 0, root), LF_ERR_INVALID);
	assert_int_equal(lf_merkle_proof(leaves, 2, 2, path, &len), LF_ERR_INVALID);
	assert_int_equal(lf_merkle_proof(leaves, 0, 0, path, &len), LF_ERR_INVALID);
	assert_int_equal(lf_merkle_root(leaves, 2, root), LF_OK);
	assert_int_equal(lf_merkle_verify(leaves[0], 2, 2, path, 1, root), LF_ERR_INVALID);
	assert_int_equal(lf_merkle_verify(leaves[0], 0, 0, path, 0, root), LF_ERR_INVALID);
}

/* A leaf array grown one record at a time past several doublings holds
 * exactly each record's leaf, in order; a bad record adds nothing. */
static void test_leaves_grow(void **state)
{
	lf_merkle_leaves l = {0};
	char hex[65];
	(void)state;
	for (int i = 0; i < 3000; i++) {
		unsigned char d[LF_MERKLE_HASH];
		lf_merkle_hash want;
		memset(d, 0, sizeof(d));
		memcpy(d, &i, sizeof(i));
		sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
		assert_int_equal(lf_merkle_leaves_add(&l, hex), LF_OK);
		assert_int_equal(lf_merkle_leaf(hex, want), LF_OK);
		assert_memory_equal(l.v[i], want, LF_MERKLE_HASH);
	}
	assert_int_equal(l.n, 3000);
	assert_true(l.cap >= 3000);
	assert_int_equal(lf_merkle_leaves_add(&l, "not hex"), LF_ERR_INVALID);
	assert_int_equal(l.n, 3000);
	free(l.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ct_vectors),	  cmocka_unit_test(test_leaf),
	    cmocka_unit_test(test_roots),	  cmocka_unit_test(test_root_1000),
	    cmocka_unit_test(test_proof_vectors), cmocka_unit_test(test_every_proof),
	    cmocka_unit_test(test_invalid),	  cmocka_unit_test(test_leaves_grow),
	};
	if (sodium_init() < 0)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
