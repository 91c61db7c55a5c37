/*
 * test_audit_proof.c - scripts/audit-proof.py, the independent checker of
 * inclusion proofs, against proofs made by the server's own pieces
 * (lf_audit_hash, merkle.c, checkpoint.c): every record of a signed batch
 * checks out, and a byte changed in the record, the path, the root, the
 * signature or the claimed place, or another public key, is named.
 *
 * Runs from the repository's root (as scripts/run-tests runs unit tests)
 * and needs Debian's python3-nacl, which `make deps` installs.
 */
#include "audit/audit.h"
#include "audit/checkpoint.h"
#include "audit/merkle.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fixture.h"

#define NREC	  7
#define FIRST_SEQ 41
#define SCRIPT	  "scripts/audit-proof.py"

typedef struct batch {
	char dir[64];
	char doc[128];
	lf_audit_key key;
	lf_audit_row rows[NREC];
	char hashes[NREC][65];
	lf_merkle_hash leaves[NREC];
	lf_checkpoint cp;
} batch;

static json_t *opt_text(const char *s);
static json_t *opt_id(int64_t id, int as_null);
static json_t *proof_doc(const batch *b, int k);
static void write_doc(const batch *b, json_t *doc);
static int run_checker(const batch *b, const char *pubkey, const char *redirect, char *out,
		       size_t outlen);
static void expect_fail(batch *b, json_t *doc, const char *pubkey, const char *what);
static void flip_hex(json_t *obj, const char *key, size_t pos);
static int setup(void **state);
static int teardown(void **state);
static void test_every_record(void **state);
static void test_stdin(void **state);
static void test_record_altered(void **state);
static void test_path_altered(void **state);
static void test_root_altered(void **state);
static void test_signature_altered(void **state);
static void test_wrong_place(void **state);
static void test_other_key(void **state);

static json_t *opt_text(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *opt_id(int64_t id, int as_null)
{
	return id == 0 && as_null ? json_null() : json_integer(id);
}

/* The answer GET /api/v1/audit/{seq}/proof gives for record k of the
 * batch. Ids of 0 are served as null for odd k and as 0 for even k: the
 * checker must take both. */
static json_t *proof_doc(const batch *b, int k)
{
	const lf_audit_row *r = &b->rows[k];
	lf_merkle_hash path[LF_MERKLE_MAX_PATH];
	size_t len = 0;
	char hex[65];
	json_t *jpath = json_array();
	assert_int_equal(lf_merkle_proof(b->leaves, NREC, (size_t)k, path, &len), LF_OK);
	for (size_t p = 0; p < len; p++) {
		sodium_bin2hex(hex, sizeof(hex), path[p], LF_MERKLE_HASH);
		json_array_append_new(jpath, json_string(hex));
	}
	json_t *rec = json_pack("{s:I,s:I,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:s,s:s}", "seq",
				(json_int_t)r->seq, "ts", (json_int_t)r->ts, "actor_id",
				opt_id(r->actor_id, k % 2), "actor_role", opt_text(r->actor_role),
				"action", r->action, "entity_type", r->entity_type, "entity_id",
				opt_text(r->entity_id), "project_id", opt_id(r->project_id, k % 2),
				"task_id", opt_id(r->task_id, k % 2), "from_state",
				opt_text(r->from_state), "to_state", opt_text(r->to_state),
				"details", r->details, "prev_hash", r->prev_hash, "hash", r->hash);
	json_t *cp = json_pack(
	    "{s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "batch", (json_int_t)b->cp.batch, "first_seq",
	    (json_int_t)b->cp.first_seq, "last_seq", (json_int_t)b->cp.last_seq, "sealed_at",
	    (json_int_t)b->cp.sealed_at, "root", b->cp.root, "prev", b->cp.prev, "hash", b->cp.hash,
	    "signature", b->cp.signature, "key_id", b->cp.key_id);
	assert_non_null(rec);
	assert_non_null(cp);
	return json_pack("{s:o,s:i,s:i,s:o,s:o}", "record", rec, "leaf_index", k, "tree_size", NREC,
			 "path", jpath, "checkpoint", cp);
}

static void write_doc(const batch *b, json_t *doc)
{
	assert_int_equal(json_dump_file(doc, b->doc, JSON_INDENT(2)), 0);
	json_decref(doc);
}

/* The checker's exit status; its output (both streams) in out. */
static int run_checker(const batch *b, const char *pubkey, const char *redirect, char *out,
		       size_t outlen)
{
	char cmd[512];
	size_t n = 0;
	snprintf(cmd, sizeof(cmd), "%s --pubkey %s %s%s 2>&1", SCRIPT, pubkey, redirect, b->doc);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void expect_fail(batch *b, json_t *doc, const char *pubkey, const char *what)
{
	char out[2048];
	write_doc(b, doc);
	int rc = run_checker(b, pubkey, "", out, sizeof(out));
	if (rc != 1 || strstr(out, what) == NULL)
		fail_msg("exit %d, wanted 1 and \"%s\":\n%s", rc, what, out);
}

/* Changes one hex digit of obj[key] (a string). */
static void flip_hex(json_t *obj, const char *key, size_t pos)
{
	char buf[160];
	snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(obj, key)));
	assert_true(pos < strlen(buf));
	buf[pos] = buf[pos] == '0' ? '1' : '0';
	json_object_set_new(obj, key, json_string(buf));
}

/*
 * Seven records seq 41..47 chained onto an earlier batch, the odd ones
 * with every optional field absent and one with non-ASCII details (the
 * encoding counts bytes, not characters), sealed as batch 3 and signed.
 */
static int setup(void **state)
{
	static const char *const details[NREC] = {
	    "{}",
	    "{\"work_id\":1}",
	    "{\"note\":\"caf\xc3\xa9 \xe2\x9c\x93\",\"n\":[1,2]}",
	    "{\"annotation_version\":1}",
	    "{\"a\":\"x;y=~;\"}",
	    "{}",
	    "{\"amount\":700}",
	};
	char key_path[128], err[256];
	batch *b = calloc(1, sizeof(*b));
	lf_merkle_hash root;
	if (b == NULL)
		return -1;
	snprintf(b->dir, sizeof(b->dir), "/tmp/lf_test_audit_proof_XXXXXX");
	if (mkdtemp(b->dir) == NULL)
		return -1;
	snprintf(b->doc, sizeof(b->doc), "%s/proof.json", b->dir);
	snprintf(key_path, sizeof(key_path), "%s/audit.key", b->dir);
	if (lf_audit_key_load(key_path, 1, &b->key, err, sizeof(err)) != LF_OK)
		return -1;
	for (int k = 0; k < NREC; k++) {
		lf_audit_row *r = &b->rows[k];
		int bare = k % 2;
		r->seq = FIRST_SEQ + k;
		r->ts = 1700000000000 + 17 * k;
		r->actor_id = bare ? 0 : 3 + k;
		r->actor_role = bare ? NULL : "annotator";
		r->action = bare ? "source.sync" : "task.submit";
		r->entity_type = bare ? "source" : "task";
		r->entity_id = bare ? NULL : "17";
		r->project_id = bare ? 0 : 2;
		r->task_id = bare ? 0 : 100 + k;
		r->from_state = bare ? NULL : "locked_l1";
		r->to_state = bare ? NULL : "queued_l2";
		r->details = details[k];
		r->prev_hash =
		    k == 0 ? "8759c611964a1e257c11aab61dcd8206d01ae8c29799365f8f1b94045c0a9db2"
			   : b->hashes[k - 1];
		lf_audit_hash(r, b->hashes[k]);
		r->hash = b->hashes[k];
		if (lf_merkle_leaf(r->hash, b->leaves[k]) != LF_OK)
			return -1;
	}
	if (lf_merkle_root(b->leaves, NREC, root) != LF_OK)
		return -1;
	b->cp.batch = 3;
	b->cp.first_seq = FIRST_SEQ;
	b->cp.last_seq = FIRST_SEQ + NREC - 1;
	b->cp.sealed_at = 1700000000456;
	sodium_bin2hex(b->cp.root, sizeof(b->cp.root), root, sizeof(root));
	snprintf(b->cp.prev, sizeof(b->cp.prev), "%s",
		 "33d501ae67e6e5745c0aa49e3aff95130969b568208b07210c508caa5ff39b3c");
	if (lf_checkpoint_sign(&b->cp, &b->key) != LF_OK)
		return -1;
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	batch *b = *state;
	lf_fx_rm_dir(b->dir);
	sodium_memzero(&b->key, sizeof(b->key));
	free(b);
	return 0;
}

static void test_every_record(void **state)
{
	batch *b = *state;
	char out[2048], want[128];
	for (int k = 0; k < NREC; k++) {
		write_doc(b, proof_doc(b, k));
		int rc = run_checker(b, b->key.pk_hex, "", out, sizeof(out));
		snprintf(want, sizeof(want), "ok: record %d is in batch 3 signed by %s\n",
			 FIRST_SEQ + k, b->key.key_id);
		if (rc != 0 || strcmp(out, want) != 0)
			fail_msg("record %d: exit %d:\n%s", FIRST_SEQ + k, rc, out);
	}
}

static void test_stdin(void **state)
{
	batch *b = *state;
	char out[2048];
	write_doc(b, proof_doc(b, 2));
	assert_int_equal(run_checker(b, b->key.pk_hex, "< ", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "ok: record 43 is in batch 3"));
}

/* One byte of the details (inside the multi-byte text), one id, one
 * null turned into a value: each is an altered record. */
static void test_record_altered(void **state)
{
	batch *b = *state;
	json_t *doc = proof_doc(b, 2), *rec = json_object_get(doc, "record");
	json_object_set_new(rec, "details",
			    json_string("{\"note\":\"caf\xc3\xa9 \xe2\x9c\x93\",\"n\":[1,3]}"));
	expect_fail(b, doc, b->key.pk_hex, "record 43: its hash does not match its fields");
	doc = proof_doc(b, 2);
	json_object_set_new(json_object_get(doc, "record"), "task_id", json_integer(103));
	expect_fail(b, doc, b->key.pk_hex, "record 43: its hash does not match its fields");
	doc = proof_doc(b, 3);
	json_object_set_new(json_object_get(doc, "record"), "actor_role", json_string(""));
	expect_fail(b, doc, b->key.pk_hex, "record 44: its hash does not match its fields");
}

static void test_path_altered(void **state)
{
	batch *b = *state;
	for (int k = 0; k < NREC; k++) {
		json_t *doc = proof_doc(b, k), *path = json_object_get(doc, "path");
		char buf[65];
		for (size_t p = 0; p < json_array_size(path); p++) {
			json_t *d = json_deep_copy(doc), *dp = json_object_get(d, "path");
			snprintf(buf, sizeof(buf), "%s", json_string_value(json_array_get(dp, p)));
			buf[p * 9 % 64] = buf[p * 9 % 64] == 'f' ? 'e' : 'f';
			json_array_set_new(dp, p, json_string(buf));
			expect_fail(b, d, b->key.pk_hex,
				    "the path does not lead to batch 3's root");
		}
		json_array_append_new(path, json_string(b->cp.root));
		expect_fail(b, doc, b->key.pk_hex, "the path has the wrong length");
	}
}

/* A root that changed is both off the path and off the signed hash. */
static void test_root_altered(void **state)
{
	batch *b = *state;
	json_t *doc = proof_doc(b, 4);
	flip_hex(json_object_get(doc, "checkpoint"), "root", 33);
	expect_fail(b, doc, b->key.pk_hex, "the path does not lead to batch 3's root");
	doc = proof_doc(b, 4);
	flip_hex(json_object_get(doc, "checkpoint"), "root", 33);
	expect_fail(b, doc, b->key.pk_hex, "checkpoint 3: its hash does not match its fields");
	doc = proof_doc(b, 4);
	json_object_set_new(json_object_get(doc, "checkpoint"), "sealed_at",
			    json_integer(1700000000457));
	expect_fail(b, doc, b->key.pk_hex, "checkpoint 3: its hash does not match its fields");
}

/* A signature off by one byte, and a checkpoint whose fields and hash
 * were both rewritten (the hash agrees): only the signature gives it
 * away. */
static void test_signature_altered(void **state)
{
	batch *b = *state;
	lf_checkpoint orig = b->cp;
	char sig[129];
	json_t *doc = proof_doc(b, 0);
	flip_hex(json_object_get(doc, "checkpoint"), "signature", 70);
	expect_fail(b, doc, b->key.pk_hex, "checkpoint 3: the signature does not verify");
	memcpy(sig, b->cp.signature, sizeof(sig));
	b->cp.sealed_at++;
	assert_int_equal(lf_checkpoint_sign(&b->cp, &b->key), LF_OK);
	memcpy(b->cp.signature, sig, sizeof(sig));
	doc = proof_doc(b, 0);
	b->cp = orig;
	expect_fail(b, doc, b->key.pk_hex, "checkpoint 3: the signature does not verify");
}

/* A proof of a real record at another leaf or in a tree of another size
 * does not hold, even where the path would (leaf 0 of 7 and of 8). */
static void test_wrong_place(void **state)
{
	batch *b = *state;
	json_t *doc = proof_doc(b, 0);
	json_object_set_new(doc, "tree_size", json_integer(NREC + 1));
	expect_fail(b, doc, b->key.pk_hex, "is not record 41's place in batch 3");
	doc = proof_doc(b, 1);
	json_object_set_new(doc, "leaf_index", json_integer(0));
	expect_fail(b, doc, b->key.pk_hex, "is not record 42's place in batch 3");
	doc = proof_doc(b, 1);
	json_object_set_new(json_object_get(doc, "record"), "seq", json_integer(FIRST_SEQ + NREC));
	expect_fail(b, doc, b->key.pk_hex, "is outside batch 3");
}

static void test_other_key(void **state)
{
	batch *b = *state;
	char other[65];
	memcpy(other, b->key.pk_hex, sizeof(other));
	other[0] = other[0] == '0' ? '1' : '0';
	expect_fail(b, proof_doc(b, 5), other, "signed by key");
	memcpy(other, b->key.pk_hex, sizeof(other));
	other[40] = other[40] == '0' ? '1' : '0';
	expect_fail(b, proof_doc(b, 5), other, "the signature does not verify with the given key");
	expect_fail(b, proof_doc(b, 5), "abc", "--pubkey must be 64 hex digits");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_record),   cmocka_unit_test(test_stdin),
	    cmocka_unit_test(test_record_altered), cmocka_unit_test(test_path_altered),
	    cmocka_unit_test(test_root_altered),   cmocka_unit_test(test_signature_altered),
	    cmocka_unit_test(test_wrong_place),	   cmocka_unit_test(test_other_key),
	};
	if (sodium_init() < 0)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
